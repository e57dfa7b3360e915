"""Input conversion and checks, shared by every loss.

Each public function converts its arguments here, so a bad argument raises
the same kind of error everywhere: ``ValueError`` for a missing argument,
an unknown rank or incompatible shapes, :class:`InputTypeError` (a
``TypeError``) for a value that is not numeric. Messages name the function,
the argument and the shapes.
Checks use static shapes only, so nothing here adds a host round-trip to a
``tf.function`` or XLA graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

__all__ = [
    "InputTypeError",
    "check_batch_axis",
    "check_same_shape",
    "fmt_shape",
    "to_tensor",
]

_F32 = tf.float32
_I32 = tf.int32


class InputTypeError(TypeError, ValueError):
    """An argument that is not a numeric tensor (or cannot become one).

    A ``TypeError``, as for any Python function given the wrong kind of
    value. It is also a ``ValueError`` because ``metric_learning`` raised
    ``ValueError`` for such arguments before it shared this module, and
    callers may catch that.
    """

    # Exception's own constructor: AutoGraph re-raises an error from traced
    # code with its type only when the type is built-in or constructed like
    # Exception (otherwise it becomes a StagingError, neither of the two).
    __init__ = Exception.__init__


def fmt_shape(x: Any) -> str:
    """A shape for an error message: ``(4, 3)``, ``(None, 3)``, ``<unknown>``."""
    shape = x.shape if hasattr(x, "shape") else np.shape(x)
    shape = tf.TensorShape(shape)
    if shape.rank is None:
        return "<unknown rank>"
    return str(tuple(shape.as_list()))


def to_tensor(
    x: Any,
    fn: str,
    arg: str,
    *,
    dtype: tf.DType | None = None,
    floating: bool = False,
    expected: str = "numeric",
) -> tf.Tensor:
    """Converts an argument, with errors that name the function and argument.

    ``expected`` says what the argument must be in the message for a
    non-numeric dtype (``"labels must be <expected>, got dtype string ..."``).
    """
    if x is None:
        raise ValueError(f"{fn}: {arg} is required, got None.")
    if not isinstance(x, tf.Tensor):
        try:
            # NumPy arrays keep their dtype (float64 logits stay float64);
            # Python numbers and lists take the hint.
            hint = None if isinstance(x, (np.ndarray, np.generic)) else dtype
            x = tf.convert_to_tensor(x, dtype_hint=hint)
        except (TypeError, ValueError) as e:
            raise InputTypeError(
                f"{fn}: {arg} must be a numeric tensor or array; could not "
                f"convert {type(x).__name__}: {e}"
            ) from None
    dt = x.dtype
    if dt is _F32 or (dt is _I32 and not floating):  # common cases: every check passes
        pass
    elif not (dt.is_floating or dt.is_integer or dt.is_bool):
        raise InputTypeError(
            f"{fn}: {arg} must be {expected}, got dtype {dt.name} with shape {fmt_shape(x)}."
        )
    if floating and not dt.is_floating:
        raise TypeError(
            f"{fn}: {arg} must be a floating tensor (float16, bfloat16, float32 "
            f"or float64), got {dt.name} with shape {fmt_shape(x)}."
        )
    if x.shape.rank is None:
        raise ValueError(
            f"{fn}: {arg} must have a known rank (contrib requires it), got a "
            "tensor of unknown rank."
        )
    return x


def check_same_shape(a: tf.Tensor, b: tf.Tensor, fn: str, name_a: str, name_b: str) -> None:
    a_shape, b_shape = a.shape, b.shape
    if a_shape != b_shape and not a_shape.is_compatible_with(b_shape):  # (== is the cheap test)
        raise ValueError(
            f"{fn}: {name_a} and {name_b} must have the same shape; got "
            f"{name_a} {fmt_shape(a)} and {name_b} {fmt_shape(b)}."
        )


def check_batch_axis(x: tf.Tensor, fn: str, arg: str) -> None:
    """Rejects scalars: contrib slices ``shape(losses)[0]``, which they lack."""
    if x.shape.rank == 0:
        raise ValueError(
            f"{fn}: {arg} must have a batch axis (shape [batch_size, ...]); got "
            f"shape {fmt_shape(x)}."
        )
