"""The examples run and report matching numbers (run as subprocesses)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _run(script: str) -> str:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_demo_all_paths_match() -> None:
    """make demo: install() eager/tf.function, migrated copy, Keras fit, tf_slim."""
    out = _run("demo.py")
    assert "-> MATCH" in out
    assert "contrib (tf_slim) graph" in out and "Keras model.fit" in out
    assert "+    tfcompat_losses.softmax_cross_entropy(logits, onehot, weights=w)" in out
    assert "train_tf1.py" in out


@pytest.mark.slow
def test_distributed_training_matches_one_device() -> None:
    out = _run("distributed_training.py")
    assert "-> MATCH" in out
