"""The built sdist and wheel, installed into a fresh venv (``make smoke``).

``python -m build`` makes the sdist and then the wheel from it, so a file
left out of either is caught. The wheel's file list is checked against the
package's modules in the source tree; the wheel is installed (with the
``migrate`` extra, without the test extras) into a new venv and used from a
directory outside the source tree: import and one loss, the console script,
``python -m tfcompat_losses``.

Marked ``packaging``: ``make test`` leaves these to ``make smoke``.
"""

from __future__ import annotations

import email.parser
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile

import pytest

pytestmark = pytest.mark.packaging

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tfcompat_losses"
VERSION = "0.1.0"
ENTRY_POINT = "tfcompat-losses = tfcompat_losses.__main__:main"
# Build products, caches and venvs of the working tree, not sources.
UNTRACKED = (".git", ".venv*", "*.egg-info", "build", "dist", "__pycache__", ".*_cache")
UNTRACKED += (".hypothesis", "results", "out")


def _package_files() -> set[str]:
    """Every file of the package in the source tree, as wheel paths."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TF_USE_LEGACY_KERAS")}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.setdefault("PIP_ROOT_USER_ACTION", "ignore")
    return env


def _run(cmd: list[str], cwd: pathlib.Path, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=900, **kw
    )


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, str]:
    """``python -m build``: the output directory and what the build printed."""
    # From a copy without the editable install's egg-info (whose SOURCES.txt
    # would add back files that the package configuration leaves out).
    src = tmp_path_factory.mktemp("src") / "tfcompat-losses"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*UNTRACKED))
    out = tmp_path_factory.mktemp("dist")
    r = _run([sys.executable, "-m", "build", "--outdir", str(out), str(src)], cwd=src)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out, r.stdout + r.stderr


@pytest.fixture(scope="module")
def wheel(build: tuple[pathlib.Path, str]) -> pathlib.Path:
    (whl,) = build[0].glob("tfcompat_losses-*.whl")
    return whl


@pytest.fixture(scope="module")
def sdist(build: tuple[pathlib.Path, str]) -> pathlib.Path:
    (sd,) = build[0].glob("tfcompat_losses-*.tar.gz")
    return sd


@pytest.fixture(scope="module")
def smoke_venv(tmp_path_factory: pytest.TempPathFactory, wheel: pathlib.Path) -> pathlib.Path:
    """A new venv with the wheel and its ``migrate`` extra, nothing else."""
    home = tmp_path_factory.mktemp("smoke-venv")
    venv.EnvBuilder(with_pip=True).create(home)
    py = home / "bin" / "python"
    r = _run([str(py), "-m", "pip", "install", "-q", f"{wheel}[migrate]"], cwd=home)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return home


@pytest.fixture()
def workdir(tmp_path: pathlib.Path) -> pathlib.Path:
    """A directory outside the source tree, so only the installed wheel imports."""
    return tmp_path


def test_build_prints_no_warnings(build: tuple[pathlib.Path, str]) -> None:
    # setuptools' deprecation boxes ("WARNING `project.license` as a TOML
    # table is deprecated"), warning classes, anything deprecated.
    warns = re.compile(r"^\s*WARNING\s|\b[A-Z]\w*Warning\b|(?i:deprecat)")
    found = [line for line in build[1].splitlines() if warns.search(line)]
    assert not found, "the build warns:\n" + "\n".join(found[:20])


def test_wheel_holds_every_module_and_the_marker(wheel: pathlib.Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = _package_files()
    assert "tfcompat_losses/py.typed" in expected
    assert {"tfcompat_losses/__init__.py", "tfcompat_losses/migrate/rules/__init__.py"} <= expected
    in_wheel = {n for n in names if n.startswith("tfcompat_losses/")}
    assert in_wheel == expected, (
        f"missing from the wheel: {sorted(expected - in_wheel)}; "
        f"not in the source tree: {sorted(in_wheel - expected)}"
    )
    info = f"tfcompat_losses-{VERSION}.dist-info"
    assert {n.split("/")[0] for n in names} == {"tfcompat_losses", info}


def test_wheel_metadata_and_entry_point(wheel: pathlib.Path) -> None:
    info = f"tfcompat_losses-{VERSION}.dist-info"
    with zipfile.ZipFile(wheel) as z:
        entry_points = z.read(f"{info}/entry_points.txt").decode()
        meta = email.parser.Parser().parsestr(z.read(f"{info}/METADATA").decode())
    assert "[console_scripts]" in entry_points
    assert ENTRY_POINT in entry_points.splitlines()
    assert meta["Name"] == "tfcompat-losses" and meta["Version"] == VERSION
    # PEP 639: an SPDX expression, not the deprecated License field/classifier.
    assert meta["License-Expression"] == "Apache-2.0"
    assert not [c for c in meta.get_all("Classifier", []) if c.startswith("License ::")]
    requires = meta.get_all("Requires-Dist", [])
    assert any(r.replace(" ", "").startswith("tensorflow>=2.16") for r in requires), requires
    assert "migrate" in meta.get_all("Provides-Extra", [])


def test_sdist_holds_the_sources(sdist: pathlib.Path) -> None:
    top = f"tfcompat_losses-{VERSION}"
    with tarfile.open(sdist) as t:
        names = {n.removeprefix(top + "/") for n in t.getnames()}
    assert {"pyproject.toml", "README.md", "PKG-INFO"} <= names
    missing = _package_files() - names
    assert not missing, f"missing from the sdist: {sorted(missing)}"


def test_import_and_one_loss(smoke_venv: pathlib.Path, workdir: pathlib.Path) -> None:
    code = (
        "import importlib.metadata, pathlib, tfcompat_losses as tcl\n"
        # contrib: sum(|p - l| * w) / count(w != 0) = (1*1 + 2*0 + 4*1) / 2
        "v = tcl.absolute_difference([[1.0], [2.0], [4.0]], [[0.0], [0.0], [0.0]],\n"
        "                            weights=[[1.0], [0.0], [1.0]])\n"
        "print(float(v))\n"
        "print(tcl.__file__)\n"
        "print(importlib.metadata.version('tfcompat-losses'))\n"
        "print((pathlib.Path(tcl.__file__).parent / 'py.typed').is_file())\n"
    )
    r = _run([str(smoke_venv / "bin" / "python"), "-c", code], cwd=workdir)
    assert r.returncode == 0, r.stderr[-3000:]
    value, where, version, typed = r.stdout.split()[-4:]
    assert float(value) == pytest.approx(2.5)
    assert pathlib.Path(where).is_relative_to(smoke_venv), where
    assert version == VERSION and typed == "True"


def test_console_script_migrate_check(smoke_venv: pathlib.Path, workdir: pathlib.Path) -> None:
    legacy = "import tensorflow as tf\nx = tf.contrib.losses.hinge_loss(logits, labels)\n"
    (workdir / "legacy.py").write_text(legacy)
    (workdir / "clean.py").write_text("import tensorflow as tf\n")
    cli = str(smoke_venv / "bin" / "tfcompat-losses")
    r = _run([cli, "migrate", "--check", "legacy.py", "clean.py"], cwd=workdir)
    assert r.returncode == 1, r
    assert (workdir / "legacy.py").read_text() == legacy  # --check writes nothing
    r = _run([cli, "migrate", "--check", "clean.py"], cwd=workdir)
    assert r.returncode == 0, r
    r = _run([cli, "migrate", "legacy.py"], cwd=workdir)
    assert r.returncode == 0, r
    assert "+import tfcompat_losses" in r.stdout


def test_python_m_help(smoke_venv: pathlib.Path, workdir: pathlib.Path) -> None:
    py = str(smoke_venv / "bin" / "python")
    r = _run([py, "-m", "tfcompat_losses", "--help"], cwd=workdir)
    assert r.returncode == 0, r
    assert r.stdout.startswith("usage: tfcompat-losses") and "migrate" in r.stdout
    r = _run([py, "-m", "tfcompat_losses", "--version"], cwd=workdir)
    assert r.returncode == 0 and VERSION in r.stdout, r


def test_cli_without_libcst_names_the_extra(
    smoke_venv: pathlib.Path, workdir: pathlib.Path
) -> None:
    # The base install has no libcst; blocking its import stands in for that.
    code = (
        "import sys; sys.modules['libcst'] = None\n"
        "from tfcompat_losses.__main__ import main\n"
        "sys.exit(main(['migrate', '--check', 'x.py']))\n"
    )
    r = _run([str(smoke_venv / "bin" / "python"), "-c", code], cwd=workdir)
    assert r.returncode == 2, r
    assert "tfcompat-losses[migrate]" in r.stderr
