"""Worker processes and start-up: the same results as one process, sooner."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from test_migrate_cli import BROKEN, CLEAN, LEGACY
from test_migrate_generated import bench

from tfcompat_losses.migrate import cli


def _tree(root: Path) -> Path:
    root.mkdir()
    for i in range(20):
        sub = root / f"pkg{i % 3}"
        sub.mkdir(exist_ok=True)
        text = bench.legacy_module(i, lines=60) if i % 4 else CLEAN
        (sub / f"m{i:02d}.py").write_text(text, encoding="utf-8")
    (root / "pkg0" / "broken.py").write_text(BROKEN)
    (root / "pkg1" / "latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nimport tensorflow as tf\n"
        b"s = '\xe9'\nl = tf.contrib.losses.log_loss(p, y, weight=w)\n"
    )
    return root


def _run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LEGACY.encode())))
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "mode",
    [
        [],
        ["--diff"],
        ["--check"],
        ["--check", "--diff"],
        ["--write"],
        ["--write", "-q"],
        ["--check", "--report-json", "-"],
        ["--write", "--report-json", "REPORT"],
    ],
)
def test_jobs_change_nothing_but_the_time(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    mode: list[str],
) -> None:
    base = _tree(tmp_path / "base")
    results = []
    for jobs in ("1", "2", "3", "0"):
        root = tmp_path / f"jobs{jobs}"
        shutil.copytree(base, root)
        report = tmp_path / f"report{jobs}.json"
        args = [a.replace("REPORT", str(report)) for a in mode]
        code, out, err = _run(capsys, monkeypatch, [*args, "--jobs", jobs, "-", str(root)])
        files = {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*.py"))}
        text = report.read_text() if report.exists() else ""
        results.append((code, *(s.replace(str(root), "ROOT") for s in (out, err, text)), files))
    assert all(r == results[0] for r in results[1:])
    code, out, err, _, files = results[0]
    assert code == 2  # the broken file
    assert "error: ROOT/pkg0/broken.py: cannot parse" in err
    if "--write" in mode:
        assert files[Path("pkg1/latin.py")].decode("latin-1").count("tfcompat_losses") == 2


def test_many_files_use_workers_by_default(tmp_path: Path) -> None:
    assert cli._jobs(0, cli.PARALLEL_MIN_FILES - 1) == 1
    assert cli._jobs(3, 1) == 3
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if sys.platform.startswith("linux"):
        assert cli._jobs(0, 1000) == max(1, min(cpus, 8))


def test_report_order_is_the_discovery_order(tmp_path: Path) -> None:
    root = _tree(tmp_path / "t")
    report = tmp_path / "r.json"
    cli.main(["--check", "-q", "--jobs", "2", "--report-json", str(report), str(root)])
    paths = [f["path"] for f in json.loads(report.read_text())["files"]]
    assert paths == list(cli.discover([str(root)]))
