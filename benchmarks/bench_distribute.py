"""Overhead of exact cross-replica averaging vs plain per-replica averaging.

MirroredStrategy over 2 logical CPUs; a tf.function training step (forward
and backward of softmax cross-entropy + MSE with [B] weights ~30% zeros, and
the gradient all-reduce an optimizer does) run
with and without `exact_averaging()`, interleaved round-robin; reports
median step times and their ratio, measured in the same run. Exact mode
adds one all-reduce of a scalar per loss.

    python benchmarks/bench_distribute.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf

cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

import tfcompat_losses as tcl  # noqa: E402


def build(strategy: tf.distribute.Strategy, exact: bool, batch: int, classes: int):
    with strategy.scope():
        kernel = tf.Variable(tf.random.stateless_normal([64, classes], seed=[0, 1]) * 0.1)
    x = tf.random.stateless_normal([batch, 64], seed=[2, 3])
    y = tf.one_hot(tf.range(batch) % classes, classes)
    w = tf.cast(tf.random.stateless_uniform([batch], seed=[4, 5]) > 0.3, tf.float32)

    def replica() -> tf.Tensor:
        with tf.GradientTape() as tape:
            logits = x @ kernel
            loss = tcl.softmax_cross_entropy(logits, y, weights=w) + tcl.mean_squared_error(
                logits, y, weights=w
            )
        # Like an optimizer: sum the gradients over replicas.
        grad = tf.distribute.get_replica_context().all_reduce("SUM", tape.gradient(loss, kernel))
        return loss + 0.0 * tf.reduce_sum(grad)

    @tf.function
    def step() -> tf.Tensor:
        out = strategy.run(replica)
        return strategy.reduce("SUM", out, axis=None)

    if exact:
        with tcl.exact_averaging():
            step()
    else:
        step()
    return step


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    reps, inner = (20, 5) if args.quick else (200, 10)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    print(
        f"{'per-replica batch x classes':<28} {'plain ms':>9} {'exact ms':>9} {'exact/plain':>12}"
    )
    for batch, classes in ((32, 10), (1024, 100)):
        fns = {
            "plain": build(strategy, False, batch, classes),
            "exact": build(strategy, True, batch, classes),
        }
        times: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(reps):
            for name, fn in fns.items():
                t0 = time.perf_counter()
                for _ in range(inner):
                    fn()
                times[name].append((time.perf_counter() - t0) / inner)
        med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        print(
            f"{f'{batch} x {classes}':<28} {med['plain']:>9.3f} {med['exact']:>9.3f} "
            f"{med['exact'] / med['plain']:>11.3f}x"
        )


if __name__ == "__main__":
    main()
