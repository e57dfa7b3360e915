"""Regression losses: absolute difference, squared error, pairwise, log, cosine.

Contrib casts predictions and labels to float32 before computing these, so
they return float32 whatever the input dtype.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np
import tensorflow as tf

from ._compat_args import renamed_kwargs, user_stacklevel
from ._inputs import check_batch_axis, check_same_shape, fmt_shape, to_tensor
from ._weighting import cast, in_scope, reduce_sum, warn_quirk, weighted_mean

__all__ = [
    "absolute_difference",
    "absolute_difference_elements",
    "cosine_distance_elements",
    "log_loss_elements",
    "mean_squared_error_elements",
    "pairwise_elements",
    "pairwise_loss",
    "pairwise_per_sample",
    "cosine_distance",
    "log_loss",
    "mean_pairwise_squared_error",
    "mean_squared_error",
]

_F32 = tf.float32
_raw = tf.raw_ops


def _pair(fn: str, predictions: Any, labels: Any) -> tuple[tf.Tensor, tf.Tensor]:
    """Both inputs as tensors of compatible shape (not yet cast)."""
    p = to_tensor(predictions, fn, "predictions", dtype=_F32)
    y = to_tensor(labels, fn, "labels", dtype=_F32)
    check_same_shape(p, y, fn, "predictions", "labels")
    check_batch_axis(p, fn, "predictions")
    return p, y


def _f32(p: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    return cast(p, _F32, "predictions_to_float"), cast(y, _F32, "labels_to_float")


@renamed_kwargs(targets="labels", weight="weights")
def absolute_difference(
    predictions: Any, labels: Any = None, weights: Any = 1.0, scope: str | None = None
) -> tf.Tensor:
    """Mean absolute error ``|predictions - labels|`` with contrib weighting.

    Args:
      predictions: the predicted values, any numeric dtype (cast to float32).
      labels: the targets, same shape as ``predictions``.
      weights: a Python number or a tensor of shape ``[]``, ``[batch_size]``,
        ``[batch_size, 1]`` or a prefix of the input shape (see
        :func:`compute_weighted_loss`).
      scope: the name scope of the ops (graph mode).

    Returns:
      A float32 scalar, also added to the ``LOSSES`` collection.

    >>> import tfcompat_losses as tcl
    >>> float(tcl.absolute_difference([[1.0, 2.0], [3.0, 4.0]],
    ...                               [[1.5, 2.0], [3.0, 2.0]],
    ...                               weights=[1.0, 0.0]))
    0.25
    """
    fn = "absolute_difference"
    p, y = _pair(fn, predictions, labels)
    return in_scope(
        scope,
        fn,
        [p, y],
        lambda: weighted_mean(_absolute_difference(p, y), weights, fn, dims=p.shape.as_list()),
    )


def _absolute_difference(p: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    pf, yf = _f32(p, y)
    return _raw.Abs(x=_raw.Sub(x=pf, y=yf))


def absolute_difference_elements(predictions: Any, labels: Any) -> tf.Tensor:
    """The per-element losses of :func:`absolute_difference` (for the Keras class)."""
    return _absolute_difference(*_pair("absolute_difference", predictions, labels))


@renamed_kwargs(targets="labels", weight="weights")
def mean_squared_error(
    predictions: Any, labels: Any = None, weights: Any = 1.0, scope: str | None = None
) -> tf.Tensor:
    """Mean squared error ``(predictions - labels)**2`` with contrib weighting.

    Also importable as ``sum_of_squares`` (its TF 0.x name).

    Args:
      predictions: the predicted values, any numeric dtype (cast to float32).
      labels: the targets, same shape as ``predictions``.
      weights: a Python number or a tensor of shape ``[]``, ``[batch_size]``,
        ``[batch_size, 1]`` or a prefix of the input shape.
      scope: the name scope of the ops (graph mode).

    Returns:
      A float32 scalar, also added to the ``LOSSES`` collection.

    >>> import tfcompat_losses as tcl
    >>> float(tcl.mean_squared_error([[1.0, 2.0], [3.0, 4.0]],
    ...                              [[0.0, 2.0], [3.0, 4.0]], weights=[2.0, 1.0]))
    0.5
    """
    fn = "mean_squared_error"
    p, y = _pair(fn, predictions, labels)
    return in_scope(
        scope,
        fn,
        [p, y],
        lambda: weighted_mean(_squared_error(p, y), weights, fn, dims=p.shape.as_list()),
    )


def _squared_error(p: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    pf, yf = _f32(p, y)
    return _raw.SquaredDifference(x=pf, y=yf)


def mean_squared_error_elements(predictions: Any, labels: Any) -> tf.Tensor:
    """The per-element losses of :func:`mean_squared_error` (for the Keras class)."""
    return _squared_error(*_pair("mean_squared_error", predictions, labels))


@renamed_kwargs(targets="labels", weight="weights")
def log_loss(
    predictions: Any,
    labels: Any = None,
    weights: Any = 1.0,
    epsilon: float = 1e-7,
    scope: str | None = None,
) -> tf.Tensor:
    """Binary log loss ``-y log(p + eps) - (1 - y) log(1 - p + eps)``.

    Also importable as ``log`` (the name the TF 0.x docstring used).

    Args:
      predictions: probabilities in ``[0, 1]``, any numeric dtype.
      labels: targets in ``[0, 1]``, same shape as ``predictions``.
      weights: a Python number or a tensor of shape ``[]``, ``[batch_size]``,
        ``[batch_size, 1]`` or a prefix of the input shape.
      epsilon: added inside both logarithms.
      scope: the name scope of the ops (graph mode).

    Returns:
      A float32 scalar, also added to the ``LOSSES`` collection.

    >>> import tfcompat_losses as tcl
    >>> round(float(tcl.log_loss([0.9, 0.2], [1.0, 0.0])), 5)
    0.16425
    """
    fn = "log_loss"
    p, y = _pair(fn, predictions, labels)
    return in_scope(
        scope,
        fn,
        [p, y],
        lambda: weighted_mean(_log_loss(p, y, epsilon), weights, fn, dims=p.shape.as_list()),
    )


def log_loss_elements(predictions: Any, labels: Any, epsilon: float = 1e-7) -> tf.Tensor:
    """The per-element losses of :func:`log_loss` (for the Keras class)."""
    return _log_loss(*_pair("log_loss", predictions, labels), epsilon)


def _log_loss(p: tf.Tensor, y: tf.Tensor, epsilon: Any) -> tf.Tensor:
    pf, yf = _f32(p, y)
    pos = _raw.Mul(x=yf, y=_raw.Log(x=_raw.AddV2(x=pf, y=epsilon)))
    one_minus_y = _raw.Sub(x=1.0, y=yf)
    one_minus_p = _raw.AddV2(x=_raw.Sub(x=1.0, y=pf), y=epsilon)
    neg = _raw.Mul(x=one_minus_y, y=_raw.Log(x=one_minus_p))
    return _raw.Sub(x=_raw.Neg(x=pos), y=neg)


@renamed_kwargs(targets="labels", weight="weights", dim="axis")
def cosine_distance(
    predictions: Any,
    labels: Any = None,
    axis: int | None = None,
    weights: Any = 1.0,
    scope: str | None = None,
    dim: int | None = None,
) -> tf.Tensor:
    """Cosine distance ``1 - sum(predictions * labels, axis)``.

    The inputs are assumed unit-normalised (contrib did not normalise them).
    ``axis`` is removed from the loss shape, then contrib weighting applies,
    so ``weights`` match the remaining shape. ``dim=`` is the deprecated
    spelling of ``axis``.

    Args:
      predictions: unit vectors along ``axis``.
      labels: unit vectors, same shape as ``predictions``.
      axis: the axis along which the cosine is taken (required).
      weights: a Python number or a tensor that applies to the loss shape
        (the input shape without ``axis``).
      scope: the name scope of the ops (graph mode).
      dim: the deprecated spelling of ``axis`` (contrib's last parameter).

    Returns:
      A float32 scalar, also added to the ``LOSSES`` collection.

    Raises:
      ValueError: ``axis`` missing or out of range, both ``axis`` and
        ``dim`` given, or shapes that differ.

    >>> import tfcompat_losses as tcl
    >>> float(tcl.cosine_distance([[1.0, 0.0], [0.0, 1.0]],
    ...                           [[1.0, 0.0], [1.0, 0.0]], axis=1))
    0.5
    """
    fn = "cosine_distance"
    axis = _cosine_axis(fn, axis, dim)
    p, y = _pair(fn, predictions, labels)
    axis = _check_axis(fn, axis, p)
    return in_scope(
        scope,
        "cosine_distance_loss",
        [p, y],
        lambda: weighted_mean(_cosine_distance(p, y, axis), weights, fn),
    )


def cosine_distance_elements(predictions: Any, labels: Any, axis: Any) -> tf.Tensor:
    """The per-element losses of :func:`cosine_distance` (``axis`` removed)."""
    fn = "cosine_distance"
    p, y = _pair(fn, predictions, labels)
    return _cosine_distance(p, y, _check_axis(fn, _cosine_axis(fn, axis, None), p))


def _cosine_distance(p: tf.Tensor, y: tf.Tensor, axis: int) -> tf.Tensor:
    pf, yf = _f32(p, y)
    dots = reduce_sum(_raw.Mul(x=pf, y=yf), [axis])
    return _raw.Sub(x=1.0, y=dots)


def _cosine_axis(fn: str, axis: Any, dim: Any) -> int:
    """``axis`` (or the deprecated ``dim``) as a Python int.

    Like contrib, accepts any integer: a Python or NumPy int, or a scalar
    integer tensor whose value is known when the call is traced.
    """
    if dim is not None:  # passed positionally (renamed_kwargs maps dim=)
        if axis is not None:
            raise ValueError(
                f"{fn}: got both axis= and its deprecated spelling dim=; pass only axis=."
            )
        warnings.warn(
            f"{fn}: the argument dim is deprecated (it is the TF 0.x contrib "
            "spelling); use axis= instead.",
            DeprecationWarning,
            stacklevel=user_stacklevel(),
        )
        axis = dim
    if axis is None:
        raise ValueError(f"{fn}: you must specify axis= (or the deprecated dim=).")
    value = axis
    if isinstance(axis, (tf.Tensor, tf.Variable)):
        value = tf.get_static_value(axis) if axis.dtype.is_integer else None
        if value is None or np.ndim(value) != 0:
            raise TypeError(
                f"{fn}: axis must be an int or a scalar integer tensor whose value is "
                f"known when the loss is built; got a {axis.dtype.name} tensor of shape "
                f"{fmt_shape(axis)}."
            )
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn}: axis must be an int, got {axis!r}.")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{fn}: axis must be an int, got {axis!r}.") from None


def _check_axis(fn: str, axis: int, p: tf.Tensor) -> int:
    """``axis`` in ``[0, rank)``, for inputs with a batch axis besides it."""
    rank = p.shape.rank
    if not -rank <= axis < rank:
        raise ValueError(
            f"{fn}: axis={axis} is out of range for predictions of shape {fmt_shape(p)}."
        )
    if rank < 2:
        raise ValueError(
            f"{fn}: predictions must have a batch axis besides axis={axis} (rank >= 2); "
            f"got shape {fmt_shape(p)}."
        )
    return axis % rank


@renamed_kwargs(targets="labels", weight="weights")
def mean_pairwise_squared_error(
    predictions: Any, labels: Any = None, weights: Any = 1.0, scope: str | None = None
) -> tf.Tensor:
    """Contrib's pairwise squared error, summed (not averaged) over the batch.

    Per sample, with ``d = predictions - labels`` over the non-batch axes and
    ``n`` the elements its weight covers: ``2*sum(d**2)/n - 2*sum(d)**2/n**2``,
    multiplied by the weight and summed over the batch; 0 when no weight is
    nonzero. This is contrib's formula, not ``tf.compat.v1.losses``' (which
    uses ``n - 1`` denominators) nor the ``/3`` of contrib's own docstring.
    Also importable as ``sum_of_pairwise_squares`` (its TF 0.x name).

    Args:
      predictions: ``[batch_size, d0, ... dN]``, any numeric dtype.
      labels: same shape as ``predictions``.
      weights: a Python number or a tensor of shape ``[]``, ``[1]``,
        ``[batch_size]``. Contrib also accepted higher-rank weights whose
        first and last dimensions broadcast against ``[batch_size]`` (e.g.
        ``[batch_size, 1]``), with accidental semantics (an outer product,
        each sample's count = its nonzero weights); those are reproduced
        with a :class:`ContribQuirkWarning`. Other shapes raise.
      scope: the name scope of the ops (graph mode).

    Returns:
      A float32 scalar, also added to the ``LOSSES`` collection.

    >>> import tfcompat_losses as tcl
    >>> round(float(tcl.mean_pairwise_squared_error([[1.0, 2.0, 3.0]],
    ...                                             [[0.0, 0.0, 0.0]])), 5)
    1.33333
    """
    fn = "mean_pairwise_squared_error"
    p, y, w, w_rank = _pairwise_inputs(fn, predictions, labels, weights)
    return in_scope(scope, fn, [p, y], lambda: _pairwise_loss(p, y, w, w_rank))


def pairwise_loss(predictions: Any, labels: Any, weights: Any) -> tf.Tensor:
    """:func:`mean_pairwise_squared_error`'s value, not collected (for the Keras class)."""
    fn = "mean_pairwise_squared_error"
    return _pairwise_loss(*_pairwise_inputs(fn, predictions, labels, weights))


def _pairwise_inputs(fn: str, predictions: Any, labels: Any, weights: Any) -> tuple[Any, ...]:
    """Checked ``(predictions, labels, weights, rank of weights)``."""
    p, y = _pair(fn, predictions, labels)
    if weights is None:
        raise ValueError(
            f"{fn}: weights=None is not supported (contrib raised too); pass "
            "weights=1.0 for an unweighted loss."
        )
    if isinstance(weights, (int, float)) and not isinstance(weights, bool):
        w: Any = float(weights)
        w_rank = 0
    else:
        w = to_tensor(weights, fn, "weights", dtype=_F32)
        w_rank = w.shape.rank
        if w_rank > p.shape.rank:
            raise ValueError(
                f"{fn}: weights of shape {fmt_shape(w)} have a higher rank than "
                f"predictions {fmt_shape(p)}; weights must be a scalar, [1], "
                "[batch_size] or [batch_size, 1]."
            )
        if not _contrib_broadcasts(p.shape[0], w.shape):
            raise ValueError(
                f"{fn}: weights must be a scalar, [1], [batch_size] or [batch_size, "
                f"1]; got weights of shape {fmt_shape(w)} for predictions of shape "
                f"{fmt_shape(p)} (contrib rejects per-element weights here)."
            )
        if w_rank >= 2:
            warn_quirk(
                "mpse-rank2",
                f"{fn}: weights of shape {fmt_shape(w)}: contrib does not squeeze or "
                "broadcast them per sample here. It counts the nonzero weights of "
                "each sample as its element count and multiplies the [batch] "
                "per-sample losses by the whole weight tensor (an outer product). "
                "Reproduced on purpose; pass [batch_size] weights instead.",
            )

    return p, y, w, w_rank


def _pairwise_loss(p: tf.Tensor, y: tf.Tensor, w: Any, w_rank: int) -> tf.Tensor:
    """Contrib's pairwise loss: per-sample values times the weights, summed."""
    pf, yf = _f32(p, y)
    wt = w if isinstance(w, float) else cast(w, _F32, "weights_to_float")
    diffs = _raw.Sub(x=pf, y=yf)
    n = _present_per_sample(diffs, wt, w_rank)
    per_sample = pairwise_per_sample(diffs, n)
    # contrib's _scale_losses: reduce to weights' rank, multiply, sum.
    if w_rank == 0:
        loss = _raw.Mul(x=reduce_sum(per_sample, [0]), y=wt)
    else:
        prod = _raw.Mul(x=per_sample, y=wt)
        loss = reduce_sum(prod, range(prod.shape.rank))
    any_present = _raw.Greater(x=reduce_sum(n, range(n.shape.rank)), y=0.0)
    return _raw.SelectV2(condition=any_present, t=loss, e=_raw.ZerosLike(x=loss), name="value_2")


def pairwise_per_sample(diffs: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
    """Contrib's per-sample pairwise loss ``2*sum(d**2)/n - 2*sum(d)**2/n**2``.

    ``diffs`` are ``predictions - labels`` (float32, ``[batch_size, ...]``)
    and ``n`` the elements each sample's weight covers (``[batch_size]``, or
    a shape that broadcasts against it); a sample with ``n == 0`` gives 0.
    """
    inner = range(1, diffs.shape.rank)
    ssd = reduce_sum(_raw.Square(x=diffs), inner)
    sd = reduce_sum(diffs, inner)
    term1 = _raw.Mul(x=2.0, y=_raw.DivNoNan(x=ssd, y=n, name="value"))
    term2 = _raw.Mul(x=2.0, y=_raw.DivNoNan(x=_raw.Square(x=sd), y=_raw.Square(x=n), name="value"))
    return _raw.Sub(x=term1, y=term2)


def pairwise_elements(predictions: Any, labels: Any) -> tf.Tensor:
    """The per-sample values of :func:`mean_pairwise_squared_error` with unit weights."""
    p, y = _pair("mean_pairwise_squared_error", predictions, labels)
    pf, yf = _f32(p, y)
    diffs = _raw.Sub(x=pf, y=yf)
    return pairwise_per_sample(diffs, _present_per_sample(diffs, 1.0, 0))


def _contrib_broadcasts(batch: int | None, w_shape: tf.TensorShape) -> bool:
    """Whether contrib's pairwise arithmetic accepts weights of ``w_shape``.

    contrib divides the ``[batch]`` per-sample sums by per-sample counts of
    shape ``[w0]``, then multiplies that by the whole weight tensor, so
    ``batch`` must broadcast with ``w0`` and the result with the weights' last
    dimension (any shape passes when ``batch`` is 1). Unknown sizes pass.
    """
    size = batch
    for dim in (w_shape[0], w_shape[-1]) if w_shape.rank else ():
        if size is None or dim is None:
            size = None
        elif dim != 1 and size != 1 and dim != size:
            return False
        else:
            size = max(size, dim)
    return True


def _present_per_sample(diffs: tf.Tensor, w: Any, w_rank: int) -> tf.Tensor:
    """contrib's ``_num_present(diffs, weights, per_batch=True)``."""
    rank = diffs.shape.rank
    if w_rank == 0:
        ones = _raw.OnesLike(x=reduce_sum(diffs, range(1, rank)))
        dims = diffs.shape[1:]
        if dims.is_fully_defined():
            per: Any = float(dims.num_elements())
        else:
            per = _raw.Cast(x=_raw.Prod(input=_raw.Shape(input=diffs)[1:], axis=[0]), DstT=_F32)
        if isinstance(w, float):
            return _raw.Mul(x=ones, y=per if w != 0.0 else 0.0)
        nz = _raw.Cast(x=_raw.NotEqual(x=w, y=0.0), DstT=_F32)
        return _raw.Mul(x=_raw.Mul(x=ones, y=per), y=nz)
    nz = _raw.Cast(x=_raw.NotEqual(x=w, y=0.0), DstT=_F32)
    if w_rank > 1:
        nz = reduce_sum(nz, range(1, w_rank))
    dims = diffs.shape[w_rank:]
    if dims.is_fully_defined():
        per = float(dims.num_elements())
        return nz if per == 1.0 else _raw.Mul(x=nz, y=per)
    per = _raw.Cast(x=_raw.Prod(input=_raw.Shape(input=diffs)[w_rank:], axis=[0]), DstT=_F32)
    return _raw.Mul(x=nz, y=per)
