"""The loss-collection emulator in every context."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl
from tfcompat_losses import _collection

X = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
ZEROS = np.zeros_like(X)
MSE_X = float(np.mean(X**2))  # 7.5
ABS_X = float(np.mean(np.abs(X)))  # 2.5


@pytest.fixture(autouse=True)
def fresh_eager_collection():
    """Each test starts from an empty eager collection in this thread."""
    tf.compat.v1.reset_default_graph()
    yield
    tf.compat.v1.reset_default_graph()


def test_contrib_pattern_eager() -> None:
    tcl.hinge_loss(X, np.ones_like(X))
    assert tcl.get_losses() == []
    loss = tcl.compute_weighted_loss(X)
    assert len(tcl.get_losses()) == 1
    tcl.mean_squared_error(X, ZEROS)
    total = tcl.get_total_loss()
    np.testing.assert_allclose(float(total), float(loss) + MSE_X, rtol=1e-6)


def test_contrib_pattern_graph_matches_tf_collection() -> None:
    g = tf.Graph()
    with g.as_default():
        tcl.hinge_loss(tf.constant(X), tf.ones([2, 2]))
        assert tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES) == []
        a = tcl.compute_weighted_loss(tf.constant(X))
        tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.LOSSES, tf.constant(1.0))
        b = tcl.absolute_difference(tf.constant(X), tf.constant(ZEROS))
        ours = tcl.get_losses()
        assert ours == tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES)
        assert ours[0] is a and ours[2] is b and len(ours) == 3
        total = tcl.get_total_loss()
        assert total.op.name == "total_loss"
        with tf.compat.v1.Session(graph=g) as sess:
            np.testing.assert_allclose(sess.run(total), ABS_X + 1.0 + ABS_X, rtol=1e-6)


def test_function_sees_losses_of_its_own_trace_only() -> None:
    tcl.absolute_difference(X, ZEROS)  # an eager loss outside must not leak in

    @tf.function
    def step(p: tf.Tensor) -> tuple[tf.Tensor, int]:
        tcl.mean_squared_error(p, tf.zeros_like(p))
        tcl.absolute_difference(p, tf.zeros_like(p))
        return tcl.get_total_loss(), len(tcl.get_losses())

    total, n = step(tf.constant(X))
    assert int(n) == 2
    np.testing.assert_allclose(float(total), MSE_X + ABS_X, rtol=1e-6)
    total, n = step(tf.ones([3, 5]))  # retrace: a fresh collection, no growth
    assert int(n) == 2 and step.experimental_get_tracing_count() == 2
    np.testing.assert_allclose(float(total), 2.0, rtol=1e-6)
    assert len(tcl.get_losses()) == 1  # nothing leaked into the caller


def test_eager_loop_with_scope_does_not_grow() -> None:
    for i in range(50):
        with tcl.collection_scope():
            tcl.compute_weighted_loss(tf.fill([3], float(i)))
            assert len(tcl.get_losses()) == 1
            assert float(tcl.get_total_loss()) == float(i)
    assert tcl.get_losses() == []


def test_eager_loop_without_scope_grows_and_warns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_collection, "LEAK_WARNING_SIZE", 20)
    monkeypatch.setattr(_collection, "_leak_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(40):
            tcl.compute_weighted_loss([1.0])
    leaks = [w for w in caught if issubclass(w.category, tcl.CollectionLeakWarning)]
    assert len(leaks) == 1
    assert "collection_scope" in str(leaks[0].message)
    assert len(tcl.get_losses()) == 40


def test_reset_default_graph_clears_eager_collection() -> None:
    tcl.compute_weighted_loss([1.0])
    assert len(tcl.get_losses()) == 1
    tf.compat.v1.reset_default_graph()
    assert tcl.get_losses() == []


def test_collection_scope_restores_outer_and_nests() -> None:
    tcl.compute_weighted_loss([1.0])
    with tcl.collection_scope():
        assert tcl.get_losses() == []
        tcl.compute_weighted_loss([2.0])
        with tcl.collection_scope():
            tcl.compute_weighted_loss([3.0])
            assert [float(v) for v in tcl.get_losses()] == [3.0]
        assert [float(v) for v in tcl.get_losses()] == [2.0]
    assert [float(v) for v in tcl.get_losses()] == [1.0]


def test_collection_scope_in_tf1_graph() -> None:
    g = tf.Graph()
    with g.as_default():
        outer = tcl.compute_weighted_loss(tf.constant([1.0]))
        with tcl.collection_scope():
            assert tcl.get_losses() == []
            inner = tcl.compute_weighted_loss(tf.constant([2.0]))
            assert tcl.get_losses() == [inner]
        assert tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES) == [outer]


def test_threads_have_their_own_collections() -> None:
    n = 8
    barrier = threading.Barrier(n)
    results: dict[int, list[float]] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            got = []
            for _ in range(20):
                with tcl.collection_scope():
                    tcl.compute_weighted_loss(tf.fill([4], float(i)))
                    tcl.mean_squared_error([[float(i)]], [[0.0]])
                    got.append(float(tcl.get_total_loss()))
            tcl.compute_weighted_loss([float(i)])
            got.append(float(len(tcl.get_losses())))
            results[i] = got
        except BaseException as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i in range(n):
        assert results[i][:-1] == [float(i) + float(i) ** 2] * 20
        assert results[i][-1] == 1.0  # only its own unscoped loss
    assert tcl.get_losses() == []  # the main thread saw none of them


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "function"])
def test_mirrored_strategy_replicas_are_isolated(
    compiled: bool, mirrored_strategy: tf.distribute.Strategy
) -> None:
    strategy = mirrored_strategy

    def replica_fn(a: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        rid = tf.distribute.get_replica_context().replica_id_in_sync_group
        scale = tf.cast(rid + 1, tf.float32)
        tcl.compute_weighted_loss(a * scale)
        tcl.absolute_difference(a * scale, tf.zeros_like(a))
        return tcl.get_total_loss(), tf.constant(len(tcl.get_losses()))

    def run(a: tf.Tensor):
        return strategy.run(replica_fn, args=(a,))

    if compiled:
        run = tf.function(run)
    with strategy.scope():
        totals, counts = run(tf.constant([1.0, 1.0]))
    totals = [float(t) for t in strategy.experimental_local_results(totals)]
    counts = [int(c) for c in strategy.experimental_local_results(counts)]
    assert counts == [2, 2]
    assert totals == [2.0, 4.0]  # each replica totals only its own losses
    assert tcl.get_losses() == []


def test_scope_filter_regex_eager_function_graph() -> None:
    def build() -> tuple[int, int, int, int]:
        with tf.name_scope("tower_0"):
            tcl.mean_squared_error(tf.constant(X), tf.constant(ZEROS))
        with tf.name_scope("tower_1"):
            tcl.absolute_difference(tf.constant(X), tf.constant(ZEROS), scope="l1")
        tcl.log_loss(tf.constant([[0.5]]), tf.constant([[1.0]]))
        return (
            len(tcl.get_losses(scope="tower_0")),
            len(tcl.get_losses(scope="tower_.*")),
            len(tcl.get_losses(scope="tower_1/l1")),
            len(tcl.get_losses(scope="log_loss")),
        )

    expected = (1, 2, 1, 1)
    with tcl.collection_scope():
        assert build() == expected
    assert tf.function(lambda: tf.constant(build()))().numpy().tolist() == list(expected)
    with tf.Graph().as_default():
        assert build() == expected
        assert len(tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES, "tower_.*")) == 2


def test_loss_collection_none_custom_and_regularization() -> None:
    tcl.add_loss(tf.constant(5.0), loss_collection=None)
    tcl.add_loss(tf.constant(1.0), loss_collection="my_losses")
    tcl.add_loss(tf.constant(0.25), loss_collection=tcl.REGULARIZATION_LOSSES)
    tcl.compute_weighted_loss([2.0])
    assert [float(v) for v in tcl.get_losses(loss_collection="my_losses")] == [1.0]
    assert [float(v) for v in tcl.get_regularization_losses()] == [0.25]
    assert float(tcl.get_total_loss()) == 2.25
    assert float(tcl.get_total_loss(add_regularization_losses=False)) == 2.0


def test_get_total_loss_empty_raises() -> None:
    with pytest.raises(ValueError, match="get_total_loss: no losses"):
        tcl.get_total_loss()
    tcl.add_loss(tf.constant(1.0), loss_collection=tcl.REGULARIZATION_LOSSES)
    with pytest.raises(ValueError, match="no losses in the LOSSES collection"):
        tcl.get_total_loss(add_regularization_losses=False)
    with pytest.raises(ValueError, match="get_total_loss"):
        tf.function(lambda: tcl.get_total_loss(add_regularization_losses=False))()


def test_get_total_loss_mixed_dtypes_sum_in_float32() -> None:
    tcl.softmax_cross_entropy(tf.constant([[1.0, 0.0]], tf.float16), [[1.0, 0.0]])
    tcl.mean_squared_error([[1.0]], [[0.0]])
    total = tcl.get_total_loss()
    assert total.dtype == tf.float32
    np.testing.assert_allclose(float(total), np.log1p(np.exp(-1.0)) + 1.0, rtol=2e-3)


def test_arg_scope_redirects_every_loss() -> None:
    with tcl.arg_scope([tcl.add_loss], loss_collection="towers") as sc:
        tcl.mean_squared_error(X, ZEROS)
        tcl.add_loss(tf.constant(1.0))
        tcl.add_loss(tf.constant(2.0), loss_collection="explicit")  # explicit wins
    with tcl.arg_scope(sc):
        tcl.compute_weighted_loss([4.0])
    assert tcl.get_losses() == []
    assert [float(v) for v in tcl.get_losses(loss_collection="towers")] == [MSE_X, 1.0, 4.0]
    assert [float(v) for v in tcl.get_losses(loss_collection="explicit")] == [2.0]
    with pytest.raises(ValueError, match=r"only tfcompat_losses\.add_loss"):
        with tcl.arg_scope([tcl.mean_squared_error], loss_collection="x"):
            pass
    with pytest.raises(ValueError, match="loss_collection"):
        with tcl.arg_scope([tcl.add_loss], collection="x"):
            pass


@pytest.mark.tfslim
def test_tf_slim_arg_scope_interop() -> None:
    import tf_slim

    assert tcl.register_with_tf_slim()
    with tf_slim.arg_scope([tcl.add_loss], loss_collection="slim_scoped"):
        tcl.mean_squared_error(X, ZEROS)
    with tf_slim.arg_scope([tf_slim.losses.add_loss], loss_collection="slim_own"):
        tcl.absolute_difference(X, ZEROS)
    assert [float(v) for v in tcl.get_losses(loss_collection="slim_scoped")] == [MSE_X]
    assert [float(v) for v in tcl.get_losses(loss_collection="slim_own")] == [ABS_X]
    assert tcl.get_losses() == []


@pytest.mark.parametrize("mode", ["eager", "function", "graph"])
def test_add_loss_accepts_numbers(mode: str) -> None:
    """contrib stored a Python number as it was and add_n converted it later."""

    def body() -> tf.Tensor:
        tcl.add_loss(0.25, tcl.REGULARIZATION_LOSSES)
        tcl.add_loss(np.float32(1.5))
        tcl.add_loss(tf.constant(2.0))
        return tcl.get_total_loss()

    if mode == "graph":
        with tf.Graph().as_default() as g:
            total = body()
            assert len(g.get_collection(tcl.REGULARIZATION_LOSSES)) == 1
            with tf.compat.v1.Session() as sess:
                value = sess.run(total)
    elif mode == "function":
        value = tf.function(body)().numpy()
    else:
        with tcl.collection_scope():
            value = body().numpy()
    assert value == pytest.approx(3.75)


@pytest.mark.parametrize("bad", [None, "loss", object(), tf.constant("x")])
def test_add_loss_rejects_non_numbers(bad: object) -> None:
    with tcl.collection_scope():
        with pytest.raises(TypeError, match=r"add_loss: loss must be"):
            tcl.add_loss(bad)
        assert tcl.get_losses() == []
