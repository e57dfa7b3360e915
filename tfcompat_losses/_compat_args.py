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
    while frame.f_back is not None and (
        frame.f_globals.get("__name__", "").startswith("tensorflow.")
        or frame.f_globals.get("__name__") == __name__  # the fast entry of _fast_entry
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
      function keeps its signature (``inspect`` follows ``__wrapped__``); a
      call that uses no old keyword pays one truth test (see
      :func:`_fast_entry`).
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

        fast = _fast_entry(fn, old_to_new, wrapper)
        return not_converted(fast or wrapper)  # type: ignore[return-value]

    return decorate


_UNSET: Any = object()


def _fast_entry(fn: Callable[..., Any], old_to_new: dict[str, str], slow: Any) -> Any:
    """A wrapper with ``fn``'s own parameters plus ``**old``, or None.

    ``wrapper(*args, **kwargs)`` above costs ~0.5 us per call in argument
    packing alone, as much as a whole eager loss' input checks; this entry
    binds the arguments once, like ``fn`` would, and calls ``fn``
    positionally when ``**old`` is empty. The parameters that old keywords
    rename to default to a sentinel, so a call with an old keyword can be
    handed to ``slow`` (the generic wrapper: same warnings and errors) with
    exactly the new keywords the caller passed. Functions with other kinds
    of parameters, or an old name that is also a parameter, get None (the
    generic wrapper).
    """
    params = list(inspect.signature(fn).parameters.values())
    names = [p.name for p in params]
    targets = set(old_to_new.values())
    if (
        any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in params)
        or not set(old_to_new).isdisjoint(names)
        or any(params[names.index(t)].default is params[0].empty for t in targets)
        or any(n.startswith("_") for n in names)  # the entry's own names start with _
    ):
        return None
    ns: dict[str, Any] = {"__name__": __name__, "_fn": fn, "_slow": slow, "_UNSET": _UNSET}
    sig, fill, keywords = [], [], []
    for i, p in enumerate(params):
        if p.default is p.empty:
            sig.append(p.name)
        elif p.name in targets:
            sig.append(f"{p.name}=_UNSET")
            ns[f"_d{i}"] = p.default
            fill.append(f"    if {p.name} is _UNSET:\n        {p.name} = _d{i}\n")
        else:
            ns[f"_d{i}"] = p.default
            sig.append(f"{p.name}=_d{i}")
            keywords.append(f"{p.name}={p.name}")
    required = [p.name for p in params if p.default is p.empty]
    set_targets = "".join(
        f"        if {t} is not _UNSET:\n            _old[{t!r}] = {t}\n" for t in sorted(targets)
    )
    src = (
        f"def {fn.__name__}({', '.join(sig)}, **_old):\n"
        "    if _old:\n"
        f"{set_targets}"
        f"        return _slow({''.join(n + ', ' for n in required)}{''.join(k + ', ' for k in keywords)}**_old)\n"
        f"{''.join(fill)}"
        f"    return _fn({', '.join(names)})\n"
    )
    # The source is built from fn's own parameter names only.
    exec(compile(src, f"<renamed_kwargs entry of {fn.__name__}>", "exec"), ns)
    return functools.wraps(fn)(ns[fn.__name__])
