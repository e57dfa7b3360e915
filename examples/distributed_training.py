"""A custom training loop on MirroredStrategy whose losses match one device.

TF1-style code: contrib losses with [B] example weights, collected and
totalled per replica with get_total_loss(), plus an L2 regularization loss,
trained by SGD. The batch is split over 2 replicas (2 logical CPUs) with
uneven nonzero weights (replica 0: 7 of 8, replica 1: 1 of 8). Inside
`tfcompat_losses.exact_averaging()` the summed per-replica losses and the
summed gradients equal the one-device values, so both runs follow the same
trajectory step by step; without it they drift apart.

Run: ``python examples/distributed_training.py``
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

import tfcompat_losses as tcl

STEPS, LR, B = 6, 0.5, 16


def setup_devices() -> None:
    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
        )
    except RuntimeError:  # TF already initialised (e.g. under pytest)
        pass


def make_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(B, 5)).astype(np.float32)
    y = rng.integers(0, 3, size=B)
    w = np.zeros(B, np.float32)
    w[:7] = 1.0
    w[10] = 1.0
    return {
        "x": x,
        "onehot": np.eye(3, dtype=np.float32)[y],
        "w": w,
        "w0": (rng.normal(size=(5, 3)) * 0.1).astype(np.float32),
    }


def losses_for(x: tf.Tensor, onehot: tf.Tensor, w: tf.Tensor, kernel: tf.Variable) -> tf.Tensor:
    """TF1-style: create losses, then total the collection."""
    with tcl.collection_scope():
        logits = tf.matmul(x, kernel)
        tcl.softmax_cross_entropy(logits, onehot, weight=w)
        tcl.sigmoid_cross_entropy(logits, onehot, weights=w)
        tcl.add_loss(0.01 * tf.reduce_sum(kernel**2), tcl.REGULARIZATION_LOSSES)
        return tcl.get_total_loss()


def one_device(d: dict[str, np.ndarray]) -> list[float]:
    kernel = tf.Variable(d["w0"])
    opt = tf.keras.optimizers.SGD(LR)

    @tf.function
    def step() -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = losses_for(
                tf.constant(d["x"]), tf.constant(d["onehot"]), tf.constant(d["w"]), kernel
            )
        opt.apply_gradients([(tape.gradient(loss, kernel), kernel)])
        return loss

    return [float(step()) for _ in range(STEPS)]


def mirrored(
    strategy: tf.distribute.Strategy, d: dict[str, np.ndarray], exact: bool
) -> list[float]:
    with strategy.scope():
        kernel = tf.Variable(d["w0"])
        opt = tf.keras.optimizers.SGD(LR)

    def shard(a: np.ndarray):
        return strategy.experimental_distribute_values_from_function(
            lambda ctx: a[
                ctx.replica_id_in_sync_group * B // 2 : (ctx.replica_id_in_sync_group + 1) * B // 2
            ]
        )

    def replica_step(x: tf.Tensor, onehot: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = losses_for(x, onehot, w, kernel)
        opt.apply_gradients([(tape.gradient(loss, kernel), kernel)])  # sums over replicas
        return loss

    @tf.function
    def step(x, onehot, w) -> tf.Tensor:
        per_replica = strategy.run(replica_step, args=(x, onehot, w))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    args = (shard(d["x"]), shard(d["onehot"]), shard(d["w"]))
    if exact:
        with tcl.exact_averaging():  # the mode is read while step() traces
            first = float(step(*args))
    else:
        first = float(step(*args))
    return [first] + [float(step(*args)) for _ in range(STEPS - 1)]


def main() -> int:
    setup_devices()
    d = make_data()
    ref = one_device(d)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    exact = mirrored(strategy, d, exact=True)
    plain = mirrored(strategy, d, exact=False)
    print("MirroredStrategy, 2 replicas, nonzero weights 7/8 and 1/8; summed per-replica loss:\n")
    head = (
        f"{'step':>4}  {'one device':>12}  {'exact':>12}  {'|diff|':>9}  {'plain per-replica':>17}"
    )
    print(head + "\n" + "-" * len(head))
    worst = 0.0
    for i in range(STEPS):
        diff = abs(exact[i] - ref[i])
        worst = max(worst, diff / max(1.0, abs(ref[i])))
        print(f"{i:4d}  {ref[i]:12.7f}  {exact[i]:12.7f}  {diff:9.2e}  {plain[i]:17.7f}")
    ok = worst <= 1e-5
    print(
        f"\nexact averaging vs one device: max relative diff {worst:.2e} -> {'MATCH' if ok else 'MISMATCH'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
