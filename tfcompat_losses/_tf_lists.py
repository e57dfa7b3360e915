"""TensorFlow's own collection lists, read into the emulator's collections.

TF1 code fills ``LOSSES`` with ``tf.compat.v1.add_to_collection``,
``tf.compat.v1.losses.*`` and ``tf.compat.v1.layers`` regularizers, which in
TF2 write to the default graph (eagerly) or to the FuncGraph (in a trace).
:func:`absorb` moves what such a list gained since the last look into a
collection of the emulator, in order, each entry once: the list keeps its
entries and a per-graph cursor remembers how far it was read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import tensorflow as tf

from . import _tf_internals

__all__ = ["absorb", "restoring"]

_CURSOR_ATTR = "_tfcompat_losses_cursor"  # on a graph: collection -> entries read


def absorb(graph: Any, entries: dict[str, list[tuple[str, Any]]], collection: str) -> None:
    """Moves what TF's list for ``collection`` gained since the last look into ``entries``."""
    items = graph.get_collection_ref(collection)
    cursors: dict[str, int] | None = getattr(graph, _CURSOR_ATTR, None)
    if cursors is None:
        cursors = {}
        setattr(graph, _CURSOR_ATTR, cursors)
    if collection not in cursors:
        cursors[collection] = _inherited(graph, items, collection)
    start = min(cursors[collection], len(items))
    if start == len(items):
        cursors[collection] = start
        return
    eager = tf.executing_eagerly()
    new = entries.setdefault(collection, [])
    for item in items[start:]:
        if not tf.is_symbolic_tensor(item):
            new.append(("", item))  # an eager tensor or a number
        elif not eager:  # (eagerly, a graph tensor cannot be summed)
            new.append((item.name, item))
    cursors[collection] = len(items)


def _inherited(graph: Any, items: list[Any], collection: str) -> int:
    """How many of ``items`` a FuncGraph copied from its outer graph's list.

    A FuncGraph starts with a copy of its outer graph's collections; those
    entries belong to the outer context. Without the outer graph (see
    ``_tf_internals``), the leading entries that are not tensors of
    ``graph`` are taken for the copy.
    """
    if not graph.building_function:
        return 0
    outer = _tf_internals.outer_graph(graph)
    if outer is not None:
        copied = outer.get_collection(collection)
        n = 0
        while n < min(len(copied), len(items)) and items[n] is copied[n]:
            n += 1
        return n
    n = 0
    while n < len(items) and not (tf.is_symbolic_tensor(items[n]) and items[n].graph is graph):
        n += 1
    return n


@contextlib.contextmanager
def restoring(graph: Any, collections: Sequence[str]) -> Iterator[None]:
    """TF's lists empty for the block, and as they were at entry after it.

    The caller has absorbed their entries into the outer frame, so after
    the block the cursors point past all of them.
    """
    cursors: dict[str, int] | None = getattr(graph, _CURSOR_ATTR, None)
    if cursors is None:
        cursors = {}
        setattr(graph, _CURSOR_ATTR, cursors)
    saved = {}
    for key in collections:
        items = graph.get_collection_ref(key)
        saved[key] = list(items)
        del items[:]
        cursors[key] = 0
    try:
        yield
    finally:
        for key, kept in saved.items():
            graph.get_collection_ref(key)[:] = kept
            cursors[key] = len(kept)
