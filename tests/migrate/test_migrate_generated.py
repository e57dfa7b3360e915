"""Properties over generated legacy modules (the benchmark's generator)."""

from __future__ import annotations

import ast
import importlib.util
import re
from collections import Counter
from pathlib import Path

from _migrate_helpers import comments
from hypothesis import given, settings
from hypothesis import strategies as st

from tfcompat_losses.migrate import migrate_source

_spec = importlib.util.spec_from_file_location(
    "bench_migrate", Path(__file__).parents[2] / "benchmarks" / "bench_migrate.py"
)
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

# A removed line must have had something legacy on it.
_LEGACY_LINE = re.compile(
    r"contrib|slim|losses|collection|weight|target|dim=|_loss\(|^import", re.I
)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_generated_legacy_module(seed: int) -> None:
    source = bench.legacy_module(seed)
    result = migrate_source(source, f"gen_{seed}.py")
    assert result.error is None and result.changed
    ast.parse(result.output)
    assert comments(result.output) == comments(source)
    assert migrate_source(result.output).output == result.output
    gone = Counter(source.splitlines()) - Counter(result.output.splitlines())
    assert all(_LEGACY_LINE.search(line) for line in gone), gone
    # Only the class taking ``tf`` as a parameter keeps a contrib call.
    code = [ln for ln in result.output.splitlines() if "contrib.losses" in ln]
    assert all("self.tf.contrib.losses" in ln for ln in code)


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_generated_clean_module_is_untouched(seed: int) -> None:
    source = bench.clean_module(seed)
    result = migrate_source(source)
    assert result.output == source and not result.changed


def test_benchmark_quick_run(capsys) -> None:
    assert bench.main(["--files", "12", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "files/s" in out and "12 changed, 0 errors" in out
