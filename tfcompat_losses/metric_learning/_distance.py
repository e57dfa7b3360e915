"""Pairwise distances and contrib's masked reductions."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from .._compat_args import not_converted
from ._checks import embeddings_arg


@not_converted
def pairwise_distance(feature: Any, squared: bool = False) -> tf.Tensor:
    """Computes the pairwise distance matrix with numerical stability.

    ``output[i, j] = || feature[i, :] - feature[j, :] ||_2``, computed as
    contrib did (``|a|^2 + |b|^2 - 2 a.b``, clipped at 0, an exact 0 on the
    diagonal and a zero gradient where the distance is 0).

    Args:
      feature: 2-D float tensor ``[num_data, feature_dim]``.
      squared: whether to return squared distances.

    Returns:
      ``[num_data, num_data]`` distances in ``feature``'s dtype.

    Raises:
      ValueError: ``feature`` is not a 2-D floating tensor.

    >>> from tfcompat_losses import metric_learning as ml
    >>> ml.pairwise_distance([[0.0, 0.0], [3.0, 4.0]]).numpy().tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    feature = embeddings_arg(feature, "pairwise_distance", "feature")
    return distance_matrix(feature, squared)


def distance_matrix(feature: tf.Tensor, squared: bool) -> tf.Tensor:
    """Contrib's ``pairwise_distance`` on a checked ``[B, dim]`` tensor, op for op."""
    dtype = feature.dtype
    sq = tf.square(feature)
    pd2 = tf.add(
        tf.reduce_sum(sq, axis=[1], keepdims=True),
        tf.reduce_sum(tf.transpose(sq), axis=[0], keepdims=True),
    ) - tf.constant(2.0, dtype) * tf.matmul(feature, tf.transpose(feature))
    # Small negatives from cancellation are set to zero.
    pd2 = tf.maximum(pd2, tf.constant(0.0, dtype))
    error_mask = tf.less_equal(pd2, tf.constant(0.0, dtype))
    if squared:
        pd = pd2
    else:
        pd = tf.sqrt(pd2 + tf.cast(error_mask, dtype) * tf.constant(1e-16, dtype))
    pd = tf.multiply(pd, tf.cast(tf.logical_not(error_mask), dtype))
    n = tf.shape(feature)[0]
    offdiag = tf.ones_like(pd) - tf.linalg.diag(tf.ones([n], dtype))
    return tf.multiply(pd, offdiag)


@not_converted
def masked_maximum(data: Any, mask: Any, dim: int = 1) -> tf.Tensor:
    """Maximum of ``data`` over the entries where ``mask`` is set, along ``dim``.

    Contrib's formula: ``max((data - min) * mask) + min``, so a row without a
    masked entry gives its minimum. The reduced dimension is kept (size 1).

    >>> from tfcompat_losses import metric_learning as ml
    >>> ml.masked_maximum([[1.0, 5.0, 3.0]], [[1.0, 0.0, 1.0]]).numpy().tolist()
    [[3.0]]
    """
    data = tf.convert_to_tensor(data)
    mask = tf.cast(mask, data.dtype)
    axis_minimums = tf.reduce_min(data, dim, keepdims=True)
    return (
        tf.reduce_max(tf.multiply(data - axis_minimums, mask), dim, keepdims=True) + axis_minimums
    )


@not_converted
def masked_minimum(data: Any, mask: Any, dim: int = 1) -> tf.Tensor:
    """Minimum of ``data`` over the entries where ``mask`` is set, along ``dim``.

    Contrib's formula: ``min((data - max) * mask) + max``, so a row without a
    masked entry gives its maximum. The reduced dimension is kept (size 1).

    >>> from tfcompat_losses import metric_learning as ml
    >>> ml.masked_minimum([[1.0, 5.0, 3.0]], [[0.0, 1.0, 1.0]]).numpy().tolist()
    [[3.0]]
    """
    data = tf.convert_to_tensor(data)
    mask = tf.cast(mask, data.dtype)
    axis_maximums = tf.reduce_max(data, dim, keepdims=True)
    return (
        tf.reduce_min(tf.multiply(data - axis_maximums, mask), dim, keepdims=True) + axis_maximums
    )
