"""Argument checks shared by the metric-learning losses.

Conversion goes through :func:`tfcompat_losses._inputs.to_tensor` (one
converter for the whole library); the checks here add what these losses
need: ``[batch_size, dim]`` floating embeddings, ``[batch_size]`` labels,
equal batch sizes and a scalar margin. Static shapes only, so nothing here
enters the graph.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import tensorflow as tf

from .. import _tf_internals
from .._inputs import fmt_shape, to_tensor

FLOAT_DTYPES = (tf.float16, tf.bfloat16, tf.float32, tf.float64)
_FLOAT_NAMES = "float16, bfloat16, float32 or float64"


def _dense(x: Any, fn: str, arg: str, expected: str) -> tf.Tensor:
    if isinstance(x, tf.SparseTensor):
        raise ValueError(f"{fn}: {arg} must be a dense tensor, got a SparseTensor.")
    return to_tensor(x, fn, arg, expected=expected)


def embeddings_arg(x: Any, fn: str, arg: str = "embeddings") -> tf.Tensor:
    """A ``[batch_size, dim]`` floating tensor."""
    expected = f"a floating tensor ({_FLOAT_NAMES}) of shape [batch_size, dim]"
    x = _dense(x, fn, arg, expected)
    if x.dtype not in FLOAT_DTYPES:
        raise ValueError(
            f"{fn}: {arg} must be {expected}, got {x.dtype.name} with shape {fmt_shape(x)}."
        )
    if x.shape.rank != 2:
        raise ValueError(f"{fn}: {arg} must be 2-D [batch_size, dim], got shape {fmt_shape(x)}.")
    return x


def labels_arg(
    x: Any, fn: str, arg: str = "labels", *, allow_column: bool = False, allow_bool: bool = False
) -> tf.Tensor:
    """A ``[batch_size]`` integer or float tensor (``[batch_size, 1]`` squeezed)."""
    expected = f"an {'integer, float or bool' if allow_bool else 'integer or float'} tensor"
    x = _dense(x, fn, arg, expected)
    dt = x.dtype
    if not (dt.is_integer or dt.is_floating or (allow_bool and dt.is_bool)):
        raise ValueError(
            f"{fn}: {arg} must be {expected}, got dtype {dt.name} with shape {fmt_shape(x)}."
        )
    if allow_column and x.shape.rank == 2 and x.shape[1] in (1, None):
        x = tf.reshape(x, [-1])
    if x.shape.rank != 1:
        shape = "[batch_size] or [batch_size, 1]" if allow_column else "[batch_size]"
        raise ValueError(f"{fn}: {arg} must be 1-D {shape}, got shape {fmt_shape(x)}.")
    return x


def check_same_batch(fn: str, named: Sequence[tuple[str, tf.Tensor | tf.TensorShape]]) -> None:
    """All ``(name, tensor or TensorShape)`` agree on dimension 0 where known."""
    shapes = [(n, t if isinstance(t, tf.TensorShape) else t.shape) for n, t in named]
    known = [(n, s) for n, s in shapes if s.rank and s[0] is not None]
    if len({s[0] for _, s in known}) > 1:
        got = ", ".join(f"{n} {tuple(s.as_list())}" for n, s in shapes)
        raise ValueError(f"{fn}: batch sizes differ; got {got}.")


def scalar_arg(value: Any, dtype: tf.DType, fn: str, arg: str = "margin") -> tf.Tensor:
    """A number or scalar tensor, as ``dtype``."""
    if isinstance(value, (tf.Tensor, tf.Variable)):
        if value.shape.rank not in (0, None):
            raise ValueError(f"{fn}: {arg} must be a scalar, got shape {fmt_shape(value)}.")
        return tf.cast(value, dtype)
    try:
        return tf.constant(float(value), dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{fn}: {arg} must be a number, got {value!r}.") from None


def in_tf1_graph() -> bool:
    """True when building a TF1 graph (not eager, not a ``tf.function``)."""
    return not tf.executing_eagerly() and not tf.compat.v1.get_default_graph().building_function


def in_xla() -> bool:
    """True inside a ``jit_compile=True`` function (see ``_tf_internals.in_xla``)."""
    return _tf_internals.in_xla()


def check_printable(fn: str) -> None:
    """``print_losses=True`` needs ``tf.print``, which XLA cannot compile."""
    if in_xla():
        raise ValueError(
            f"{fn}: print_losses=True prints with tf.print, which XLA cannot compile; "
            "pass print_losses=False inside a jit_compile=True function."
        )


def printed(value: tf.Tensor, *items: Any) -> tf.Tensor:
    """``value``, after printing ``items`` (contrib's ``tf.Print``) to stderr."""
    op = tf.print(*items, output_stream=sys.stderr)
    if tf.executing_eagerly():
        return value
    with tf.control_dependencies([op]):
        return tf.identity(value)
