"""Contrib's losses as Keras ``Loss`` classes, and contrib collections in Keras.

One ``Loss`` class per contrib loss, with Keras' call convention
``loss(y_true, y_pred, sample_weight=None)`` and contrib's number: the value
of the functional loss with ``weights=sample_weight``, averaged by the count
of nonzero weights (``[B]`` weights scale each sample's summed loss). Keras'
own reductions average differently, so these classes reduce by themselves
(``reduction="sum_by_nonzero_weights"``, the default); Keras' reduction
strings are accepted too and then apply to contrib's per-element losses.

The Keras flavour is ``tf.keras``: Keras 3, or tf_keras (Keras 2) when
``TF_USE_LEGACY_KERAS=1``, so the classes match the user's models.

>>> import numpy as np
>>> from tfcompat_losses import keras as tck
>>> y_true = np.zeros((4, 2), np.float32)
>>> y_pred = np.array([[1, 1], [2, 2], [3, 3], [4, 4]], np.float32)
>>> w = np.array([1.0, 0.0, 2.0, 0.0], np.float32)
>>> float(tck.MeanSquaredError()(y_true, y_pred, sample_weight=w))  # (2 + 2*18) / (2*2)
9.5
>>> float(tck.MeanSquaredError(reduction="sum_over_batch_size")(y_true, y_pred, w))
4.75

In ``model.compile(loss=tck.SoftmaxCrossEntropy())`` (or by name,
``loss="tfcompat_losses>SoftmaxCrossEntropy"``) ``fit``/``evaluate`` report
contrib's numbers. :func:`collect_into` sends the losses contrib functions
create inside a layer's ``call()`` to ``layer.add_loss``, and
:func:`add_model_losses` puts a model's ``model.losses`` into the collection
emulator for custom training loops.

Notes:
  * Keras 3 looks loss strings up only in its own table; importing this
    module adds the ``"tfcompat_losses>..."`` names to it (see
    ``tfcompat_losses._keras_names``).
  * tf_keras: pass an instance, not the class or its string name, to
    ``compile`` if the model is saved to ``.keras``. tf_keras reloads a
    registered class name as the class and then calls it as a loss
    function (true of any registered ``Loss`` subclass).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import tensorflow as tf

from . import _collection, _keras_names
from ._classification import (
    hinge_loss,
    sigmoid_cross_entropy_elements,
    softmax_cross_entropy_elements,
    sparse_softmax_cross_entropy_elements,
)
from ._compat_args import not_converted
from ._regression import (
    absolute_difference_elements,
    cosine_distance_elements,
    log_loss_elements,
    mean_squared_error_elements,
    pairwise_elements,
    pairwise_loss,
)
from ._weighting import weighted_mean

__all__ = [
    "CONTRIB_REDUCTION",
    "AbsoluteDifference",
    "ContribLoss",
    "CosineDistance",
    "HingeLoss",
    "LiftedStructLoss",
    "LogLoss",
    "MeanPairwiseSquaredError",
    "MeanSquaredError",
    "SigmoidCrossEntropy",
    "SoftmaxCrossEntropy",
    "SparseSoftmaxCrossEntropy",
    "TripletSemiHardLoss",
    "add_model_losses",
    "collect_into",
]

keras = tf.keras
#: True under Keras 3, False under tf_keras (``TF_USE_LEGACY_KERAS=1``).
KERAS3: bool = keras.losses.Loss.__module__.startswith("keras.")
#: The default reduction: contrib's sum divided by the nonzero-weight count.
CONTRIB_REDUCTION = "sum_by_nonzero_weights"
#: The package name the classes are registered under.
PACKAGE = "tfcompat_losses"

# Keras' own reductions in this flavour; ours is passed to Keras as "sum",
# which Keras neither rescales per replica nor averages.
_KERAS_REDUCTIONS: tuple[str | None, ...] = (
    ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none", None)
    if KERAS3
    else ("auto", "sum", "sum_over_batch_size", "none", None)
)
_F32 = tf.float32


def _drop(loss: Any, collection: str) -> bool:
    """A collection sink that drops the loss (a Keras loss returns its value)."""
    return True


class ContribLoss(keras.losses.Loss):
    """Base class: a contrib loss as a Keras ``Loss``.

    Owns what every loss shares: inputs to float32 (so ``mixed_float16`` and
    ``mixed_bfloat16`` models get a float32 loss; integer class ids stay
    integer), ``y_true`` of shape ``[B]`` against ``y_pred`` ``[B, 1]``,
    the Keras mask of ``y_pred`` (masked entries get weight 0), the
    reduction, and the config. A subclass names its hyperparameters in
    ``_hyper`` and implements ``_elements(y_true, y_pred)``, the per-element
    losses; the base class reduces them with contrib's weighting rule
    (under a ``tf.distribute`` strategy, over the global nonzero count) or
    hands them to Keras' reduction. Nothing is added to a loss collection.

    Args:
      reduction: ``"sum_by_nonzero_weights"`` (contrib's rule, the default) or
        one of Keras' reductions (Keras 3: ``"sum"``, ``"sum_over_batch_size"``,
        ``"mean"``, ``"mean_with_sample_weight"``, ``"none"``, ``None``;
        tf_keras: ``"auto"``, ``"sum"``, ``"sum_over_batch_size"``,
        ``"none"``, ``None``), applied by Keras to contrib's per-element
        losses with ``sample_weight`` and the mask broadcast to them.
      name: the loss name (Keras' default when None).

    Subclassing (a contrib-weighted Huber loss):

    >>> import tensorflow as tf
    >>> import tfcompat_losses as tcl
    >>> from tfcompat_losses.keras import ContribLoss
    >>> class Huber(ContribLoss):
    ...     _hyper = ("delta",)
    ...     def __init__(self, delta=1.0, *, reduction="sum_by_nonzero_weights", name=None):
    ...         super().__init__(reduction=reduction, name=name)
    ...         self.delta = delta
    ...     def _elements(self, y_true, y_pred):
    ...         d = tf.abs(y_pred - y_true)
    ...         return tf.where(d < self.delta, 0.5 * d**2, self.delta * (d - 0.5 * self.delta))
    >>> loss = Huber(delta=2.0)
    >>> float(loss([[0.0], [0.0], [0.0]], [[1.0], [3.0], [9.0]], sample_weight=[1.0, 1.0, 0.0]))
    2.25
    >>> Huber.from_config(loss.get_config()).delta
    2.0
    """

    #: Names of the constructor's hyperparameters (attributes of the same name).
    _hyper: ClassVar[tuple[str, ...]] = ()
    #: Labels are integer class ids (float labels are cast to int32).
    _integer_labels: ClassVar[bool] = False
    #: The functional loss, named in errors about the weights.
    _function: ClassVar[str] = "compute_weighted_loss"

    def __init__(self, *, reduction: str | None = CONTRIB_REDUCTION, name: str | None = None):
        if reduction != CONTRIB_REDUCTION and reduction not in _KERAS_REDUCTIONS:
            allowed = {CONTRIB_REDUCTION, *_KERAS_REDUCTIONS}
            raise ValueError(
                f"{type(self).__name__}: invalid reduction. Expected one of {allowed}. "
                f"Received: reduction={reduction!r}"
            )
        own = reduction
        if reduction == CONTRIB_REDUCTION:
            reduction = "sum"
        elif reduction is None and not KERAS3:
            reduction = "none"
        if KERAS3:
            super().__init__(name=name, reduction=reduction)
        else:
            super().__init__(reduction=reduction, name=name)
        self._own_reduction = own
        self._scope = re.sub(r"[^A-Za-z0-9_.\-]", "_", self.name or type(self).__name__)

    # -- what subclasses provide -------------------------------------------

    def _elements(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        """Contrib's per-element losses of converted inputs (unweighted)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _elements(y_true, y_pred), the "
            "per-element losses."
        )

    def _contrib(self, y_true: tf.Tensor, y_pred: tf.Tensor, weights: Any) -> tf.Tensor:
        """Contrib's weighted loss of converted inputs.

        Under a ``tf.distribute`` strategy each replica's gradient is that of
        its weighted sum over the global nonzero count (see
        ``tfcompat_losses.exact_averaging``), so the replicas' gradients sum
        to the one-device ones (Keras does not rescale a ``"sum"`` loss), and
        its value is the one-device loss over N, so the loss Keras reports
        is the one-device number, also for an uneven last batch.
        """
        elements = self._elements(y_true, y_pred)
        return weighted_mean(
            elements, weights, self._function, across_replicas=True, report_global=True
        )

    def _removed_axes(self, rank: int) -> list[int]:
        """Axes of ``y_pred`` that the per-element losses do not have."""
        return []

    # -- Keras API ----------------------------------------------------------

    @property
    def contrib_reduction(self) -> bool:
        """Whether the loss reduces by contrib's rule (the default)."""
        return self._own_reduction == CONTRIB_REDUCTION

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> tf.Tensor:
        """The loss of a batch; see the class docstring for the reduction."""
        mask = getattr(y_pred, "_keras_mask", None)
        if not self.contrib_reduction:
            return self._keras_reduce(y_true, y_pred, sample_weight, mask)
        with tf.name_scope(self._scope):
            y_true, y_pred = self._convert(y_true, y_pred)
            weights = _contrib_weights(sample_weight, mask)
            # A subclass's _contrib may call functional losses: their
            # collection entries are dropped (the value is returned).
            with _collection.redirect(_drop):
                return self._contrib(y_true, y_pred, weights)

    @not_converted
    def call(self, y_true: Any, y_pred: Any) -> tf.Tensor:
        """Contrib's per-element losses (unweighted), which Keras reduces."""
        y_true, y_pred = self._convert(y_true, y_pred)
        return self._elements(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"name": self.name, "reduction": self._own_reduction}
        config.update({key: getattr(self, key) for key in self._hyper})
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ContribLoss:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    # -- internals ------------------------------------------------------------

    def _convert(self, y_true: Any, y_pred: Any) -> tuple[tf.Tensor, tf.Tensor]:
        """``y_pred`` in float32; labels in float32, or integer class ids."""
        y_pred = tf.convert_to_tensor(y_pred)
        if y_pred.dtype != _F32:
            y_pred = tf.cast(y_pred, _F32)
        y_true = tf.convert_to_tensor(y_true)
        if self._integer_labels:
            if not y_true.dtype.is_integer:
                y_true = tf.cast(y_true, tf.int32)
            return y_true, y_pred
        if y_true.dtype != _F32:
            y_true = tf.cast(y_true, _F32)
        # Keras feeds y of shape [B] to outputs of shape [B, 1] (and back).
        t, p = y_true.shape.rank, y_pred.shape.rank
        if t is not None and p is not None:
            if t == p - 1 and y_pred.shape[-1] == 1:
                y_true = tf.expand_dims(y_true, -1)
            elif t == p + 1 and y_true.shape[-1] == 1:
                y_true = tf.squeeze(y_true, -1)
        return y_true, y_pred

    def _keras_reduce(self, y_true: Any, y_pred: Any, sample_weight: Any, mask: Any) -> tf.Tensor:
        """Keras' reduction of the per-element losses.

        The weights and the mask are broadcast to the per-element losses, so
        that Keras multiplies (and, for ``mean_with_sample_weight``, counts)
        them element by element, as it does for its own losses.
        """
        y_true, y_pred = self._convert(y_true, y_pred)
        rank = y_pred.shape.rank
        if rank is None or (sample_weight is None and mask is None):
            return super().__call__(y_true, y_pred, sample_weight=sample_weight)
        kept = [i for i in range(rank) if i not in self._removed_axes(rank)]
        static = [y_pred.shape[i] for i in kept]
        if all(d is not None for d in static):
            shape: Any = static
        else:
            shape = tf.gather(tf.shape(y_pred), kept)
        if mask is not None:
            y_pred = tf.identity(y_pred)  # a tensor of our own to carry the mask
            b = tf.cast(_broadcast(tf.cast(mask, _F32), len(kept), shape), tf.bool)
            y_pred._keras_mask = b
        if sample_weight is not None:
            w = tf.cast(tf.convert_to_tensor(sample_weight), _F32)
            sample_weight = _broadcast(w, len(kept), shape)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)


def _align(x: tf.Tensor, rank: int) -> tf.Tensor:
    """Drops trailing 1-dims above ``rank``, then appends 1-dims up to it."""
    while x.shape.rank > max(rank, 1) and x.shape[-1] == 1:
        x = tf.squeeze(x, -1)
    if 0 < x.shape.rank < rank:
        x = tf.reshape(x, tf.concat([tf.shape(x), tf.ones([rank - x.shape.rank], tf.int32)], 0))
    return x


def _broadcast(x: tf.Tensor, rank: int, shape: Any) -> tf.Tensor:
    return tf.broadcast_to(_align(x, rank), shape)


def _contrib_weights(sample_weight: Any, mask: Any) -> Any:
    """Contrib ``weights`` from Keras' ``sample_weight`` and ``y_pred``'s mask.

    A ``[B, 1]`` sample weight means per-sample weights in Keras (tf_keras
    reshapes ``[B]`` to it), so it is squeezed to ``[B]``: contrib squeezes
    it too, except in ``mean_pairwise_squared_error`` (an outer product).
    """
    if sample_weight is None:
        w = None
    elif isinstance(sample_weight, (int, float)) and not isinstance(sample_weight, bool):
        w = float(sample_weight)
    else:
        w = tf.cast(tf.convert_to_tensor(sample_weight), _F32)
        if w.shape.rank is not None and w.shape.rank > 1 and w.shape[-1] == 1:
            w = tf.squeeze(w, -1)
    if mask is None:
        return 1.0 if w is None else w
    m = tf.cast(mask, _F32)
    if w is None:
        return m
    if isinstance(w, float):
        return w * m
    if w.shape.rank and m.shape.rank:
        rank = max(w.shape.rank if w.shape[-1] != 1 else w.shape.rank - 1, m.shape.rank)
        w, m = _align(w, rank), _align(m, rank)
    return w * m


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


class _MetricLearningLoss(keras.losses.Loss):
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
        from . import metric_learning

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


if KERAS3:
    _keras_names.add_string_names(PACKAGE, (*_CLASSES, TripletSemiHardLoss, LiftedStructLoss))


# --------------------------------------------------------------------------
# Collections <-> Keras.


@contextlib.contextmanager
def collect_into(
    layer: Any,
    *,
    collections: Iterable[str] = (_collection.LOSSES, _collection.REGULARIZATION_LOSSES),
) -> Iterator[Any]:
    """Sends the losses contrib code adds inside the block to ``layer.add_loss``.

    Use it inside ``Layer.call()``: every loss that a ``tfcompat_losses``
    function or ``add_loss`` adds to ``LOSSES`` or ``REGULARIZATION_LOSSES``
    goes to ``layer.add_loss(...)`` instead of the collection, so it appears
    in ``layer.losses``/``model.losses`` and ``model.fit`` minimises it
    (once: it is not also in the collection). float16/bfloat16 losses are
    cast to float32. Losses for other collections are collected as usual.

    Args:
      layer: the Keras layer (usually ``self``).
      collections: the collection names to redirect.

    Yields:
      ``layer``.

    Example::

        class Reconstruction(tf.keras.layers.Layer):
            def call(self, x):
                with tfcompat_losses.keras.collect_into(self):
                    tfcompat_losses.mean_squared_error(self.decode(x), x)
                return x
    """
    wanted = frozenset(collections)

    def sink(loss: Any, collection: str) -> bool:
        if collection not in wanted:
            return False
        loss = tf.convert_to_tensor(loss)
        if loss.dtype in (tf.float16, tf.bfloat16):
            loss = tf.cast(loss, _F32)
        layer.add_loss(loss)
        return True

    with _collection.redirect(sink):
        yield layer


def add_model_losses(
    model: Any, loss_collection: str = _collection.REGULARIZATION_LOSSES
) -> list[Any]:
    """Adds each of ``model.losses`` to a collection of the current context.

    For custom training loops: Keras layers do not fill TF's collections in
    TF2, so ``get_regularization_losses()`` is empty and ``get_total_loss()``
    misses the weight and activity regularizers ("regularization loss was
    always 0"). Call this after the forward pass, inside the tape (and the
    step's ``collection_scope``), so the tensors carry gradients::

        with tf.GradientTape() as tape, tcl.collection_scope():
            logits = model(x, training=True)
            tcl.softmax_cross_entropy(logits, onehot, weights=w)
            tcl.keras.add_model_losses(model)
            total = tcl.get_total_loss()

    ``model.losses`` also holds losses that layers added with ``add_loss``
    (including :func:`collect_into`); they are added too.

    Args:
      model: a Keras model or layer.
      loss_collection: the collection (``REGULARIZATION_LOSSES`` by default).

    Returns:
      The losses added.
    """
    losses = list(model.losses)
    for loss in losses:
        _collection.add_loss(loss, loss_collection)
    return losses
