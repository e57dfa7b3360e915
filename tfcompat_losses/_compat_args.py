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
from typing import Any, TypeVar

__all__ = ["not_converted", "renamed_kwargs"]

_F = TypeVar("_F", bound=Callable[..., Any])


def not_converted(fn: _F) -> _F:
    """Tells AutoGraph to call ``fn`` as is inside ``tf.function``.

    The library has no tensor-dependent Python control flow, so converting
    it only costs trace time (and AutoGraph warns about constructs it cannot
    convert). ``tf.autograph.experimental.do_not_convert`` would do the same
    with a context manager around every eager call (~1-2 us); AutoGraph's
    own marker attribute is free.
    """
    fn.autograph_info__ = frozenset()  # type: ignore[attr-defined]
    return fn


def _caller_stacklevel() -> int:
    """``stacklevel`` of the first frame above the wrapper outside TensorFlow.

    Inside ``tf.function`` AutoGraph calls the wrapper from its own module;
    a fixed ``stacklevel=2`` would attribute the warning to TensorFlow, so
    filters that silence TF's deprecations would hide it and every call site
    would share one location. AutoGraph's generated code runs in the user's
    module globals, so it counts as the caller.
    """
    frame = sys._getframe(2)  # 0: here, 1: the wrapper, 2: its caller
    level = 2
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        "tensorflow."
    ):
        frame = frame.f_back
        level += 1
    return level


def renamed_kwargs(**old_to_new: str) -> Callable[[_F], _F]:
    """Lets the decorated function accept deprecated keyword spellings.

    Args:
      **old_to_new: maps each old keyword to the parameter that replaces it,
        e.g. ``renamed_kwargs(weight="weights", targets="labels")``.

    Returns:
      A decorator (which also applies :func:`not_converted`). The wrapped
      function keeps its signature (``inspect``
      follows ``__wrapped__``); a call that uses no old keyword pays one
      set-disjointness test.
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
                        stacklevel=_caller_stacklevel(),
                    )
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return not_converted(wrapper)  # type: ignore[return-value]

    return decorate
