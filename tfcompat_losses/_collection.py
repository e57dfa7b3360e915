"""The loss-collection emulator: ``GraphKeys.LOSSES`` in every TF2 context.

TF1 code adds losses to a graph collection in many places and totals them
with ``get_total_loss()``. TF2 loses those entries silently: eager mode has
no collections, a ``tf.function`` trace writes into a throw-away FuncGraph,
and replicas of a ``tf.distribute`` strategy share one graph (so one tower's
total picked up the others', tensorflow#23056). Here each context has its
own collection.

Where a context's collection lives
----------------------------------
* **TF1 graph** (a ``tf.Graph`` that is not a function): the graph's real
  collections. ``tf.compat.v1.get_collection(GraphKeys.LOSSES)`` and this
  module see the same list, as they did in TF1.
* **A ``tf.function`` trace**: a store kept on the FuncGraph itself, one
  stack of frames per (thread, replica id). Losses created during a trace
  are visible to ``get_losses()``/``get_total_loss()`` later in the same
  trace; the next trace builds a new FuncGraph and starts empty; nothing
  reaches the caller. The store is an attribute of the graph, so a dropped
  trace is freed with its graph.
* **Eager**: one stack per thread, bound to the global default graph, so
  ``tf.compat.v1.reset_default_graph()`` (which replaces that graph) clears
  it, as it cleared TF1's collections.
* **Replicas**: ``MirroredStrategy.run`` runs each replica's function in a
  thread of its own. Inside a trace the replica id is part of the key as
  well; eager replicas are told apart by their threads.

TensorFlow's own collections count too
--------------------------------------
TF1 code also fills ``LOSSES`` with ``tf.compat.v1.add_to_collection``,
``tf.compat.v1.losses.*`` and ``tf.compat.v1.layers`` regularizers, which in
TF2 write to the default graph (eagerly) or to the FuncGraph (in a trace).
Before each add and read, the entries TensorFlow's list for that collection
gained since the last look are moved into the current frame, in order, each
once (the list keeps them; a per-graph cursor remembers how far it was
read). In a trace the entries a FuncGraph copied from its outer graph's
lists when it was created do not count.

Losses that cannot reach the total
----------------------------------
A loss added inside ``tf.cond``, a ``tf.while_loop``/``tf.map_fn`` body, an
AutoGraph ``if``/``for`` on a tensor, or a ``tf.function`` called by another
is built in a nested graph and cannot be summed outside it. It is kept in
that graph's collection, and the enclosing contexts' collections record
that it was lost: reading them raises a ``ValueError`` naming the construct
instead of returning a total that silently omits it. In a TF1 graph (whose
``tf.cond`` branch graphs share its collections) a marker collection does
the same, as contrib raised there too.

:func:`collection_scope` pushes a fresh, empty collection for the current
context and drops it on exit (TensorFlow's lists get back what they held at
entry); an eager training loop that uses it once per step does not grow.
An eager loop without it is recognised when a call site adds a loss again
after the collection was read: a :class:`CollectionLeakWarning` says so,
once (and at ``LEAK_WARNING_SIZE`` entries in any case).

Entries keep the name scope active when they were added (eager tensors have
no names), so ``get_losses(scope=...)`` filters with TF's rule
(``re.match(scope, name)``) in every context.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import tensorflow as tf

from . import _arg_scope, _replica, _tf_internals, _tf_lists
from ._arg_scope import SLIM_KEY, arg_scope
from ._compat_args import not_converted, user_site, user_stacklevel

__all__ = [
    "LOSSES",
    "REGULARIZATION_LOSSES",
    "CollectionLeakWarning",
    "add_loss",
    "arg_scope",
    "collection_scope",
    "get_losses",
    "get_regularization_losses",
    "get_total_loss",
]

LOSSES: str = tf.compat.v1.GraphKeys.LOSSES
REGULARIZATION_LOSSES: str = tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES
LEAK_WARNING_SIZE = 10_000

_STORE_ATTR = "_tfcompat_losses_store"  # on a FuncGraph: (thread, replica) -> stack
_LOST_KEY = "tfcompat_losses.lost."  # + collection: nested graphs of a TF1 graph that lost a loss


class CollectionLeakWarning(UserWarning):
    """An eager loss collection keeps growing: use ``collection_scope()``."""


@dataclass
class _Frame:
    """One collection of a context: its entries, and the losses it lost."""

    #: collection name -> (name for scope filtering, loss) in insertion order
    entries: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    #: collection name -> the nested graphs a loss for it was added in
    lost: dict[str, list[str]] = field(default_factory=dict)


class _Local(threading.local):
    def __init__(self) -> None:
        # Destinations that take losses instead of the collection (the
        # Keras layer bridge), innermost last.
        self.sinks: list[Callable[[Any, str], bool]] = []
        # The eager collection stack and the default graph it belongs to.
        self.eager_graph: Any = None
        self.eager_stack: list[_Frame] = [_Frame()]
        # Call sites of unscoped eager adds, before and since the last read.
        self.read_sites: set[tuple[str, int]] = set()
        self.new_sites: set[tuple[str, int]] = set()


_local = _Local()
_leak_warned = False


def _replica_id() -> Any:
    ctx = tf.distribute.get_replica_context()
    if ctx is None or not tf.distribute.has_strategy():
        return None
    rid = ctx.replica_id_in_sync_group
    if isinstance(rid, tf.Tensor):
        static = tf.get_static_value(rid)
        # A replica id only known at run time (TPU): key by the context.
        return id(ctx) if static is None else int(static)
    return int(rid)


def _stack_of(graph: Any) -> list[_Frame]:
    """The frame stack of this thread and replica in a function-building graph."""
    store: dict[Any, list[_Frame]] | None = getattr(graph, _STORE_ATTR, None)
    if store is None:
        store = {}
        setattr(graph, _STORE_ATTR, store)
        _tf_internals.record_owner(graph)
    key = (threading.get_ident(), _replica_id())
    stack = store.get(key)
    if stack is None:
        stack = store[key] = [_Frame()]
    return stack


def _current(eager: bool | None = None) -> tuple[Any, list[_Frame] | None]:
    """(graph, frame stack) of the current context; stack None in a TF1 graph.

    ``eager``: ``tf.executing_eagerly()``, when the caller has read it.
    """
    g = tf.compat.v1.get_default_graph()
    if tf.executing_eagerly() if eager is None else eager:
        loc = _local
        if loc.eager_graph is not g:  # first use here, or reset_default_graph()
            loc.eager_graph = g
            loc.eager_stack = [_Frame()]
            loc.read_sites, loc.new_sites = set(), set()
        return g, loc.eager_stack
    if not g.building_function:
        return g, None
    return g, _stack_of(g)


# --------------------------------------------------------------------------
# Adding.


def register_with_tf_slim() -> bool:
    """Lets ``tf_slim.arg_scope([tfcompat_losses.add_loss], ...)`` accept ours.

    Called on import when tf_slim is already imported; call it yourself if
    you import tf_slim afterwards. Returns whether tf_slim was found.
    """
    slim_mod = sys.modules.get("tf_slim.ops.arg_scope")
    if slim_mod is None:
        return False
    slim_mod.add_arg_scope(add_loss)  # registers add_loss._key_op
    return True


_MISSING: Any = object()


@not_converted
def add_loss(loss: Any, loss_collection: str | None = _MISSING) -> None:
    """Adds a loss to a loss collection (``LOSSES`` by default).

    Works in every context (see the module docstring). Honours
    :func:`arg_scope` (and ``tf_slim.arg_scope``) for ``loss_collection``.

    Args:
      loss: a loss tensor, or a Python/NumPy number (converted to a tensor,
        as contrib's ``get_total_loss`` converted it later).
      loss_collection: the collection name; ``None`` adds nowhere.

    Raises:
      TypeError: ``loss`` is neither a tensor nor convertible to one.

    >>> import tfcompat_losses as tcl
    >>> with tcl.collection_scope():
    ...     tcl.add_loss(tf.constant(2.0))
    ...     tcl.add_loss(0.5)
    ...     float(tcl.get_total_loss())
    2.5
    """
    if not isinstance(loss, (tf.Tensor, tf.Variable)):
        try:
            loss = tf.convert_to_tensor(loss)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"add_loss: loss must be a tensor or a number; got {type(loss).__name__} ({e})"
            ) from None
    if not (loss.dtype.is_floating or loss.dtype.is_integer):
        raise TypeError(
            f"add_loss: loss must be a number or a numeric tensor; got dtype {loss.dtype.name}"
        )
    add_named(loss, None, loss_collection)


def add_named(
    loss: Any,
    name: str | None,
    loss_collection: str | None = _MISSING,
    *,
    eager: bool | None = None,
) -> None:
    """:func:`add_loss` with the name to filter by in eager mode.

    The library's losses pass ``"<scope>/value"`` so that eager entries
    match ``get_losses(scope=...)`` as their graph-mode tensor names would,
    and ``eager`` (``tf.executing_eagerly()``) when they have read it.
    """
    if loss_collection is _MISSING:
        loss_collection = _arg_scope.default_collection()
    if not loss_collection:
        return
    for sink in reversed(_local.sinks):
        if sink(loss, loss_collection):
            return
    if eager is None:
        eager = tf.executing_eagerly()
    graph, stack = _current(eager)
    if stack is None:
        graph.add_to_collection(loss_collection, loss)
        return
    frame = stack[-1]
    _tf_lists.absorb(graph, frame.entries, loss_collection)
    entries = frame.entries.setdefault(loss_collection, [])
    entries.append((_entry_name(loss, name, eager), loss))
    if len(stack) == 1 and graph is _local.eager_graph and not _leak_warned:
        _watch_unscoped_eager(loss_collection, len(entries))
    if graph.building_function:
        _report_to_outer_graphs(graph, loss_collection)


def _entry_name(loss: Any, suffix: str | None, eager: bool) -> str:
    """The name used for scope filtering: the tensor's, or the current scope's."""
    if not eager:
        name = getattr(loss, "name", None)
        if isinstance(name, str):
            return name
    scope = tf.get_current_name_scope()
    prefix = f"{scope}/" if scope else ""
    return prefix + suffix if suffix else prefix


def _report_to_outer_graphs(graph: Any, collection: str) -> None:
    """Records in every enclosing graph that a loss for ``collection`` was lost."""
    if not tf.compat.v1.executing_eagerly_outside_functions():
        # Nested in a TF1 graph: tf.cond/tf.while_loop graphs share its
        # collections, so this marks the TF1 graph, whose read raises.
        graph.add_to_collection(_LOST_KEY + collection, graph.name)
    seen = {id(graph)}
    outer = _tf_internals.outer_function_graph(graph)
    while outer is not None and id(outer) not in seen:  # never loop, whatever the records say
        seen.add(id(outer))
        frame = _stack_of(outer)[-1]
        frame.lost.setdefault(collection, []).append(graph.name)
        outer = _tf_internals.outer_function_graph(outer)


def _watch_unscoped_eager(collection: str, size: int) -> None:
    """Warns once when an eager loop evidently runs without ``collection_scope``."""
    loc = _local
    site = user_site()
    if size > LEAK_WARNING_SIZE or site in loc.read_sites:
        _warn_leak(collection, size)
    else:
        loc.new_sites.add(site)


add_loss._key_op = SLIM_KEY  # type: ignore[attr-defined]


def _warn_leak(collection: str, size: int) -> None:
    global _leak_warned
    if _leak_warned:
        return
    _leak_warned = True
    warnings.warn(
        f"The eager loss collection {collection!r} holds {size} losses and keeps "
        "growing: a loss was added again at a line whose earlier loss is still "
        "in the collection and was already read, so get_total_loss() counts "
        "every earlier step too. Eager mode has no graph to discard them: wrap "
        "each training step in `with tfcompat_losses.collection_scope():` (or "
        "call tf.compat.v1.reset_default_graph() between runs).",
        CollectionLeakWarning,
        stacklevel=user_stacklevel(),
    )


# --------------------------------------------------------------------------
# Reading.


def _entries(collection: str, scope: str | None) -> list[Any]:
    graph, stack = _current()
    if stack is None:
        lost = graph.get_collection(_LOST_KEY + collection)
        if not lost:
            return graph.get_collection(collection, scope)
    else:
        frame = stack[-1]
        _tf_lists.absorb(graph, frame.entries, collection)
        lost = frame.lost.get(collection)
    if lost:
        where = "this tf.function trace" if stack is not None else "this graph"
        raise ValueError(
            f"The {collection!r} collection of {where} cannot be read: "
            f"a loss was added to it inside the nested graph(s) {sorted(set(lost))} "
            "(tf.cond, an AutoGraph `if`/`for`/`while` on a tensor, tf.while_loop, "
            "tf.map_fn, or a tf.function called from this one). Its value lives in "
            "that graph, so a total here would silently omit it. Compute the loss "
            "outside the control flow (e.g. with tf.where on its inputs or weights), "
            "return it from the construct and add that with add_loss(), or keep it "
            "out of the collection inside it (add_loss(x, loss_collection=None), or "
            "arg_scope([add_loss], loss_collection=None))."
        )
    assert stack is not None
    if len(stack) == 1 and graph is _local.eager_graph:
        _local.read_sites |= _local.new_sites
        _local.new_sites.clear()
    items = frame.entries.get(collection, ())
    if scope is None:
        return [loss for _, loss in items]
    pattern = re.compile(scope)
    return [loss for name, loss in items if pattern.match(name)]


@not_converted
def get_losses(scope: str | None = None, loss_collection: str = LOSSES) -> list[Any]:
    """The losses of ``loss_collection`` in the current context.

    Includes what TensorFlow's own collection API added in this context
    (``tf.compat.v1.add_to_collection``, ``tf.compat.v1.losses``, ...).

    Args:
      scope: keep only losses whose name (or, eagerly, the name scope they
        were added in) matches this regular expression at its start.
      loss_collection: the collection name.

    Returns:
      A new list of loss tensors, in the order they were added.

    Raises:
      ValueError: a loss for this collection was added inside control flow
        or a nested ``tf.function`` of this trace (see the module docstring).

    >>> import tfcompat_losses as tcl
    >>> with tcl.collection_scope():
    ...     with tf.name_scope("tower_0"):
    ...         _ = tcl.mean_squared_error([1.0, 2.0], [0.0, 0.0])
    ...     _ = tcl.absolute_difference([1.0], [0.0])
    ...     len(tcl.get_losses()), len(tcl.get_losses(scope="tower_0"))
    (2, 1)
    """
    return _entries(loss_collection, scope)


@not_converted
def get_regularization_losses(scope: str | None = None) -> list[Any]:
    """The losses of ``REGULARIZATION_LOSSES`` in the current context.

    Args:
      scope: a regular expression filter, as for :func:`get_losses`.

    Returns:
      A new list of tensors.
    """
    return _entries(REGULARIZATION_LOSSES, scope)


def _context_name() -> str:
    if tf.executing_eagerly():
        return "in this thread's eager collection"
    if tf.compat.v1.get_default_graph().building_function:
        return "in this tf.function trace"
    return "in this graph"


@not_converted
def get_total_loss(add_regularization_losses: bool = True, name: str = "total_loss") -> Any:
    """The sum of ``LOSSES`` (and ``REGULARIZATION_LOSSES``) in this context.

    Args:
      add_regularization_losses: also add the regularization losses.
      name: the op name of the sum (graph mode).

    Returns:
      A scalar tensor. Mixed loss dtypes are summed in float32. Under
      :func:`exact_averaging` in a replica context, regularization losses
      are scaled by 1/num_replicas so the replicas' totals add up to one
      copy of them.

    Raises:
      ValueError: the collections are empty (TF1 raised an unreadable
        ``add_n`` error; a silent 0 would hide a loss that was never added),
        or a loss was added inside control flow or a nested ``tf.function``
        of this trace.

    >>> import tfcompat_losses as tcl
    >>> with tcl.collection_scope():
    ...     _ = tcl.compute_weighted_loss([1.0, 3.0])
    ...     tcl.add_loss(tf.constant(0.5), tcl.REGULARIZATION_LOSSES)
    ...     float(tcl.get_total_loss())
    2.5
    """
    return total_loss(add_regularization_losses, name, None)


def total_loss(add_regularization_losses: bool, name: str, scope: str | None) -> Any:
    """:func:`get_total_loss` of the losses whose names match ``scope`` (all if None)."""
    losses = _entries(LOSSES, scope)
    if add_regularization_losses:
        # Under exact_averaging() the replicas' totals are summed, so a
        # replicated regularization loss counts 1/N on each replica.
        regularization = _entries(REGULARIZATION_LOSSES, scope)
        losses += [_replica.once_per_replica_group(r) for r in regularization]
    if not losses:
        raise ValueError(
            "get_total_loss: no losses in the LOSSES collection"
            + (" or REGULARIZATION_LOSSES" if add_regularization_losses else "")
            + f" {_context_name()}. Expected at least one loss added by a "
            "tfcompat_losses function, add_loss() or TensorFlow's own collection "
            "API in the current context (graph, tf.function trace, thread or "
            "collection_scope)."
        )
    losses = [x if isinstance(x, tf.Tensor) else tf.convert_to_tensor(x) for x in losses]
    dtypes = {loss.dtype for loss in losses}
    if len(dtypes) > 1:
        losses = [tf.cast(loss, tf.float32) for loss in losses]
    return tf.math.add_n(losses, name=name)


# --------------------------------------------------------------------------
# Scopes.


@contextlib.contextmanager
def collection_scope() -> Iterator[None]:
    """A fresh, empty loss collection for the block; the outer one after it.

    Use it once per eager training step so the eager collection does not
    grow::

        for batch in data:
            with tfcompat_losses.collection_scope():
                with tf.GradientTape() as tape:
                    tfcompat_losses.softmax_cross_entropy(model(x), y, w)
                    total = tfcompat_losses.get_total_loss()
                ...

    TensorFlow's own ``LOSSES`` and ``REGULARIZATION_LOSSES`` lists of the
    context (the graph's, or eagerly the default graph's) are emptied for
    the block too and get back what they held at entry.
    """
    graph, stack = _current()
    keys = (LOSSES, REGULARIZATION_LOSSES)
    if stack is None:
        saved = {}
        for key in keys:
            ref = graph.get_collection_ref(key)
            saved[key] = list(ref)
            del ref[:]
        try:
            yield
        finally:
            for key, items in saved.items():
                graph.get_collection_ref(key)[:] = items
        return
    for key in keys:  # what TF's lists hold belongs to the outer frame
        _tf_lists.absorb(graph, stack[-1].entries, key)
    depth = len(stack)
    stack.append(_Frame())
    try:
        with _tf_lists.restoring(graph, keys):
            yield
    finally:
        del stack[depth:]


@contextlib.contextmanager
def redirect(sink: Callable[[Any, str], bool]) -> Iterator[None]:
    """Sends added losses to ``sink(loss, collection)`` while active.

    A sink returns True when it took the loss (it is then not collected).
    Used by the Keras layer bridge.
    """
    _local.sinks.append(sink)
    try:
        yield
    finally:
        _local.sinks.remove(sink)


register_with_tf_slim()
