"""The contrib weighting rule, in one place.

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
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import tensorflow as tf

from . import _collection, _replica
from ._compat_args import renamed_kwargs
from ._inputs import check_batch_axis, fmt_shape, to_tensor

__all__ = ["ContribQuirkWarning", "compute_weighted_loss"]

_F32 = tf.float32
_F32_ENUM = _F32.as_datatype_enum  # EagerTensor.dtype costs 2x _datatype_enum()
_I32 = tf.int32
_FLOATS = (tf.float16, tf.bfloat16, tf.float32, tf.float64)
_raw = tf.raw_ops

try:  # True when no GradientTape or ForwardAccumulator is active (~0.1 us).
    from tensorflow.python.pywrap_tfe import TFE_Py_TapeSetIsEmpty as _tape_set_is_empty
except ImportError:  # pragma: no cover - private API moved: always stop.

    def _tape_set_is_empty() -> bool:
        return False


# The eager fast path (see :func:`eager_gate`) reads the same private state
# as TensorFlow's generated op wrappers: the eager context's thread-local
# data (``is_eager``, ``scope_name``) and the ``EagerTensor`` type. Without
# them every call takes the general path.
try:
    from tensorflow.python.eager import context as _context
    from tensorflow.python.framework.ops import EagerTensor

    FAST_PATH = True
except ImportError:  # pragma: no cover - private API moved
    FAST_PATH = False

    class EagerTensor:  # type: ignore[no-redef]  # matches no tensor
        pass


class ContribQuirkWarning(UserWarning):
    """A contrib behaviour reproduced on purpose although it surprises.

    Issued once per process and quirk (e.g. shape-``[1]`` weights, which
    contrib counts as covering one row).
    """


_warned: set[str] = set()


class _Unreduced(threading.local):
    active = False  # a class default: ``getattr`` of a missing thread-local costs ~0.6 us


# Set (``unreduced.active = True``) by the Keras bridge (keras.py) while it
# asks for contrib's per-element losses, which Keras then reduces itself:
# weighted_mean returns them as they are.
unreduced = _Unreduced()


def warn_quirk(key: str, message: str) -> None:
    """Warns ``message`` the first time ``key`` is seen in this process."""
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, ContribQuirkWarning, stacklevel=4)


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


def reduce_all(x: tf.Tensor, name: str = "Sum") -> tf.Tensor:
    """Sum over every axis of ``x`` (rank must be static)."""
    rank = x.shape.rank
    if rank == 0:
        return x
    return reduce_sum(x, range(rank), name=name)


def same_dtype(a: tf.DType, b: tf.DType) -> bool:
    """``a == b``, fast: DTypes are interned, and ``==`` costs ~0.8 us."""
    return a is b or a == b


def untaped_eager() -> bool:
    """Eager, and no tape or forward accumulator could record an op now.

    A ``StopGradient`` is a no-op then (~9 us per eager op), so callers may
    skip it; graphs always keep it.
    """
    return tf.executing_eagerly() and _tape_set_is_empty()


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
            _collection.add_named(value, f"{scope or default}/value")
        return value
    with tf.compat.v1.name_scope(scope, default, values):
        value = body()
        if collect:
            _collection.add_named(value, None)
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


def _sum_all(x: tf.Tensor, rank: int, eager: bool) -> tf.Tensor:
    """:func:`reduce_all` for a known ``rank`` and executing mode."""
    if rank == 0:
        return x
    return _raw.Sum(input=x, axis=_axis_arg(tuple(range(rank)), eager), name="Sum")


def _count(losses: tf.Tensor, l_dims: list[int | None], start: int) -> Any:
    """:func:`_num_elements` with the static dims already listed."""
    rest = l_dims[start:]
    if None in rest:
        return _num_elements(losses, start)
    return float(math.prod(rest))


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


def weighted_mean(losses: tf.Tensor, weights: Any, fn: str, *, prior_casts: int = 0) -> tf.Tensor:
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

    Returns:
      The scalar loss in ``losses``' dtype (the caller collects it).
    """
    if unreduced.active:
        return losses
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
    l_shape = losses.shape
    rank = l_shape.rank
    if rank is None:
        raise ValueError(f"{fn}: losses must have a known rank, got unknown rank.")
    l_dims = l_shape.as_list()
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
        value = _raw.DivNoNan(x=total, y=_replica.global_count(present), name="value")
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
            _check_weights_shape(w_shape, l_shape, fn)
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
        value = _raw.DivNoNan(x=total, y=_replica.global_count(present), name="value")

    if not is_f32:
        value = _raw.Cast(x=value, DstT=in_dtype, name=f"Cast_{3 + prior_casts + w_casts}")
    return value


# --------------------------------------------------------------------------
# The eager fast path.
#
# An eager call on plain float32 ``EagerTensor``s needs none of the general
# path's conversions, shape checks, name scope or mode re-reads, and each
# Python step costs more between eager dispatches than alone (see
# benchmarks/README.md). So each public loss first checks, with type
# identity and shape tuples, that its inputs are of the common kind and asks
# :func:`eager_gate` about the context and the weights; if both agree it runs
# the per-element kernels of its general path and :func:`eager_mean` the
# weighting kernels of :func:`weighted_mean` (the same ones, in the same
# order, with a plan cached per shape) and the same collection entry.
# Anything else (other dtypes, Python lists or NumPy arrays, label
# smoothing, weights to squeeze or check, graph mode, the Keras bridge's
# ``unreduced`` mode) takes the general path. Exact cross-replica averaging
# applies as there (``_replica.global_count``). A GradientTape needs no
# fallback: the fast path runs the same ops, and keeps the softmax labels'
# StopGradient whenever a tape or accumulator is active, as the general path.
# tests/test_eager_fast_path.py checks both paths agree on every golden case.

# (loss dims, weight dims or None for a Python number) -> the plan of
# :func:`eager_mean`, or None when the weights need the general path.
_plans: dict[tuple[tuple[int, ...], tuple[int, ...] | None], Any] = {}
_MAX_PLANS = 1024
_MISSING: Any = object()


def _make_plan(l_dims: tuple[int, ...], w_dims: tuple[int, ...] | None) -> Any:
    """The plan of :func:`eager_mean` for these dims, or None.

    ``(k, all axes, row axes, weight axes, count per weight, that count and
    0.0 as float32 tensors)``. Mirrors :func:`weighted_mean` for losses of static dims ``l_dims``:
    weights qualify when their shape is a prefix of ``l_dims`` (rank ``k``)
    that needs no squeeze; a Python number counts as ``k = 0``. The scalars
    are eager tensors for the same reason as the axes: a Python float
    operand is converted on every eager call (~0.8 us for ``NotEqual``).
    """
    k = 0 if w_dims is None else len(w_dims)
    if w_dims is not None and (w_dims != l_dims[:k] or (k > 1 and w_dims[-1] == 1)):
        return None
    rank = len(l_dims)
    per = float(math.prod(l_dims[k:]))
    with tf.init_scope():
        per_t, zero = tf.constant(per, _F32), tf.constant(0.0, _F32)
    return (
        k,
        _axis_arg(tuple(range(rank)), True) if rank else None,
        _axis_arg(tuple(range(k, rank)), True) if 0 < k < rank else None,
        _axis_arg(tuple(range(k)), True) if k else None,
        per,
        per_t,
        zero,
    )


def eager_pair(a: Any, b: Any) -> tuple[int, ...] | None:
    """The shape of two float32 ``EagerTensor``s of one shape, rank >= 1; else None.

    The fast path's input check for the losses of two same-shaped inputs.
    ``_datatype_enum()`` costs half of ``EagerTensor.dtype``.
    """
    if (
        type(a) is EagerTensor
        and type(b) is EagerTensor
        and a._datatype_enum() == _F32_ENUM == b._datatype_enum()
    ):
        dims = a._shape_tuple()
        if dims and b._shape_tuple() == dims:
            return dims
    return None


def eager_gate(weights: Any, l_dims: tuple[int, ...]) -> tuple[Any, ...] | None:
    """``(weights, plan, name scope)`` when the fast path may run, else None.

    ``l_dims`` (rank >= 1) is the shape the per-element losses will have.
    The weights qualify as a Python ``int``/``float`` (not ``bool``) or as a
    float32 ``EagerTensor`` whose shape is a prefix of ``l_dims`` needing no
    squeeze. The context qualifies when executing eagerly outside the Keras
    bridge's ``unreduced`` mode.
    """
    tld = _eager_context()
    if tld is None or unreduced.active:
        return None
    t = type(weights)
    if t is EagerTensor:
        if weights._datatype_enum() != _F32_ENUM:
            return None
        key: Any = (l_dims, weights._shape_tuple())
    elif t is float or t is int:
        weights = float(weights)
        key = (l_dims, None)
    else:
        return None
    plan = _plans.get(key, _MISSING)
    if plan is _MISSING:
        if len(_plans) >= _MAX_PLANS:  # many distinct shapes (e.g. variable lengths)
            _plans.clear()
        plan = _plans[key] = _make_plan(*key)
    if plan is None:
        return None
    return weights, plan, tld.scope_name


def _eager_context() -> Any:
    """The eager context's thread-local data (``is_eager``, ``scope_name``)
    when executing eagerly with the fast path available, else None."""
    if not FAST_PATH:
        return None
    try:
        tld = (_context._context or _context.context())._thread_local_data
        return tld if tld.is_eager else None
    except AttributeError:  # pragma: no cover - private API changed
        return None


def executing_eagerly() -> bool:
    """``tf.executing_eagerly()`` in one attribute read, for the fast path."""
    return _eager_context() is not None


def eager_mean(losses: tf.Tensor, gate: tuple[Any, ...], scope: Any, default: str) -> tf.Tensor:
    """:func:`weighted_mean` plus :func:`in_scope`'s collection entry, eagerly.

    ``losses`` are float32 per-element losses of the dims ``gate`` (from
    :func:`eager_gate`) was made for; ``scope`` is the caller's argument and
    ``default`` its entry name without one (``"<default scope>/value"``).
    """
    w, (k, all_axes, row_axes, w_axes, per, per_t, zero), name_scope = gate
    if type(w) is float:
        total = _raw.Sum(input=losses, axis=all_axes, name="Sum")
        if w != 1.0:
            total = _raw.Mul(x=total, y=w)
        present: Any = 0.0 if w == 0.0 else per
    else:
        if k == 0:
            total = _raw.Mul(x=_raw.Sum(input=losses, axis=all_axes, name="Sum"), y=w)
            nonzero = _raw.Cast(x=_raw.NotEqual(x=w, y=zero), DstT=_F32, name="present")
        else:
            rows = losses if row_axes is None else _raw.Sum(input=losses, axis=row_axes)
            total = _raw.Sum(input=_raw.Mul(x=rows, y=w), axis=w_axes, name="Sum")
            nonzero = _raw.Sum(
                input=_raw.Cast(x=_raw.NotEqual(x=w, y=zero), DstT=_F32, name="present"),
                axis=w_axes,
                name="Sum",
            )
        present = nonzero if per == 1.0 else _raw.Mul(x=nonzero, y=per_t)
    if _replica._depth:  # exact averaging: as global_count() itself checks first
        present = _replica.global_count(present)
    value = _raw.DivNoNan(x=total, y=present, name="value")
    _collection.add_eager(value, f"{scope}/value" if scope else default, name_scope)
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

    Example (SPEC.md's seed example):

    >>> import tfcompat_losses as tcl
    >>> float(tcl.compute_weighted_loss([4.0, 1.0, 2.0, 3.0],
    ...                                 weights=[1.0, 0.5, 3.0, 9.0]))
    9.375
    """
    if type(losses) is EagerTensor and losses._datatype_enum() == _F32_ENUM:
        dims = losses._shape_tuple()
        gate = eager_gate(weights, dims) if dims else None
        if gate is not None:
            return eager_mean(losses, gate, scope, "weighted_loss/value")
    fn = "compute_weighted_loss"
    losses = to_tensor(losses, fn, "losses", dtype=_F32, floating=True)
    check_batch_axis(losses, fn, "losses")
    return in_scope(scope, "weighted_loss", [losses], lambda: weighted_mean(losses, weights, fn))
