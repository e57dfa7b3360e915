"""The private TensorFlow names the library reads, each with its fallback.

:func:`in_xla` reads ``tf.__internal__.get_enclosing_xla_context`` (its
fallback is in its docstring). :func:`outer_function_graph` reads
``FuncGraph.outer_graph`` (the graph a function, ``tf.cond`` branch or
``tf.while_loop`` body is built in) has no public accessor. The collection
emulator needs it to tell a top-level ``tf.function`` trace from a graph
nested in another one, whose losses cannot reach the outer total.

Fallback, if a TensorFlow release drops the attribute: a FuncGraph copies
its outer graph's collections when it is created (documented behaviour of
``FuncGraph``), so every graph the emulator has touched records itself in
the collection :data:`OWNER_KEY`; a nested graph created afterwards finds
its outer graph's record in its own copy. The fallback misses a nested
graph created before the outer graph held any loss: there the outer total
raises nothing, so tests/test_collection_nesting.py runs the whole nesting
suite with the fallback as well.
tests/test_internals_fallbacks.py takes both fallbacks.
"""

from __future__ import annotations

import importlib
import weakref
from typing import Any

import tensorflow as tf

__all__ = [
    "OWNER_KEY",
    "gradient_may_record",
    "in_xla",
    "outer_function_graph",
    "outer_graph",
    "record_owner",
]

#: The collection in which a graph the emulator touched records itself.
OWNER_KEY = "tfcompat_losses.owner"
_MISSING: Any = object()


def _outer_graph_attribute(graph: Any) -> Any:
    """``graph.outer_graph``, or ``_MISSING`` when TensorFlow no longer has it."""
    return getattr(graph, "outer_graph", _MISSING)


def outer_graph(graph: Any) -> Any:
    """The graph ``graph`` is built in, or None (the fallback finds function graphs only)."""
    outer = _outer_graph_attribute(graph)
    if outer is _MISSING:
        return _outer_from_records(graph)
    return outer


def outer_function_graph(graph: Any) -> Any:
    """The function-building graph ``graph`` is nested in, or None at the top."""
    outer = outer_graph(graph)
    if outer is not None and getattr(outer, "building_function", False):
        return outer
    return None


def record_owner(graph: Any) -> None:
    """Records ``graph`` in its own :data:`OWNER_KEY` collection (for the fallback)."""
    graph.add_to_collection(OWNER_KEY, weakref.ref(graph))


def _outer_from_records(graph: Any) -> Any:
    """The nearest graph recorded before ``graph``'s own (first) record.

    Only records that precede the graph's own can be its outer graphs: a
    ``tf.cond`` branch shares its outer graph's collection list instead of
    copying it, so records of nested graphs also appear after the outer
    graph's own one (taking the last foreign record made outer and branch
    each other's outer graph, and the walk up never ended).
    """
    records = graph.get_collection(OWNER_KEY)
    mine = next((i for i, ref in enumerate(records) if ref() is graph), len(records))
    for ref in reversed(records[:mine]):
        owner = ref()
        if owner is not None and owner is not graph:
            return owner
    return None


def _xla_context_query() -> Any:
    """``tf.__internal__.get_enclosing_xla_context``, or ``_MISSING``."""
    internal = getattr(tf, "__internal__", None)
    return getattr(internal, "get_enclosing_xla_context", _MISSING)


def in_xla() -> bool:
    """True inside a ``jit_compile=True`` function.

    TensorFlow has no public query for this; ``tf.__internal__`` is its
    semi-public namespace for libraries built on it (Keras uses it).
    Fallback, if it goes: False. A loss that cannot compile under XLA
    (``cluster_loss``) then fails with XLA's own compile error instead of
    the library's clearer ``ValueError``; nothing computes a wrong value.
    """
    query = _xla_context_query()
    if query is _MISSING:
        return False
    return query() is not None


def _tape_set_query() -> Any:
    """TensorFlow's "no tape or forward accumulator is active" query, or ``_MISSING``."""
    try:
        pywrap_tfe = importlib.import_module("tensorflow.python.pywrap_tfe")
    except ImportError:
        return _MISSING
    return getattr(pywrap_tfe, "TFE_Py_TapeSetIsEmpty", _MISSING)


_TAPE_SET_IS_EMPTY = _tape_set_query()


def gradient_may_record() -> bool:
    """False when no ``GradientTape`` or ``ForwardAccumulator`` can record on this thread.

    Eagerly, an op whose only job is to block a gradient (contrib's
    ``StopGradient`` on the softmax labels) can then be skipped: it would
    cost one kernel dispatch per call on a seven-kernel loss. TensorFlow
    has no public query; the one ``tf.GradientTape`` itself uses is read
    once at import. Fallback, if a release drops it: True, so the op always
    runs (same values and gradients, one dispatch slower).
    """
    query = _TAPE_SET_IS_EMPTY
    if query is _MISSING:
        return True
    return not query()
