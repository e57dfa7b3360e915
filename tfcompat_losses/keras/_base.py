"""The base class of the contrib-semantics Keras losses, and Keras' inputs to it."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import tensorflow as tf

from .. import _collection
from .._compat_args import not_converted
from .._weighting import weighted_mean

__all__ = ["CONTRIB_REDUCTION", "KERAS3", "PACKAGE", "ContribLoss"]

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


# The flavour's Loss class (typed as Any: Keras 3 or tf_keras, chosen at run time).
_KerasLoss: Any = keras.losses.Loss


class ContribLoss(_KerasLoss):
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
