"""Issue 13, smaller departures from contrib (all failed before the fix).

* ``cosine_distance`` accepts a NumPy integer axis and a scalar integer
  tensor axis with a static value (contrib did), eagerly, in a
  ``tf.function`` and in a TF1 graph;
* ``label_smoothing="0.1"`` is a ``TypeError`` (contrib raised), while
  smoothing outside [0, 1] stays a ``ValueError`` on purpose;
* an empty ``get_total_loss()`` in a TF1 graph says "in this graph";
* after ``install()``, ``importlib.util.find_spec("tensorflow.contrib")``
  works and ``from tensorflow.contrib import slim`` raises an ``ImportError``
  with the "moved to" hint.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl

P = np.array([[0.6, 0.8], [1.0, 0.0], [0.0, 1.0]], np.float32)
L = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], np.float32)
WANT_COS = float(np.mean(1.0 - np.sum(P * L, axis=1)))  # (0.4 + 1 + 0) / 3


def _run(mode: str, fn: Any) -> float:
    if mode == "eager":
        with tcl.collection_scope():
            return float(fn())
    if mode == "function":
        return float(tf.function(fn)())
    g = tf.Graph()
    with g.as_default():
        out = fn()
    with tf.compat.v1.Session(graph=g) as sess:
        return float(sess.run(out))


AXES = {
    "np.int64": lambda: np.int64(1),
    "np.int32": lambda: np.int32(1),
    "tf.constant_int32": lambda: tf.constant(1),
    "tf.constant_int64": lambda: tf.constant(1, tf.int64),
}


@pytest.mark.parametrize("mode", ["eager", "function", "graph"])
@pytest.mark.parametrize("axis", list(AXES))
def test_cosine_distance_numpy_and_static_tensor_axis(axis: str, mode: str) -> None:
    got = _run(mode, lambda: tcl.cosine_distance(P, L, axis=AXES[axis]()))
    np.testing.assert_allclose(got, WANT_COS, rtol=1e-6)


def test_cosine_distance_old_dim_keyword_with_numpy_int() -> None:
    with pytest.warns(DeprecationWarning):
        got = float(tcl.cosine_distance(P, L, dim=np.int64(1)))
    np.testing.assert_allclose(got, WANT_COS, rtol=1e-6)


@pytest.mark.parametrize("bad", [1.0, "1", [1]])
def test_cosine_distance_non_integer_axis_still_rejected(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError), match="axis"):
        tcl.cosine_distance(P, L, axis=bad)


SMOOTHED = {
    "sigmoid_cross_entropy": tcl.sigmoid_cross_entropy,
    "softmax_cross_entropy": tcl.softmax_cross_entropy,
}


@pytest.mark.parametrize("name", list(SMOOTHED))
def test_label_smoothing_string_is_a_type_error(name: str) -> None:
    with pytest.raises(TypeError, match="label_smoothing"):  # computed with 0.1 before
        SMOOTHED[name](P, L, label_smoothing="0.1")
    with pytest.raises(TypeError, match="label_smoothing"):
        tf.function(lambda: SMOOTHED[name](P, L, label_smoothing="0.1"))()


@pytest.mark.parametrize("name", list(SMOOTHED))
@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_label_smoothing_out_of_range_stays_a_value_error(name: str, value: float) -> None:
    """A deliberate departure: contrib computed a value, the library refuses."""
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\]"):
        SMOOTHED[name](P, L, label_smoothing=value)


@pytest.mark.parametrize("name", list(SMOOTHED))
def test_label_smoothing_numeric_types_still_work(name: str) -> None:
    want = float(SMOOTHED[name](P, L, label_smoothing=0.1))
    for ok in (np.float32(0.1), np.float64(0.1)):
        np.testing.assert_allclose(float(SMOOTHED[name](P, L, label_smoothing=ok)), want, 1e-6)


@pytest.mark.keras
def test_keras_label_smoothing_string_is_a_type_error() -> None:
    from tfcompat_losses import keras as tck

    for cls in (tck.SoftmaxCrossEntropy, tck.SigmoidCrossEntropy):
        with pytest.raises(TypeError, match="label_smoothing"):
            cls(label_smoothing="0.1")(L, P)


def test_tf1_graph_empty_total_says_in_this_graph() -> None:
    g = tf.Graph()
    with g.as_default():
        with pytest.raises(ValueError, match="get_total_loss: no losses") as err:
            tcl.get_total_loss()
    assert "REGULARIZATION_LOSSES in this graph." in str(err.value)  # "trace" before
    with pytest.raises(ValueError, match=r"in this tf\.function trace\."):
        tf.function(lambda: tcl.get_total_loss())()


@pytest.fixture
def installed():
    tcl.install()
    yield
    tcl.uninstall()


def test_find_spec_of_installed_contrib(installed: None) -> None:
    spec = importlib.util.find_spec("tensorflow.contrib")  # ValueError before
    assert spec is not None and spec.name == "tensorflow.contrib"
    assert importlib.util.find_spec("tensorflow.contrib.losses") is not None


def test_find_spec_after_uninstall() -> None:
    tcl.install()
    tcl.uninstall()
    assert importlib.util.find_spec("tensorflow.contrib") is None


def test_from_contrib_import_slim_has_the_moved_to_hint(installed: None) -> None:
    with pytest.raises(ImportError, match="moved to tf_slim"):  # bare ImportError before
        from tensorflow.contrib import slim  # noqa: F401
    with pytest.raises(AttributeError, match="moved to tf_slim"):
        _ = tf.contrib.slim
    from tensorflow.contrib import losses  # the provided module still imports

    assert losses.get_total_loss is tcl.get_total_loss
