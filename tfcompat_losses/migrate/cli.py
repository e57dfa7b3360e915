"""The ``migrate`` command line.

::

    tfcompat-losses migrate [--diff | --write] [--check] [--report-json FILE]
                            [--jobs N] [--exclude GLOB] [-q] PATH [PATH ...]

PATH is a file, a directory (searched for ``*.py``) or ``-`` (stdin). Output:
unified diffs on stdout (the default), or the files rewritten in place
(``--write``; with ``-`` the migrated source goes to stdout:
``tfcompat-losses migrate --write - < old.py > new.py``). ``--check``
makes the exit status 1 when something would change. Notes, progress and
errors go to stderr; ``--report-json`` writes the notes as JSON instead.

Exit status: 0 done; 1 ``--check`` and some file would change; 2 some file
could not be read or parsed (it is reported and left untouched; the others
are still processed), or bad usage. Files are pre-checked textually: one
that never mentions the legacy API is not parsed at all (so its syntax
errors, if any, are not reported).

The JSON report (``--report-json``)::

    {"schema": 1, "tool": "tfcompat-losses migrate", "version": "0.1.0",
     "summary": {"files": 3, "changed": 1, "unchanged": 1, "errors": 1, "notes": 1},
     "files": [{"path": "model.py", "status": "changed", "error": null,
                "notes": [{"line": 2, "column": 5, "code": "TCL101",
                           "symbol": "hinge_loss", "message": "..."}]}, ...]}

``status`` is ``changed`` (or would be), ``unchanged`` or ``error``; lines
and columns are 1-based; the codes are listed in :mod:`._codes`.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import fnmatch
import functools
import gc
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ._engine import Result, migrate_bytes
from .rules import Note

__all__ = ["Outcome", "add_arguments", "discover", "main", "process_file", "run", "unified_diff"]

#: Directory names never searched (explicitly named files are always processed).
DEFAULT_EXCLUDES = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".pytest_cache",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    "venv",
)
#: Progress is shown from this many files on.
PROGRESS_MIN_FILES = 100
#: Worker processes are used from this many files on (with ``--jobs`` auto).
PARALLEL_MIN_FILES = 64
REPORT_SCHEMA = 1

_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("tfcompat-losses")
    except Exception:  # not installed (e.g. run from a source tree)
        from .. import __version__

        return str(__version__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files or directories to migrate (directories: every *.py inside); '-' for stdin",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--diff",
        action="store_true",
        help="print a unified diff of the changes on stdout (the default without --check)",
    )
    mode.add_argument(
        "--write",
        action="store_true",
        help="rewrite the files in place (for '-': print the migrated source on stdout)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 if any file would change (no diff unless --diff is given)",
    )
    parser.add_argument(
        "--report-json",
        metavar="FILE",
        help="write the per-call-site notes as JSON to FILE ('-': stdout) instead of "
        "printing them on stderr",
    )
    parser.add_argument(
        "--stdin-filename",
        metavar="NAME",
        default="-",
        help="the name to report for '-' (stdin)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help=f"worker processes (default: one per CPU from {PARALLEL_MIN_FILES} files on)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files and directories whose name matches GLOB while searching "
        f"directories (repeatable; always skipped: {', '.join(DEFAULT_EXCLUDES)})",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only errors on stderr (no notes, progress or summary)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")


def build_parser(prog: str = "tfcompat-losses migrate") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Rewrite code that uses tf.contrib.losses (also through slim.losses, "
        "tf_slim.losses, import aliases and module aliases) to use tfcompat_losses, with "
        "the other TF1 writers and readers of the loss collections (tf.add_to_collection, "
        "tf.get_collection, TF1's core tf.losses -> tfcompat_losses.v1). Everything else "
        "is left byte-for-byte alone.",
        epilog="Notes (one per call site, on stderr unless --report-json): "
        "PATH:LINE:COL: CODE message; TCL1xx contrib numbers kept that differ from native "
        "TF2, TCL2xx old keywords left as is, TCL3xx code left alone, TCL4xx loss "
        "collections, TCL5xx TF1's core tf.losses where it may be Keras' (left alone). "
        "Exit status: 0 done; 1 with --check when a file would change; 2 when a "
        "file could not be read or parsed (it is left untouched) or on bad usage.",
    )
    add_arguments(parser)
    return parser


@dataclass
class Outcome:
    """What happened to one file (what a worker process sends back)."""

    path: str
    status: str  # "changed" | "unchanged" | "error"
    notes: list[Note] = field(default_factory=list)
    error: str | None = None
    diff: str = ""
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "error": self.error,
            "notes": [n.as_dict() for n in self.notes],
        }


def _split_lines(text: str) -> list[str]:
    return _LINES.findall(text)


def unified_diff(before: str, after: str, path: str) -> str:
    out = []
    for line in difflib.unified_diff(_split_lines(before), _split_lines(after), path, path):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def _outcome(result: Result, want_diff: bool) -> Outcome:
    diff = unified_diff(result.source, result.output, result.path) if want_diff else ""
    return Outcome(result.path, result.status, result.notes, result.error, diff, result.skipped)


def process_file(path: str, *, write: bool, want_diff: bool) -> Outcome:
    """Migrates one file (in a worker process when there are many)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        return Outcome(path, "error", error=f"cannot read: {e.strerror or e}")
    result = migrate_bytes(data, path)
    if result.changed and write:
        try:
            Path(path).write_bytes(result.output_bytes())
        except OSError as e:
            return Outcome(path, "error", result.notes, f"cannot write: {e.strerror or e}")
    return _outcome(result, want_diff and result.changed)


def discover(paths: Iterable[str], excludes: Sequence[str] = ()) -> Iterator[str]:
    """The files to process, in a stable order: ``-`` and named files as given,
    directories searched (sorted) for ``*.py``, skipping excluded names."""
    patterns = (*DEFAULT_EXCLUDES, *excludes)

    def excluded(name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in patterns)

    for p in paths:
        if p == "-" or not os.path.isdir(p):
            yield p
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not excluded(d))
            for name in sorted(files):
                if name.endswith(".py") and not excluded(name):
                    yield os.path.join(root, name)


def _jobs(requested: int, n_files: int) -> int:
    if requested > 0:
        return requested
    if n_files < PARALLEL_MIN_FILES or not sys.platform.startswith("linux"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def run(files: list[str], *, write: bool, want_diff: bool, jobs: int = 1) -> Iterator[Outcome]:
    """Processes ``files`` (no ``-``), yielding outcomes in order."""
    work = functools.partial(process_file, write=write, want_diff=want_diff)
    if jobs <= 1 or len(files) < 2:
        yield from map(work, files)
        return
    # fork: the workers inherit the imported modules instead of importing them
    # again (libcst; TensorFlow too when a caller of main() imported it).
    import multiprocessing

    chunk = max(1, min(32, len(files) // (jobs * 4)))
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(work, files, chunksize=chunk)


class _Progress:
    """``migrate: 350/1000 files`` on stderr: updated in place on a terminal,
    one line per tenth otherwise."""

    def __init__(self, total: int, stream: IO[str], enabled: bool) -> None:
        self.total, self.stream = total, stream
        self.enabled = enabled and total >= PROGRESS_MIN_FILES
        self.tty = self.enabled and stream.isatty()
        self._last = 0.0
        self._tenth = 0
        self._shown = False

    def update(self, done: int, changed: int) -> None:
        if not self.enabled:
            return
        text = f"migrate: {done}/{self.total} files, {changed} to change"
        if self.tty:
            now = time.monotonic()
            if now - self._last >= 0.1 or done == self.total:
                self._last = now
                self.stream.write(f"\r{text}")
                self.stream.flush()
                self._shown = True
        elif done * 10 // self.total > self._tenth:
            self._tenth = done * 10 // self.total
            self.stream.write(text + "\n")

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self._shown = False


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def main(argv: Sequence[str] | None = None, prog: str = "tfcompat-losses migrate") -> int:
    args = build_parser(prog).parse_args(argv)
    return execute(args)


@contextlib.contextmanager
def _heap_frozen() -> Iterator[None]:
    """The objects alive on entry are ignored by the garbage collector inside
    the block, and given back to it on exit.

    The command line does not import TensorFlow, but a caller of main() may
    have: its ~300k objects on the heap would be walked again by every full
    collection (~35% more time per file on a legacy tree). A caller that
    froze the heap itself keeps it frozen.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def execute(args: argparse.Namespace) -> int:
    with _heap_frozen():
        return _execute(args)


def _execute(args: argparse.Namespace) -> int:
    stdout, stderr = sys.stdout, sys.stderr
    files = list(discover(args.paths, args.exclude))
    want_diff = args.diff or not (args.write or args.check)
    if args.report_json == "-" and (want_diff or (args.write and "-" in files)):
        stderr.write("error: --report-json - needs stdout free: use it with --check or --write\n")
        return 2
    text_notes = not args.quiet and args.report_json is None
    on_disk = [f for f in files if f != "-"]
    progress = _Progress(len(on_disk), stderr, not args.quiet)
    outcomes: list[Outcome] = []

    def report(o: Outcome) -> None:
        outcomes.append(o)
        if o.diff:
            stdout.write(o.diff)
        if o.error or (text_notes and o.notes) or (o.status == "changed" and not args.quiet):
            progress.clear()
        if o.error:
            stderr.write(f"error: {o.path}: {o.error}\n")
        elif o.status == "changed" and not args.quiet and (args.write or args.check):
            verb = "migrated" if args.write else "would migrate"
            stderr.write(f"{verb} {o.path}\n")
        if text_notes:
            for n in o.notes:
                stderr.write(n.format() + "\n")

    if "-" in files:
        report(_stdin(args, stdout, want_diff))
    changed = 0
    jobs = _jobs(args.jobs, len(on_disk))
    for o in run(on_disk, write=args.write, want_diff=want_diff, jobs=jobs):
        report(o)
        changed += o.status == "changed"
        progress.update(len(outcomes) - ("-" in files), changed)
    progress.clear()
    stdout.flush()

    counts = {s: sum(o.status == s for o in outcomes) for s in ("changed", "unchanged", "error")}
    n_notes = sum(len(o.notes) for o in outcomes)
    if args.report_json is not None:
        _write_report(args.report_json, outcomes, counts, n_notes)
    if not args.quiet:
        verb = "migrated" if args.write else "would be migrated"
        summary = f"{_plural(counts['changed'], 'file')} {verb}, {counts['unchanged']} unchanged"
        if counts["error"]:
            summary += f", {counts['error']} could not be processed"
        stderr.write(f"{summary}; {_plural(n_notes, 'note')}\n")
    if counts["error"]:
        return 2
    return 1 if args.check and counts["changed"] else 0


def _stdin(args: argparse.Namespace, stdout: IO[str], want_diff: bool) -> Outcome:
    data = sys.stdin.buffer.read()
    result = migrate_bytes(data, args.stdin_filename)
    if args.write:
        stdout.flush()
        out = result.output_bytes() if result.changed else data
        sys.stdout.buffer.write(out)
        sys.stdout.buffer.flush()
    return _outcome(result, want_diff and result.changed)


def _write_report(
    target: str, outcomes: list[Outcome], counts: dict[str, int], n_notes: int
) -> None:
    report = {
        "schema": REPORT_SCHEMA,
        "tool": "tfcompat-losses migrate",
        "version": _version(),
        "summary": {
            "files": len(outcomes),
            "changed": counts["changed"],
            "unchanged": counts["unchanged"],
            "errors": counts["error"],
            "notes": n_notes,
        },
        "files": [o.as_dict() for o in outcomes],
    }
    text = json.dumps(report, indent=2) + "\n"
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")
