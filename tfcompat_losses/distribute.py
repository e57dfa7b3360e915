"""Exact contrib averaging across the replicas of a ``tf.distribute`` strategy.

Contrib divides a weighted loss by the count of nonzero weights. Run on N
replicas, each replica divides by its own count, so the per-replica losses
do not add up to the one-device loss when the counts differ (padding, masks,
class weights). Inside :func:`exact_averaging` each replica divides its
local weighted sum by the count all-reduced over all replicas (one extra
all-reduce of a scalar per loss), so that

    sum over replicas of loss_r  ==  the one-device loss on the full batch,

and likewise the gradients, which is what ``strategy.reduce(SUM, ...)`` and
optimizers (which sum per-replica gradients) compute. Regularization losses
in :func:`get_total_loss` are scaled by 1/N so they count once.
``mean_pairwise_squared_error`` sums per sample and is exact as it is.

Outside a replica context with more than one replica the mode changes
nothing, so the same code runs on one device. The plain per-replica contrib
semantics remain the default.

>>> import tfcompat_losses as tcl
>>> with tcl.exact_averaging():
...     float(tcl.compute_weighted_loss([1.0, 3.0]))   # one device: unchanged
2.0
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from . import _replica

__all__ = ["exact_averaging"]


@contextlib.contextmanager
def exact_averaging() -> Iterator[None]:
    """Losses created in the block average over the global nonzero count.

    Enter it around ``strategy.run(...)`` (the replica functions that run
    call it in the block see it), inside the replica function (that replica
    only: every replica must then enter it, as with any collective), or
    around a ``tf.function`` while it traces. It belongs to the thread that
    entered it and to the replicas started there, never to other threads.
    Usable as a decorator.

    Example::

        @tf.function
        def train_step(x, y, w):
            def replica_step(x, y, w):
                with tf.GradientTape() as tape:
                    with tcl.collection_scope():
                        tcl.softmax_cross_entropy(model(x), y, weights=w)
                        loss = tcl.get_total_loss()
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
                return loss
            with tcl.exact_averaging():
                per_replica = strategy.run(replica_step, args=(x, y, w))
            return strategy.reduce("SUM", per_replica, axis=None)
    """
    with _replica.EXACT.pushed(_replica.Exact()):
        yield
