"""The loss-collection emulator: ``GraphKeys.LOSSES`` in every TF2 context.

TF1 code adds losses to a graph collection in many places and totals them
with ``get_total_loss()``. TF2 loses those entries silently: eager mode has
no collections, a ``tf.function`` trace writes into a throw-away FuncGraph,
and replicas of a ``tf.distribute`` strategy share one graph (so one tower's
total picked up the others', tensorflow#23056). Here each context has its
own collection.

What keys a collection, and why
-------------------------------
* **TF1 graph** (``tf.Graph`` that is not a function): the graph's real
  collections. ``tf.compat.v1.get_collection(GraphKeys.LOSSES)`` and this
  module see the same list, as they did in TF1.
* **Inside a ``tf.function`` trace**: (the thread, the FuncGraph). A trace
  builds one FuncGraph, so the losses created during it are visible to
  ``get_losses()``/``get_total_loss()`` later in the same trace; the next
  trace builds a new FuncGraph and starts empty, and nothing reaches the
  caller. The store is held weakly by graph, so it dies with the graph.
* **Eager**: (the thread, the global default graph). Per thread, so threads
  do not see each other's losses. Keyed by the default graph because
  ``tf.compat.v1.reset_default_graph()`` replaces that graph: the old
  collection becomes unreachable and is freed, as TF1's collections were.
* **Replicas**: ``MirroredStrategy.run`` runs each replica's function in a
  thread of its own (eagerly and while tracing), so the per-thread key
  above already isolates replicas; the replica id is part of the key as
  well, so the isolation does not depend on that implementation detail.

:func:`collection_scope` pushes a fresh, empty collection for the current
context and drops it on exit; an eager training loop that uses it once per
step does not grow. Without it an eager collection only grows, so a
:class:`CollectionLeakWarning` is issued once when it passes
``LEAK_WARNING_SIZE`` entries.

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
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import tensorflow as tf

from . import _replica
from ._compat_args import not_converted

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

_SLIM_KEY = "tfcompat_losses.add_loss"


class CollectionLeakWarning(UserWarning):
    """An eager loss collection keeps growing: use ``collection_scope()``."""


# A frame maps a collection name to its (name, loss) entries.
_Frame = dict[str, list[tuple[str, Any]]]


class _Local(threading.local):
    def __init__(self) -> None:
        # (graph, replica id) -> stack of frames; graphs are held weakly.
        self.stacks: weakref.WeakKeyDictionary[Any, dict[Any, list[_Frame]]] = (
            weakref.WeakKeyDictionary()
        )
        # Destinations that take losses instead of the collection (the
        # Keras layer bridge), innermost last.
        self.sinks: list[Callable[[Any, str], bool]] = []
        # Our own arg_scope stack: dicts of add_loss keyword defaults.
        self.arg_stack: list[dict[str, Any]] = []
        # The eager collection stack and the default graph it belongs to.
        self.eager_graph: Any = None
        self.eager_stack: list[_Frame] = [{}]


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


def _current() -> tuple[Any, list[_Frame] | None]:
    """(graph, frame stack) of the current context; stack None in a TF1 graph.

    The eager branch is on the hot path of every eager loss call, so it
    caches the thread's stack with the graph it belongs to (~1.5 us); it
    needs no replica id because MirroredStrategy runs eager replicas in
    threads of their own.
    """
    g = tf.compat.v1.get_default_graph()
    if tf.executing_eagerly():
        loc = _local
        if loc.eager_graph is not g:  # first use here, or reset_default_graph()
            loc.eager_graph = g
            loc.eager_stack = [{}]
        return g, loc.eager_stack
    if not g.building_function:
        return g, None
    per_graph = _local.stacks.get(g)
    if per_graph is None:
        per_graph = _local.stacks[g] = {}
    rid = _replica_id()
    stack = per_graph.get(rid)
    if stack is None:
        stack = per_graph[rid] = [{}]
    return g, stack


def _entry_name(loss: Any, suffix: str | None) -> str:
    """The name used for scope filtering: the tensor's, or the current scope's."""
    if not tf.executing_eagerly():
        name = getattr(loss, "name", None)
        if isinstance(name, str):
            return name
    scope = tf.get_current_name_scope()
    prefix = f"{scope}/" if scope else ""
    return prefix + suffix if suffix else prefix


def _slim_scope_args() -> dict[str, Any]:
    """Keyword defaults from an active ``tf_slim.arg_scope``, if tf_slim is used."""
    slim_mod = sys.modules.get("tf_slim.ops.arg_scope")
    if slim_mod is None:
        return {}
    current = slim_mod.current_arg_scope()
    if not current:
        return {}
    out: dict[str, Any] = {}
    slim_losses = sys.modules.get("tf_slim.losses.loss_ops")
    if slim_losses is not None:
        key = slim_mod.arg_scope_func_key(slim_losses.add_loss)
        out.update(current.get(key, {}))
    out.update(current.get(_SLIM_KEY, {}))
    return out


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


def add_named(loss: Any, name: str | None, loss_collection: str | None = _MISSING) -> None:
    """:func:`add_loss` with the name to filter by in eager mode.

    The library's losses pass ``"<scope>/value"`` so that eager entries
    match ``get_losses(scope=...)`` as their graph-mode tensor names would.
    """
    if loss_collection is _MISSING:
        loss_collection = LOSSES
        if _local.arg_stack or "tf_slim.ops.arg_scope" in sys.modules:
            scoped = _slim_scope_args()
            if _local.arg_stack:
                scoped.update(_local.arg_stack[-1])
            loss_collection = scoped.get("loss_collection", LOSSES)
    if not loss_collection:
        return
    for sink in reversed(_local.sinks):
        if sink(loss, loss_collection):
            return
    graph, stack = _current()
    if stack is None:
        graph.add_to_collection(loss_collection, loss)
        return
    entries = stack[-1].setdefault(loss_collection, [])
    entries.append((_entry_name(loss, name), loss))
    if len(stack) == 1 and len(entries) > LEAK_WARNING_SIZE and tf.executing_eagerly():
        _warn_leak(loss_collection, len(entries))


def add_eager(loss: Any, name: str, name_scope: str) -> None:
    """:func:`add_named` ``(loss, name)`` for a caller that runs eagerly.

    ``name_scope`` is the eager context's current ``scope_name`` (the caller
    has read the context already). The common case (no arg_scope, ours or
    tf_slim's, and no sink; the thread's eager collection already set up for
    the global default graph, which no ``as_default()`` block replaces) is a
    list append; anything else goes through :func:`add_named`.
    """
    loc = _local
    graph = loc.eager_graph
    graphs = _graph_stack  # tf.compat.v1.get_default_graph() in two attribute reads
    if (
        graph is None
        or graphs is None
        or graphs.stack
        or graph is not graphs._global_default_graph
        or loc.arg_stack
        or loc.sinks
        or ("tf_slim.ops.arg_scope" in sys.modules and _slim_scope_args())
    ):
        add_named(loss, name)
        return
    stack = loc.eager_stack
    entries = stack[-1].setdefault(LOSSES, [])
    if name_scope:
        scope = name_scope.rstrip("/")  # as tf.get_current_name_scope()
        if scope:
            name = f"{scope}/{name}"
    entries.append((name, loss))
    if len(stack) == 1 and len(entries) > LEAK_WARNING_SIZE:
        _warn_leak(LOSSES, len(entries))


# The stack behind ``tf.compat.v1.get_default_graph()``: the default graph is
# the top of ``stack``, else ``_global_default_graph`` (None until created).
# Reading them is ~0.3 us cheaper than the call; without them (private API
# moved) add_eager always defers to add_named.
try:
    from tensorflow.python.framework.ops import _default_graph_stack as _graph_stack

    _graph_stack.stack, _graph_stack._global_default_graph  # noqa: B018 - probe once
except (ImportError, AttributeError):  # pragma: no cover - private API moved
    _graph_stack = None


add_loss._key_op = _SLIM_KEY  # type: ignore[attr-defined]


def _warn_leak(collection: str, size: int) -> None:
    global _leak_warned
    if _leak_warned:
        return
    _leak_warned = True
    warnings.warn(
        f"The eager loss collection {collection!r} holds {size} losses and keeps "
        "growing: eager mode has no graph to discard them. Wrap each training "
        "step in `with tfcompat_losses.collection_scope():` (or call "
        "tf.compat.v1.reset_default_graph() between runs).",
        CollectionLeakWarning,
        stacklevel=3,
    )


def _entries(collection: str, scope: str | None) -> list[Any]:
    graph, stack = _current()
    if stack is None:
        return graph.get_collection(collection, scope)
    frame = stack[-1]
    items = frame.get(collection, ())
    if scope is None:
        return [loss for _, loss in items]
    pattern = re.compile(scope)
    return [loss for name, loss in items if pattern.match(name)]


@not_converted
def get_losses(scope: str | None = None, loss_collection: str = LOSSES) -> list[Any]:
    """The losses of ``loss_collection`` in the current context.

    Args:
      scope: keep only losses whose name (or, eagerly, the name scope they
        were added in) matches this regular expression at its start.
      loss_collection: the collection name.

    Returns:
      A new list of loss tensors, in the order they were added.

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
        ``add_n`` error; a silent 0 would hide a loss that was never added).

    >>> import tfcompat_losses as tcl
    >>> with tcl.collection_scope():
    ...     _ = tcl.compute_weighted_loss([1.0, 3.0])
    ...     tcl.add_loss(tf.constant(0.5), tcl.REGULARIZATION_LOSSES)
    ...     float(tcl.get_total_loss())
    2.5
    """
    losses = get_losses()
    if add_regularization_losses:
        # Under exact_averaging() the replicas' totals are summed, so a
        # replicated regularization loss counts 1/N on each replica.
        losses += [_replica.once_per_replica_group(r) for r in get_regularization_losses()]
    if not losses:
        where = "in this tf.function trace" if not tf.executing_eagerly() else ""
        raise ValueError(
            "get_total_loss: no losses in the LOSSES collection"
            + (" or REGULARIZATION_LOSSES" if add_regularization_losses else "")
            + (f" {where}" if where else "")
            + ". Expected at least one loss added by a tfcompat_losses "
            "function or add_loss() in the current context (graph, tf.function "
            "trace, thread or collection_scope)."
        )
    dtypes = {loss.dtype for loss in losses}
    if len(dtypes) > 1:
        losses = [tf.cast(loss, tf.float32) for loss in losses]
    return tf.math.add_n(losses, name=name)


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

    In a TF1 graph it empties the graph's ``LOSSES`` and
    ``REGULARIZATION_LOSSES`` for the block and restores them after.
    """
    graph, stack = _current()
    if stack is None:
        saved = {}
        for key in (LOSSES, REGULARIZATION_LOSSES):
            ref = graph.get_collection_ref(key)
            saved[key] = list(ref)
            del ref[:]
        try:
            yield
        finally:
            for key, items in saved.items():
                graph.get_collection_ref(key)[:] = items
        return
    depth = len(stack)
    stack.append({})
    try:
        yield
    finally:
        del stack[depth:]


@contextlib.contextmanager
def arg_scope(
    list_ops_or_scope: Sequence[Callable[..., Any]] | dict[str, Any], **kwargs: Any
) -> Iterator[dict[str, Any]]:
    """``tf.contrib.framework.arg_scope`` for :func:`add_loss`.

    ``with arg_scope([add_loss], loss_collection="my_losses"):`` sends every
    loss created in the block (by any loss function) to ``my_losses``. Other
    functions in the list are rejected. ``tf_slim.arg_scope`` works too when
    tf_slim is installed (see :func:`register_with_tf_slim`).

    Args:
      list_ops_or_scope: ``[add_loss]``, or a scope dict yielded by an outer
        ``arg_scope`` to re-enter it.
      **kwargs: ``loss_collection=...``.

    Yields:
      The active keyword defaults, re-enterable as ``list_ops_or_scope``.
    """
    if isinstance(list_ops_or_scope, dict):
        current = dict(list_ops_or_scope)
    else:
        for op in list_ops_or_scope:
            if getattr(op, "_key_op", None) != _SLIM_KEY:
                raise ValueError(
                    f"arg_scope: only tfcompat_losses.add_loss takes arguments from "
                    f"this arg_scope, got {op!r}."
                )
        unknown = set(kwargs) - {"loss_collection"}
        if unknown:
            raise ValueError(
                f"arg_scope: add_loss takes only loss_collection=, got {sorted(unknown)}."
            )
        current = dict(_local.arg_stack[-1]) if _local.arg_stack else {}
        current.update(kwargs)
    _local.arg_stack.append(current)
    try:
        yield current
    finally:
        _local.arg_stack.pop()


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
