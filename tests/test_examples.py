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
def test_legacy_training_matches_tf_slim() -> None:
    out = _run("legacy_training.py")
    assert "-> MATCH" in out and "(no tf_slim)" not in out


@pytest.mark.slow
def test_distributed_training_matches_one_device() -> None:
    out = _run("distributed_training.py")
    assert "-> MATCH" in out
