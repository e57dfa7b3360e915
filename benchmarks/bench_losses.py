"""Speed of tfcompat_losses against hand-written TF, tf.compat.v1.losses and Keras.

Run ``python benchmarks/bench_losses.py`` (``make bench``); ``--quick`` is a
smoke run, ``--markdown`` prints the tables of ``benchmarks/README.md``.

Every number is a ratio against a baseline measured in the same process and
the same round: the candidates run interleaved (round-robin, the order rotated
every round), and a ratio is the median over rounds of the per-round ratio,
so slow phases of a shared machine hit both sides of it. The absolute times
printed next to the ratios are for orientation only.

Candidates (all with contrib's argument semantics: ``[B]`` weights, ~30% zero):

``raw``
    The contrib value written with the public TF API, minimally:
    ``divide_no_nan(reduce_sum(per_sample * w), count_nonzero(w) * d)``.
``raw_ops``
    The same value with the kernels called through ``tf.raw_ops`` (the eager
    floor: ``tf.nn.softmax_cross_entropy_with_logits`` alone spends far more
    time in its reshape helpers than in the kernel).
``ours``
    ``tfcompat_losses``.
``v1``
    ``tf.compat.v1.losses`` (speed reference; its reduction coincides with
    contrib's for these inputs, not in general).
``keras``
    ``keras.losses`` objects (speed reference; a different value: they divide
    by the batch size and average MSE over the last axis).

Metrics: eager per-call latency (small inputs, forward), ``tf.function`` and
XLA forward+backward time (large inputs, gradient w.r.t. the logits or
predictions), op count of the traced graph (static and unknown batch,
forward and forward+backward) plus the instruction count of the optimized
XLA HLO, and trace time (``get_concrete_function`` of a fresh
``tf.function``). No absolute time is asserted anywhere.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tfcompat_losses as tcl

try:  # Keras 3 (or tf_keras under TF_USE_LEGACY_KERAS=1 via tf.keras)
    import keras
except ImportError:  # pragma: no cover
    keras = tf.keras

CANDIDATES = ("raw", "raw_ops", "ours", "v1", "keras")
METRICS = ("eager", "function", "xla", "ops", "trace")
ZERO_FRACTION = 0.3
_raw = tf.raw_ops
_F32 = tf.float32


# --------------------------------------------------------------------------
# Cases and inputs.


@dataclass(frozen=True)
class Case:
    kind: str  # "softmax", "sparse" or "mse"
    batch: int
    dim: int  # classes, or features for MSE

    @property
    def id(self) -> str:
        return f"{self.kind}[{self.batch},{self.dim}]"

    @property
    def small(self) -> bool:
        return self.batch * self.dim <= 100_000

    def specs(self, batch: int | None) -> tuple[tf.TensorSpec, ...]:
        """Input signature, with ``batch=None`` for an unknown batch."""
        a = tf.TensorSpec([batch, self.dim], _F32)
        if self.kind == "sparse":
            b = tf.TensorSpec([batch], tf.int32)
        else:
            b = tf.TensorSpec([batch, self.dim], _F32)
        return a, b, tf.TensorSpec([batch], _F32)


CASES = (
    Case("softmax", 32, 10),
    Case("softmax", 4096, 1000),
    Case("sparse", 32, 10),
    Case("sparse", 4096, 1000),
    Case("mse", 32, 10),
    Case("mse", 4096, 1024),
)


def make_inputs(case: Case, seed: int = 0) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """``(logits or predictions, labels, weights)``; exactly 30% zero weights."""
    rng = np.random.default_rng(seed)
    b, d = case.batch, case.dim
    a = rng.normal(size=(b, d)).astype(np.float32)
    if case.kind == "mse":
        y = rng.normal(size=(b, d)).astype(np.float32)
    else:
        ids = rng.integers(0, d, size=b).astype(np.int32)
        y = ids if case.kind == "sparse" else np.eye(d, dtype=np.float32)[ids]
    w = rng.uniform(0.5, 1.5, size=b).astype(np.float32)
    w[rng.choice(b, round(ZERO_FRACTION * b), replace=False)] = 0.0
    return tf.constant(a), tf.constant(y), tf.constant(w)


# --------------------------------------------------------------------------
# Candidates: fn(logits_or_predictions, labels, weights) -> scalar.

_axis_cache: dict[tuple[int, ...], tf.Tensor] = {}


def _axes(*dims: int) -> Any:
    """Axis argument for ``tf.raw_ops``: a cached tensor in eager mode.

    Converting a Python list costs more than a small reduction in eager
    mode; in a graph it becomes a ``Const`` either way.
    """
    if not tf.executing_eagerly():
        return list(dims)
    t = _axis_cache.get(dims)
    if t is None:
        with tf.init_scope():
            t = _axis_cache[dims] = tf.constant(dims, tf.int32)
    return t


def _raw_mean(per_sample: tf.Tensor, w: tf.Tensor, per_row: float = 1.0) -> tf.Tensor:
    total = tf.reduce_sum(per_sample * w)
    present = tf.math.count_nonzero(w, dtype=_F32)
    if per_row != 1.0:
        present = present * per_row
    return tf.math.divide_no_nan(total, present)


def _raw_ops_mean(per_sample: tf.Tensor, w: tf.Tensor, per_row: float = 1.0) -> tf.Tensor:
    total = _raw.Sum(input=_raw.Mul(x=per_sample, y=w), axis=_axes(0))
    nonzero = _raw.Cast(x=_raw.NotEqual(x=w, y=0.0), DstT=_F32)
    present = _raw.Sum(input=nonzero, axis=_axes(0))
    if per_row != 1.0:
        present = _raw.Mul(x=present, y=per_row)
    return _raw.DivNoNan(x=total, y=present)


def candidates(kind: str) -> dict[str, Callable[..., tf.Tensor]]:
    """The five implementations of one loss, by candidate name."""
    v1 = tf.compat.v1.losses
    if kind == "softmax":
        k = keras.losses.CategoricalCrossentropy(from_logits=True)
        return {
            "raw": lambda x, y, w: _raw_mean(
                tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x), w
            ),
            "raw_ops": lambda x, y, w: _raw_ops_mean(
                _raw.SoftmaxCrossEntropyWithLogits(features=x, labels=y)[0], w
            ),
            "ours": lambda x, y, w: tcl.softmax_cross_entropy(x, y, weights=w),
            "v1": lambda x, y, w: v1.softmax_cross_entropy(y, x, weights=w),
            "keras": lambda x, y, w: k(y, x, sample_weight=w),
        }
    if kind == "sparse":
        k = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        return {
            "raw": lambda x, y, w: _raw_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x), w
            ),
            "raw_ops": lambda x, y, w: _raw_ops_mean(
                _raw.SparseSoftmaxCrossEntropyWithLogits(features=x, labels=y)[0], w
            ),
            "ours": lambda x, y, w: tcl.sparse_softmax_cross_entropy(x, y, weights=w),
            "v1": lambda x, y, w: v1.sparse_softmax_cross_entropy(y, x, weights=w),
            "keras": lambda x, y, w: k(y, x, sample_weight=w),
        }
    if kind == "mse":
        k = keras.losses.MeanSquaredError()
        return {
            # contrib: sum each row, then weight: [B] weights never broadcast
            # to [B, d]; the count is nonzero(w) * d.
            "raw": lambda p, y, w: _raw_mean(
                tf.reduce_sum(tf.math.squared_difference(p, y), axis=1), w, float(p.shape[1])
            ),
            "raw_ops": lambda p, y, w: _raw_ops_mean(
                _raw.Sum(input=_raw.SquaredDifference(x=p, y=y), axis=_axes(1)),
                w,
                float(p.shape[1]),
            ),
            "ours": lambda p, y, w: tcl.mean_squared_error(p, y, weights=w),
            # v1 needs [B, 1] weights to broadcast; its value then coincides.
            "v1": lambda p, y, w: v1.mean_squared_error(y, p, weights=tf.expand_dims(w, 1)),
            "keras": lambda p, y, w: k(y, p, sample_weight=w),
        }
    raise ValueError(f"unknown loss kind {kind!r}")


def fwd_bwd(fn: Callable[..., tf.Tensor]) -> Callable[..., tuple[tf.Tensor, tf.Tensor]]:
    """The loss and its gradient w.r.t. the logits / predictions."""

    def step(a: tf.Tensor, b: tf.Tensor, w: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(a)
            loss = fn(a, b, w)
        return loss, tape.gradient(loss, a)

    return step


def values(case: Case, seed: int = 0) -> dict[str, float]:
    """Each candidate's eager value on ``case``'s inputs."""
    args = make_inputs(case, seed)
    with _fresh_collection():
        return {name: float(fn(*args)) for name, fn in candidates(case.kind).items()}


# --------------------------------------------------------------------------
# Interleaved timing.


@dataclass
class Samples:
    """Per-round times (seconds per call) of every candidate."""

    times: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])

    def ratios(self, name: str, base: str) -> list[float]:
        return [a / b for a, b in zip(self.times[name], self.times[base], strict=True)]

    def ratio(self, name: str, base: str) -> float:
        """Median over rounds of the same-round ratio ``name / base``."""
        return statistics.median(self.ratios(name, base))

    def best_ratio(self, name: str, base: str) -> float:
        """``min(name) / min(base)``: the best-of-all-rounds view (timeit's)."""
        return min(self.times[name]) / min(self.times[base])

    def iqr(self, name: str, base: str) -> tuple[float, float]:
        r = sorted(self.ratios(name, base))
        if len(r) < 4:
            return r[0], r[-1]
        q = statistics.quantiles(r, n=4)
        return q[0], q[2]


def _timed(fn: Callable[[], Any], number: int) -> float:
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - t0) / number
    finally:
        if gc_was_enabled:
            gc.enable()


def _fresh_collection() -> contextlib.AbstractContextManager[Any]:
    """An empty eager loss collection for one timing, so it does not grow.

    Our losses add every eager result to an emulated ``LOSSES`` collection;
    a training loop clears it once per step with ``collection_scope()``. The
    scope is entered outside the timed region.
    """
    scope = getattr(tcl, "collection_scope", None)
    return scope() if scope is not None else contextlib.nullcontext()


def interleave(
    fns: dict[str, Callable[[], Any]], rounds: int, batch_seconds: float, warmup: int = 3
) -> Samples:
    """Times every ``fns`` entry once per round, rotating the order.

    Each timing runs the function ``number`` times, ``number`` chosen per
    candidate so a timing lasts about ``batch_seconds``.
    """
    names = list(fns)
    number = {}
    for name in names:
        with _fresh_collection():
            for _ in range(warmup):
                fns[name]()
            once = _timed(fns[name], 1)
            once = min(once, _timed(fns[name], 1))
        number[name] = max(1, int(batch_seconds / max(once, 1e-7)))
    out = Samples({name: [] for name in names})
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            with _fresh_collection():
                out.times[name].append(_timed(fns[name], number[name]))
    return out


def interleave_trace(
    make: dict[str, Callable[[], Any]], rounds: int, warmup_rounds: int = 1
) -> Samples:
    """Like :func:`interleave` for one-shot work (a fresh trace per timing)."""
    names = list(make)
    out = Samples({name: [] for name in names})
    for r in range(warmup_rounds + rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            t = _timed(make[name], 1)
            if r >= warmup_rounds:
                out.times[name].append(t)
    return out


# --------------------------------------------------------------------------
# Measurements.


@dataclass
class Settings:
    eager_rounds: int = 150
    eager_batch: float = 0.01
    compiled_rounds: int = 40
    compiled_batch: float = 0.05
    trace_rounds: int = 20

    @classmethod
    def quick(cls) -> Settings:
        return cls(
            eager_rounds=5, eager_batch=0.002, compiled_rounds=3, compiled_batch=0.0, trace_rounds=2
        )


@dataclass
class TimeRow:
    metric: str
    case: str
    samples: Samples


@dataclass
class OpsRow:
    case: str
    batch: str  # "static" or "None"
    graph: str  # "fwd" or "fwd+bwd"
    counts: dict[str, int]


@dataclass
class Report:
    time_rows: list[TimeRow] = field(default_factory=list)
    ops_rows: list[OpsRow] = field(default_factory=list)
    values: dict[str, dict[str, float]] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    seconds: float = 0.0
    load_before: str = ""  # 1/5/15-minute load averages
    load_after: str = ""


def measure_eager(case: Case, s: Settings) -> Samples:
    args = make_inputs(case)
    fns = {n: (lambda f=f: f(*args)) for n, f in candidates(case.kind).items()}
    return interleave(fns, s.eager_rounds, s.eager_batch)


def measure_compiled(case: Case, s: Settings, *, jit: bool) -> Samples:
    args = make_inputs(case)
    fns = {}
    for name, fn in candidates(case.kind).items():
        step = tf.function(fwd_bwd(fn), jit_compile=jit)
        step(*args)  # trace (and compile) outside the timing
        fns[name] = lambda step=step: step(*args)
    return interleave(fns, s.compiled_rounds, s.compiled_batch, warmup=2)


def measure_trace(case: Case, s: Settings) -> Samples:
    specs = case.specs(case.batch)
    make = {}
    for name, fn in candidates(case.kind).items():
        make[name] = lambda fn=fn: tf.function(fn).get_concrete_function(*specs)
    return interleave_trace(make, s.trace_rounds)


def count_ops(fn: Callable[..., Any], specs: Sequence[tf.TensorSpec]) -> int:
    """Operations in the traced graph (its placeholders and outputs included).

    This is the graph as traced, before Grappler: what a TF1-style graph
    holds and what every trace has to build.
    """
    return len(tf.function(fn).get_concrete_function(*specs).graph.get_operations())


_HLO_INSTRUCTION = re.compile(r"^\s*(?:ROOT\s+)?%?[\w.\-]+\s*=", re.MULTILINE)


def count_hlo(fn: Callable[..., Any], args: Sequence[tf.Tensor]) -> int:
    """Instructions in the optimized XLA HLO of ``fn`` (all computations)."""
    compiled = tf.function(fn, jit_compile=True)
    text = compiled.experimental_get_compiler_ir(*args)(stage="optimized_hlo")
    return len(_HLO_INSTRUCTION.findall(text))


def measure_ops(case: Case) -> list[OpsRow]:
    rows = []
    cands = candidates(case.kind)
    for batch_name, batch in (("static", case.batch), ("None", None)):
        specs = case.specs(batch)
        for graph in ("fwd", "fwd+bwd"):
            counts = {
                name: count_ops(fn if graph == "fwd" else fwd_bwd(fn), specs)
                for name, fn in cands.items()
            }
            rows.append(OpsRow(case.id, batch_name, graph, counts))
    # What XLA makes of it (noise-free evidence for the XLA timings).
    args = make_inputs(case)
    counts = {name: count_hlo(fwd_bwd(fn), args) for name, fn in cands.items()}
    rows.append(OpsRow(case.id, "static", "fwd+bwd XLA HLO", counts))
    return rows


def select_cases(spec: str | None) -> list[Case]:
    if not spec:
        return list(CASES)
    # Commas separate names, except inside a case id's brackets.
    wanted = [s.strip() for s in re.split(r",(?![^\[]*\])", spec) if s.strip()]
    out = []
    for case in CASES:
        for w in wanted:
            if w in (case.id, case.kind, "small" if case.small else "large"):
                out.append(case)
                break
    if not out:
        ids = ", ".join(c.id for c in CASES)
        raise SystemExit(f"no case matches {spec!r}; cases: {ids} (or a kind, small, large)")
    return out


def run(
    cases: Sequence[Case] = CASES,
    metrics: Sequence[str] = METRICS,
    settings: Settings | None = None,
    *,
    every_size: bool = False,
    log: Callable[[str], None] | None = None,
) -> Report:
    """Measures ``metrics`` on ``cases``.

    By default eager latency, op counts and trace time are measured on the
    small cases and ``tf.function``/XLA time on the large ones (op counts and
    traces do not depend on the size); ``every_size`` measures everything on
    every case given.
    """
    s = settings or Settings()
    rep = Report(settings=s, load_before=_load())
    t0 = time.perf_counter()
    say = log or (lambda _m: None)
    for case in cases:
        rep.values[case.id] = values(case)
        if "eager" in metrics and (case.small or every_size):
            say(f"eager     {case.id}")
            rep.time_rows.append(TimeRow("eager", case.id, measure_eager(case, s)))
        for metric, jit in (("function", False), ("xla", True)):
            if metric in metrics and (not case.small or every_size):
                say(f"{metric:9} {case.id}")
                samples = measure_compiled(case, s, jit=jit)
                rep.time_rows.append(TimeRow(metric, case.id, samples))
        if "trace" in metrics and (case.small or every_size):
            say(f"trace     {case.id}")
            rep.time_rows.append(TimeRow("trace", case.id, measure_trace(case, s)))
        if "ops" in metrics and (case.small or every_size):
            say(f"ops       {case.id}")
            rep.ops_rows.extend(measure_ops(case))
    rep.seconds = time.perf_counter() - t0
    rep.load_after = _load()
    return rep


# --------------------------------------------------------------------------
# Targets and tables.


def time_target(row: TimeRow) -> tuple[str, bool | None]:
    """The issue's target for a timing row, and whether it is met."""
    s = row.samples
    if row.metric == "eager":
        # One code path for every call (no eager fast path): peers are at
        # 5-7x the floor, the target is 1.5x.
        ok = s.ratio("ours", "raw_ops") <= 1.50
        text = "ours <= 1.50x raw_ops"
        if row.case.startswith("softmax"):
            ok = ok and s.ratio("ours", "v1") < 0.20
            text += ", < 0.20x v1"
        return text, ok
    if row.metric in ("function", "xla"):
        return "ours <= 1.05x raw", s.ratio("ours", "raw") <= 1.05
    return "(none)", None


def _fmt_time(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} us"


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "MISSED")


def time_table(rep: Report) -> tuple[list[str], list[list[str]]]:
    head = [
        "metric",
        "case",
        "raw (abs)",
        "raw_ops/raw",
        "ours/raw",
        "v1/raw",
        "keras/raw",
        "ours/raw_ops",
        "ours/v1",
        "ours/keras",
        "ours/base IQR",
        "ours/base best-of",
        "target",
        "verdict",
    ]
    rows = []
    for r in rep.time_rows:
        s = r.samples
        target, ok = time_target(r)
        base = "raw_ops" if r.metric == "eager" else "raw"
        lo, hi = s.iqr("ours", base)
        rows.append(
            [
                r.metric,
                r.case,
                _fmt_time(s.median("raw")),
                f"{s.ratio('raw_ops', 'raw'):.2f}",
                f"{s.ratio('ours', 'raw'):.2f}",
                f"{s.ratio('v1', 'raw'):.2f}",
                f"{s.ratio('keras', 'raw'):.2f}",
                f"{s.ratio('ours', 'raw_ops'):.2f}",
                f"{s.ratio('ours', 'v1'):.2f}",
                f"{s.ratio('ours', 'keras'):.2f}",
                f"{lo:.2f}-{hi:.2f}",
                f"{s.best_ratio('ours', base):.2f}",
                target,
                _verdict(ok),
            ]
        )
    return head, rows


def ops_table(rep: Report) -> tuple[list[str], list[list[str]]]:
    head = ["case", "batch", "graph", *CANDIDATES, "target", "verdict"]
    rows = []
    for r in rep.ops_rows:
        ok = r.counts["ours"] <= r.counts["raw"]
        rows.append(
            [
                r.case,
                r.batch,
                r.graph,
                *(str(r.counts[c]) for c in CANDIDATES),
                "ours <= raw",
                _verdict(ok),
            ]
        )
    return head, rows


def values_table(rep: Report) -> tuple[list[str], list[list[str]]]:
    head = ["case", *CANDIDATES, "same value as ours (rel. 1e-5)"]
    rows = []
    for case, vals in rep.values.items():
        ours = vals["ours"]
        same = [
            c
            for c in CANDIDATES
            if c != "ours" and math.isclose(vals[c], ours, rel_tol=1e-5, abs_tol=1e-7)
        ]
        rows.append([case, *(f"{vals[c]:.6g}" for c in CANDIDATES), ", ".join(same) or "-"])
    return head, rows


def render(head: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r) for r in rows]
    return "\n".join(lines)


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on this platform
        return "n/a"


def environment() -> str:
    return (
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
    )


def format_report(rep: Report, markdown: bool = False) -> str:
    s = rep.settings
    parts = [
        environment(),
        f"rounds: eager {s.eager_rounds}, tf.function/XLA {s.compiled_rounds}, trace "
        f"{s.trace_rounds}; ratios are medians of same-round ratios; wall time "
        f"{rep.seconds:.0f} s; load average {rep.load_before} before, {rep.load_after} after",
    ]
    if rep.time_rows:
        parts += [
            "",
            "Time (ratios; lower is better for ours):",
            render(*time_table(rep), markdown),
        ]
    if rep.ops_rows:
        parts += ["", "Graph op count:", render(*ops_table(rep), markdown)]
    if rep.values:
        parts += ["", "Values:", render(*values_table(rep), markdown)]
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> Report:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a few rounds only (smoke run)")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument(
        "--cases",
        help="comma-separated case ids (softmax[32,10]), kinds (softmax, sparse, mse) "
        "or sizes (small, large); default: all",
    )
    ap.add_argument(
        "--metrics", default=",".join(METRICS), help=f"comma-separated subset of {METRICS}"
    )
    ap.add_argument(
        "--every-size",
        action="store_true",
        help="measure every metric on every selected case (default: eager, ops and "
        "trace on small inputs, tf.function and XLA on large ones)",
    )
    args = ap.parse_args(argv)
    # Fresh tf.functions are traced on purpose (trace time, op counts).
    tf.get_logger().setLevel("ERROR")
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    bad = set(metrics) - set(METRICS)
    if bad:
        ap.error(f"unknown metrics {sorted(bad)}; choose from {METRICS}")
    settings = Settings.quick() if args.quick else Settings()
    rep = run(
        select_cases(args.cases),
        metrics,
        settings,
        every_size=args.every_size,
        log=lambda m: print(f"[bench] {m}", file=sys.stderr, flush=True),
    )
    print(format_report(rep, markdown=args.markdown))
    return rep


if __name__ == "__main__":
    main()
