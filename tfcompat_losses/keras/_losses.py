"""One thin Keras class per contrib loss: its kernel and its hyperparameters."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from .._classification import (
    hinge_loss,
    sigmoid_cross_entropy_elements,
    softmax_cross_entropy_elements,
    sparse_softmax_cross_entropy_elements,
)
from .._regression import (
    absolute_difference_elements,
    cosine_distance_elements,
    log_loss_elements,
    mean_squared_error_elements,
    pairwise_elements,
    pairwise_loss,
)
from ._base import CONTRIB_REDUCTION, PACKAGE, ContribLoss, keras

__all__ = [
    "AbsoluteDifference",
    "CosineDistance",
    "HingeLoss",
    "LogLoss",
    "MeanPairwiseSquaredError",
    "MeanSquaredError",
    "SigmoidCrossEntropy",
    "SoftmaxCrossEntropy",
    "SparseSoftmaxCrossEntropy",
]

# --------------------------------------------------------------------------
# One thin class per contrib loss.


def _register(cls: type[ContribLoss]) -> type[ContribLoss]:
    return keras.utils.register_keras_serializable(package=PACKAGE)(cls)


@_register
class AbsoluteDifference(ContribLoss):
    """``tfcompat_losses.absolute_difference``: ``|y_pred - y_true|``."""

    _function = "absolute_difference"

    def _elements(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        return absolute_difference_elements(y_pred, y_true)


@_register
class MeanSquaredError(ContribLoss):
    """``tfcompat_losses.mean_squared_error``: ``(y_pred - y_true)**2``."""

    _function = "mean_squared_error"

    def _elements(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        return mean_squared_error_elements(y_pred, y_true)


@_register
class MeanPairwiseSquaredError(ContribLoss):
    """``tfcompat_losses.mean_pairwise_squared_error``, summed over the batch.

    ``sample_weight`` must be a scalar, ``[B]`` or ``[B, 1]`` (contrib
    rejects per-element weights). Keras' reductions apply to the per-sample
    values ``2*sum(d**2)/n - 2*sum(d)**2/n**2``.
    """

    def _elements(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        return pairwise_elements(y_pred, y_true)

    def _contrib(self, y_true: tf.Tensor, y_pred: tf.Tensor, weights: Any) -> tf.Tensor:
        # Summed over the batch, not averaged: exact across replicas as it is.
        return pairwise_loss(y_pred, y_true, weights)

    def _removed_axes(self, rank: int) -> list[int]:
        return list(range(1, rank))


@_register
class LogLoss(ContribLoss):
    """``tfcompat_losses.log_loss`` on probabilities ``y_pred``.

    Args:
      epsilon: added inside both logarithms.
      reduction, name: see :class:`ContribLoss`.
    """

    _hyper = ("epsilon",)

    def __init__(
        self,
        epsilon: float = 1e-7,
        *,
        reduction: str | None = CONTRIB_REDUCTION,
        name: str | None = None,
    ):
        super().__init__(reduction=reduction, name=name)
        self.epsilon = epsilon

    _function = "log_loss"

    def _elements(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        return log_loss_elements(y_pred, y_true, epsilon=self.epsilon)


@_register
class HingeLoss(ContribLoss):
    """``tfcompat_losses.hinge_loss`` on logits, with contrib weighting.

    Contrib's ``hinge_loss`` is unreduced; this class reduces it as contrib
    code did, ``compute_weighted_loss(hinge_loss(logits, labels), weights)``.
    Labels are 0/1.
    """

    def _elements(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        return hinge_loss(y_pred, y_true)


@_register
class CosineDistance(ContribLoss):
    """``tfcompat_losses.cosine_distance`` on unit-normalised vectors.

    Args:
      axis: the vector axis; it is removed from the per-element losses, so
        ``sample_weight`` applies to the other axes.
      reduction, name: see :class:`ContribLoss`.
    """

    _hyper = ("axis",)

    def __init__(
        self, axis: int = -1, *, reduction: str | None = CONTRIB_REDUCTION, name: str | None = None
    ):
        super().__init__(reduction=reduction, name=name)
        self.axis = axis

    _function = "cosine_distance"

    def _elements(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        return cosine_distance_elements(y_pred, y_true, axis=self.axis)

    def _removed_axes(self, rank: int) -> list[int]:
        return [self.axis % rank]


class _SmoothedCrossEntropy(ContribLoss):
    _hyper = ("label_smoothing",)

    def __init__(
        self,
        label_smoothing: float = 0,
        *,
        reduction: str | None = CONTRIB_REDUCTION,
        name: str | None = None,
    ):
        super().__init__(reduction=reduction, name=name)
        self.label_smoothing = label_smoothing


@_register
class SigmoidCrossEntropy(_SmoothedCrossEntropy):
    """``tfcompat_losses.sigmoid_cross_entropy`` on logits.

    Args:
      label_smoothing: labels become ``y * (1 - s) + 0.5 * s``.
      reduction, name: see :class:`ContribLoss`.
    """

    _function = "sigmoid_cross_entropy"

    def _elements(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        return sigmoid_cross_entropy_elements(y_pred, y_true, self.label_smoothing)


@_register
class SoftmaxCrossEntropy(_SmoothedCrossEntropy):
    """``tfcompat_losses.softmax_cross_entropy`` on logits, one-hot labels.

    Per-sample losses (the class axis, last, is reduced); ``sample_weight``
    is a scalar, ``[B]`` or ``[B, 1]``.

    Args:
      label_smoothing: labels become ``y * (1 - s) + s / num_classes``.
      reduction, name: see :class:`ContribLoss`.
    """

    _function = "softmax_cross_entropy"

    def _elements(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        return softmax_cross_entropy_elements(y_pred, y_true, self.label_smoothing)

    def _removed_axes(self, rank: int) -> list[int]:
        return [rank - 1]


@_register
class SparseSoftmaxCrossEntropy(ContribLoss):
    """``tfcompat_losses.sparse_softmax_cross_entropy`` on logits ``[B, C]``.

    Labels are class ids of shape ``[B]`` or ``[B, 1]``; float labels are
    cast to int32 (never to the model's float16).
    """

    _integer_labels = True

    _function = "sparse_softmax_cross_entropy"

    def _elements(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        return sparse_softmax_cross_entropy_elements(y_pred, y_true)

    def _removed_axes(self, rank: int) -> list[int]:
        return [rank - 1]


_CLASSES: tuple[type[ContribLoss], ...] = (
    AbsoluteDifference,
    MeanSquaredError,
    MeanPairwiseSquaredError,
    LogLoss,
    HingeLoss,
    CosineDistance,
    SigmoidCrossEntropy,
    SoftmaxCrossEntropy,
    SparseSoftmaxCrossEntropy,
)
