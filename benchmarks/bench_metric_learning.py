"""Speed and memory of the metric-learning losses, against the previous
implementation and the contrib code.

Run ``python benchmarks/bench_metric_learning.py``; ``--quick`` is a smoke
run (batch 64, one round, no memory subprocesses); ``--markdown`` prints the
tables for ``benchmarks/README.md``.

Each step computes the loss and its gradient w.r.t. the embeddings (one
training step's work) for ``[batch, 128]`` l2-normalised float32 embeddings
and labels of ``batch / 4`` classes of 4 samples. Candidates:

``contrib``
    ``tf_slim.losses.metric_learning`` (the TF 1.15
    ``tf.contrib.losses.metric_learning`` code) in a TF1 graph run by a
    ``tf.compat.v1.Session``. Its triplet and lifted losses tile the
    distances to ``[B*B, B]`` (``O(B^3)`` memory), so it runs only up to
    ``--contrib-max`` (default 256).
``previous``
    ``tfcompat_losses/metric_learning.py`` as of git revision ``--previous``
    (the single-module implementation this package replaced), read with
    ``git show`` into a temporary module at run time, in a ``tf.function``.
``function`` / ``xla``
    ``tfcompat_losses.metric_learning`` in a ``tf.function``, without and
    with ``jit_compile=True``.

Times: the candidates run interleaved (round-robin, order rotated every
round); a ratio is the median over rounds of the same-round ratio, so a slow
phase of the shared machine hits both sides. Memory (``--memory``): each
(candidate, mode) runs in a fresh process with TensorFlow's BFC allocator on
the CPU (``TF_CPU_ALLOCATOR_USE_BFC=true``, which counts what it hands out);
after warm-up calls (tracing, compiling) its peak is reset and the peak
growth over one more call is reported: the call's temporaries.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tfcompat_losses import metric_learning as ml  # noqa: E402

DIM = 128
SAMPLES_PER_CLASS = 4
PREVIOUS = "5edb2d3"  # the last revision with tfcompat_losses/metric_learning.py
LOSSES = ("triplet_semihard_loss", "lifted_struct_loss", "contrastive_loss", "npairs_loss")


def make_inputs(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = rng.permutation(np.arange(batch) // SAMPLES_PER_CLASS).astype(np.int32)
    return y, x


def call(module: Any, loss: str, y: Any, x: Any) -> Any:
    """``loss`` of ``module`` on labels ``y`` and embeddings ``x``."""
    fn = getattr(module, loss)
    if loss == "contrastive_loss":  # pairs: each sample with the next one
        return fn(tf.cast(tf.equal(y, tf.roll(y, 1, 0)), tf.int32), x, tf.roll(x, 1, 0))
    if loss == "npairs_loss":
        return fn(y, x, tf.roll(x, 1, 0))
    return fn(y, x)


def load_previous(revision: str) -> ModuleType | None:
    """The single-module implementation at ``revision``, or None."""
    try:
        source = subprocess.run(
            ["git", "show", f"{revision}:tfcompat_losses/metric_learning.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"previous implementation unavailable: {e}", file=sys.stderr)
        return None
    path = Path(tempfile.mkdtemp()) / "metric_learning_previous.py"
    path.write_text(source)
    # A submodule of tfcompat_losses, so its relative imports resolve.
    spec = importlib.util.spec_from_file_location("tfcompat_losses._previous_ml", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # the library moved on: report, do not fail
        print(f"previous implementation does not import: {e!r}", file=sys.stderr)
        return None
    return module


def tf_step(module: Any, loss: str, y: np.ndarray, x: np.ndarray, xla: bool) -> Callable[[], Any]:
    @tf.function(jit_compile=xla)
    def step(labels: tf.Tensor, emb: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(emb)
            value = call(module, loss, labels, emb)
        return value, tape.gradient(value, emb)

    ty, tx = tf.constant(y), tf.constant(x)
    return lambda: [t.numpy() for t in step(ty, tx)]


def eager_step(module: Any, loss: str, y: np.ndarray, x: np.ndarray) -> Callable[[], Any]:
    ty, tx = tf.constant(y), tf.constant(x)

    def step() -> Any:
        with tf.GradientTape() as tape:
            tape.watch(tx)
            value = call(module, loss, ty, tx)
        return [value.numpy(), tape.gradient(value, tx).numpy()]

    return step


def contrib_step(loss: str, y: np.ndarray, x: np.ndarray) -> Callable[[], Any]:
    from tf_slim.losses import metric_learning as slim

    g = tf.Graph()
    with g.as_default(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        px = tf.compat.v1.placeholder(tf.float32, x.shape)
        py = tf.compat.v1.placeholder(tf.int32, y.shape)
        value = call(slim, loss, py, px)
        fetch = [value, *tf.compat.v1.gradients(value, [px])]
    sess = tf.compat.v1.Session(graph=g)
    return lambda: sess.run(fetch, {px: x, py: y})


def candidates(
    loss: str, batch: int, previous: ModuleType | None, contrib_max: int
) -> dict[str, Callable[[], Any]]:
    y, x = make_inputs(batch)
    steps = {
        "function": tf_step(ml, loss, y, x, xla=False),
        "xla": tf_step(ml, loss, y, x, xla=True),
    }
    if previous is not None:
        steps["previous"] = tf_step(previous, loss, y, x, xla=False)
        steps["previous_xla"] = tf_step(previous, loss, y, x, xla=True)
    if batch <= contrib_max:
        steps["contrib"] = contrib_step(loss, y, x)
    return steps


def measure(
    steps: dict[str, Callable[[], Any]], rounds: int, deviations: dict[str, float] | None = None
) -> dict[str, list[float]]:
    """Times per candidate; the first call of each is checked and not timed.

    Values must agree to 1e-5 relative. Gradients are compared and their
    largest deviation (relative to the largest entry) is stored in
    ``deviations``: under XLA the distances round differently from contrib's
    graph, and at large batches a near-tie can pick another semi-hard
    negative, which moves a few gradient entries.
    """
    outputs = {name: step() for name, step in steps.items()}  # warm-up: trace, compile
    want_value, want_grad = outputs["contrib" if "contrib" in outputs else "function"]
    scale = float(np.max(np.abs(want_grad))) or 1.0
    for name, (value, grad) in outputs.items():
        if not np.isclose(value, want_value, rtol=1e-5):
            raise AssertionError(f"{name} gives {value}, the reference {want_value}")
        if deviations is not None:
            deviations[name] = float(np.max(np.abs(grad - want_grad))) / scale
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            t0 = time.perf_counter()
            steps[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    if a not in times or b not in times:
        return float("nan")
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))


# --------------------------------------------------------------------------
# Memory: one fresh process per measurement.


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def peak_child(impl: str, mode: str, loss: str, batch: int, revision: str) -> None:
    """Runs in the child: prints the peak growth in MB of one call as JSON.

    The parent sets ``TF_CPU_ALLOCATOR_USE_BFC=true``, so TensorFlow's own
    allocator counts every tensor and XLA buffer on the CPU: the peak above
    what was live before the call is the call's temporaries.
    """
    module: Any = ml if impl == "ours" else load_previous(revision)
    y, x = make_inputs(batch)
    with _quiet():
        if mode == "eager":
            step = eager_step(module, loss, y, x)
        else:
            step = tf_step(module, loss, y, x, xla=(mode == "xla"))
        step()
        step()
        before = tf.config.experimental.get_memory_info("CPU:0")["current"]
        tf.config.experimental.reset_memory_stats("CPU:0")
        step()
        peak = tf.config.experimental.get_memory_info("CPU:0")["peak"]
    print(json.dumps({"peak_mb": (peak - before) / 2**20}))


def peak_mb(impl: str, mode: str, loss: str, batch: int, revision: str) -> float:
    args = [sys.executable, __file__, "--peak-child", impl, mode, loss, str(batch), revision]
    env = {**os.environ, "TF_CPU_ALLOCATOR_USE_BFC": "true"}
    try:
        out = subprocess.run(
            args, capture_output=True, text=True, check=True, timeout=1800, env=env
        )
    except (subprocess.SubprocessError, OSError) as e:
        print(f"memory {impl} {mode} {loss} B={batch} failed: {e}", file=sys.stderr)
        return float("nan")
    return float(json.loads(out.stdout.strip().splitlines()[-1])["peak_mb"])


# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="batch 64, 1 round, no memory")
    p.add_argument("--markdown", action="store_true", help="print Markdown tables")
    p.add_argument("--batches", default="1024,4096", help="comma-separated batch sizes")
    p.add_argument("--losses", default=",".join(LOSSES))
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--memory", action="store_true", help="also measure peak memory")
    p.add_argument("--no-times", action="store_true", help="skip the timings")
    p.add_argument("--previous", default=PREVIOUS, help="git revision of 'previous'")
    p.add_argument("--no-previous", action="store_true")
    p.add_argument("--contrib-max", type=int, default=256)
    p.add_argument("--peak-child", nargs=5, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.peak_child:
        impl, mode, loss, batch, revision = args.peak_child
        peak_child(impl, mode, loss, int(batch), revision)
        return
    batches = [64] if args.quick else [int(b) for b in args.batches.split(",")]
    losses = args.losses.split(",")
    previous = None if args.no_previous else load_previous(args.previous)
    rows = []
    for batch in [] if args.no_times else batches:
        for loss in losses:
            rounds = args.rounds or (1 if args.quick else (3 if batch >= 4096 else 7))
            deviations: dict[str, float] = {}
            steps = candidates(loss, batch, previous, args.contrib_max)
            times = measure(steps, rounds, deviations)
            med = {k: statistics.median(v) for k, v in times.items()}
            row = {
                "loss": loss,
                "batch": batch,
                "rounds": rounds,
                "ms": {k: v * 1e3 for k, v in med.items()},
                "xla/function": ratio(times, "xla", "function"),
                "previous/function": ratio(times, "previous", "function"),
                "previous_xla/previous": ratio(times, "previous_xla", "previous"),
                "contrib/function": ratio(times, "contrib", "function"),
                "grad deviation": deviations,
            }
            rows.append(row)
            ms = "  ".join(f"{k} {v:9.1f} ms" for k, v in row["ms"].items())
            print(
                f"{loss:22s} B={batch:5d} {ms} | xla/function {row['xla/function']:.2f} "
                f"previous/function {row['previous/function']:.2f} "
                f"(previous xla/function {row['previous_xla/previous']:.2f}) | {rounds} rounds | "
                "gradient deviation from "
                + ("contrib" if "contrib" in steps else "function")
                + ": "
                + ", ".join(f"{k} {v:.1e}" for k, v in deviations.items()),
                flush=True,
            )
    memory = []
    if args.memory and not args.quick:
        for batch in batches:
            for loss in ("triplet_semihard_loss", "lifted_struct_loss"):
                if loss not in losses:
                    continue
                entry: dict[str, Any] = {"loss": loss, "batch": batch}
                for impl in ("ours", "previous"):
                    for mode in ("function", "eager"):
                        if impl == "previous" and previous is None:
                            continue
                        entry[f"{impl} {mode}"] = peak_mb(impl, mode, loss, batch, args.previous)
                entry["budget"] = 4 * batch * batch * 4 / 2**20
                memory.append(entry)
                print(
                    f"memory {loss} B={batch}: "
                    + ", ".join(f"{k} {v:.0f} MB" for k, v in entry.items() if k[0] in "op")
                    + f" (budget 4 B^2 float32 = {entry['budget']:.0f} MB)",
                    flush=True,
                )
    if args.markdown:
        print_markdown(rows, memory)


def print_markdown(rows: list[dict[str, Any]], memory: list[dict[str, Any]]) -> None:
    load = os.getloadavg()
    print()
    print(
        f"TF {tf.__version__}, {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}; dim {DIM}, {SAMPLES_PER_CLASS} samples "
        "per class; forward+backward; ratios are medians of same-round ratios."
    )
    print()
    print(
        "| loss | batch | contrib (ms) | previous (ms) | tf.function (ms) | XLA (ms) "
        "| XLA / tf.function | previous / tf.function | previous: XLA / tf.function |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")

    def f(v: float, fmt: str = ".0f") -> str:
        return "-" if v != v else format(v, fmt)

    for r in rows:
        ms = r["ms"]
        print(
            f"| {r['loss']} | {r['batch']} | {f(ms.get('contrib', float('nan')))} "
            f"| {f(ms.get('previous', float('nan')))} | {f(ms['function'])} | {f(ms['xla'])} "
            f"| {f(r['xla/function'], '.2f')}x | {f(r['previous/function'], '.2f')}x "
            f"| {f(r['previous_xla/previous'], '.2f')}x |"
        )
    if memory:
        print()
        print(
            "| loss | batch | tf.function (MB) | eager (MB) | previous tf.function (MB) "
            "| previous eager (MB) | budget 4 B^2 float32 (MB) |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for m in memory:
            print(
                f"| {m['loss']} | {m['batch']} | {f(m.get('ours function', float('nan')))} "
                f"| {f(m.get('ours eager', float('nan')))} "
                f"| {f(m.get('previous function', float('nan')))} "
                f"| {f(m.get('previous eager', float('nan')))} | {m['budget']:.0f} |"
            )


if __name__ == "__main__":
    main()
