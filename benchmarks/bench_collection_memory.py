"""RSS growth of an eager training-step loop that uses the loss collection.

Runs N eager steps (default 100,000), each creating two losses and calling
get_total_loss(), inside `collection_scope()` per step; then the same steps
without the scope and without the total (the leak the scope prevents: every
loss stays collected), and reports resident-set growth after a warm-up. Target from the collections issue: growth < 20 MB with the scope.

    python benchmarks/bench_collection_memory.py [--steps N]
"""

from __future__ import annotations

import argparse
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf

import tfcompat_losses as tcl


def rss_mb() -> float:
    with open("/proc/self/status") as f:  # Linux
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status")


def loop(steps: int, scoped: bool) -> tuple[float, float, int]:
    logits = tf.random.stateless_normal([32, 10], seed=[1, 2])
    labels = tf.one_hot(tf.range(32) % 10, 10)
    w = tf.cast(tf.range(32) % 3 > 0, tf.float32)

    def step() -> None:
        tcl.softmax_cross_entropy(logits, labels, weights=w)
        tcl.mean_squared_error(logits, labels, weights=w)
        if scoped:
            # Unscoped, the total would sum a list growing by two each step
            # (and eager TF caches one AddN kernel per input count).
            tcl.get_total_loss()

    tf.compat.v1.reset_default_graph()
    warm = min(2000, steps // 10)
    for _ in range(warm):
        with tcl.collection_scope():
            step()
    tf.compat.v1.reset_default_graph()
    start = rss_mb()
    for _ in range(steps):
        if scoped:
            with tcl.collection_scope():
                step()
        else:
            step()
    end = rss_mb()
    size = len(tcl.get_losses())
    tf.compat.v1.reset_default_graph()
    return start, end, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100_000)
    args = ap.parse_args()
    warnings.simplefilter("ignore", tcl.CollectionLeakWarning)
    print(
        f"{'mode':<26} {'steps':>8} {'RSS start MB':>13} {'RSS end MB':>11} {'growth MB':>10} {'entries left':>13}"
    )
    for scoped in (True, False):
        start, end, size = loop(args.steps, scoped)
        name = "collection_scope per step" if scoped else "no scope (leaks)"
        print(
            f"{name:<26} {args.steps:>8} {start:>13.1f} {end:>11.1f} {end - start:>10.1f} {size:>13}"
        )


if __name__ == "__main__":
    main()
