"""Issue 13, defect 2: a loss added in a nested graph never silently drops out.

In a ``tf.function``, ``absolute_difference`` (2.5) is added at the top of the
trace and ``mean_squared_error`` (7.5) inside a nested graph: ``tf.cond``, an
AutoGraph ``if tensor:``, ``for i in tf.range(3)``, ``tf.while_loop``, a
``tf.map_fn`` body, or an inner ``tf.function``. Before the fix the outer
``get_total_loss()`` returned 2.5; now it raises a ``ValueError`` naming the
nested graph. Eagerly the same code totals every loss (10.0 / 25.0 / 17.5),
and reading inside the nested graph gives its own losses.

The tf.cond and inner-function cases run again with ``FuncGraph.outer_graph``
treated as missing (the collection-record fallback of ``_tf_internals``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl
from tfcompat_losses import _tf_internals

X = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
ABS_X = float(np.mean(np.abs(X)))  # 2.5
MSE_X = float(np.mean(X**2))  # 7.5
MSE_ROWS = [float(np.mean(r**2)) for r in X]  # 2.5, 12.5


@pytest.fixture(autouse=True)
def fresh_eager_collection():
    tf.compat.v1.reset_default_graph()
    yield
    tf.compat.v1.reset_default_graph()


def _first(p: tf.Tensor) -> None:
    tcl.absolute_difference(p, tf.zeros_like(p))


def _mse(p: tf.Tensor) -> tf.Tensor:
    return tcl.mean_squared_error(p, tf.zeros_like(p))


def _cond(p: tf.Tensor) -> tf.Tensor:
    _first(p)
    tf.cond(tf.reduce_sum(p) > 0, lambda: _mse(p), lambda: tf.constant(0.0))
    return tcl.get_total_loss()


def _autograph_if(p: tf.Tensor) -> tf.Tensor:
    _first(p)
    if tf.reduce_sum(p) > 0:
        _mse(p)
    return tcl.get_total_loss()


def _autograph_for(p: tf.Tensor) -> tf.Tensor:
    _first(p)
    for _ in tf.range(3):
        _mse(p)
    return tcl.get_total_loss()


def _while_loop(p: tf.Tensor) -> tf.Tensor:
    _first(p)

    def body(i: tf.Tensor) -> list[tf.Tensor]:
        _mse(p)
        return [i + 1]

    tf.while_loop(lambda i: i < 3, body, [tf.constant(0)])
    return tcl.get_total_loss()


def _map_fn(p: tf.Tensor) -> tf.Tensor:
    _first(p)
    tf.map_fn(_mse, p)
    return tcl.get_total_loss()


@tf.function
def inner_loss_fn(p: tf.Tensor) -> tf.Tensor:
    return _mse(p)


def _inner_function(p: tf.Tensor) -> tf.Tensor:
    _first(p)
    inner_loss_fn(p)
    return tcl.get_total_loss()


# case -> (outer function, regex for the nested graph's name, eager total or None)
CASES: dict[str, tuple[Callable[[tf.Tensor], tf.Tensor], str, float | None]] = {
    "tf.cond": (_cond, r"\['cond_true_\d+'\]", ABS_X + MSE_X),
    "autograph_if": (_autograph_if, r"\['cond_true_\d+'\]", ABS_X + MSE_X),
    "autograph_for_range": (_autograph_for, r"\['while_body_\d+'\]", ABS_X + 3 * MSE_X),
    "tf.while_loop": (_while_loop, r"\['while_body_\d+'\]", ABS_X + 3 * MSE_X),
    "tf.map_fn": (_map_fn, r"\['map_while_body_\d+'\]", ABS_X + sum(MSE_ROWS)),
    # Eagerly, a tf.function's trace never reaches the caller (by design).
    "inner_tf.function": (_inner_function, r"\['inner_loss_fn'\]", None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_outer_total_raises_naming_the_nested_graph(case: str) -> None:
    fn, nested, _ = CASES[case]
    with pytest.raises(ValueError, match=r"cannot be read: a loss was added to it inside") as err:
        tf.function(fn)(tf.constant(X))  # returned 2.5 before the fix
    assert tf.compat.v1.GraphKeys.LOSSES in str(err.value)
    assert re.search(nested, str(err.value)), str(err.value)[:400]


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][2] is not None])
def test_same_code_eagerly_totals_every_loss(case: str) -> None:
    fn, _, want = CASES[case]
    with tcl.collection_scope():
        np.testing.assert_allclose(float(fn(tf.constant(X))), want, rtol=1e-6)


def test_get_losses_raises_too_and_other_collections_stay_readable() -> None:
    @tf.function
    def step(p: tf.Tensor) -> tf.Tensor:
        tcl.add_loss(tf.constant(0.5), tcl.REGULARIZATION_LOSSES)
        tf.cond(tf.reduce_sum(p) > 0, lambda: _mse(p), lambda: tf.constant(0.0))
        with pytest.raises(ValueError, match="cond_true"):
            tcl.get_losses()
        with pytest.raises(ValueError, match="cond_true"):
            tcl.get_total_loss(add_regularization_losses=False)
        return tf.add_n(tcl.get_regularization_losses())  # nothing lost there

    assert float(step(tf.constant(X))) == 0.5


def test_loss_collection_none_inside_the_branch_does_not_raise() -> None:
    @tf.function
    def step(p: tf.Tensor) -> tf.Tensor:
        _first(p)

        def uncollected() -> tf.Tensor:
            with tcl.arg_scope([tcl.add_loss], loss_collection=None):
                return _mse(p)

        inner = tf.cond(tf.reduce_sum(p) > 0, uncollected, lambda: tf.constant(0.0))
        tcl.add_loss(inner)  # carried out of the cond by the user: counted
        return tcl.get_total_loss()

    np.testing.assert_allclose(float(step(tf.constant(X))), ABS_X + MSE_X, rtol=1e-6)


def test_reading_inside_the_nested_graph_works_locally() -> None:
    @tf.function
    def step(p: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        _first(p)

        def branch() -> tf.Tensor:
            _mse(p)
            return tcl.get_total_loss()  # the branch's own collection

        in_cond = tf.cond(tf.reduce_sum(p) > 0, branch, lambda: tf.constant(-1.0))
        acc = tf.constant(0.0)
        for _ in tf.range(3):
            _mse(p)
            acc += tcl.get_total_loss()  # the loop body's own collection
        in_map = tf.map_fn(lambda r: (_mse(r), tcl.get_total_loss())[1], p)
        return in_cond, acc, in_map, inner_loss_fn_and_total(p)

    in_cond, acc, in_map, in_inner = step(tf.constant(X))
    np.testing.assert_allclose(float(in_cond), MSE_X, rtol=1e-6)
    np.testing.assert_allclose(float(acc), 3 * MSE_X, rtol=1e-6)
    np.testing.assert_allclose(in_map.numpy(), MSE_ROWS, rtol=1e-6)
    np.testing.assert_allclose(float(in_inner), MSE_X, rtol=1e-6)


@tf.function
def inner_loss_fn_and_total(p: tf.Tensor) -> tf.Tensor:
    _mse(p)
    return tcl.get_total_loss()


@pytest.mark.parametrize("case", ["tf.cond", "inner_tf.function"])
def test_fallback_without_outer_graph_attribute(case: str, monkeypatch) -> None:
    """The outer trace holds a loss before the nested graph is created: it raises."""
    monkeypatch.setattr(
        _tf_internals, "_outer_graph_attribute", lambda graph: _tf_internals._MISSING
    )
    fn, nested, _ = CASES[case]
    # A fresh inner tf.function, so its trace is made under the fallback too.
    monkeypatch.setitem(globals(), "inner_loss_fn", tf.function(_mse))
    with pytest.raises(ValueError, match="cannot be read") as err:
        tf.function(fn)(tf.constant(X))
    if case == "tf.cond":
        assert re.search(nested, str(err.value))


def test_fallback_two_branches_and_nested_conds_terminate(monkeypatch) -> None:
    """tf.cond branches share the outer graph's collection list: the record walk ends.

    Before the fix of ``_outer_from_records`` the branch and the outer graph
    were each other's outer graph and the walk up never ended.
    """
    monkeypatch.setattr(
        _tf_internals, "_outer_graph_attribute", lambda graph: _tf_internals._MISSING
    )

    @tf.function
    def step(p: tf.Tensor) -> tf.Tensor:
        _first(p)
        big = tf.reduce_sum(p) > 0

        def outer_branch() -> tf.Tensor:
            return tf.cond(big, lambda: _mse(p), lambda: tf.constant(0.0))

        tf.cond(big, outer_branch, lambda: tf.constant(0.0))
        tf.cond(big, lambda: _mse(p), lambda: _mse(2 * p))
        return tcl.get_total_loss()

    with pytest.raises(ValueError, match=r"cond_(true|false)_\d+") as err:
        step(tf.constant(X))
    assert "cannot be read" in str(err.value)


@pytest.mark.parametrize("case", ["tf.cond", "tf.while_loop", "tf.map_fn"])
def test_tf1_graph_total_raises_like_contrib(case: str) -> None:
    """TF1 graph (v2 control flow): contrib raised 'must be from the same graph'."""
    nested = {"tf.cond": _cond, "tf.while_loop": _while_loop, "tf.map_fn": _map_fn}[case]
    g = tf.Graph()
    with g.as_default():
        with pytest.raises(ValueError, match="collection of this graph cannot be read") as err:
            nested(tf.constant(X))  # returned 2.5 before the fix
        assert re.search(CASES[case][1], str(err.value))
        # The graph's own list still holds what was added at its top level.
        assert len(tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES)) == 1


def test_tf1_graph_without_nested_losses_totals_normally() -> None:
    g = tf.Graph()
    with g.as_default():
        p = tf.constant(X)
        _first(p)
        tf.cond(tf.reduce_sum(p) > 0, lambda: p * 2, lambda: p)  # no loss inside
        total = tcl.get_total_loss()
    with tf.compat.v1.Session(graph=g) as sess:
        np.testing.assert_allclose(sess.run(total), ABS_X, rtol=1e-6)
