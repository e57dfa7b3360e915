"""Classification losses: sigmoid/softmax/sparse cross-entropy and hinge.

The cross-entropies keep the logits' dtype on output (contrib computed the
weighting in float32 and cast back). Softmax cross-entropy computes float16
and bfloat16 logits in float32, as ``tf.nn`` does.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from . import _tf_internals
from ._compat_args import renamed_kwargs
from ._inputs import check_batch_axis, check_same_shape, fmt_shape, to_tensor
from ._weighting import cast, in_scope, same_dtype, weighted_mean

__all__ = [
    "hinge_loss",
    "sigmoid_cross_entropy",
    "sigmoid_cross_entropy_elements",
    "softmax_cross_entropy",
    "softmax_cross_entropy_elements",
    "sparse_softmax_cross_entropy",
    "sparse_softmax_cross_entropy_elements",
]

_F32 = tf.float32
_raw = tf.raw_ops
_INT_IDS = (tf.int32, tf.int64)


def _logits(fn: str, logits: Any) -> tf.Tensor:
    return to_tensor(logits, fn, "logits", dtype=_F32, floating=True)


def _smoothing(fn: str, label_smoothing: Any) -> Any:
    """``label_smoothing`` as a float in [0, 1] (or a tensor, used as it is).

    Like contrib, a string is a ``TypeError``. Unlike contrib, which computed
    a value, a number outside [0, 1] is a ``ValueError`` (a deliberate
    departure: such labels are not probabilities).
    """
    if type(label_smoothing) in (int, float):  # the usual 0 / 0.1, checked first (eager cost)
        s = float(label_smoothing)
    elif isinstance(label_smoothing, (tf.Tensor, tf.Variable)):
        return label_smoothing
    else:
        try:
            if isinstance(label_smoothing, (str, bytes)):
                raise TypeError
            s = float(label_smoothing)
        except (TypeError, ValueError):
            raise TypeError(
                f"{fn}: label_smoothing must be a number in [0, 1], got {label_smoothing!r}."
            ) from None
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {s}.")
    return s


@renamed_kwargs(weight="weights")
def sigmoid_cross_entropy(
    logits: Any,
    multi_class_labels: Any,
    weights: Any = 1.0,
    label_smoothing: float = 0,
    scope: str | None = None,
) -> tf.Tensor:
    """Sigmoid cross-entropy with contrib weighting.

    Labels are cast to the logits' dtype and, when ``label_smoothing > 0``,
    smoothed towards 1/2: ``y * (1 - s) + 0.5 * s``.

    Args:
      logits: float logits ``[batch_size, num_classes, ...]``.
      multi_class_labels: targets in ``[0, 1]``, same shape as ``logits``.
      weights: a Python number or a tensor of shape ``[]``, ``[batch_size]``,
        ``[batch_size, 1]``, ``[batch_size, num_classes]`` or another prefix
        of the logits' shape.
      label_smoothing: ``s`` above.
      scope: the name scope of the ops (graph mode).

    Returns:
      A scalar in the logits' dtype, also added to the ``LOSSES`` collection.

    >>> import tfcompat_losses as tcl
    >>> round(float(tcl.sigmoid_cross_entropy([[0.0, 2.0]], [[1.0, 1.0]])), 5)
    0.41004
    """
    fn = "sigmoid_cross_entropy"
    x, y, s = _sigmoid_inputs(fn, logits, multi_class_labels, label_smoothing)

    def body() -> tf.Tensor:
        losses, casts = _sigmoid_cross_entropy(x, y, s)
        return weighted_mean(losses, weights, fn, prior_casts=casts, dims=x.shape.as_list())

    return in_scope(scope, "sigmoid_cross_entropy_loss", [x, y], body)


def _sigmoid_inputs(fn: str, logits: Any, labels: Any, label_smoothing: Any) -> tuple[Any, ...]:
    x = _logits(fn, logits)
    y = to_tensor(labels, fn, "multi_class_labels", dtype=x.dtype)
    check_same_shape(x, y, fn, "logits", "multi_class_labels")
    check_batch_axis(x, fn, "logits")
    return x, y, _smoothing(fn, label_smoothing)


def _labels_in(y: tf.Tensor, dtype: tf.DType) -> tuple[tf.Tensor, int]:
    """The labels in the logits' ``dtype``, and the casts contrib made for it (0 or 1)."""
    if same_dtype(y.dtype, dtype):
        return y, 0
    return _raw.Cast(x=y, DstT=dtype, name="Cast"), 1


def _sigmoid_cross_entropy(x: tf.Tensor, y: tf.Tensor, s: Any) -> tuple[tf.Tensor, int]:
    """Per-element losses and the casts contrib made (for its op names)."""
    yc, casts = _labels_in(y, x.dtype)
    if not isinstance(s, float) or s > 0:  # a tensor, or a smoothing to apply
        st = _raw.Cast(x=s, DstT=x.dtype) if isinstance(s, (tf.Tensor, tf.Variable)) else s
        yc = _raw.AddV2(
            x=_raw.Mul(x=yc, y=_raw.Sub(x=tf.constant(1.0, x.dtype), y=st)),
            y=_raw.Mul(x=tf.constant(0.5, x.dtype), y=st),
        )
    losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=yc, logits=x, name="xentropy")
    return losses, casts


def sigmoid_cross_entropy_elements(
    logits: Any, multi_class_labels: Any, label_smoothing: float = 0
) -> tf.Tensor:
    """The per-element losses of :func:`sigmoid_cross_entropy` (for the Keras class)."""
    fn = "sigmoid_cross_entropy"
    return _sigmoid_cross_entropy(
        *_sigmoid_inputs(fn, logits, multi_class_labels, label_smoothing)
    )[0]


@renamed_kwargs(weight="weights")
def softmax_cross_entropy(
    logits: Any,
    onehot_labels: Any,
    weights: Any = 1.0,
    label_smoothing: float = 0,
    scope: str | None = None,
) -> tf.Tensor:
    """Softmax cross-entropy with contrib weighting.

    With ``label_smoothing = s > 0`` the labels become ``y * (1 - s) + s / C``
    where ``C = shape(onehot_labels)[1]`` (contrib's choice, also for rank > 2
    inputs). No gradient flows into the labels (contrib used the v1 kernel
    wrapper, which stops it).

    Args:
      logits: float logits ``[batch_size, num_classes]`` (class axis last).
      onehot_labels: one-hot (or soft) labels, same shape as ``logits``.
      weights: a Python number or a tensor of shape ``[]``, ``[1]``,
        ``[batch_size]`` or ``[batch_size, 1]``; ``[batch_size,
        num_classes]`` weights raise (contrib rejected them too).
      label_smoothing: ``s`` above.
      scope: the name scope of the ops (graph mode).

    Returns:
      A scalar in the logits' dtype, also added to the ``LOSSES`` collection.

    >>> import tfcompat_losses as tcl
    >>> round(float(tcl.softmax_cross_entropy([[2.0, 0.0], [0.0, 2.0]],
    ...                                       [[1.0, 0.0], [1.0, 0.0]],
    ...                                       weights=[0.0, 1.0])), 5)
    2.12693
    """
    fn = "softmax_cross_entropy"
    x, y, s = _softmax_inputs(fn, logits, onehot_labels, label_smoothing)

    def body() -> tf.Tensor:
        losses, casts = _softmax_cross_entropy(x, y, s)
        return weighted_mean(losses, weights, fn, prior_casts=casts, dims=x.shape.as_list()[:-1])

    return in_scope(scope, "softmax_cross_entropy_loss", [x, y], body)


def _softmax_inputs(fn: str, logits: Any, labels: Any, label_smoothing: Any) -> tuple[Any, ...]:
    x = _logits(fn, logits)
    y = to_tensor(labels, fn, "onehot_labels", dtype=x.dtype)
    check_same_shape(x, y, fn, "logits", "onehot_labels")
    if x.shape.rank < 2:
        raise ValueError(
            f"{fn}: logits must be [batch_size, num_classes], got shape {fmt_shape(x)}."
        )
    return x, y, _smoothing(fn, label_smoothing)


def _softmax_cross_entropy(x: tf.Tensor, y: tf.Tensor, s: Any) -> tuple[tf.Tensor, int]:
    """Per-sample losses and the casts contrib made (for its op names)."""
    dtype = x.dtype
    y, casts = _labels_in(y, dtype)
    if not isinstance(s, float) or s > 0:  # a tensor, or a smoothing to apply
        casts += 1
        c = x.shape[1]
        if c is None:
            n = _raw.Cast(x=_raw.Shape(input=y)[1], DstT=dtype, name="num_classes")
        else:
            n = tf.constant(float(c), dtype)
        st = (
            _raw.Cast(x=s, DstT=dtype)
            if isinstance(s, (tf.Tensor, tf.Variable))
            else tf.constant(s, dtype)
        )
        y = _raw.AddV2(
            x=_raw.Mul(x=y, y=_raw.Sub(x=tf.constant(1.0, dtype), y=st)),
            y=_raw.RealDiv(x=st, y=n),
        )
    return _softmax_xent(x, y, dtype), casts


def softmax_cross_entropy_elements(
    logits: Any, onehot_labels: Any, label_smoothing: float = 0
) -> tf.Tensor:
    """The per-sample losses of :func:`softmax_cross_entropy` (for the Keras class)."""
    fn = "softmax_cross_entropy"
    return _softmax_cross_entropy(*_softmax_inputs(fn, logits, onehot_labels, label_smoothing))[0]


def _softmax_xent(x: tf.Tensor, y: tf.Tensor, dtype: tf.DType) -> tf.Tensor:
    """Per-sample softmax cross-entropy over the last axis, labels stopped.

    ``x`` and ``y`` are of ``dtype``; float16/bfloat16 are computed in
    float32 and cast back. Contrib's kernel wrapper stopped the labels'
    gradient. Eagerly with no tape recording there is no gradient to stop,
    and the op is skipped.
    """
    if not tf.executing_eagerly() or _tf_internals.gradient_may_record():
        y = _raw.StopGradient(input=y)
    half = dtype is not _F32 and dtype in (tf.float16, tf.bfloat16)
    if half:
        x = _raw.Cast(x=x, DstT=_F32, name="logits_to_float")
        y = _raw.Cast(x=y, DstT=_F32, name="labels_to_float")
    if x.shape.rank == 2:
        loss, _ = _raw.SoftmaxCrossEntropyWithLogits(features=x, labels=y, name="xentropy")
    else:
        loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x, name="xentropy")
    if half:
        loss = _raw.Cast(x=loss, DstT=dtype, name="xentropy_to_input")
    return loss


@renamed_kwargs(weight="weights")
def sparse_softmax_cross_entropy(
    logits: Any, labels: Any, weights: Any = 1.0, scope: str | None = None
) -> tf.Tensor:
    """Sparse softmax cross-entropy with contrib weighting.

    Args:
      logits: float logits ``[batch_size, num_classes]``.
      labels: int32/int64 class ids ``[batch_size]`` or ``[batch_size, 1]``
        in ``[0, num_classes)``. Out-of-range ids raise on CPU at run time;
        under XLA or on GPU they give NaN (no host check is made).
      weights: a Python number or a tensor of shape ``[]``, ``[1]``,
        ``[batch_size]`` or ``[batch_size, 1]``.
      scope: the name scope of the ops (graph mode).

    Returns:
      A scalar in the logits' dtype, also added to the ``LOSSES`` collection.

    Raises:
      TypeError: non-integer labels.
      ValueError: logits not ``[B, C]``, labels not ``[B]``/``[B, 1]``.

    >>> import tfcompat_losses as tcl
    >>> round(float(tcl.sparse_softmax_cross_entropy([[2.0, 0.0], [0.0, 2.0]],
    ...                                              [0, 0])), 5)
    1.12693
    """
    fn = "sparse_softmax_cross_entropy"
    x, y = _sparse_inputs(fn, logits, labels)
    return in_scope(
        scope,
        "sparse_softmax_cross_entropy_loss",
        [x, y],
        lambda: weighted_mean(
            _sparse_softmax_cross_entropy(x, y), weights, fn, dims=x.shape.as_list()[:1]
        ),
    )


def _sparse_inputs(fn: str, logits: Any, labels: Any) -> tuple[tf.Tensor, tf.Tensor]:
    x = _logits(fn, logits)
    y = to_tensor(labels, fn, "labels", dtype=tf.int32)
    if y.dtype not in _INT_IDS:
        raise TypeError(
            f"{fn}: labels must be int32 or int64 class ids, got {y.dtype.name} "
            f"with shape {fmt_shape(y)}."
        )
    if x.shape.rank != 2:
        raise ValueError(
            f"{fn}: logits must be [batch_size, num_classes], got shape {fmt_shape(x)}."
        )
    y_shape = y.shape
    ok_rank = y_shape.rank == 1 or (y_shape.rank == 2 and y_shape[1] in (1, None))
    x_batch = x.shape[0]  # compatible batch sizes: equal, or either unknown
    if not ok_rank or (x_batch is not None and y_shape[0] not in (x_batch, None)):
        raise ValueError(
            f"{fn}: labels must be [batch_size] or [batch_size, 1] matching logits "
            f"{fmt_shape(x)}; got labels of shape {fmt_shape(y)}."
        )
    return x, y


def _sparse_softmax_cross_entropy(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    yy = y if y.shape.rank == 1 else _raw.Squeeze(input=y, axis=[1])
    dtype = x.dtype
    xx = x if dtype in (_F32, tf.float64) else _raw.Cast(x=x, DstT=_F32)
    loss, _ = _raw.SparseSoftmaxCrossEntropyWithLogits(features=xx, labels=yy, name="xentropy")
    if not same_dtype(loss.dtype, dtype):
        loss = _raw.Cast(x=loss, DstT=dtype, name="xentropy_to_input")
    return loss


def sparse_softmax_cross_entropy_elements(logits: Any, labels: Any) -> tf.Tensor:
    """The per-sample losses of :func:`sparse_softmax_cross_entropy` (for the Keras class)."""
    return _sparse_softmax_cross_entropy(
        *_sparse_inputs("sparse_softmax_cross_entropy", logits, labels)
    )


@renamed_kwargs(target="labels", targets="labels")
def hinge_loss(logits: Any, labels: Any = None, scope: str | None = None) -> tf.Tensor:
    """Element-wise hinge loss ``relu(1 - (2 * labels - 1) * logits)``.

    As in contrib: UNREDUCED (same shape as ``logits``), unweighted, and not
    added to any collection. Labels in ``{0, 1}`` are mapped to ``{-1, 1}``
    and cast to the logits' dtype (contrib supported float32 logits only).

    Args:
      logits: float logits, 0-centred.
      labels: ``0``/``1`` targets, same shape as ``logits``.
      scope: the name scope of the ops (graph mode).

    Returns:
      A tensor of the logits' shape and dtype.

    >>> import tfcompat_losses as tcl
    >>> tcl.hinge_loss([[0.5, -2.0]], [[1.0, 0.0]]).numpy().tolist()
    [[0.5, 0.0]]
    """
    fn = "hinge_loss"
    x = _logits(fn, logits)
    y = to_tensor(labels, fn, "labels", dtype=x.dtype)
    check_same_shape(x, y, fn, "logits", "labels")
    return in_scope(
        scope, "hinge_loss", [x, y], lambda: _hinge(x, cast(y, x.dtype, "Cast")), collect=False
    )


def _hinge(x: tf.Tensor, yc: tf.Tensor) -> tf.Tensor:
    ones = _raw.OnesLike(x=yc)
    signs = _raw.Sub(x=_raw.Mul(x=tf.constant(2.0, x.dtype), y=yc), y=ones)
    return _raw.Relu(features=_raw.Sub(x=ones, y=_raw.Mul(x=signs, y=x)), name="Relu")
