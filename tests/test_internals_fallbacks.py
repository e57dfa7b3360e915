"""The private TensorFlow/Keras reads, with their fallbacks exercised.

``_tf_internals`` reads ``FuncGraph.outer_graph``, the XLA context and the
tape-set query; ``_keras_names`` writes Keras 3's private table of loss
names; ``keras._keras_internals`` reads and writes Keras 3's per-layer
``add_loss`` lists. The first two fall back to public behaviour when the
private name is gone, the third to a clear ``ValueError``: these tests take
those branches on purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl
from tfcompat_losses import _keras_names, _tf_internals

X = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
Z = np.zeros_like(X)


def _nested_graphs() -> tuple[Any, Any]:
    """(outer FuncGraph, the FuncGraph of a tf.cond branch inside it)."""
    seen: dict[str, Any] = {}

    @tf.function
    def outer(x: tf.Tensor) -> tf.Tensor:
        seen["outer"] = tf.compat.v1.get_default_graph()
        tcl.absolute_difference(x, Z)  # the outer trace holds a loss first

        def branch() -> tf.Tensor:
            seen["inner"] = tf.compat.v1.get_default_graph()
            return tf.constant(1.0)

        return tf.cond(tf.reduce_sum(x) > 0, branch, lambda: tf.constant(0.0))

    outer(tf.constant(X))
    return seen["outer"], seen["inner"]


def test_outer_graph_attribute() -> None:
    outer, inner = _nested_graphs()
    assert _tf_internals.outer_function_graph(inner) is outer
    assert _tf_internals.outer_function_graph(outer) is None  # top-level trace


def test_outer_graph_fallback_finds_the_enclosing_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tf_internals, "_outer_graph_attribute", lambda g: _tf_internals._MISSING)
    outer, inner = _nested_graphs()
    assert _tf_internals.outer_function_graph(inner) is outer
    assert _tf_internals.outer_function_graph(outer) is None


def test_fallback_still_refuses_a_partial_total(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tf_internals, "_outer_graph_attribute", lambda g: _tf_internals._MISSING)

    @tf.function
    def step(x: tf.Tensor) -> tf.Tensor:
        tcl.absolute_difference(x, Z)

        def branch() -> tf.Tensor:
            return tcl.mean_squared_error(x, Z)

        tf.cond(tf.reduce_sum(x) > 0, branch, lambda: tf.constant(0.0))
        return tcl.get_total_loss()

    with pytest.raises(ValueError, match="nested graph"):
        step(tf.constant(X))


def test_string_names_are_added_to_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    table: dict[str, Any] = {}
    monkeypatch.setattr(_keras_names, "_builtin_loss_table", lambda: table)

    class Probe:
        pass

    assert _keras_names.add_string_names("pkg", [Probe])
    assert table == {"pkg>Probe": Probe}


@pytest.mark.keras
def test_without_the_table_serialization_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback: no string names, but registered (de)serialization as before."""
    monkeypatch.setattr(_keras_names, "_builtin_loss_table", lambda: None)
    from tfcompat_losses import keras as tck

    assert not _keras_names.add_string_names(tck.PACKAGE, [tck.SoftmaxCrossEntropy])
    loss = tck.SoftmaxCrossEntropy(label_smoothing=0.2)
    config = tf.keras.utils.serialize_keras_object(loss)
    back = tf.keras.utils.deserialize_keras_object(config)
    assert type(back) is tck.SoftmaxCrossEntropy and back.label_smoothing == 0.2
    y = np.eye(3, dtype=np.float32)
    logits = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]], np.float32)
    assert float(back(y, logits)) == pytest.approx(float(loss(y, logits)))
    # The public way to name the class in compile(loss=...), table or not.
    named = tf.keras.losses.get({"class_name": "tfcompat_losses>SoftmaxCrossEntropy", "config": {}})
    assert type(named) is tck.SoftmaxCrossEntropy


def test_in_xla_reads_the_enclosing_xla_context() -> None:
    seen: list[bool] = []

    def probe() -> tf.Tensor:
        seen.append(_tf_internals.in_xla())
        return tf.constant(0.0)

    tf.function(probe, jit_compile=True)()
    tf.function(probe)()
    assert seen == [True, False]


def test_without_the_xla_query_cluster_loss_still_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fallback: no clear ValueError, but XLA's own error, never a value."""
    from tfcompat_losses import metric_learning

    monkeypatch.setattr(_tf_internals, "_xla_context_query", lambda: _tf_internals._MISSING)
    assert not _tf_internals.in_xla()
    labels = tf.constant([0, 0, 1, 1])
    emb = tf.constant([[0.0, 1.0], [0.1, 0.9], [1.0, 0.0], [0.9, 0.1]])

    @tf.function(jit_compile=True)
    def loss() -> tf.Tensor:
        return metric_learning.cluster_loss(labels, emb, margin_multiplier=1.0)

    with pytest.raises(Exception) as caught:  # XLA's error type varies by version
        loss()
    assert not isinstance(caught.value, AssertionError)


LOGITS = [[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]]
SOFT_LABELS = [[0.7, 0.2, 0.1], [0.0, 0.5, 0.5]]


def _softmax_label_gradient() -> tuple[float, Any]:
    """Softmax CE of soft labels under a tape: (value, gradient w.r.t. the labels)."""
    labels = tf.constant(SOFT_LABELS)
    with tf.GradientTape() as tape:
        tape.watch(labels)
        loss = tcl.softmax_cross_entropy(tf.constant(LOGITS), labels, weights=[1.0, 2.0])
    return float(loss), tape.gradient(loss, labels)


def test_tape_query_sees_tapes_and_accumulators() -> None:
    assert not _tf_internals.gradient_may_record()
    with tf.GradientTape():
        assert _tf_internals.gradient_may_record()
    primal = tf.constant(1.0)
    with tf.autodiff.ForwardAccumulator(primal, tf.constant(1.0)):
        assert _tf_internals.gradient_may_record()
    assert not _tf_internals.gradient_may_record()


def test_labels_gradient_is_stopped_under_a_tape() -> None:
    value, grad = _softmax_label_gradient()
    assert grad is None  # contrib: no gradient into the labels
    plain = float(tcl.softmax_cross_entropy(LOGITS, SOFT_LABELS, [1.0, 2.0]))
    assert value == plain


def test_labels_forward_tangent_is_stopped() -> None:
    labels = tf.constant(SOFT_LABELS)
    with tf.autodiff.ForwardAccumulator(labels, tf.ones_like(labels)) as acc:
        loss = tcl.softmax_cross_entropy(tf.constant(LOGITS), labels)
    assert acc.jvp(loss) is None


def test_tape_query_fallback_keeps_the_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without TensorFlow's query the op always runs: same value, same (absent) gradient."""
    want = _softmax_label_gradient()
    monkeypatch.setattr(_tf_internals, "_TAPE_SET_IS_EMPTY", _tf_internals._MISSING)
    assert _tf_internals.gradient_may_record()
    got = _softmax_label_gradient()
    assert got[0] == want[0] and got[1] is None
    assert _tf_internals._tape_set_query() is not _tf_internals._MISSING  # the real one exists


class _LossAdding(tf.keras.layers.Layer):
    """A layer without weights whose ``call`` adds a loss through ``collect_into``."""

    def call(self, x: tf.Tensor) -> tf.Tensor:
        from tfcompat_losses import keras as tck

        with tck.collect_into(self):
            tcl.mean_squared_error(x, 2.0 * x)
        return x


def _layer_then_exact_loss(layer: Any, x: tf.Tensor) -> tf.Tensor:
    """A forward pass through ``layer``, then a compiled-style exact-averaging loss."""
    from tfcompat_losses import keras as tck

    layer(x)
    return tck.MeanSquaredError()(x, 0.5 * x)


@pytest.mark.keras
def test_loss_lists_are_those_of_the_layer_and_its_sublayers() -> None:
    from tfcompat_losses.keras import _keras_internals

    model = tf.keras.Sequential([tf.keras.Input((2,)), _LossAdding(), tf.keras.layers.Dense(1)])
    layers = _keras_internals._layers_with_lists(model)
    assert layers[0] is model and all(layer in layers for layer in model.layers)


@pytest.mark.keras
@pytest.mark.parametrize("missing", ["_losses_attribute", "_layers_attribute"])
def test_without_the_loss_lists_collect_into_under_replicas_raises(
    missing: str, monkeypatch: pytest.MonkeyPatch, mirrored_strategy: Any
) -> None:
    """The fallback: a clear ValueError where the lists matter, never another replica's loss."""
    from tfcompat_losses.keras import KERAS3, _keras_internals

    monkeypatch.setattr(_keras_internals, missing, lambda layer: _keras_internals._MISSING)
    x = tf.constant(X)
    _layer_then_exact_loss(_LossAdding(), x)  # one device: nothing to keep
    layer = _LossAdding()
    if not KERAS3:  # tf_keras shares no list: nothing is kept, nothing raised
        mirrored_strategy.run(_layer_then_exact_loss, args=(layer, x))
        return
    with pytest.raises(ValueError, match=r"collect_into\('.*Keras 3.*TF_USE_LEGACY_KERAS=1"):
        mirrored_strategy.run(_layer_then_exact_loss, args=(layer, x))
