"""Exact cross-replica averaging under MirroredStrategy (2 logical CPUs).

Replica 0 sees 7 of 8 nonzero weights, replica 1 sees 1 of 8: plain
per-replica contrib averaging is then wrong, exact averaging must give the
one-device loss and gradients on the full batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl

B, D_IN, C = 16, 4, 3
RNG = np.random.default_rng(7)
X = RNG.normal(size=(B, D_IN)).astype(np.float32)
W0 = (RNG.normal(size=(D_IN, C)) * 0.5).astype(np.float32)
WEIGHTS = np.zeros(B, np.float32)
WEIGHTS[:7] = RNG.uniform(0.5, 2.0, size=7)  # replica 0: 7 of 8 nonzero
WEIGHTS[12] = 1.5  # replica 1: 1 of 8 nonzero
ONEHOT = np.eye(C, dtype=np.float32)[RNG.integers(0, C, size=B)]
IDS = ONEHOT.argmax(1).astype(np.int32)
TARGET = RNG.normal(size=(B, C)).astype(np.float32)
PROBS_T = RNG.uniform(size=(B, C)).astype(np.float32).round()


def _unit(a: tf.Tensor) -> tf.Tensor:
    return tf.math.l2_normalize(a, axis=1)


# name -> (loss of (outputs, labels, weights), labels)
LOSSES: dict[str, tuple[Callable[[tf.Tensor, Any, Any], tf.Tensor], np.ndarray]] = {
    "absolute_difference": (lambda o, y, w: tcl.absolute_difference(o, y, weights=w), TARGET),
    "mean_squared_error": (lambda o, y, w: tcl.mean_squared_error(o, y, weights=w), TARGET),
    "log_loss": (lambda o, y, w: tcl.log_loss(tf.sigmoid(o), y, weights=w), PROBS_T),
    "cosine_distance": (
        lambda o, y, w: tcl.cosine_distance(_unit(o), _unit(y), axis=1, weights=w),
        TARGET,
    ),
    "sigmoid_cross_entropy": (
        lambda o, y, w: tcl.sigmoid_cross_entropy(o, y, weights=w, label_smoothing=0.1),
        PROBS_T,
    ),
    "sigmoid_full_weights": (
        lambda o, y, w: tcl.sigmoid_cross_entropy(o, y, weights=w[:, None] * y),
        PROBS_T,
    ),
    "softmax_cross_entropy": (
        lambda o, y, w: tcl.softmax_cross_entropy(o, y, weights=w, label_smoothing=0.2),
        ONEHOT,
    ),
    "sparse_softmax_cross_entropy": (
        lambda o, y, w: tcl.sparse_softmax_cross_entropy(o, y, weights=w),
        IDS,
    ),
    "compute_weighted_loss": (lambda o, y, w: tcl.compute_weighted_loss(o * o, weights=w), TARGET),
    "python_scalar_weight": (lambda o, y, w: tcl.mean_squared_error(o, y, weights=2.0), TARGET),
    "mean_pairwise_squared_error": (
        lambda o, y, w: tcl.mean_pairwise_squared_error(o, y, weights=w),
        TARGET,
    ),
}


@pytest.fixture
def strategy(mirrored_strategy: tf.distribute.Strategy) -> tf.distribute.Strategy:
    return mirrored_strategy


def _one_device(loss_fn: Callable[..., tf.Tensor], labels: np.ndarray) -> tuple[float, np.ndarray]:
    w = tf.Variable(W0)
    with tf.GradientTape() as tape:
        loss = loss_fn(tf.constant(X) @ w, tf.constant(labels), tf.constant(WEIGHTS))
    return float(loss), tape.gradient(loss, w).numpy()


def _shard(strategy: tf.distribute.Strategy, a: np.ndarray) -> Any:
    half = B // 2

    def part(ctx: tf.distribute.InputContext) -> tf.Tensor:
        i = ctx.replica_id_in_sync_group
        return tf.constant(a[i * half : (i + 1) * half])

    return strategy.experimental_distribute_values_from_function(part)


def _replicated(
    strategy: tf.distribute.Strategy,
    loss_fn: Callable[..., tf.Tensor],
    labels: np.ndarray,
    compiled: bool,
    exact: bool = True,
) -> tuple[float, np.ndarray, list[float]]:
    with strategy.scope():
        w = tf.Variable(W0)

    def replica(x: tf.Tensor, y: tf.Tensor, sw: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            loss = loss_fn(x @ w, y, sw)
        grad = tape.gradient(loss, w)
        ctx = tf.distribute.get_replica_context()
        return loss, ctx.all_reduce(tf.distribute.ReduceOp.SUM, grad)

    def step(x: Any, y: Any, sw: Any) -> Any:
        return strategy.run(replica, args=(x, y, sw))

    if compiled:
        step = tf.function(step)
    args = (_shard(strategy, X), _shard(strategy, labels), _shard(strategy, WEIGHTS))
    if exact:
        with tcl.exact_averaging():
            losses, grads = step(*args)
    else:
        losses, grads = step(*args)
    per_replica = [float(v) for v in strategy.experimental_local_results(losses)]
    total = float(strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None))
    return total, strategy.experimental_local_results(grads)[0].numpy(), per_replica


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "function"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_sum_over_replicas_equals_one_device(strategy: Any, name: str, compiled: bool) -> None:
    loss_fn, labels = LOSSES[name]
    want_loss, want_grad = _one_device(loss_fn, labels)
    got_loss, got_grad, _ = _replicated(strategy, loss_fn, labels, compiled)
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-6)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-5, atol=1e-7)


def test_plain_per_replica_semantics_stay_the_default(strategy: Any) -> None:
    """Without exact_averaging the replicas average locally, as contrib did."""
    loss_fn, labels = LOSSES["mean_squared_error"]
    want, _ = _one_device(loss_fn, labels)
    total, _, per_replica = _replicated(strategy, loss_fn, labels, compiled=True, exact=False)
    half = B // 2
    local = [
        float(
            loss_fn(
                X[i * half : (i + 1) * half] @ W0,
                labels[i * half : (i + 1) * half],
                WEIGHTS[i * half : (i + 1) * half],
            )
        )
        for i in range(2)
    ]
    np.testing.assert_allclose(per_replica, local, rtol=1e-6)
    assert abs(total - want) > 0.1 * abs(want)  # the error exact mode removes


def test_regularization_counted_once(strategy: Any) -> None:
    def replica(x: tf.Tensor, sw: tf.Tensor) -> tf.Tensor:
        with tcl.collection_scope():
            tcl.compute_weighted_loss(x * x, weights=sw)
            tcl.add_loss(tf.constant(0.5), loss_collection=tcl.REGULARIZATION_LOSSES)
            return tcl.get_total_loss()

    with tcl.exact_averaging():
        totals = strategy.run(replica, args=(_shard(strategy, X), _shard(strategy, WEIGHTS)))
    got = float(strategy.reduce(tf.distribute.ReduceOp.SUM, totals, axis=None))
    want = float(tcl.compute_weighted_loss(X * X, weights=WEIGHTS)) + 0.5
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_exact_mode_is_a_no_op_on_one_device() -> None:
    with tcl.exact_averaging():
        got = float(
            tcl.mean_squared_error(
                X, TARGET[:, :1] @ np.ones((1, D_IN), np.float32), weights=WEIGHTS
            )
        )
    want = float(
        tcl.mean_squared_error(X, TARGET[:, :1] @ np.ones((1, D_IN), np.float32), weights=WEIGHTS)
    )
    assert got == want


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_exact_mode_compiles_under_xla(name: str, dtype: str) -> None:
    """The exact-mode code path is XLA-compilable with static shapes (TPU readiness)."""
    loss_fn, labels = LOSSES[name]

    @tf.function(jit_compile=True)
    def f(x: tf.Tensor, y: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
        with tcl.collection_scope():
            return tf.cast(loss_fn(tf.cast(x @ W0, dtype), y, w), tf.float32)

    with tcl.exact_averaging():
        got = float(f(tf.constant(X), tf.constant(labels), tf.constant(WEIGHTS)))
    want = float(loss_fn(tf.cast(X @ W0, dtype), labels, WEIGHTS))
    np.testing.assert_allclose(got, want, rtol=2e-5 if dtype == "float32" else 6e-2)
