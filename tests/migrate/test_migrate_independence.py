"""The command line and its tests need no TensorFlow; the package API is
still all there, loaded on first use; a library caller's heap is left as it was."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tfcompat_losses
from tfcompat_losses import _stub
from tfcompat_losses.migrate import cli

ROOT = Path(__file__).resolve().parents[2]
LEGACY = "import tensorflow as tf\nh = tf.contrib.losses.hinge_loss(logits, target=y)\n"

# Makes ``import tensorflow`` fail, as if it were not installed.
_BLOCK_TF = "import sys\nsys.modules['tensorflow'] = None\n"


def _python(code: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    "entry",
    [
        # What the console script runs.
        "from tfcompat_losses.__main__ import main\nrc = main(sys.argv[1:])\n",
        # python -m tfcompat_losses
        "import runpy\n"
        "sys.argv[0] = 'tfcompat_losses'\n"
        "try:\n"
        "    runpy.run_module('tfcompat_losses', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as e:\n"
        "    rc = e.code\n",
    ],
    ids=["console script", "python -m tfcompat_losses"],
)
def test_the_command_does_not_import_tensorflow(entry: str, tmp_path: Path) -> None:
    (tmp_path / "legacy.py").write_text(LEGACY)
    code = f"import sys\n{entry}print(rc, 'tensorflow' in sys.modules)\n"
    done = _python(code, "migrate", "--check", "-q", str(tmp_path))
    assert done.stdout.split() == ["1", "False"], done.stderr


def test_the_migrate_tests_run_without_tensorflow() -> None:
    # Every module of this directory, with both conftests, is collected with
    # TensorFlow blocked; a sample of them runs. (The end-to-end tests, which
    # execute migrated code, skip themselves.)
    code = (
        _BLOCK_TF + "import pytest\n"
        "args = ['-q', '-p', 'no:cacheprovider', '-m', 'not slow']\n"
        "sys.exit(pytest.main(args + sys.argv[1:]))\n"
    )
    here = Path(__file__).parent.relative_to(ROOT)
    collected = _python(code, "--collect-only", str(here))
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    assert "test_migrate_end_to_end.py::" not in collected.stdout  # skipped: needs TF
    sample = [str(here / f) for f in ("test_migrate_core_losses.py", "test_migrate_collections.py")]
    ran = _python(code, *sample)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert " passed" in ran.stdout and "skipped" not in ran.stdout


def test_the_heap_is_not_left_frozen_for_a_library_caller(tmp_path: Path, capsys) -> None:
    (tmp_path / "legacy.py").write_text(LEGACY)
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    assert cli.main(["--check", "-q", str(tmp_path)]) == 1
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller that froze its heap itself keeps it frozen
    try:
        frozen = gc.get_freeze_count()
        assert cli.main(["--check", "-q", str(tmp_path)]) == 1
        assert gc.get_freeze_count() > frozen // 2  # (frozen objects still die)
    finally:
        gc.unfreeze()


def test_the_typed_view_of_the_api_is_current() -> None:
    assert _stub.PATH.read_text(encoding="utf-8") == _stub.render(), (
        "run python -m tfcompat_losses._stub"
    )
    assert _stub.main(["--check"]) == 0


def test_the_public_names_are_the_same() -> None:
    # The API before the loader was rebuilt; ``v1`` joins it with TF1's core API.
    assert set(tfcompat_losses.__all__) - {"v1"} == {
        "LOSSES",
        "REGULARIZATION_LOSSES",
        "CollectionLeakWarning",
        "ContribQuirkWarning",
        "absolute_difference",
        "add_loss",
        "arg_scope",
        "collection_scope",
        "compute_weighted_loss",
        "cosine_distance",
        "exact_averaging",
        "get_losses",
        "get_regularization_losses",
        "get_total_loss",
        "hinge_loss",
        "install",
        "log",
        "log_loss",
        "mean_pairwise_squared_error",
        "mean_squared_error",
        "register_with_tf_slim",
        "sigmoid_cross_entropy",
        "softmax_cross_entropy",
        "sparse_softmax_cross_entropy",
        "sum_of_pairwise_squares",
        "sum_of_squares",
        "uninstall",
    }
    assert len(tfcompat_losses.__all__) == len(set(tfcompat_losses.__all__))


def test_the_package_api_is_loaded_on_first_use() -> None:
    pytest.importorskip("tensorflow")
    # All of it at once, the same objects as a plain import would give.
    from tfcompat_losses import _regression, legacy

    assert tfcompat_losses.mean_squared_error is _regression.mean_squared_error
    assert tfcompat_losses.sum_of_squares is tfcompat_losses.mean_squared_error
    assert tfcompat_losses.install is legacy.install
    assert all(getattr(tfcompat_losses, name) is not None for name in tfcompat_losses.__all__)
    assert set(tfcompat_losses.__all__) <= set(dir(tfcompat_losses))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        tfcompat_losses.nope  # noqa: B018
    namespace: dict[str, object] = {}
    exec("from tfcompat_losses import *", namespace)
    assert namespace["log"] is tfcompat_losses.log_loss
    assert set(namespace) - {"__builtins__"} == set(tfcompat_losses.__all__)


def test_importing_a_submodule_by_name_does_not_load_the_api() -> None:
    # ``from pkg import sub`` looks ``sub`` up as an attribute first.
    code = (
        _BLOCK_TF + "from tfcompat_losses import migrate, _stub\n"
        "from tfcompat_losses.migrate import cli\n"
        "import tfcompat_losses\n"
        "try:\n"
        "    tfcompat_losses.log_loss\n"
        "except ImportError as e:\n"
        "    print('needs', e.name)\n"
    )
    done = _python(code)
    assert done.stdout.split() == ["needs", "tensorflow"], done.stderr
