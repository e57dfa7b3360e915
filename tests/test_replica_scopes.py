"""Issue 13, defects 1 and 4: exact mode and arg_scope under MirroredStrategy.

Both are ``_replica.ScopedStack`` values now: the entering thread's own, and
shared with the replica threads only through the graph it was entered for.

* Defect 1 (custom loop): ``exact_averaging()`` entered *inside* the replica
  function, then a second loss after the block. The switch was process-wide,
  so the other replica thread saw it and made an extra all-reduce:
  "Some replicas made a different number of replica_context().merge_call()
  calls". Now: no crash, the exact loss sums to the one-device loss, and the
  loss after the block is the replica's own contrib average.
* Defect 4: ``arg_scope([add_loss], loss_collection="aux")`` around
  ``strategy.run`` was ignored in the replica threads (losses went to
  LOSSES). Now they go to "aux", eagerly and in a tf.function, and an
  arg_scope entered in one replica stays in that replica.

MirroredStrategy runs the replica threads one at a time and switches at each
``merge_call`` (an all-reduce): the tests put an all-reduce inside a scope
of replica 0 so that replica 1 runs while replica 0 is inside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl
from tfcompat_losses import _replica

pytestmark = pytest.mark.slow

B, D, C = 16, 4, 3
RNG = np.random.default_rng(17)
X = RNG.normal(size=(B, D)).astype(np.float32)
W0 = (RNG.normal(size=(D, C)) * 0.5).astype(np.float32)
ONEHOT = np.eye(C, dtype=np.float32)[RNG.integers(0, C, size=B)]
TARGET = RNG.normal(size=(B, C)).astype(np.float32)
WEIGHTS = np.zeros(B, np.float32)
WEIGHTS[:7] = RNG.uniform(0.5, 2.0, size=7)  # replica 0: 7 of 8 nonzero
WEIGHTS[12] = 1.5  # replica 1: 1 of 8 nonzero
HALF = B // 2
SUM = tf.distribute.ReduceOp.SUM


@pytest.fixture(autouse=True)
def fresh_eager_collection():
    tf.compat.v1.reset_default_graph()
    yield
    tf.compat.v1.reset_default_graph()


def _shard(strategy: tf.distribute.Strategy, a: np.ndarray) -> Any:
    def part(ctx: tf.distribute.InputContext) -> tf.Tensor:
        i = ctx.replica_id_in_sync_group
        return tf.constant(a[i * HALF : (i + 1) * HALF])

    return strategy.experimental_distribute_values_from_function(part)


def _replica_id() -> int:
    rid = tf.distribute.get_replica_context().replica_id_in_sync_group
    return int(tf.get_static_value(rid))


def _local(strategy: tf.distribute.Strategy, value: Any) -> list[np.ndarray]:
    return [v.numpy() for v in strategy.experimental_local_results(value)]


def _exact_seen() -> bool:
    """Whether exact averaging applies here (``enabled()`` before the fix)."""
    seen = getattr(_replica, "exact_requested", None) or _replica.enabled
    return bool(seen())


def _maybe_compiled(fn: Any, compiled: bool) -> Any:
    return tf.function(fn) if compiled else fn


# --------------------------------------------------------------------------
# Defect 1: exact_averaging() entered inside the replica function.


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf.function"])
def test_exact_inside_replica_then_a_second_loss(compiled: bool, mirrored_strategy) -> None:
    strategy = mirrored_strategy
    with strategy.scope():
        w = tf.Variable(W0)

    def replica(x: tf.Tensor, y: tf.Tensor, t: tf.Tensor, sw: tf.Tensor) -> Any:
        with tcl.collection_scope(), tf.GradientTape() as tape:
            logits = x @ w
            with tcl.exact_averaging():  # every replica enters it, as documented
                exact = tcl.softmax_cross_entropy(logits, y, weights=sw)
            after = tcl.mean_squared_error(logits, t, weights=sw)  # per-replica again
            total = tcl.get_total_loss()
        grad = tape.gradient(exact, w)
        return exact, after, total, tf.distribute.get_replica_context().all_reduce(SUM, grad)

    step = _maybe_compiled(lambda *a: strategy.run(replica, args=a), compiled)
    args = [_shard(strategy, a) for a in (X, ONEHOT, TARGET, WEIGHTS)]
    exact, after, total, grads = step(*args)  # RuntimeError (merge_call count) before

    w1 = tf.Variable(W0)
    with tcl.collection_scope(), tf.GradientTape() as tape:
        want = tcl.softmax_cross_entropy(tf.constant(X) @ w1, ONEHOT, weights=WEIGHTS)
    want_grad = tape.gradient(want, w1).numpy()
    np.testing.assert_allclose(sum(_local(strategy, exact)), float(want), rtol=1e-5)
    np.testing.assert_allclose(_local(strategy, grads)[0], want_grad, rtol=1e-5, atol=1e-6)
    # The loss after the block averages over the replica's own nonzero weights.
    for r, got in enumerate(_local(strategy, after)):
        rows = slice(r * HALF, (r + 1) * HALF)
        with tcl.collection_scope():
            own = tcl.mean_squared_error(X[rows] @ W0, TARGET[rows], weights=WEIGHTS[rows])
        np.testing.assert_allclose(got, float(own), rtol=1e-5)
    np.testing.assert_allclose(
        _local(strategy, total),
        np.add(_local(strategy, exact), _local(strategy, after)),
        rtol=1e-6,
    )


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf.function"])
def test_exact_entered_in_one_replica_stays_there(compiled: bool, mirrored_strategy) -> None:
    """Replica 1 runs while replica 0 is inside exact_averaging(): not exact there.

    (A loss cannot show it: exact mode in one replica only is a collective
    mismatch by definition, so the test reads the mode itself.)
    """
    strategy = mirrored_strategy

    def replica() -> tf.Tensor:
        ctx = tf.distribute.get_replica_context()
        if _replica_id() == 0:
            with tcl.exact_averaging():
                ctx.all_reduce(SUM, tf.constant(1.0))  # replica 1 runs meanwhile
                seen = _exact_seen()
        else:
            seen = _exact_seen()
            ctx.all_reduce(SUM, tf.constant(1.0))
        return tf.constant(seen)

    step = _maybe_compiled(lambda: strategy.run(replica), compiled)
    assert [bool(v) for v in _local(strategy, step())] == [True, False]  # [True, True] before
    assert not _exact_seen()


# --------------------------------------------------------------------------
# Defect 4: arg_scope around strategy.run, and inside a replica.


def _counts(x: tf.Tensor) -> tf.Tensor:
    tcl.mean_squared_error(x, tf.zeros_like(x))
    tcl.add_loss(tf.constant(1.0))
    return tf.constant(
        [len(tcl.get_losses(loss_collection="aux")), len(tcl.get_losses())], tf.int32
    )


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf.function"])
def test_arg_scope_around_strategy_run_reaches_the_replicas(
    compiled: bool, mirrored_strategy
) -> None:
    strategy = mirrored_strategy

    def replica(x: tf.Tensor) -> tf.Tensor:
        with tcl.collection_scope():
            return _counts(x)

    step = _maybe_compiled(lambda x: strategy.run(replica, args=(x,)), compiled)
    x = _shard(strategy, X)
    with tcl.arg_scope([tcl.add_loss], loss_collection="aux"):
        inside = _local(strategy, step(x))
    assert [c.tolist() for c in inside] == [[2, 0], [2, 0]]  # [[0, 2], [0, 2]] before
    if not compiled:  # a traced function keeps what it traced; eagerly the scope is gone
        after = _local(strategy, step(x))
        assert [c.tolist() for c in after] == [[0, 2], [0, 2]]
    assert tcl.get_losses(loss_collection="aux") == []  # nothing leaked to the caller


def test_arg_scope_around_a_tf_function_trace(mirrored_strategy) -> None:
    """The block is around the (outer) tf.function call that traces strategy.run."""
    strategy = mirrored_strategy

    @tf.function
    def step(x: Any) -> Any:
        return strategy.run(lambda v: _counts(v), args=(x,))

    with tcl.arg_scope([tcl.add_loss], loss_collection="aux"):
        got = _local(strategy, step(_shard(strategy, X)))
    assert [c.tolist() for c in got] == [[2, 0], [2, 0]]


@pytest.mark.tfslim
@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf.function"])
def test_tf_slim_arg_scope_around_strategy_run(compiled: bool, mirrored_strategy) -> None:
    import tf_slim

    assert tcl.register_with_tf_slim()
    strategy = mirrored_strategy

    def replica(x: tf.Tensor) -> tf.Tensor:
        with tcl.collection_scope():
            return _counts(x)

    step = _maybe_compiled(lambda x: strategy.run(replica, args=(x,)), compiled)
    with tf_slim.arg_scope([tcl.add_loss], loss_collection="aux"):
        got = _local(strategy, step(_shard(strategy, X)))
    assert [c.tolist() for c in got] == [[2, 0], [2, 0]]


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf.function"])
def test_arg_scope_entered_in_a_replica_stays_in_that_replica(
    compiled: bool, mirrored_strategy
) -> None:
    strategy = mirrored_strategy

    def replica(x: tf.Tensor) -> tf.Tensor:
        ctx = tf.distribute.get_replica_context()
        with tcl.collection_scope():
            if _replica_id() == 0:
                with tcl.arg_scope([tcl.add_loss], loss_collection="aux"):
                    ctx.all_reduce(SUM, tf.constant(1.0))  # replica 1 runs meanwhile
                    counts = _counts(x)
            else:
                counts = _counts(x)
                ctx.all_reduce(SUM, tf.constant(1.0))
            return counts

    step = _maybe_compiled(lambda x: strategy.run(replica, args=(x,)), compiled)
    got = _local(strategy, step(_shard(strategy, X)))
    assert [c.tolist() for c in got] == [[2, 0], [0, 2]]
    assert tcl.get_losses(loss_collection="aux") == []


# --------------------------------------------------------------------------
# State that the replicas share, kept per replica across share's all-reduce
# (what collect_into registers for Keras 3's per-layer add_loss lists).


class _Shared:
    """An object every replica thread writes, as a model call rewrites a layer's list."""

    def __init__(self) -> None:
        self.items: list[int] = []


def _snapshot(shared: _Shared) -> Any:
    mine = list(shared.items)

    def restore() -> None:
        shared.items[:] = mine

    return restore


@pytest.mark.parametrize("kept", [False, True], ids=["not-kept", "kept"])
@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf.function"])
def test_state_kept_across_the_all_reduce_is_the_replicas_own(
    kept: bool, compiled: bool, mirrored_strategy
) -> None:
    strategy = mirrored_strategy
    shared = _Shared()

    def replica(x: tf.Tensor) -> tf.Tensor:
        shared.items[:] = [_replica_id()]
        if kept:
            _replica.keep_across_merges(shared, _snapshot)
        _replica.share(tf.reduce_sum(x), tf.constant(1.0), True)  # replica 1 runs meanwhile
        return tf.constant(shared.items)

    step = _maybe_compiled(lambda x: strategy.run(replica, args=(x,)), compiled)
    got = [c.tolist() for c in _local(strategy, step(_shard(strategy, X)))]
    assert got == ([[0], [1]] if kept else [[1], [1]])


def test_kept_state_is_held_weakly() -> None:
    shared = _Shared()
    key = id(shared)
    _replica.keep_across_merges(shared, _snapshot)
    assert key in _replica._kept.owners
    del shared
    assert key not in _replica._kept.owners
