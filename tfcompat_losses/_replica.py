"""Cross-replica exact averaging: the switch and the all-reduce.

Contrib divides by the count of nonzero weights. With N replicas each
dividing by its own count, the replicas' losses no longer add up to the
one-device loss whenever the counts differ. In exact mode a replica divides
its local weighted sum by the count all-reduced over every replica, so the
per-replica losses (and gradients) sum to the one-device values.

The switch is process-wide, not thread-local: MirroredStrategy runs each
replica's function in a thread of its own, and those threads must see a
mode the caller entered around ``strategy.run``. Outside a replica context
with more than one replica the mode changes nothing.
"""

from __future__ import annotations

import threading
from typing import Any

import tensorflow as tf

_lock = threading.Lock()
_depth = 0


def enter() -> None:
    global _depth
    with _lock:
        _depth += 1


def leave() -> None:
    global _depth
    with _lock:
        _depth -= 1


def enabled() -> bool:
    return _depth > 0


def replica_context() -> Any:
    """The replica context when there is more than one replica, else None."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync <= 1:
        return None
    return ctx


def global_count(present: Any) -> Any:
    """All-reduces a replica's nonzero-weight count when in exact mode.

    Returns ``present`` unchanged outside exact mode or a multi-replica
    context. The count depends on the weights only, so no gradient flows
    through the all-reduce.
    """
    if not _depth:
        return present
    ctx = replica_context()
    if ctx is None:
        return present
    local = tf.stop_gradient(tf.cast(present, tf.float32))
    return ctx.all_reduce(tf.distribute.ReduceOp.SUM, local)


def once_per_replica_group(loss: Any) -> Any:
    """Scales a replicated loss by 1/N so that N replicas count it once."""
    if not _depth:
        return loss
    ctx = replica_context()
    if ctx is None:
        return loss
    return loss * tf.cast(1.0 / ctx.num_replicas_in_sync, loss.dtype)
