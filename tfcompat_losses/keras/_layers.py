"""Collections <-> Keras: losses of contrib code in layers, model losses in collections."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import tensorflow as tf

from .. import _collection
from ._keras_internals import keep_losses_per_replica

__all__ = ["add_model_losses", "collect_into"]

_F32 = tf.float32
#: Set on a loss ``collect_into`` sent to a layer: the collection it was added to.
_MEANT_FOR = "_tfcompat_losses_collection"

# --------------------------------------------------------------------------
# Collections <-> Keras.


@contextlib.contextmanager
def collect_into(
    layer: Any,
    *,
    collections: Iterable[str] = (_collection.LOSSES, _collection.REGULARIZATION_LOSSES),
) -> Iterator[Any]:
    """Sends the losses contrib code adds inside the block to ``layer.add_loss``.

    Use it inside ``Layer.call()``: every loss that a ``tfcompat_losses``
    function or ``add_loss`` adds to ``LOSSES`` or ``REGULARIZATION_LOSSES``
    goes to ``layer.add_loss(...)`` instead of the collection, so it appears
    in ``layer.losses``/``model.losses`` and ``model.fit`` minimises it
    (once: it is not also in the collection). float16/bfloat16 losses are
    cast to float32. Losses for other collections are collected as usual.

    Under Keras 3 with more than one replica, the replicas share each
    layer's ``add_loss`` list; from the block on, the lists of ``layer`` and
    of its sublayers are kept this replica's own across the all-reduces of
    exact averaging (a compiled ``tfcompat_losses.keras`` loss makes one),
    so ``fit`` minimises each replica's own losses: this block's, the
    layers' direct ``self.add_loss`` calls and Keras' activity
    regularizers alike (see ``_keras_internals``).

    Args:
      layer: the Keras layer (usually ``self``).
      collections: the collection names to redirect.

    Yields:
      ``layer``.

    Example::

        class Reconstruction(tf.keras.layers.Layer):
            def call(self, x):
                with tfcompat_losses.keras.collect_into(self):
                    tfcompat_losses.mean_squared_error(self.decode(x), x)
                return x
    """
    wanted = frozenset(collections)

    def sink(loss: Any, collection: str) -> bool:
        if collection not in wanted:
            return False
        loss = tf.convert_to_tensor(loss)
        if loss.dtype in (tf.float16, tf.bfloat16):
            loss = tf.cast(loss, _F32)
        setattr(loss, _MEANT_FOR, collection)  # for add_model_losses
        layer.add_loss(loss)
        return True

    keep_losses_per_replica(layer)
    with _collection.redirect(sink):
        yield layer


def add_model_losses(
    model: Any, loss_collection: str = _collection.REGULARIZATION_LOSSES
) -> list[Any]:
    """Adds each of ``model.losses`` to a collection of the current context.

    For custom training loops: Keras layers do not fill TF's collections in
    TF2, so ``get_regularization_losses()`` is empty and ``get_total_loss()``
    misses the weight and activity regularizers ("regularization loss was
    always 0"). Call this after the forward pass, inside the tape (and the
    step's ``collection_scope``), so the tensors carry gradients::

        with tf.GradientTape() as tape, tcl.collection_scope():
            logits = model(x, training=True)
            tcl.softmax_cross_entropy(logits, onehot, weights=w)
            tcl.keras.add_model_losses(model)
            total = tcl.get_total_loss()

    ``model.losses`` also holds losses that layers added with ``add_loss``;
    they are added too. Those that :func:`collect_into` redirected go back
    to the collection they were added to (``LOSSES`` for a contrib loss),
    not to ``loss_collection``: under ``exact_averaging()`` a regularization
    loss is counted 1/N on each of N replicas, which would scale a
    per-replica data loss down N-fold.

    Args:
      model: a Keras model or layer.
      loss_collection: the collection (``REGULARIZATION_LOSSES`` by default).

    Returns:
      The losses added.
    """
    losses = list(model.losses)
    for loss in losses:
        _collection.add_loss(loss, getattr(loss, _MEANT_FOR, loss_collection))
    return losses
