"""TF1's core ``tf.losses`` API, collecting in every context.

TF 1.x programs mixed ``tf.contrib.losses``/``slim.losses`` with the core
``tf.losses.*`` functions (labels first, ``reduction=``), and totalled all
of them with one ``get_total_loss()``. ``tf.compat.v1.losses`` still ships
in TF2 with the same arithmetic, but in eager mode it adds nothing to any
collection, and inside a ``tf.function`` it adds to the trace's graph only.
This module is that API with the collection of this library: each loss is
computed by ``tf.compat.v1.losses`` itself (so the numbers are TF's,
to the bit) and then added with ``tfcompat_losses.add_loss`` to
``loss_collection``, where ``tfcompat_losses.get_total_loss()`` and
:func:`get_total_loss` here find it in eager mode, in ``tf.function``, per
replica and in TF1 graphs alike.

>>> import tfcompat_losses as tcl
>>> from tfcompat_losses import v1
>>> with tcl.collection_scope():
...     _ = v1.mean_squared_error([[0.0], [0.0]], [[1.0], [3.0]])   # labels first
...     _ = tcl.absolute_difference([[1.0], [3.0]], [[0.0], [0.0]])  # contrib order
...     float(v1.get_total_loss())
7.0

The migration CLI rewrites ``tf.losses.X`` / ``tf.compat.v1.losses.X`` of
TF1 code to ``tfcompat_losses.v1.X`` with the arguments unchanged.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from . import _collection
from ._collection import LOSSES

__all__ = [
    "Reduction",
    "absolute_difference",
    "add_loss",
    "compute_weighted_loss",
    "cosine_distance",
    "get_losses",
    "get_regularization_loss",
    "get_regularization_losses",
    "get_total_loss",
    "hinge_loss",
    "huber_loss",
    "log_loss",
    "mean_pairwise_squared_error",
    "mean_squared_error",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
]

# The functions that compute, bound when this module is imported (before
# ``install(core_losses=True)`` could point ``tf.compat.v1.losses`` here).
_tf_losses = tf.compat.v1.losses

#: ``tf.compat.v1.losses.Reduction``: NONE, SUM, MEAN, SUM_OVER_BATCH_SIZE,
#: SUM_OVER_NONZERO_WEIGHTS, SUM_BY_NONZERO_WEIGHTS (the default).
Reduction = _tf_losses.Reduction
_DEFAULT = Reduction.SUM_BY_NONZERO_WEIGHTS


def _collected(
    value: tf.Tensor, loss_collection: str | None, scope: str | None, default: str
) -> tf.Tensor:
    """Adds ``value`` (computed with ``loss_collection=None``) to ``loss_collection``."""
    _collection.add_named(value, f"{scope or default}/value", loss_collection)
    return value


def absolute_difference(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
    reduction: str = _DEFAULT,
) -> tf.Tensor:
    """``tf.compat.v1.losses.absolute_difference``, collected in every context."""
    value = _tf_losses.absolute_difference(labels, predictions, weights, scope, None, reduction)
    return _collected(value, loss_collection, scope, "absolute_difference")


def compute_weighted_loss(
    losses: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
    reduction: str = _DEFAULT,
) -> tf.Tensor:
    """``tf.compat.v1.losses.compute_weighted_loss``, collected in every context."""
    value = _tf_losses.compute_weighted_loss(losses, weights, scope, None, reduction)
    return _collected(value, loss_collection, scope, "weighted_loss")


def cosine_distance(
    labels: Any,
    predictions: Any,
    axis: int | None = None,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
    reduction: str = _DEFAULT,
    dim: int | None = None,
) -> tf.Tensor:
    """``tf.compat.v1.losses.cosine_distance``, collected in every context."""
    value = _tf_losses.cosine_distance(
        labels, predictions, axis, weights, scope, None, reduction, dim
    )
    return _collected(value, loss_collection, scope, "cosine_distance_loss")


def hinge_loss(
    labels: Any,
    logits: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
    reduction: str = _DEFAULT,
) -> tf.Tensor:
    """``tf.compat.v1.losses.hinge_loss`` (weighted and reduced, unlike contrib's)."""
    value = _tf_losses.hinge_loss(labels, logits, weights, scope, None, reduction)
    return _collected(value, loss_collection, scope, "hinge_loss")


def huber_loss(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    delta: float = 1.0,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
    reduction: str = _DEFAULT,
) -> tf.Tensor:
    """``tf.compat.v1.losses.huber_loss``, collected in every context."""
    value = _tf_losses.huber_loss(labels, predictions, weights, delta, scope, None, reduction)
    return _collected(value, loss_collection, scope, "huber_loss")


def log_loss(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    epsilon: float = 1e-7,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
    reduction: str = _DEFAULT,
) -> tf.Tensor:
    """``tf.compat.v1.losses.log_loss``, collected in every context."""
    value = _tf_losses.log_loss(labels, predictions, weights, epsilon, scope, None, reduction)
    return _collected(value, loss_collection, scope, "log_loss")


def mean_pairwise_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
) -> tf.Tensor:
    """``tf.compat.v1.losses.mean_pairwise_squared_error`` (core's ``n - 1`` formula)."""
    value = _tf_losses.mean_pairwise_squared_error(labels, predictions, weights, scope, None)
    return _collected(value, loss_collection, scope, "mean_pairwise_squared_error")


def mean_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
    reduction: str = _DEFAULT,
) -> tf.Tensor:
    """``tf.compat.v1.losses.mean_squared_error``, collected in every context."""
    value = _tf_losses.mean_squared_error(labels, predictions, weights, scope, None, reduction)
    return _collected(value, loss_collection, scope, "mean_squared_error")


def sigmoid_cross_entropy(
    multi_class_labels: Any,
    logits: Any,
    weights: Any = 1.0,
    label_smoothing: float = 0,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
    reduction: str = _DEFAULT,
) -> tf.Tensor:
    """``tf.compat.v1.losses.sigmoid_cross_entropy``, collected in every context."""
    value = _tf_losses.sigmoid_cross_entropy(
        multi_class_labels, logits, weights, label_smoothing, scope, None, reduction
    )
    return _collected(value, loss_collection, scope, "sigmoid_cross_entropy_loss")


def softmax_cross_entropy(
    onehot_labels: Any,
    logits: Any,
    weights: Any = 1.0,
    label_smoothing: float = 0,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
    reduction: str = _DEFAULT,
) -> tf.Tensor:
    """``tf.compat.v1.losses.softmax_cross_entropy``, collected in every context."""
    value = _tf_losses.softmax_cross_entropy(
        onehot_labels, logits, weights, label_smoothing, scope, None, reduction
    )
    return _collected(value, loss_collection, scope, "softmax_cross_entropy_loss")


def sparse_softmax_cross_entropy(
    labels: Any,
    logits: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = LOSSES,
    reduction: str = _DEFAULT,
) -> tf.Tensor:
    """``tf.compat.v1.losses.sparse_softmax_cross_entropy``, collected in every context."""
    value = _tf_losses.sparse_softmax_cross_entropy(labels, logits, weights, scope, None, reduction)
    return _collected(value, loss_collection, scope, "sparse_softmax_cross_entropy_loss")


def add_loss(loss: Any, loss_collection: str | None = LOSSES) -> None:
    """``tf.compat.v1.losses.add_loss``: adds ``loss`` to ``loss_collection``.

    Core TF1's ``add_loss`` takes no ``arg_scope`` defaults, unlike contrib's.
    """
    if loss_collection:
        _collection.add_loss(loss, loss_collection)


def get_losses(scope: str | None = None, loss_collection: str = LOSSES) -> list[Any]:
    """``tf.compat.v1.losses.get_losses`` over the emulated collection."""
    return _collection.get_losses(scope, loss_collection)


def get_regularization_losses(scope: str | None = None) -> list[Any]:
    """``tf.compat.v1.losses.get_regularization_losses`` over the emulated collection."""
    return _collection.get_regularization_losses(scope)


def get_regularization_loss(
    scope: str | None = None, name: str = "total_regularization_loss"
) -> tf.Tensor:
    """The sum of the regularization losses, or 0.0 when there are none (as TF1)."""
    losses = get_regularization_losses(scope)
    if losses:
        return tf.math.add_n(losses, name=name)
    return tf.constant(0.0, name=name)


def get_total_loss(
    add_regularization_losses: bool = True, name: str = "total_loss", scope: str | None = None
) -> tf.Tensor:
    """``tf.compat.v1.losses.get_total_loss`` over the emulated collection.

    The same total as ``tfcompat_losses.get_total_loss`` (contrib's and core
    TF1's losses share ``LOSSES``), restricted to ``scope`` when given.

    Raises:
      ValueError: no losses (core TF1 raised from ``add_n`` too).
    """
    return _collection.total_loss(add_regularization_losses, name, scope)
