"""Loss collections (placeholder until the collection emulator lands)."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

LOSSES = tf.compat.v1.GraphKeys.LOSSES
REGULARIZATION_LOSSES = tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES


def add_loss(loss: Any, loss_collection: str | None = LOSSES) -> None:
    if loss_collection and not tf.executing_eagerly():
        tf.compat.v1.add_to_collection(loss_collection, loss)
