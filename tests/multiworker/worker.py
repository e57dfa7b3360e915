"""One worker of the MultiWorkerMirroredStrategy test (run as a subprocess).

With TF_CONFIG naming 2 workers, worker i trains on rows [8i, 8i+8) of a
fixed batch whose nonzero weights are split 7/1 between the workers; with
no TF_CONFIG it is the one-process baseline on all 16 rows. Either way it
prints one JSON line: the loss summed over replicas and the gradient.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

import tfcompat_losses as tcl


def data() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 4)).astype(np.float32)
    w0 = rng.normal(size=(4, 3)).astype(np.float32)
    onehot = np.eye(3, dtype=np.float32)[rng.integers(0, 3, size=16)]
    weights = np.zeros(16, np.float32)
    weights[:7] = rng.uniform(0.5, 2.0, size=7)
    weights[13] = 2.0
    return x, w0, onehot, weights


def main() -> None:
    x, w0, onehot, weights = data()
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})
    n = strategy.num_replicas_in_sync
    i = task.get("index", 0)
    rows = slice(i * 16 // n, (i + 1) * 16 // n)
    with strategy.scope():
        w = tf.Variable(w0)

    def replica(xs: tf.Tensor, ys: tf.Tensor, ws: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            with tcl.collection_scope():
                tcl.softmax_cross_entropy(xs @ w, ys, weights=ws)
                tcl.mean_squared_error(xs @ w, ys, weights=ws)
                loss = tcl.get_total_loss()
        grad = tf.distribute.get_replica_context().all_reduce("SUM", tape.gradient(loss, w))
        return loss, grad

    @tf.function
    def step() -> tuple[tf.Tensor, tf.Tensor]:
        args = (tf.constant(x[rows]), tf.constant(onehot[rows]), tf.constant(weights[rows]))
        with tcl.exact_averaging():
            loss, grad = strategy.run(replica, args=args)
        return strategy.reduce("SUM", loss, axis=None), grad

    loss, grad = step()
    grad = strategy.experimental_local_results(grad)[0]
    print(json.dumps({"replicas": n, "loss": float(loss), "grad": grad.numpy().tolist()}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
