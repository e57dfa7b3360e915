"""Keras classes for the metric-learning losses (labels as ``y_true``)."""

from __future__ import annotations

from typing import Any, ClassVar

import tensorflow as tf

from ._base import PACKAGE, _KerasLoss, keras

__all__ = ["LiftedStructLoss", "TripletSemiHardLoss"]

_F32 = tf.float32


class _MetricLearningLoss(_KerasLoss):
    """Base of the metric-learning losses: labels as ``y_true``, embeddings as ``y_pred``.

    The value is contrib's ``tf.contrib.losses.metric_learning`` loss of the
    batch (a scalar mined over the whole batch, so ``sample_weight`` does not
    apply and raises). Under a ``tf.distribute`` strategy each replica mines
    its own part of the batch, as contrib did per tower.
    """

    _fn_name: ClassVar[str]

    def __init__(self, margin: float = 1.0, name: str | None = None, **kwargs: Any) -> None:
        kwargs.pop("reduction", None)
        super().__init__(name=name, reduction="sum", **kwargs)
        self.margin = float(margin)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> tf.Tensor:
        from .. import metric_learning

        if sample_weight is not None:
            raise ValueError(
                f"{type(self).__name__}: sample_weight is not supported (the loss mines "
                "triplets/pairs over the whole batch, as contrib did)."
            )
        labels = tf.convert_to_tensor(y_true)
        if labels.shape.rank == 2 and labels.shape[-1] == 1:
            labels = tf.squeeze(labels, -1)
        if not labels.dtype.is_integer:
            labels = tf.cast(labels, tf.int32)
        embeddings = tf.convert_to_tensor(y_pred)
        if embeddings.dtype != _F32:
            embeddings = tf.cast(embeddings, _F32)
        with tf.name_scope(self.name or self._fn_name):
            return getattr(metric_learning, self._fn_name)(labels, embeddings, margin=self.margin)

    def call(self, y_true: Any, y_pred: Any) -> tf.Tensor:
        return self(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "margin": self.margin}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> _MetricLearningLoss:
        return cls(**config)


@keras.utils.register_keras_serializable(package=PACKAGE)
class TripletSemiHardLoss(_MetricLearningLoss):
    """``metric_learning.triplet_semihard_loss`` for ``model.compile``.

    Squared distances, as contrib: each anchor's positive is 2.0 (class 0)
    or 0.5 (class 1) away; the semi-hard negatives give (2 - 1.25 + 1) twice
    and (0.5 - 1.25 + 1) twice, so the mean is 1.0 (contrib's value too).

    >>> import numpy as np
    >>> loss = TripletSemiHardLoss(margin=1.0)
    >>> emb = np.array([[0.0, 1.0], [0.0, 0.5], [1.0, 0.0], [0.5, 0.0]], np.float32)
    >>> round(float(loss(np.array([0, 1, 0, 1]), emb)), 6)
    1.0
    """

    _fn_name = "triplet_semihard_loss"


@keras.utils.register_keras_serializable(package=PACKAGE)
class LiftedStructLoss(_MetricLearningLoss):
    """``metric_learning.lifted_struct_loss`` for ``model.compile``."""

    _fn_name = "lifted_struct_loss"
