"""Contrastive loss."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from .._compat_args import not_converted
from .._inputs import check_same_shape
from ._checks import check_same_batch, embeddings_arg, labels_arg, scalar_arg


@not_converted
def contrastive_loss(
    labels: Any, embeddings_anchor: Any, embeddings_positive: Any, margin: Any = 1.0
) -> tf.Tensor:
    """Contrastive loss of Hadsell, Chopra & LeCun (2006).

    ``mean(y * d^2 + (1 - y) * max(margin - d, 0)^2)`` with ``d`` the
    distance between each anchor and its paired embedding and ``y`` the
    pair label (1: same class, 0: different).

    Args:
      labels: ``[batch_size]`` binary pair labels (integer, float or bool).
      embeddings_anchor: ``[batch_size, dim]`` float embeddings (should be
        l2-normalised).
      embeddings_positive: ``[batch_size, dim]`` float embeddings paired with
        the anchors.
      margin: the margin, a number or scalar tensor.

    Returns:
      A scalar in the embeddings' dtype. Unlike contrib, the gradient is 0
      (not NaN) for a pair of identical embeddings.

    Raises:
      ValueError: wrong ranks, dtypes or batch sizes.

    >>> from tfcompat_losses import metric_learning as ml
    >>> float(ml.contrastive_loss([1, 0], [[0.0, 0.0], [0.0, 0.0]],
    ...                           [[0.6, 0.8], [0.3, 0.4]]))
    0.625
    """
    fn = "contrastive_loss"
    anchor = embeddings_arg(embeddings_anchor, fn, "embeddings_anchor")
    positive = embeddings_arg(embeddings_positive, fn, "embeddings_positive")
    y = labels_arg(labels, fn, allow_bool=True)
    check_same_shape(anchor, positive, fn, "embeddings_anchor", "embeddings_positive")
    check_same_batch(
        fn, [("labels", y), ("embeddings_anchor", anchor), ("embeddings_positive", positive)]
    )
    dtype = anchor.dtype
    m = scalar_arg(margin, dtype, fn)
    squared = tf.reduce_sum(tf.math.squared_difference(anchor, positive), 1)
    # sqrt with a zero (not infinite) derivative at 0; identical values.
    nonzero = squared > 0
    distances = tf.where(nonzero, tf.sqrt(tf.where(nonzero, squared, tf.ones_like(squared))), 0.0)
    y = tf.cast(y, dtype)
    one = tf.constant(1.0, dtype)
    return tf.reduce_mean(
        y * tf.square(distances)
        + (one - y) * tf.square(tf.maximum(m - distances, tf.constant(0.0, dtype))),
        name="contrastive_loss",
    )
