"""Speed of ``metric_learning.triplet_semihard_loss`` against the contrib code.

Run ``python benchmarks/bench_metric_learning.py``; ``--quick`` is a smoke run
(batch 256 only, fewer rounds); ``--markdown`` prints a table for
``benchmarks/README.md``.

Candidates, each computing the loss and its gradient w.r.t. the embeddings
(one training step's worth of work) for ``[batch, 128]`` l2-normalised
float32 embeddings and labels of ``batch / 4`` classes of 4 samples:

``contrib``
    ``tf_slim.losses.metric_learning.triplet_semihard_loss`` (the TF 1.15
    ``tf.contrib.losses.metric_learning`` code) in a TF1 graph, run by a
    ``tf.compat.v1.Session`` (graph mode, grappler on, as TF1 ran it). It
    tiles the ``[B, B]`` distances to ``[B*B, B]``: ``O(B^3)`` time and
    memory (4 GB per such tensor at ``B=1024``).
``function``
    ``tfcompat_losses.metric_learning.triplet_semihard_loss`` in a
    ``tf.function`` (``O(B^2 log B)``, one sort per row).
``xla``
    The same with ``jit_compile=True``.

``--cluster`` also times ``cluster_loss`` (NMI margin, PAM on, forward
only; contrib's runs scikit-learn through ``py_func`` for every candidate
centroid) against ours in a ``tf.function``, for a batch of 64 (16 classes)
and 128 (32 classes).

Every number reported is a ratio against ``contrib`` measured in the same
process and round: the candidates run interleaved (round-robin, order
rotated every round) and a ratio is the median over rounds of the per-round
ratio, so slow phases of a shared machine hit both sides. Absolute medians
are printed for orientation only. The forward-only ratio is reported too.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfcompat_losses import metric_learning as ml

DIM = 128
SAMPLES_PER_CLASS = 4
CANDIDATES = ("contrib", "function", "xla")


def make_inputs(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = rng.permutation(np.arange(batch) // SAMPLES_PER_CLASS).astype(np.int32)
    return y, x


def contrib_step(y: np.ndarray, x: np.ndarray, backward: bool) -> Callable[[], object]:
    """The contrib loss (and gradient) as a TF1 graph and a session call."""
    from tf_slim.losses import metric_learning as slim

    g = tf.Graph()
    with g.as_default():
        px = tf.compat.v1.placeholder(tf.float32, x.shape)
        py = tf.compat.v1.placeholder(tf.int32, y.shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = slim.triplet_semihard_loss(py, px)
        fetch = [loss, *tf.compat.v1.gradients(loss, [px])] if backward else [loss]
    sess = tf.compat.v1.Session(graph=g)
    feed = {px: x, py: y}
    return lambda: sess.run(fetch, feed)


def ours_step(y: np.ndarray, x: np.ndarray, backward: bool, xla: bool) -> Callable[[], object]:
    def step(labels: tf.Tensor, emb: tf.Tensor) -> tuple[tf.Tensor, ...]:
        if not backward:
            return (ml.triplet_semihard_loss(labels, emb),)
        with tf.GradientTape() as tape:
            tape.watch(emb)
            loss = ml.triplet_semihard_loss(labels, emb)
        return loss, tape.gradient(loss, emb)

    fn = tf.function(step, jit_compile=xla)
    ty, tx = tf.constant(y), tf.constant(x)
    return lambda: [t.numpy() for t in fn(ty, tx)]


def measure(batch: int, backward: bool, rounds: int) -> dict[str, list[float]]:
    y, x = make_inputs(batch)
    steps = {
        "contrib": contrib_step(y, x, backward),
        "function": ours_step(y, x, backward, xla=False),
        "xla": ours_step(y, x, backward, xla=True),
    }
    values = {name: float(np.ravel(step()[0])[0]) for name, step in steps.items()}  # warm-up
    ref = values["contrib"]
    for name, v in values.items():
        if not np.isclose(v, ref, rtol=1e-4):
            raise AssertionError(f"{name} gives {v}, contrib {ref}")
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            t0 = time.perf_counter()
            steps[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def cluster_times(batch: int, classes: int, rounds: int) -> dict[str, list[float]]:
    """``cluster_loss`` forward: contrib (TF1 graph + py_func) vs ``tf.function``."""
    from unittest import mock

    from tf_slim.losses import metric_learning as slim

    rng = np.random.default_rng(1)
    x = rng.normal(size=(batch, DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = rng.permutation(np.arange(batch) % classes).astype(np.int64)
    g = tf.Graph()
    with (
        g.as_default(),
        warnings.catch_warnings(),
        # tf_slim calls control_flow_ops.while_loop, which TF 2.21 moved.
        mock.patch.object(
            slim.control_flow_ops, "while_loop", tf.compat.v1.while_loop, create=True
        ),
    ):
        warnings.simplefilter("ignore")
        loss = slim.cluster_loss(tf.constant(y), tf.constant(x), 1.0)
    sess = tf.compat.v1.Session(graph=g)
    fn = tf.function(lambda a, b: ml.cluster_loss(a, b, 1.0))
    ty, tx = tf.constant(y), tf.constant(x)
    steps = {"contrib": lambda: sess.run(loss), "function": lambda: fn(ty, tx).numpy()}
    want, got = steps["contrib"](), steps["function"]()
    if not np.isclose(want, got, rtol=1e-4):
        raise AssertionError(f"cluster_loss: ours {got}, contrib {want}")
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for r in range(rounds):
        for name in names[r % 2 :] + names[: r % 2]:
            t0 = time.perf_counter()
            steps[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def ratios(times: dict[str, list[float]], name: str) -> float:
    return statistics.median(a / b for a, b in zip(times[name], times["contrib"], strict=True))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="batch 256 only, 3 rounds")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--cluster", action="store_true", help="also time cluster_loss")
    args = p.parse_args(argv)
    batches = (256,) if args.quick else (256, 1024)
    rows = []
    for batch in batches:
        for backward in (True, False):
            rounds = args.rounds or (3 if args.quick else (5 if batch >= 1024 else 15))
            times = measure(batch, backward, rounds)
            med = {k: statistics.median(v) for k, v in times.items()}
            rows.append(
                (
                    batch,
                    "forward+backward" if backward else "forward",
                    med["contrib"],
                    med["function"],
                    ratios(times, "function"),
                    med["xla"],
                    ratios(times, "xla"),
                    rounds,
                )
            )
            print(
                f"B={batch:5d} {rows[-1][1]:16s} contrib {med['contrib'] * 1e3:9.1f} ms | "
                f"function {med['function'] * 1e3:8.2f} ms ({rows[-1][4]:.3f}x) | "
                f"xla {med['xla'] * 1e3:8.2f} ms ({rows[-1][6]:.3f}x) | {rounds} rounds",
                flush=True,
            )
    cluster_rows = []
    if args.cluster:
        for batch, classes in ((64, 16),) if args.quick else ((64, 16), (128, 32)):
            rounds = args.rounds or 3
            times = cluster_times(batch, classes, rounds)
            med = {k: statistics.median(v) for k, v in times.items()}
            cluster_rows.append((batch, classes, med["contrib"], med["function"]))
            cluster_rows[-1] += (ratios(times, "function"),)
            print(
                f"cluster_loss B={batch} K={classes}: contrib {med['contrib'] * 1e3:.0f} ms | "
                f"function {med['function'] * 1e3:.1f} ms ({cluster_rows[-1][4]:.3f}x) | "
                f"{rounds} rounds",
                flush=True,
            )
    if args.markdown:
        print()
        print(
            f"triplet_semihard_loss, dim {DIM}, {SAMPLES_PER_CLASS} samples per class; "
            f"TF {tf.__version__}, {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} CPUs. Ratio = ours / contrib (median of per-round "
            "ratios; lower is faster; target <= 1.0x)."
        )
        print()
        print("| batch | work | contrib (ms) | tf.function (ms) | ratio | XLA (ms) | ratio |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        for b, work, c, f, fr, xt, xr, _ in rows:
            print(
                f"| {b} | {work} | {c * 1e3:.1f} | {f * 1e3:.2f} | {fr:.3f}x | "
                f"{xt * 1e3:.2f} | {xr:.3f}x |"
            )
        if cluster_rows:
            print()
            print("cluster_loss (NMI, PAM on, forward), dim 128:")
            print()
            print("| batch | classes | contrib (ms) | tf.function (ms) | ratio |")
            print("|---:|---:|---:|---:|---:|")
            for b, k, c, f, fr in cluster_rows:
                print(f"| {b} | {k} | {c * 1e3:.0f} | {f * 1e3:.1f} | {fr:.3f}x |")


if __name__ == "__main__":
    main()
