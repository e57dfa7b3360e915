"""The pre-commit hook in .pre-commit-hooks.yaml, called as pre-commit calls it.

pre-commit runs ``entry`` split like a shell command, then ``args``, then the
staged file names relative to the repository root, with the hook
environment's ``bin`` first on PATH, from the repository root. A hook fails
the commit on a non-zero exit status.
"""

from __future__ import annotations

import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

LEGACY = """\
import tensorflow as tf


def loss(logits, onehot, w):
    return tf.contrib.losses.softmax_cross_entropy(logits, onehot, weight=w)
"""

CLEAN = """\
import tensorflow as tf


def loss(logits, onehot):
    return tf.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=logits)
"""


def _hook() -> dict:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hooks, list) and len(hooks) == 1, hooks
    return hooks[0]


def _run(repo: pathlib.Path, *files: str) -> subprocess.CompletedProcess[str]:
    """Run the hook on ``files`` (relative to ``repo``) the way pre-commit does."""
    hook = _hook()
    cmd = [*shlex.split(hook["entry"]), *hook.get("args", []), *files]
    # The hook environment pre-commit builds holds the package's console script.
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    exe = shutil.which(cmd[0], path=path)
    assert exe, f"{cmd[0]!r} is not installed next to {sys.executable} (pip install -e .)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = path
    return subprocess.run(
        [exe, *cmd[1:]], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )


def test_manifest_describes_a_python_hook() -> None:
    hook = _hook()
    assert hook["id"] == "tfcompat-losses-migrate"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    assert shlex.split(hook["entry"])[:2] == ["tfcompat-losses", "migrate"]
    # The command needs libcst, which is not a dependency of the base package.
    assert any(d.startswith("libcst") for d in hook["additional_dependencies"])
    assert hook.get("pass_filenames", True) is True


def test_manifest_passes_pre_commits_own_schema() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_readme_config_names_the_hook() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```", readme, flags=re.M | re.S)
    configs = [yaml.safe_load(b) for b in blocks]
    ids = [h["id"] for c in configs for r in c.get("repos", []) for h in r["hooks"]]
    assert ids == [_hook()["id"]]


def test_rewrites_and_fails_then_passes(tmp_path: pathlib.Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "train.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "clean.py").write_text(CLEAN, encoding="utf-8")

    first = _run(tmp_path, "pkg/train.py", "clean.py")
    assert first.returncode == 1, first
    migrated = (tmp_path / "pkg" / "train.py").read_text(encoding="utf-8")
    assert migrated != LEGACY
    assert "tf.contrib" not in migrated and "weight=" not in migrated
    assert "import tfcompat_losses" in migrated
    compile(migrated, "train.py", "exec")
    assert (tmp_path / "clean.py").read_text(encoding="utf-8") == CLEAN

    # pre-commit is re-run after the changes are staged: now it passes.
    second = _run(tmp_path, "pkg/train.py", "clean.py")
    assert second.returncode == 0, second
    assert (tmp_path / "pkg" / "train.py").read_text(encoding="utf-8") == migrated


def test_clean_files_pass_untouched(tmp_path: pathlib.Path) -> None:
    (tmp_path / "clean.py").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "empty.py").write_text("", encoding="utf-8")
    result = _run(tmp_path, "clean.py", "empty.py")
    assert result.returncode == 0, result
    assert (tmp_path / "clean.py").read_text(encoding="utf-8") == CLEAN
    assert (tmp_path / "empty.py").read_text(encoding="utf-8") == ""


@pytest.mark.parametrize("other", [None, "clean.py"])
def test_unparsable_file_fails_untouched(tmp_path: pathlib.Path, other: str | None) -> None:
    broken = "x = tf.contrib.losses.hinge_loss(\n"
    (tmp_path / "broken.py").write_text(broken, encoding="utf-8")
    (tmp_path / "clean.py").write_text(CLEAN, encoding="utf-8")
    result = _run(tmp_path, "broken.py", *([other] if other else []))
    assert result.returncode == 2, result
    assert "broken.py" in result.stderr
    assert (tmp_path / "broken.py").read_text(encoding="utf-8") == broken
