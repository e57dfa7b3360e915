"""Old keyword spellings of the contrib API, in one place.

Contrib renamed arguments several times between TF 0.10 and 1.15
(``weight`` -> ``weights``, ``targets``/``target`` -> ``labels``,
``dim`` -> ``axis``). Legacy code still passes the old spellings, so every
public loss accepts them through :func:`renamed_kwargs`: the old keyword
alone works and raises a :class:`DeprecationWarning` naming the new one (the
warning points at the caller's line, also inside ``tf.function``, so
Python's warning registry shows it once per call site); both spellings at
once is a :class:`ValueError`.
"""

from __future__ import annotations

import functools
import inspect
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

import tensorflow as tf

__all__ = ["not_converted", "renamed_kwargs", "user_site", "user_stacklevel"]

_F = TypeVar("_F", bound=Callable[..., Any])


def not_converted(fn: _F) -> _F:
    """Tells AutoGraph to call ``fn`` as is inside ``tf.function``.

    The library has no tensor-dependent Python control flow, so converting
    it only costs trace time (and AutoGraph warns about constructs it cannot
    convert). This is ``tf.autograph.experimental.do_not_convert``.
    """
    return tf.autograph.experimental.do_not_convert(fn)  # type: ignore[no-any-return]


def user_stacklevel() -> int:
    """The ``stacklevel`` for a warning raised here that points at the user's line.

    Counts the frames above the caller of this function up to the first
    one outside this package and outside TensorFlow and Keras. Inside
    ``tf.function`` AutoGraph calls the library from its own modules; a
    fixed stacklevel would attribute the warning to TensorFlow, so filters
    that silence TF's deprecations would hide it and every call site would
    share one location. AutoGraph's generated code runs in the user's module
    globals, so it counts as the user's.
    """
    level = 1
    frame = sys._getframe(1)  # the function that warns
    while frame.f_back is not None and _is_library(frame):
        frame = frame.f_back
        level += 1
    return level


def user_site() -> tuple[str, int]:
    """``(file, line)`` of the first caller outside this package, TensorFlow and Keras."""
    frame = sys._getframe(1)
    while frame.f_back is not None and _is_library(frame):
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno


def _is_library(frame: Any) -> bool:
    module = frame.f_globals.get("__name__", "")
    return module.startswith(("tensorflow.", "tfcompat_losses.", "keras.", "tf_keras."))


def renamed_kwargs(**old_to_new: str) -> Callable[[_F], _F]:
    """Lets the decorated function accept deprecated keyword spellings.

    Args:
      **old_to_new: maps each old keyword to the parameter that replaces it,
        e.g. ``renamed_kwargs(weight="weights", targets="labels")``.

    Returns:
      A decorator (which also applies :func:`not_converted`). The wrapped
      function keeps its signature (``inspect`` follows ``__wrapped__``); a
      call that uses no old keyword pays one truth test.
    """

    def decorate(fn: _F) -> _F:
        params = list(inspect.signature(fn).parameters)
        for new in old_to_new.values():
            if new not in params:
                raise TypeError(f"{fn.__name__} has no parameter {new!r}")
        position = {new: params.index(new) for new in old_to_new.values()}
        old_names = frozenset(old_to_new)
        name = fn.__name__

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if kwargs and not old_names.isdisjoint(kwargs):
                for old in old_names.intersection(kwargs):
                    new = old_to_new[old]
                    if new in kwargs or len(args) > position[new]:
                        raise ValueError(
                            f"{name}: got both {new}= and its deprecated "
                            f"spelling {old}=; pass only {new}=."
                        )
                    warnings.warn(
                        f"{name}: the keyword {old}= is deprecated (it is the "
                        f"TF 0.x contrib spelling); use {new}= instead.",
                        DeprecationWarning,
                        stacklevel=user_stacklevel(),
                    )
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return not_converted(cast(_F, wrapper))

    return decorate
