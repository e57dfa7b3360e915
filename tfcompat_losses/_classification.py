"""Classification losses: sigmoid/softmax/sparse cross-entropy and hinge.

The cross-entropies keep the logits' dtype on output (contrib computed the
weighting in float32 and cast back). Softmax cross-entropy computes float16
and bfloat16 logits in float32, as ``tf.nn`` does.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from ._compat_args import renamed_kwargs
from ._inputs import check_batch_axis, check_same_shape, fmt_shape, to_tensor
from ._weighting import (
    _F32_ENUM,
    EagerTensor,
    _tape_set_is_empty,
    cast,
    eager_gate,
    eager_mean,
    eager_pair,
    executing_eagerly,
    in_scope,
    same_dtype,
    untaped_eager,
    weighted_mean,
)

__all__ = [
    "hinge_loss",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
]

_F32 = tf.float32
_raw = tf.raw_ops
_ET = EagerTensor
_NUMBERS = (int, float)
_INT_IDS = (tf.int32, tf.int64)


def _logits(fn: str, logits: Any) -> tf.Tensor:
    return to_tensor(logits, fn, "logits", dtype=_F32, floating=True)


def _smoothing(fn: str, label_smoothing: Any) -> Any:
    if isinstance(label_smoothing, tf.Tensor):
        return label_smoothing
    try:
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
    dims = eager_pair(logits, multi_class_labels)
    if dims is not None and type(label_smoothing) in _NUMBERS and label_smoothing == 0:
        gate = eager_gate(weights, dims)
        if gate is not None:
            losses = tf.nn.sigmoid_cross_entropy_with_logits(
                labels=multi_class_labels, logits=logits, name="xentropy"
            )
            return eager_mean(losses, gate, scope, "sigmoid_cross_entropy_loss/value")
    fn = "sigmoid_cross_entropy"
    x = _logits(fn, logits)
    y = to_tensor(multi_class_labels, fn, "multi_class_labels", dtype=x.dtype)
    check_same_shape(x, y, fn, "logits", "multi_class_labels")
    check_batch_axis(x, fn, "logits")
    s = _smoothing(fn, label_smoothing)

    def body() -> tf.Tensor:
        casts = int(y.dtype != x.dtype)
        yc = cast(y, x.dtype, "Cast")
        if isinstance(s, tf.Tensor) or s > 0:
            st = _raw.Cast(x=s, DstT=x.dtype) if isinstance(s, tf.Tensor) else s
            yc = _raw.AddV2(
                x=_raw.Mul(x=yc, y=_raw.Sub(x=tf.constant(1.0, x.dtype), y=st)),
                y=_raw.Mul(x=tf.constant(0.5, x.dtype), y=st),
            )
        losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=yc, logits=x, name="xentropy")
        return weighted_mean(losses, weights, fn, prior_casts=casts)

    return in_scope(scope, "sigmoid_cross_entropy_loss", [x, y], body)


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
    if (  # the eager fast path (see _weighting.eager_gate)
        type(logits) is _ET
        and type(onehot_labels) is _ET
        and logits._datatype_enum() == _F32_ENUM == onehot_labels._datatype_enum()
        and type(label_smoothing) in _NUMBERS
        and label_smoothing == 0
    ):
        dims = logits._shape_tuple()
        gate = (
            eager_gate(weights, dims[:1])
            if len(dims) == 2 and onehot_labels._shape_tuple() == dims
            else None
        )
        if gate is not None:
            y = onehot_labels if _tape_set_is_empty() else _raw.StopGradient(input=onehot_labels)
            loss, _ = _raw.SoftmaxCrossEntropyWithLogits(features=logits, labels=y, name="xentropy")
            return eager_mean(loss, gate, scope, "softmax_cross_entropy_loss/value")
    fn = "softmax_cross_entropy"
    x = _logits(fn, logits)
    y = to_tensor(onehot_labels, fn, "onehot_labels", dtype=x.dtype)
    check_same_shape(x, y, fn, "logits", "onehot_labels")
    if x.shape.rank < 2:
        raise ValueError(
            f"{fn}: logits must be [batch_size, num_classes], got shape {fmt_shape(x)}."
        )
    s = _smoothing(fn, label_smoothing)

    def body() -> tf.Tensor:
        casts = int(not same_dtype(y.dtype, x.dtype))
        yc = cast(y, x.dtype, "Cast")
        if isinstance(s, tf.Tensor) or s > 0:
            casts += 1
            c = x.shape[1]
            if c is None:
                n = _raw.Cast(x=_raw.Shape(input=yc)[1], DstT=x.dtype, name="num_classes")
            else:
                n = tf.constant(float(c), x.dtype)
            st = (
                _raw.Cast(x=s, DstT=x.dtype)
                if isinstance(s, tf.Tensor)
                else tf.constant(s, x.dtype)
            )
            yc = _raw.AddV2(
                x=_raw.Mul(x=yc, y=_raw.Sub(x=tf.constant(1.0, x.dtype), y=st)),
                y=_raw.RealDiv(x=st, y=n),
            )
        return weighted_mean(_softmax_xent(x, yc), weights, fn, prior_casts=casts)

    return in_scope(scope, "softmax_cross_entropy_loss", [x, y], body)


def _softmax_xent(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """Per-sample softmax cross-entropy over the last axis, labels stopped."""
    if not untaped_eager():  # else nothing could record a gradient into y
        y = _raw.StopGradient(input=y)
    dtype = x.dtype
    if dtype is not _F32 and dtype in (tf.float16, tf.bfloat16):
        x = _raw.Cast(x=x, DstT=_F32, name="logits_to_float")
        y = _raw.Cast(x=y, DstT=_F32, name="labels_to_float")
    if x.shape.rank == 2:
        loss, _ = _raw.SoftmaxCrossEntropyWithLogits(features=x, labels=y, name="xentropy")
    else:
        loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x, name="xentropy")
    if not same_dtype(loss.dtype, dtype):
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
    if type(logits) is _ET and type(labels) is _ET and logits._datatype_enum() == _F32_ENUM:
        dims = logits._shape_tuple()
        if len(dims) == 2 and labels.dtype in _INT_IDS and labels._shape_tuple() == dims[:1]:
            gate = eager_gate(weights, dims[:1])
            if gate is not None:
                loss, _ = _raw.SparseSoftmaxCrossEntropyWithLogits(
                    features=logits, labels=labels, name="xentropy"
                )
                return eager_mean(loss, gate, scope, "sparse_softmax_cross_entropy_loss/value")
    fn = "sparse_softmax_cross_entropy"
    x = _logits(fn, logits)
    y = to_tensor(labels, fn, "labels", dtype=tf.int32)
    if y.dtype is not tf.int32 and y.dtype not in (tf.int32, tf.int64):
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

    def body() -> tf.Tensor:
        yy = y if y.shape.rank == 1 else _raw.Squeeze(input=y, axis=[1])
        dtype = x.dtype
        xx = x if dtype is _F32 or dtype in (_F32, tf.float64) else _raw.Cast(x=x, DstT=_F32)
        loss, _ = _raw.SparseSoftmaxCrossEntropyWithLogits(features=xx, labels=yy, name="xentropy")
        if not same_dtype(loss.dtype, dtype):
            loss = _raw.Cast(x=loss, DstT=dtype, name="xentropy_to_input")
        return weighted_mean(loss, weights, fn)

    return in_scope(scope, "sparse_softmax_cross_entropy_loss", [x, y], body)


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
    if eager_pair(logits, labels) is not None and executing_eagerly():
        return _hinge(logits, labels)  # the eager fast path: nothing to collect
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
