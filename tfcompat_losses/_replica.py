"""Replica-aware state: who asked for exact averaging, and the all-reduce.

Two settings reach the losses through a ``with`` block rather than an
argument: exact cross-replica averaging (:func:`exact_averaging`) and the
``add_loss`` defaults of ``arg_scope``. Both must hold in the replica
threads that ``MirroredStrategy.run`` starts for the thread that entered
the block, and nowhere else. A :class:`ScopedStack` does that:

* entered **inside** a replica function, an entry is the replica thread's
  own (other replicas, which run in threads of their own, never see it);
* entered **outside** a replica context (around ``strategy.run`` or a
  ``tf.function`` that calls it), an entry is the thread's own and is also
  shared with replica threads working in the same graph, through a
  collection of that graph: the ``tf.function`` trace (replicas trace into
  the caller's FuncGraph), or, eagerly, the default graph. A FuncGraph
  starts with a copy of its outer graph's collections, so a trace started
  inside the block sees the entry too. Eager replica threads of another
  thread's strategy running at the same moment would see it as well: one
  default graph serves every eager thread.

Nothing here is process-global: an entry lives in a thread's stack or on
the graph it was entered for, and leaves with the ``with`` block.

The all-reduce of :func:`share` is a ``merge_call``: ``MirroredStrategy``
runs its replica threads one at a time and switches thread there, so other
replicas run while this one waits. State that those replicas overwrite in
an object the replicas share (Keras 3's per-layer ``add_loss`` list) is
registered per thread with :func:`keep_across_merges` and put back when
the merge returns.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import tensorflow as tf

__all__ = [
    "EXACT",
    "Exact",
    "ScopedStack",
    "exact_requested",
    "keep_across_merges",
    "once_per_replica_group",
    "replica_context",
    "share",
]

_T = TypeVar("_T")


def _in_replica_thread() -> bool:
    """True in a replica context of a (non-default) ``tf.distribute`` strategy."""
    return tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context()


# How many entries are shared through graph collections right now, in any
# thread. Only a shortcut for :meth:`ScopedStack.top`: while it is 0 there is
# nothing to look up (checking the replica context costs ~4 us per call).
_shared_entries = 0
_shared_lock = threading.Lock()


class _Stack(threading.local):
    """One thread's stack (created empty in each thread: no missing attribute to catch)."""

    def __init__(self) -> None:
        self.values: list[Any] = []


class ScopedStack(Generic[_T]):
    """A stack of values entered with :meth:`pushed`, visible as described above."""

    def __init__(self, name: str) -> None:
        self._key = f"tfcompat_losses.scoped.{name}"  # the graph collection it is shared in
        self._local = _Stack()

    def top(self, default: _T) -> _T:
        """The innermost value for this thread (or its replica parent), else ``default``."""
        own = self._local.values
        if own:
            return own[-1]  # type: ignore[no-any-return]
        if _shared_entries and _in_replica_thread():
            shared = tf.compat.v1.get_default_graph().get_collection(self._key)
            if shared:
                return shared[-1]  # type: ignore[no-any-return]
        return default

    @contextlib.contextmanager
    def pushed(self, value: _T) -> Iterator[_T]:
        """``value`` is the top for the block (and, outside a replica, its replicas)."""
        global _shared_entries
        own = self._local.values
        own.append(value)
        shared = None
        if not _in_replica_thread():
            shared = tf.compat.v1.get_default_graph().get_collection_ref(self._key)
            shared.append(value)
            with _shared_lock:
                _shared_entries += 1
        try:
            yield value
        finally:
            own.pop()
            if shared is not None:
                with _shared_lock:
                    _shared_entries -= 1
                for i in range(len(shared) - 1, -1, -1):  # this block's entry, by identity
                    if shared[i] is value:
                        del shared[i]
                        break


class Exact:
    """The marker :func:`exact_averaging` pushes (a fresh object per block)."""


#: Entered by ``tfcompat_losses.exact_averaging()``.
EXACT: ScopedStack[Exact | None] = ScopedStack("exact_averaging")


def exact_requested() -> bool:
    """Whether an ``exact_averaging()`` block applies to this thread."""
    return EXACT.top(None) is not None


def replica_context() -> Any:
    """The replica context when there is more than one replica, else None."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync <= 1:
        return None
    return ctx


#: ``snapshot(owner)`` records the state and returns the function that puts it back.
Snapshot = Callable[[Any], Callable[[], None]]


class _Kept(threading.local):
    """Per thread: ``id(owner) -> (weak reference to owner, snapshot)``."""

    def __init__(self) -> None:
        self.owners: dict[int, tuple[weakref.ref[Any], Snapshot]] = {}


_kept = _Kept()


def keep_across_merges(owner: Any, snapshot: Snapshot) -> None:
    """Keeps ``owner``'s state, as this thread sees it, across its all-reduces.

    Before each all-reduce of :func:`share` in this thread, ``snapshot(owner)``
    records the state; after it, the returned function puts it back, undoing
    what other replica threads wrote while this one waited. The record
    belongs to the calling thread (a replica thread lives for one
    ``strategy.run``) and holds ``owner`` weakly, so it keeps no layer or
    graph alive.
    """
    owners = _kept.owners
    key = id(owner)
    if key not in owners:

        def forget(_: Any) -> None:
            owners.pop(key, None)

        owners[key] = (weakref.ref(owner, forget), snapshot)


def _all_reduce_sum(ctx: Any, value: Any) -> Any:
    """``ctx.all_reduce(SUM, value)``, this thread's kept state unchanged by it."""
    restores = []
    for ref, snapshot in list(_kept.owners.values()):
        owner = ref()
        if owner is not None:
            restores.append(snapshot(owner))
    reduced = ctx.all_reduce(tf.distribute.ReduceOp.SUM, value)
    for restore in restores:
        restore()
    return reduced


def share(
    total: Any, count: Any, across_replicas: bool | None, *, report_global: bool = False
) -> Any:
    """The weighted mean ``total / count`` (0 when ``count`` is 0), named ``value``.

    Across replicas (``across_replicas`` True, or None inside
    ``exact_averaging()``, in a context with N > 1 replicas) each replica
    divides its local weighted sum by the count of all replicas, so the
    replicas' values and gradients sum to the one-device ones (one
    all-reduce per loss; the count depends on the weights only, so no
    gradient flows through it).

    ``report_global`` (the Keras classes): the value becomes
    ``global_total / global_count / N`` on every replica while the gradient
    stays that of ``total / global_count``. Keras reports ``N * value``
    weighted by each replica's batch size, which is then the one-device loss
    also when the last batch splits unevenly. The sums come from the same
    single all-reduce of ``[total, count]``.
    """
    if across_replicas is None:
        across_replicas = exact_requested()
    ctx = replica_context() if across_replicas else None
    if ctx is None:
        return tf.raw_ops.DivNoNan(x=total, y=count, name="value")
    if not report_global:
        local = tf.stop_gradient(tf.cast(count, tf.float32))
        global_count = _all_reduce_sum(ctx, local)
        return tf.raw_ops.DivNoNan(x=total, y=global_count, name="value")
    local = tf.stop_gradient(tf.stack([tf.cast(total, tf.float32), tf.cast(count, tf.float32)]))
    global_total, global_count = tf.unstack(_all_reduce_sum(ctx, local))
    own = tf.math.divide_no_nan(total, global_count)
    reported = tf.math.divide_no_nan(global_total, global_count * ctx.num_replicas_in_sync)
    return tf.raw_ops.AddV2(x=own, y=tf.stop_gradient(reported - own), name="value")


def once_per_replica_group(loss: Any) -> Any:
    """Scales a replicated loss by 1/N under exact averaging, so N replicas count it once."""
    if not exact_requested():
        return loss
    ctx = replica_context()
    if ctx is None:
        return loss
    return loss * tf.cast(1.0 / ctx.num_replicas_in_sync, loss.dtype)
