"""The command line: modes, exit codes, stdin, reports, file discovery."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tfcompat_losses import __main__ as package_main
from tfcompat_losses.migrate import cli

LEGACY = "import tensorflow as tf\nh = tf.contrib.losses.hinge_loss(logits, target=y)\n"
MIGRATED = "import tensorflow as tf\nimport tfcompat_losses\nh = tfcompat_losses.hinge_loss(logits, labels=y)\n"
CLEAN = "import tensorflow as tf\nx = tf.reduce_sum(y)\n"
BROKEN = "import tensorflow as tf\nprint 'py2', tf.contrib.losses.log_loss(p, y)\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "legacy.py").write_text(LEGACY)
    (tmp_path / "pkg" / "clean.py").write_text(CLEAN)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def stdin(monkeypatch: pytest.MonkeyPatch, data: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))


def test_default_prints_a_diff_and_writes_nothing(capsys, tree: Path) -> None:
    path = str(tree / "pkg" / "legacy.py")
    code, out, err = run(capsys, path)
    assert code == 0
    assert out == (
        f"--- {path}\n+++ {path}\n@@ -1,2 +1,3 @@\n import tensorflow as tf\n"
        "-h = tf.contrib.losses.hinge_loss(logits, target=y)\n"
        "+import tfcompat_losses\n"
        "+h = tfcompat_losses.hinge_loss(logits, labels=y)\n"
    )
    assert (tree / "pkg" / "legacy.py").read_text() == LEGACY
    assert f"{path}:2:5: TCL101 hinge_loss returns the unreduced" in err
    assert "1 file would be migrated, 0 unchanged; 1 note" in err
    assert run(capsys, "--diff", path)[:2] == (0, out)


def test_diff_marks_a_missing_final_newline(capsys, tmp_path: Path) -> None:
    f = tmp_path / "f.py"
    f.write_text(LEGACY.rstrip("\n"))
    out = run(capsys, str(f))[1]
    assert out.endswith(
        "+h = tfcompat_losses.hinge_loss(logits, labels=y)\n\\ No newline at end of file\n"
    )


def test_write_then_nothing_left(capsys, tree: Path) -> None:
    code, out, err = run(capsys, "--write", str(tree))
    assert (code, out) == (0, "")
    assert (tree / "pkg" / "legacy.py").read_text() == MIGRATED
    assert (tree / "pkg" / "clean.py").read_text() == CLEAN
    assert f"migrated {tree / 'pkg' / 'legacy.py'}" in err
    assert "1 file migrated, 1 unchanged; 1 note" in err
    assert run(capsys, "--check", str(tree))[0] == 0
    assert run(capsys, str(tree))[1] == ""


def test_check_exit_codes(capsys, tree: Path) -> None:
    code, out, err = run(capsys, "--check", str(tree))
    assert (code, out) == (1, "")
    assert f"would migrate {tree / 'pkg' / 'legacy.py'}" in err
    assert (tree / "pkg" / "legacy.py").read_text() == LEGACY
    assert run(capsys, "--check", str(tree / "pkg" / "clean.py"))[0] == 0
    code, out, _ = run(capsys, "--check", "--diff", str(tree))
    assert code == 1 and out.startswith("--- ")


def test_write_and_diff_are_exclusive(capsys, tree: Path) -> None:
    with pytest.raises(SystemExit) as e:
        cli.main(["--write", "--diff", str(tree)])
    assert e.value.code == 2


def test_syntax_error_reported_untouched_and_the_run_continues(capsys, tree: Path) -> None:
    (tree / "pkg" / "a_broken.py").write_text(BROKEN)
    code, _, err = run(capsys, "--write", str(tree))
    assert code == 2
    assert (tree / "pkg" / "a_broken.py").read_text() == BROKEN
    assert (tree / "pkg" / "legacy.py").read_text() == MIGRATED  # processed after it
    assert f"error: {tree / 'pkg' / 'a_broken.py'}: cannot parse: Missing parentheses" in err
    assert "1 file migrated, 1 unchanged, 1 could not be processed" in err
    assert run(capsys, "--check", str(tree))[0] == 2


def test_missing_path(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.py"))
    assert code == 2 and "cannot read" in err


def test_stdin_diff(capsys, monkeypatch) -> None:
    stdin(monkeypatch, LEGACY)
    code, out, err = run(capsys, "-")
    assert code == 0
    assert out.startswith("--- -\n+++ -\n@@ -1,2 +1,3 @@\n")
    assert "-:2:5: TCL101" in err


def test_stdin_write_prints_the_migrated_source(capsys, monkeypatch) -> None:
    stdin(monkeypatch, LEGACY)
    assert run(capsys, "--write", "-q", "-")[:2] == (0, MIGRATED)
    stdin(monkeypatch, CLEAN)
    assert run(capsys, "--write", "-q", "-")[:2] == (0, CLEAN)
    stdin(monkeypatch, BROKEN)
    code, out, err = run(capsys, "--write", "-")
    assert (code, out) == (2, BROKEN)
    assert "error: -: cannot parse" in err


def test_stdin_check_and_filename(capsys, monkeypatch) -> None:
    stdin(monkeypatch, LEGACY)
    code, out, err = run(capsys, "--check", "--stdin-filename", "model.py", "-")
    assert (code, out) == (1, "")
    assert "would migrate model.py" in err and "model.py:2:5: TCL101" in err
    stdin(monkeypatch, CLEAN)
    assert run(capsys, "--check", "-")[0] == 0


def test_report_json(capsys, tree: Path) -> None:
    (tree / "pkg" / "a_broken.py").write_text(BROKEN)
    report = tree / "report.json"
    code, _, err = run(capsys, "--check", "--report-json", str(report), str(tree / "pkg"))
    assert code == 2
    assert "TCL101" not in err  # the notes went to the JSON report
    data = json.loads(report.read_text())
    assert set(data) == {"schema", "tool", "version", "summary", "files"}
    assert data["schema"] == 1 and data["tool"] == "tfcompat-losses migrate"
    assert data["summary"] == {"files": 3, "changed": 1, "unchanged": 1, "errors": 1, "notes": 1}
    by_path = {Path(f["path"]).name: f for f in data["files"]}
    assert by_path["a_broken.py"]["status"] == "error"
    assert by_path["a_broken.py"]["error"].startswith("cannot parse")
    assert by_path["clean.py"] == {
        "path": str(tree / "pkg" / "clean.py"),
        "status": "unchanged",
        "error": None,
        "notes": [],
    }
    legacy = by_path["legacy.py"]
    assert legacy["status"] == "changed" and legacy["error"] is None
    (note,) = legacy["notes"]
    assert set(note) == {"line", "column", "code", "symbol", "message"}
    assert (note["line"], note["column"], note["code"], note["symbol"]) == (
        2,
        5,
        "TCL101",
        "hinge_loss",
    )


def test_report_json_on_stdout(capsys, tree: Path) -> None:
    code, out, _ = run(capsys, "--check", "--report-json", "-", str(tree))
    assert code == 1 and json.loads(out)["summary"]["changed"] == 1
    code, out, err = run(capsys, "--report-json", "-", str(tree))  # stdout holds the diff
    assert code == 2 and "needs stdout free" in err


def test_quiet_keeps_only_errors(capsys, tree: Path) -> None:
    (tree / "pkg" / "a_broken.py").write_text(BROKEN)
    code, out, err = run(capsys, "-q", "--check", str(tree))
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"error: {tree / 'pkg' / 'a_broken.py'}: cannot parse")


def test_directory_search(tmp_path: Path) -> None:
    for rel in ("a.py", "b.txt", "sub/c.py", ".venv/d.py", "sub/__pycache__/e.py", "gen/f.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(LEGACY)
    found = list(cli.discover([str(tmp_path)], ["gen"]))
    assert [Path(p).relative_to(tmp_path).as_posix() for p in found] == ["a.py", "sub/c.py"]
    explicit = str(tmp_path / "b.txt")
    assert list(cli.discover([explicit, "-"])) == [explicit, "-"]


def test_progress_on_large_trees(capsys, tmp_path: Path) -> None:
    for i in range(cli.PROGRESS_MIN_FILES):
        (tmp_path / f"m{i:03d}.py").write_text(LEGACY if i % 2 else CLEAN)
    code, _, err = run(capsys, "--check", "--jobs", "1", "--report-json", os.devnull, str(tmp_path))
    assert code == 1
    progress = [line for line in err.splitlines() if line.startswith("migrate: ")]
    assert progress[0] == "migrate: 10/100 files, 5 to change"
    assert progress[-1] == "migrate: 100/100 files, 50 to change"
    assert len(progress) == 10
    assert "migrate: " not in run(capsys, "-q", "--check", str(tmp_path))[2]


def test_parallel_run_gives_the_same_results(capsys, tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"m{i:02d}.py").write_text(LEGACY if i % 3 else CLEAN)
    (tmp_path / "m99.py").write_text(BROKEN)
    serial = run(capsys, "--jobs", "1", str(tmp_path))
    parallel = run(capsys, "--jobs", "2", str(tmp_path))
    assert serial == parallel
    assert serial[0] == 2
    copy = tmp_path.parent / "copy"
    shutil.copytree(tmp_path, copy)
    assert run(capsys, "--write", "-q", "--jobs", "2", str(copy))[0] == 2
    assert (copy / "m01.py").read_text() == MIGRATED


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"tfcompat-losses migrate {cli._version()}"
    with pytest.raises(SystemExit):
        package_main.main(["--version"])
    assert capsys.readouterr().out.strip() == f"tfcompat-losses {cli._version()}"


def test_package_command_dispatches_to_migrate(capsys, tree: Path) -> None:
    assert package_main.main(["migrate", "--check", str(tree)]) == 1
    with pytest.raises(SystemExit) as e:
        package_main.main([])
    assert e.value.code == 2


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "tfcompat_losses", "migrate"],
        [sys.executable, "-m", "tfcompat_losses.migrate"],
        [str(Path(sys.executable).parent / "tfcompat-losses"), "migrate"],
    ],
    ids=["python -m tfcompat_losses", "python -m tfcompat_losses.migrate", "console script"],
)
def test_entry_points(command: list[str], tree: Path) -> None:
    if not Path(command[0]).exists():
        pytest.skip("console script not installed")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [*command, "--check", str(tree)], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 1, proc.stderr
    assert f"would migrate {tree / 'pkg' / 'legacy.py'}" in proc.stderr
    proc = subprocess.run(
        [*command, "--write", "-"],
        input=LEGACY,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert (proc.returncode, proc.stdout) == (0, MIGRATED), proc.stderr
