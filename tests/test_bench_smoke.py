"""The benchmark still runs, and its candidates compute the value they claim.

No timing is asserted: the quick mode only has to run on the smallest case
and give finite ratios. The hand-written floors (``raw``, ``raw_ops``) must
compute tfcompat_losses' value, or the ratios compare different work.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow

_SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_losses.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_losses", _SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _smallest(bench: ModuleType) -> object:
    return min(bench.CASES, key=lambda c: c.batch * c.dim)  # softmax [32, 10]


def test_quick_run_every_metric_on_smallest_case(bench: ModuleType) -> None:
    case = _smallest(bench)
    rep = bench.run([case], settings=bench.Settings.quick(), every_size=True)

    assert {r.metric for r in rep.time_rows} == {"eager", "function", "xla", "trace"}
    for row in rep.time_rows:
        for name in bench.CANDIDATES:
            assert math.isfinite(row.samples.median(name)) and row.samples.median(name) > 0
            ratio = row.samples.ratio(name, "raw")
            assert math.isfinite(ratio) and ratio > 0, (row.metric, name, ratio)
    assert len(rep.ops_rows) == 5  # static/None batch x fwd/fwd+bwd, XLA HLO
    for row in rep.ops_rows:
        assert all(n > 0 for n in row.counts.values()), row
    for markdown in (False, True):
        text = bench.format_report(rep, markdown=markdown)
        assert case.id in text and "ours/raw_ops" in text


def test_cli_quick(bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    case = _smallest(bench)
    bench.main(["--quick", "--markdown", "--cases", case.id, "--metrics", "eager,ops"])
    out = capsys.readouterr().out
    assert f"| eager | {case.id} |" in out and "| ours <= raw |" in out


@pytest.mark.parametrize("kind", ["softmax", "sparse", "mse"])
@pytest.mark.parametrize("seed", [0, 1])
def test_candidates_compute_our_value(bench: ModuleType, kind: str, seed: int) -> None:
    case = min((c for c in bench.CASES if c.kind == kind), key=lambda c: c.batch)
    vals = bench.values(case, seed=seed)
    ours = vals["ours"]
    assert math.isfinite(ours) and ours > 0
    # The floors compute contrib's value exactly; so does tf.compat.v1.losses
    # for these inputs ([B] weights, [B, 1] for MSE; SUM_BY_NONZERO_WEIGHTS).
    for name in ("raw", "raw_ops", "v1"):
        assert vals[name] == pytest.approx(ours, rel=1e-5), (name, vals)
    # Keras divides by the batch size: a speed reference only.
    assert math.isfinite(vals["keras"])
