"""The contrib weighting rule: the one place every weighted loss reduces.

Every weighted contrib loss ends in ``compute_weighted_loss``: per-element
losses ``[B, d1..dN]`` and weights of rank ``K <= N`` give

    sum(reduce_sum(losses, axes K..N) * weights)
    --------------------------------------------
    count_nonzero(weights) * prod(shape(losses)[K:])

(a scalar weight counts ``size(losses)`` when nonzero), exactly 0 with a
zero gradient when the count is 0. The sum runs over the rows before the
multiply, as contrib's ``_scale_losses`` did, so ``[B]`` weights never
broadcast to ``[B, d]``.

Everything here is built from ``tf.raw_ops`` kernels: in eager mode the
public wrappers (``tf.reduce_sum`` with a Python axis list, ...) cost several
times the kernel itself, and in a graph the raw ops are the minimal op set.
Shapes are checked on static shapes only, so no host round-trip enters a
``tf.function``/XLA graph; rank must be known (as contrib required).

Data flows one way: a loss converts and checks its inputs (``_inputs``),
computes its per-element losses (its kernel), reduces them here with
:func:`weighted_mean` and collects the result with :func:`in_scope`
(``_collection``). Under a ``tf.distribute`` strategy the denominator is
all-reduced when the caller asks (``across_replicas=True``, the Keras
classes) or an ``exact_averaging()`` block applies (``_replica``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import tensorflow as tf

from . import _collection, _replica
from ._compat_args import renamed_kwargs, user_stacklevel
from ._inputs import check_batch_axis, fmt_shape, to_tensor

__all__ = ["ContribQuirkWarning", "compute_weighted_loss"]

_F32 = tf.float32
_I32 = tf.int32
_FLOATS = (tf.float16, tf.bfloat16, tf.float32, tf.float64)
_raw = tf.raw_ops


class ContribQuirkWarning(UserWarning):
    """A contrib behaviour reproduced on purpose although it surprises.

    Issued once per process and quirk (e.g. shape-``[1]`` weights, which
    contrib counts as covering one row).
    """


_warned: set[str] = set()


def warn_quirk(key: str, message: str) -> None:
    """Warns ``message`` the first time ``key`` is seen in this process."""
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, ContribQuirkWarning, stacklevel=user_stacklevel())


# --------------------------------------------------------------------------
# Small eager-aware helpers.

_axis_cache: dict[tuple[int, ...], tf.Tensor] = {}


def axes(dims: Sequence[int]) -> Any:
    """An int32 axis argument; cached as a tensor in eager mode.

    Converting a Python list costs ~35 us per eager call, more than the
    reduction it feeds; an eager host tensor can be reused across calls.
    In a graph the list becomes a ``Const`` as usual.
    """
    return _axis_arg(tuple(dims), tf.executing_eagerly())


def _axis_arg(key: tuple[int, ...], eager: bool) -> Any:
    if not eager:
        return list(key)
    t = _axis_cache.get(key)
    if t is None:
        with tf.init_scope():
            t = tf.constant(key, tf.int32)
        _axis_cache[key] = t
    return t


def reduce_sum(x: tf.Tensor, dims: Sequence[int], name: str = "Sum") -> tf.Tensor:
    return _raw.Sum(input=x, axis=axes(dims), name=name)


def same_dtype(a: tf.DType, b: tf.DType) -> bool:
    """``a == b``, fast: DTypes are interned, and ``==`` costs ~0.8 us."""
    return a is b or a == b


def cast(x: tf.Tensor, dtype: tf.DType, name: str) -> tf.Tensor:
    if same_dtype(x.dtype, dtype):
        return x
    return _raw.Cast(x=x, DstT=dtype, name=name)


def in_scope(
    scope: str | None,
    default: str,
    values: Sequence[Any],
    body: Callable[[], tf.Tensor],
    collect: bool = True,
) -> tf.Tensor:
    """Runs ``body`` under contrib's name scope and collects its result.

    In a graph (TF1 or a ``tf.function`` trace) the ops get contrib's names,
    e.g. ``softmax_cross_entropy_loss/value``. Eager tensors have no names,
    so the scope is skipped there (it would cost ~3 us per call) and the
    collection entry records the name the graph would have given.
    """
    if tf.executing_eagerly():
        value = body()
        if collect:
            _collection.add_named(value, f"{scope or default}/value", eager=True)
        return value
    with tf.compat.v1.name_scope(scope, default, values):
        value = body()
        if collect:
            _collection.add_named(value, None, eager=False)
        return value


# --------------------------------------------------------------------------
# The rule.


def _weights_tensor(weights: Any, fn: str) -> tuple[Any, int]:
    """Weights as a Python float or a float32 tensor, and the casts made."""
    if weights is None:
        raise ValueError(
            f"{fn}: weights=None is not supported (contrib raised too); pass "
            "weights=1.0 for an unweighted loss."
        )
    if isinstance(weights, tf.Tensor) and weights.dtype is _F32 and weights.shape.rank is not None:
        return weights, 0  # the common case, without to_tensor's checks
    if isinstance(weights, (int, float)) and not isinstance(weights, bool):
        return float(weights), 0
    w = to_tensor(weights, fn, "weights", dtype=_F32)
    if same_dtype(w.dtype, _F32):
        return w, 0
    return _raw.Cast(x=w, DstT=_F32, name="weights_to_float"), 1


def _num_elements(losses: tf.Tensor, start: int) -> Any:
    """prod(shape(losses)[start:]) as a Python float if static, else a tensor."""
    dims = losses.shape[start:]
    if dims.is_fully_defined():
        return float(dims.num_elements())
    rest = _raw.StridedSlice(
        input=_raw.Shape(input=losses), begin=[start], end=[0], strides=[1], end_mask=1
    )
    return _raw.Cast(x=_raw.Prod(input=rest, axis=[0]), DstT=_F32, name="broadcast_size")


_LEADING_AXES = tuple(tuple(range(rank)) for rank in range(9))


def _sum_all(x: tf.Tensor, rank: int, eager: bool) -> tf.Tensor:
    """The sum of all elements of ``x``, of known ``rank``, in the executing mode."""
    if rank == 0:
        return x
    dims = _LEADING_AXES[rank] if rank < len(_LEADING_AXES) else tuple(range(rank))
    return _raw.Sum(input=x, axis=_axis_arg(dims, eager), name="Sum")


def _count(losses: tf.Tensor, l_dims: list[int | None], start: int) -> Any:
    """:func:`_num_elements` with the static dims already listed."""
    rest = l_dims[start:]
    if None in rest:  # an unknown dimension
        return _num_elements(losses, start)
    return float(math.prod(rest))  # type: ignore[arg-type]


def _check_weights_shape(w_shape: tf.TensorShape, l_shape: tf.TensorShape, fn: str) -> None:
    k = w_shape.rank
    if k > l_shape.rank:
        raise ValueError(
            f"{fn}: weights of shape {tuple(w_shape.as_list())} have a higher "
            f"rank than the losses {tuple(l_shape.as_list())}; weights must be a "
            "scalar, [batch_size], [batch_size, 1] or a prefix of the loss shape."
        )
    for i, (wd, ld) in enumerate(zip(w_shape.as_list(), l_shape.as_list()[:k], strict=False)):
        if wd is not None and ld is not None and wd != 1 and wd != ld:
            raise ValueError(
                f"{fn}: weights of shape {tuple(w_shape.as_list())} cannot "
                f"apply to losses of shape {tuple(l_shape.as_list())} (dimension "
                f"{i}: {wd} vs {ld}); weights must be a scalar, [batch_size], "
                "[batch_size, 1] or a prefix of the loss shape."
            )
        if wd == 1 and ld != 1:
            warn_quirk(
                "weights-dim-1",
                f"{fn}: weights of shape {tuple(w_shape.as_list())} broadcast "
                f"over losses of shape {tuple(l_shape.as_list())}. Contrib "
                "counts such a weight once, not once per row it covers, so the "
                "mean is larger than with a scalar weight (shape [1] on [B, d] "
                "divides by d, not B*d). Reproduced on purpose; pass a Python "
                "scalar or [B] weights for a plain mean.",
            )


def weighted_mean(
    losses: tf.Tensor,
    weights: Any,
    fn: str,
    *,
    prior_casts: int = 0,
    across_replicas: bool | None = None,
    report_global: bool = False,
    dims: list[int | None] | None = None,
) -> tf.Tensor:
    """Applies the contrib weighting rule to per-element ``losses``.

    Must run inside the caller's name scope (graph mode): the ops land in it
    and the result is named ``value`` as in contrib (or ``Cast_N`` when the
    result is cast back to a non-float32 dtype, where N counts the casts
    contrib made before it, ``prior_casts`` of them in the caller).

    Args:
      losses: per-element losses ``[B, d1..dN]``, any float dtype.
      weights: Python number or tensor of rank ``<= N``.
      fn: the public function's name, for errors.
      prior_casts: casts contrib made in the caller before this point.
      across_replicas: divide by the nonzero count of all replicas of a
        multi-replica context (True), of this replica only (False), or as an
        enclosing ``exact_averaging()`` block says (None, the default).
      report_global: across replicas, give every replica the value
        ``one-device loss / N`` (same gradient), as Keras' loss reporting
        needs (see ``_replica.share``).
      dims: the static shape of ``losses`` as a list, when the caller has
        it from its inputs (whose shapes it has read already): reading the
        shape of a fresh eager tensor is one of the larger costs of an
        eager call. Used when fully defined; otherwise ``losses.shape`` is
        read.

    Returns:
      The scalar loss in ``losses``' dtype (the caller collects it).
    """
    # The eager hot path: DType ``==`` and TensorShape methods cost ~1 us
    # each, so dtypes are compared by identity first, the static dims are
    # listed once and the executing mode is read once.
    in_dtype = losses.dtype
    is_f32 = same_dtype(in_dtype, _F32)
    if not is_f32:
        if in_dtype not in _FLOATS:
            raise TypeError(
                f"{fn}: losses must be float16, bfloat16, float32 or float64, got "
                f"{in_dtype.name} with shape {fmt_shape(losses)}."
            )
        losses = _raw.Cast(x=losses, DstT=_F32, name="losses_to_float")
    if dims is None or None in dims:
        l_shape = losses.shape
        if l_shape.rank is None:
            raise ValueError(f"{fn}: losses must have a known rank, got unknown rank.")
        dims = l_shape.as_list()
    l_dims = dims
    rank = len(l_dims)
    w, w_casts = _weights_tensor(weights, fn)
    eager = tf.executing_eagerly()

    if isinstance(w, float):
        total = _sum_all(losses, rank, eager)
        if w != 1.0:
            total = _raw.Mul(x=total, y=w)
        if w == 0.0:
            present: Any = 0.0
        else:
            present = _count(losses, l_dims, 0)
    else:
        w_shape = w.shape
        k = w_shape.rank
        if k is None:
            raise ValueError(f"{fn}: weights must have a known rank, got unknown rank.")
        if k > 1 and w_shape[-1] in (1, None):
            w = _raw.Squeeze(input=w, axis=[-1])
            w_shape = w.shape
            k = w_shape.rank
        if w_shape.as_list() != l_dims[:k]:  # an equal prefix passes every check
            _check_weights_shape(w_shape, tf.TensorShape(l_dims), fn)
        if k == 0:
            total = _raw.Mul(x=_sum_all(losses, rank, eager), y=w)
            nonzero = _raw.Cast(x=_raw.NotEqual(x=w, y=0.0), DstT=_F32, name="present")
        else:
            rows = (
                _raw.Sum(input=losses, axis=_axis_arg(tuple(range(k, rank)), eager))
                if k < rank
                else losses
            )
            total = _sum_all(_raw.Mul(x=rows, y=w), k, eager)
            nonzero = _sum_all(
                _raw.Cast(x=_raw.NotEqual(x=w, y=0.0), DstT=_F32, name="present"), k, eager
            )
        per = _count(losses, l_dims, k)
        present = nonzero if (isinstance(per, float) and per == 1.0) else _raw.Mul(x=nonzero, y=per)

    value = _replica.share(total, present, across_replicas, report_global=report_global)
    if not is_f32:
        value = _raw.Cast(x=value, DstT=in_dtype, name=f"Cast_{3 + prior_casts + w_casts}")
    return value


@renamed_kwargs(weight="weights")
def compute_weighted_loss(losses: Any, weights: Any = 1.0, scope: str | None = None) -> tf.Tensor:
    """Computes the weighted loss with contrib's averaging rule.

    The losses are summed down to the rank of ``weights``, multiplied by them
    and summed; the sum is divided by the number of nonzero weights times the
    number of loss elements each covers. The result is added to the
    ``LOSSES`` collection.

    Args:
      losses: a float tensor ``[batch_size, d1, ... dN]``.
      weights: a Python number or a tensor of shape ``[]``, ``[1]``,
        ``[batch_size]``, ``[batch_size, 1]`` or ``[batch_size, d1, ... dK]``
        with ``K <= N``. A last dimension of 1 is squeezed.
      scope: the name scope of the ops (graph mode).

    Returns:
      A scalar in the dtype of ``losses`` (computed in float32).

    Raises:
      ValueError: ``weights`` is None, of unknown rank, of higher rank than
        ``losses`` or not broadcastable to it.
      TypeError: non-numeric ``losses`` or ``weights``.

    Example (the seed example of docs/contrib_semantics.md, "The weighting rule"):

    >>> import tfcompat_losses as tcl
    >>> float(tcl.compute_weighted_loss([4.0, 1.0, 2.0, 3.0],
    ...                                 weights=[1.0, 0.5, 3.0, 9.0]))
    9.375
    """
    fn = "compute_weighted_loss"
    losses = to_tensor(losses, fn, "losses", dtype=_F32, floating=True)
    check_batch_axis(losses, fn, "losses")
    return in_scope(scope, "weighted_loss", [losses], lambda: weighted_mean(losses, weights, fn))
