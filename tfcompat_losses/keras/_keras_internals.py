"""Keras 3's private ``Layer._losses`` lists, kept per replica across all-reduces.

Keras 3 keeps the losses a layer adds with ``add_loss`` in one list,
``layer._losses``, that every replica thread of a ``MirroredStrategy``
shares; each top-level model call clears it. ``Trainer.compute_loss``
evaluates the compiled loss first and reads ``model.losses`` after it. The
``tfcompat_losses.keras`` classes all-reduce the nonzero-weight count in
between, and at that ``merge_call`` the strategy runs the other replicas'
forward passes, which clear the list and fill it with their own losses: the
first replica would then minimise the last replica's layer loss. tf_keras
does not share the list this way and needs none of this.

So :func:`keep_losses_per_replica` (called by ``collect_into`` in each
replica thread) has ``_replica`` snapshot the lists of the layer and of its
sublayers (``layer.losses`` reads them all, through the private
``Layer._flatten_layers``) before each all-reduce of that thread and put
the snapshots back after it. This covers every ``add_loss`` of those
layers in that replica: ``collect_into``, direct, or Keras' own (activity
regularizers). Keras offers no public way to do this.

Fallback, if a Keras release no longer has ``_flatten_layers`` or keeps a
list in ``_losses``: the snapshot raises a ``ValueError`` naming the
construct and the workaround, instead of training on another replica's
loss. It is raised only where the lists matter (Keras 3, more than one
replica, a ``collect_into`` layer, an exact-averaging all-reduce);
tests/test_internals_fallbacks.py takes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _replica
from ._base import KERAS3

__all__ = ["keep_losses_per_replica"]

_MISSING: Any = object()


def _losses_attribute(layer: Any) -> Any:
    """``layer._losses``, or ``_MISSING`` when Keras no longer has it."""
    return getattr(layer, "_losses", _MISSING)


def _layers_attribute(layer: Any) -> Any:
    """``layer._flatten_layers()`` (the layer and its sublayers), or ``_MISSING``."""
    flatten = getattr(layer, "_flatten_layers", None)
    return _MISSING if flatten is None else list(flatten())


def _layers_with_lists(layer: Any) -> list[Any]:
    """The layer and its sublayers, each with a ``_losses`` list, or the fallback's error."""
    layers = _layers_attribute(layer)
    if layers is _MISSING or not all(isinstance(_losses_attribute(each), list) for each in layers):
        raise ValueError(
            f"tfcompat_losses.keras.collect_into({getattr(layer, 'name', layer)!r}): "
            "under Keras 3 with a tf.distribute strategy of more than one replica, "
            "the replicas share a layer's add_loss list, and this Keras release keeps "
            "it where tfcompat_losses cannot protect it, so an exact-averaging loss "
            "(a tfcompat_losses.keras class, or exact_averaging()) would hand one "
            "replica another replica's layer loss. Workarounds: train with tf_keras "
            "(TF_USE_LEGACY_KERAS=1), or compute the layer's loss in a custom "
            "train_step instead of collect_into."
        )
    return layers  # type: ignore[no-any-return]


def _snapshot(layer: Any) -> Callable[[], None]:
    """Records the lists as this replica sees them; the result puts them back."""
    mine = [(each, list(_losses_attribute(each))) for each in _layers_with_lists(layer)]

    def restore() -> None:
        for each, own in mine:
            _losses_attribute(each)[:] = own

    return restore


def keep_losses_per_replica(layer: Any) -> None:
    """In a Keras 3 replica thread, keeps the ``add_loss`` lists of ``layer`` its own."""
    if KERAS3 and _replica.replica_context() is not None:
        _replica.keep_across_merges(layer, _snapshot)
