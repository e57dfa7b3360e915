"""``tfcompat_losses.v1``: TF1's core ``tf.losses`` API, collecting in every context.

The oracle is ``tf.compat.v1.losses`` itself in a TF1 graph: for every
function, weight rank and ``Reduction`` the values must be bit-identical
(or both calls must raise the same exception type) and the graph's
``LOSSES`` collection must hold the same tensors by name. Then the
collecting: one entry per call in eager mode and in ``tf.function``, and
both modules' totals see it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import tensorflow as tf
import tensorflow.compat.v1 as tf1
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tfcompat_losses as tcl
from tfcompat_losses import v1

LOSSES = tf1.GraphKeys.LOSSES
REG = tf1.GraphKeys.REGULARIZATION_LOSSES
REDUCTIONS = sorted(set(tf1.losses.Reduction.all()))
WEIGHT_FORMS = ("scalar", "batch", "batch1", "full")
WEIGHT_VALUES = (0.0, 0.0, 0.5, 1.0, 2.0)  # zeros are common: nonzero counting matters

SETTINGS = settings(
    max_examples=4,  # each example runs every weight form x Reduction
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# fn -> (how its inputs are made, whether it takes reduction=, extra keyword choices)
FNS: dict[str, tuple[str, bool, dict[str, tuple[Any, ...]]]] = {
    "absolute_difference": ("regression", True, {}),
    "compute_weighted_loss": ("losses", True, {}),
    "cosine_distance": ("cosine", True, {}),
    "hinge_loss": ("binary", True, {}),
    "huber_loss": ("regression", True, {"delta": (1.0, 0.3)}),
    "log_loss": ("probability", True, {}),
    "mean_pairwise_squared_error": ("regression", False, {}),
    "mean_squared_error": ("regression", True, {}),
    "sigmoid_cross_entropy": ("binary", True, {"label_smoothing": (0, 0.1, 0.5)}),
    "softmax_cross_entropy": ("onehot", True, {"label_smoothing": (0, 0.2)}),
    "sparse_softmax_cross_entropy": ("sparse", True, {}),
}


@pytest.fixture(autouse=True)
def fresh_default_graph():
    tf1.reset_default_graph()
    yield
    tf1.reset_default_graph()


def _floats(draw: Any, shape: tuple[int, ...], lo: float, hi: float) -> np.ndarray:
    n = int(np.prod(shape))
    xs = draw(st.lists(st.floats(lo, hi, width=32), min_size=n, max_size=n))
    return np.array(xs, np.float32).reshape(shape)


@st.composite
def example(draw: Any, fn: str) -> tuple[list[np.ndarray], tuple[int, ...], dict[str, Any]]:
    """(positional inputs, shape of the unreduced loss, keyword arguments)."""
    kind = FNS[fn][0]
    b = draw(st.integers(1, 3))
    d = draw(st.integers(1, 3)) if kind not in ("onehot", "sparse") else draw(st.integers(2, 4))
    kwargs = {k: draw(st.sampled_from(v)) for k, v in FNS[fn][2].items()}
    if kind == "regression":
        return [_floats(draw, (b, d), -3, 3), _floats(draw, (b, d), -3, 3)], (b, d), kwargs
    if kind == "losses":
        return [_floats(draw, (b, d), 0, 5)], (b, d), kwargs
    if kind == "cosine":
        kwargs["axis"] = 1
        return [_floats(draw, (b, d), -1, 1), _floats(draw, (b, d), -1, 1)], (b, 1), kwargs
    if kind == "probability":
        labels = np.array(
            draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=b * d, max_size=b * d)), np.float32
        )
        return [labels.reshape(b, d), _floats(draw, (b, d), 2**-6, 1 - 2**-6)], (b, d), kwargs
    if kind == "binary":
        labels = np.array(
            draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=b * d, max_size=b * d)), np.float32
        )
        return [labels.reshape(b, d), _floats(draw, (b, d), -4, 4)], (b, d), kwargs
    classes = draw(st.lists(st.integers(0, d - 1), min_size=b, max_size=b))
    logits = _floats(draw, (b, d), -4, 4)
    if kind == "onehot":
        return [np.eye(d, dtype=np.float32)[classes], logits], (b,), kwargs
    return [np.array(classes, np.int32), logits], (b,), kwargs


def _weights(draw: Any, form: str, loss_shape: tuple[int, ...]) -> Any:
    b = loss_shape[0]
    shape = {"scalar": (), "batch": (b,), "batch1": (b, 1), "full": loss_shape}[form]
    n = int(np.prod(shape))
    values = draw(st.lists(st.sampled_from(WEIGHT_VALUES), min_size=n, max_size=n))
    if form == "scalar":
        return values[0]
    return np.array(values, np.float32).reshape(shape)


def _build(
    module: Any,
    fn: str,
    calls: list[tuple[Any, str | None, dict[str, Any]]],
    inputs: list[np.ndarray],
) -> tuple[list[Any], list[Any], list[str]]:
    """Every call of ``fn`` in a fresh graph: (graph, outcomes, LOSSES names)."""
    g = tf.Graph()
    outcomes: list[Any] = []
    with g.as_default():
        args = [tf.constant(x) for x in inputs]
        for weights, reduction, kwargs in calls:
            kw = dict(kwargs, weights=weights)
            if reduction is not None:
                kw["reduction"] = reduction
            try:
                outcomes.append(getattr(module, fn)(*args, **kw))
            except Exception as e:  # the oracle's errors must be ours too
                outcomes.append(type(e))
        names = [t.name for t in g.get_collection(LOSSES)]
        tensors = [o for o in outcomes if isinstance(o, tf.Tensor)]
        with tf1.Session(graph=g) as sess:
            try:
                values = sess.run(tensors)
            except tf.errors.OpError as e:
                values = [type(e)] * len(tensors)
    it = iter(values)
    results = [next(it) if isinstance(o, tf.Tensor) else o for o in outcomes]
    return results, outcomes, names


@pytest.mark.parametrize("fn", sorted(FNS))
@SETTINGS
@given(data=st.data())
def test_matches_tf_compat_v1_losses_in_tf1_graph(fn: str, data: Any) -> None:
    inputs, loss_shape, kwargs = data.draw(example(fn))
    takes_reduction = FNS[fn][1]
    calls = []
    for form in WEIGHT_FORMS:
        weights = _weights(data.draw, form, loss_shape)
        for reduction in REDUCTIONS if takes_reduction else [None]:
            calls.append((weights, reduction, kwargs))
    want, want_out, want_names = _build(tf1.losses, fn, calls, inputs)
    got, _, got_names = _build(v1, fn, calls, inputs)
    assert any(isinstance(o, tf.Tensor) for o in want_out)
    for w, g, call in zip(want, got, calls, strict=True):
        if isinstance(w, type):
            assert g is w, call
            continue
        assert isinstance(g, np.ndarray | np.generic), (call, g)
        assert g.dtype == w.dtype and g.shape == w.shape, call
        assert np.array_equal(g, w, equal_nan=True), (call, g, w)  # bit-identical
        assert g.tobytes() == w.tobytes(), call
    assert got_names == want_names
    assert len(got_names) == sum(isinstance(o, tf.Tensor) for o in want_out)


def test_reduction_and_api_surface() -> None:
    assert v1.Reduction is tf1.losses.Reduction
    for name in v1.__all__:
        assert hasattr(tf1.losses, name), name
    core = {n for n in dir(tf1.losses) if not n.startswith("_")}
    assert core <= set(v1.__all__), core - set(v1.__all__)


# --------------------------------------------------------------------------
# Collecting in eager mode and in tf.function.

P = np.array([[1.0, 2.0], [3.0, 5.0]], np.float32)
Y = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
PROB = np.array([[0.2, 0.7], [0.9, 0.4]], np.float32)


def _call(fn: str, **kw: Any) -> Any:
    f = getattr(v1, fn)
    if fn == "compute_weighted_loss":
        return f(P, **kw)
    if fn == "cosine_distance":
        return f(Y, P, axis=1, **kw)
    if fn == "log_loss":
        return f(Y, PROB, **kw)
    if fn == "sparse_softmax_cross_entropy":
        return f(np.array([1, 0], np.int32), P, **kw)
    return f(Y, P, **kw)


def _run(compiled: bool, fn: Any) -> Any:
    return tf.function(fn)() if compiled else fn()


MODES = pytest.mark.parametrize("compiled", [False, True], ids=["eager", "function"])


@MODES
@pytest.mark.parametrize("fn", sorted(FNS))
def test_each_function_collects_exactly_one_entry(fn: str, compiled: bool) -> None:
    def step() -> Any:
        with tcl.collection_scope():
            loss = _call(fn)
            got = tcl.get_losses()
            assert len(got) == 1 and got[0] is loss
            assert tf1.get_collection(LOSSES) == []  # TF's list is not used twice
            assert float(tcl.get_total_loss()) if not compiled else True
            total = v1.get_total_loss()
        with tcl.collection_scope():
            _call(fn, loss_collection=None)
            assert tcl.get_losses() == []
            mine = _call(fn, loss_collection="my_losses")
            assert tcl.get_losses() == []
            assert [id(x) for x in tcl.get_losses(loss_collection="my_losses")] == [id(mine)]
            assert [id(x) for x in v1.get_losses(loss_collection="my_losses")] == [id(mine)]
        return loss, total

    loss, total = _run(compiled, step)
    assert float(total) == float(loss)


@MODES
def test_v1_losses_are_in_both_totals(compiled: bool) -> None:
    def step() -> Any:
        with tcl.collection_scope():
            a = v1.mean_squared_error(Y, P)
            b = tcl.absolute_difference(P, Y)  # contrib order
            c = v1.huber_loss(Y, P, delta=0.5)
            return tf.stack([a + b + c, tcl.get_total_loss(), v1.get_total_loss()])

    want, ours, theirs = _run(compiled, step).numpy().tolist()
    assert ours == theirs
    np.testing.assert_allclose(ours, want, rtol=1e-6)


@MODES
def test_get_total_loss_scope_filters(compiled: bool) -> None:
    def step() -> Any:
        with tcl.collection_scope():
            with tf.name_scope("tower_0"):
                a = v1.mean_squared_error(Y, P)
            b = v1.absolute_difference(Y, P, scope="head")
            c = v1.log_loss(Y, PROB)
            tower = v1.get_total_loss(scope="tower_0")
            head = v1.get_total_loss(scope="head", add_regularization_losses=False)
            everything = v1.get_total_loss()
            assert len(v1.get_losses(scope="tower_0")) == 1
            return tf.stack([tower, a, head, b, everything, a + b + c])

    tower, a, head, b, everything, abc = _run(compiled, step).numpy().tolist()
    assert tower == a and head == b
    np.testing.assert_allclose(everything, abc, rtol=1e-6)


def test_get_total_loss_scope_like_tf_in_graph() -> None:
    def build(module: Any) -> list[Any]:
        with tf.name_scope("tower_0"):
            module.mean_squared_error(Y, P)
        module.absolute_difference(Y, P, scope="head")
        tf1.add_to_collection(REG, tf.constant(0.25))
        return [
            module.get_total_loss(scope="tower_0"),
            module.get_total_loss(scope="head"),
            module.get_total_loss(),
            module.get_regularization_loss(),
        ]

    def run(module: Any) -> list[float]:
        g = tf.Graph()
        with g.as_default(), tf1.Session(graph=g) as sess:
            return [float(x) for x in sess.run(build(module))]

    assert run(v1) == run(tf1.losses)


@MODES
def test_get_regularization_loss(compiled: bool) -> None:
    def step() -> Any:
        with tcl.collection_scope():
            none = v1.get_regularization_loss()
            tcl.add_loss(tf.constant(0.5), REG)
            tf1.add_to_collection(REG, tf.constant(0.25))
            v1.add_loss(tf.constant(2.0), REG)
            some = v1.get_regularization_loss()
            assert len(v1.get_regularization_losses()) == 3
            return none, some

    none, some = _run(compiled, step)
    assert none.dtype == tf.float32 and float(none) == 0.0
    assert float(some) == 2.75


def test_get_regularization_loss_empty_in_graph_like_tf() -> None:
    for module in (v1, tf1.losses):
        g = tf.Graph()
        with g.as_default(), tf1.Session(graph=g) as sess:
            assert sess.run(module.get_regularization_loss()) == 0.0


@MODES
def test_add_loss(compiled: bool) -> None:
    def step() -> Any:
        with tcl.collection_scope():
            x, y, z = tf.constant(1.0), tf.constant(2.0), tf.constant(4.0)
            v1.add_loss(x)
            v1.add_loss(y, loss_collection=None)
            v1.add_loss(z, "custom")
            assert [id(t) for t in tcl.get_losses()] == [id(x)]
            assert [id(t) for t in tcl.get_losses(loss_collection="custom")] == [id(z)]
            return tcl.get_total_loss()

    assert float(_run(compiled, step)) == 1.0
