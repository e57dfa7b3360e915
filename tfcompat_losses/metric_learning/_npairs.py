"""N-pairs losses (single- and multi-label)."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from .._compat_args import not_converted
from .._inputs import check_same_shape, fmt_shape
from ._checks import (
    FLOAT_DTYPES,
    check_printable,
    check_same_batch,
    embeddings_arg,
    labels_arg,
    printed,
    scalar_arg,
)


def _npairs_core(
    fn: str,
    adjacency: tf.Tensor,
    anchor: tf.Tensor,
    positive: tf.Tensor,
    reg_lambda: Any,
    print_losses: bool,
) -> tf.Tensor:
    dtype = anchor.dtype
    reg_anchor = tf.reduce_mean(tf.reduce_sum(tf.square(anchor), 1))
    reg_positive = tf.reduce_mean(tf.reduce_sum(tf.square(positive), 1))
    if isinstance(reg_lambda, (tf.Tensor, tf.Variable)):
        scale = tf.constant(0.25, dtype) * tf.cast(reg_lambda, dtype)
    else:
        scale = scalar_arg(0.25 * float(reg_lambda), dtype, fn, "reg_lambda")
    l2loss = tf.multiply(scale, reg_anchor + reg_positive, name="l2loss")
    similarity_matrix = tf.matmul(anchor, positive, transpose_b=True)
    labels_remapped = tf.cast(adjacency, dtype)
    # Contrib divides by the row sum: NaN for a sample without labels
    # (multilabel only), 0 here.
    labels_remapped = tf.math.divide_no_nan(
        labels_remapped, tf.reduce_sum(labels_remapped, 1, keepdims=True)
    )
    xent_loss = tf.nn.softmax_cross_entropy_with_logits(
        labels=tf.stop_gradient(labels_remapped), logits=similarity_matrix
    )
    xent_loss = tf.reduce_mean(xent_loss, name="xentropy")
    if print_losses:
        check_printable(fn)
        xent_loss = printed(xent_loss, "cross entropy:", xent_loss, "l2loss:", l2loss)
    return l2loss + xent_loss


@not_converted
def npairs_loss(
    labels: Any,
    embeddings_anchor: Any,
    embeddings_positive: Any,
    reg_lambda: Any = 0.002,
    print_losses: bool = False,
) -> tf.Tensor:
    """N-pairs loss (Sohn, 2016).

    Softmax cross-entropy of each row of the anchor-positive similarity
    matrix ``anchor @ positive^T`` against the (row-normalised) same-label
    indicator, plus ``reg_lambda / 4`` times the mean squared norm of both
    embedding sets.

    Args:
      labels: ``[batch_size / 2]`` integer (or float) labels of the pairs.
      embeddings_anchor: ``[batch_size / 2, dim]`` float anchor embeddings
        (not normalised).
      embeddings_positive: ``[batch_size / 2, dim]`` float positive
        embeddings (not normalised).
      reg_lambda: L2 regularisation weight (number or scalar tensor).
      print_losses: print the cross-entropy and L2 terms (``tf.print`` to
        stderr, as contrib's ``tf.Print``). XLA cannot compile ``tf.print``:
        under ``jit_compile=True`` this raises ``ValueError``.

    Returns:
      A scalar in the embeddings' dtype.

    Raises:
      ValueError: wrong ranks, dtypes or batch sizes.

    >>> from tfcompat_losses import metric_learning as ml
    >>> round(float(ml.npairs_loss([0, 1], [[1.0, 0.0], [0.0, 1.0]],
    ...                            [[1.0, 0.0], [0.0, 1.0]], reg_lambda=0.0)), 4)
    0.3133
    """
    fn = "npairs_loss"
    anchor = embeddings_arg(embeddings_anchor, fn, "embeddings_anchor")
    positive = embeddings_arg(embeddings_positive, fn, "embeddings_positive")
    y = labels_arg(labels, fn)
    check_same_shape(anchor, positive, fn, "embeddings_anchor", "embeddings_positive")
    check_same_batch(
        fn, [("labels", y), ("embeddings_anchor", anchor), ("embeddings_positive", positive)]
    )
    y = tf.reshape(y, [-1, 1])
    adjacency = tf.equal(y, tf.transpose(y))
    return _npairs_core(fn, adjacency, anchor, positive, reg_lambda, print_losses)


def dense_labels(fn: str, sparse_labels: Any) -> tf.Tensor:
    """The list of 1-D SparseTensors as a dense ``[n, num_classes]`` matrix."""
    if isinstance(sparse_labels, tf.SparseTensor) or not isinstance(sparse_labels, (list, tuple)):
        raise TypeError(
            f"{fn}: sparse_labels must be a list of 1-D SparseTensors (one per "
            f"pair), got {type(sparse_labels).__name__}."
        )
    if not sparse_labels:
        raise ValueError(f"{fn}: sparse_labels is empty.")
    bad = [type(s).__name__ for s in sparse_labels if not isinstance(s, tf.SparseTensor)]
    if bad:
        raise TypeError(
            f"{fn}: sparse_labels must be a list of SparseTensors, got elements of "
            f"type {sorted(set(bad))}."
        )
    shapes = [s.shape for s in sparse_labels]
    if any(s.rank != 1 for s in shapes):
        raise ValueError(
            f"{fn}: every element of sparse_labels must be a 1-D SparseTensor "
            f"[num_classes]; got dense shapes {[fmt_shape(s) for s in sparse_labels]}."
        )
    known = {s[0] for s in shapes if s[0] is not None}
    if len(known) > 1:
        raise ValueError(
            f"{fn}: the SparseTensors of sparse_labels must have the same dense "
            f"shape; got {sorted(known)}."
        )
    rows = []
    for s in sparse_labels:
        out_shape = s.shape.as_list() if s.shape.is_fully_defined() else s.dense_shape
        vals = s.values if s.values.dtype in FLOAT_DTYPES else tf.cast(s.values, tf.float32)
        rows.append(
            tf.raw_ops.SparseToDense(
                sparse_indices=s.indices,
                output_shape=tf.cast(out_shape, s.dense_shape.dtype),
                sparse_values=vals,
                default_value=tf.zeros([], vals.dtype),
                validate_indices=False,
            )
        )
    return tf.stack(rows)


@not_converted
def npairs_loss_multilabel(
    sparse_labels: Any,
    embeddings_anchor: Any,
    embeddings_positive: Any,
    reg_lambda: Any = 0.002,
    print_losses: bool = False,
) -> tf.Tensor:
    """N-pairs loss with multi-label pairs.

    As :func:`npairs_loss`, with the label-agreement matrix ``L[i, j] =
    |labels(i) & labels(j)|`` (row-normalised) instead of label equality.

    Args:
      sparse_labels: a list of ``batch_size / 2`` 1-D ``SparseTensor`` s of
        dense shape ``[num_classes]`` with 0/1 (or boolean) values, as
        contrib took. Contrib summed ``sparse_minimum`` of each pair (the
        intersection count for 0/1 values); here the count is the dot product
        of the label vectors, the same number for 0/1 values.
      embeddings_anchor: ``[batch_size / 2, dim]`` float anchor embeddings.
      embeddings_positive: ``[batch_size / 2, dim]`` float positive
        embeddings.
      reg_lambda: L2 regularisation weight (number or scalar tensor).
      print_losses: print the cross-entropy and L2 terms (``tf.print``;
        ``ValueError`` under ``jit_compile=True``, which cannot compile it).

    Returns:
      A scalar in the embeddings' dtype. A pair without any label contributes
      0 to the cross-entropy (contrib: NaN).

    Raises:
      TypeError: ``sparse_labels`` is not a list of ``SparseTensor`` s.
      ValueError: wrong ranks, dtypes or batch sizes.

    >>> import tensorflow as tf
    >>> from tfcompat_losses import metric_learning as ml
    >>> labels = [tf.SparseTensor([[0]], [1.0], [3]), tf.SparseTensor([[1]], [1.0], [3])]
    >>> round(float(ml.npairs_loss_multilabel(labels, [[1.0, 0.0], [0.0, 1.0]],
    ...                                       [[1.0, 0.0], [0.0, 1.0]], reg_lambda=0.0)), 4)
    0.3133
    """
    fn = "npairs_loss_multilabel"
    anchor = embeddings_arg(embeddings_anchor, fn, "embeddings_anchor")
    positive = embeddings_arg(embeddings_positive, fn, "embeddings_positive")
    check_same_shape(anchor, positive, fn, "embeddings_anchor", "embeddings_positive")
    dense = dense_labels(fn, sparse_labels)
    check_same_batch(
        fn,
        [
            ("sparse_labels", tf.TensorShape([len(sparse_labels)])),
            ("embeddings_anchor", anchor),
            ("embeddings_positive", positive),
        ],
    )
    with tf.name_scope("NpairsLossMultiLabel"):
        dense = tf.cast(dense, anchor.dtype)
        adjacency = tf.matmul(dense, dense, transpose_b=True)
        return _npairs_core(fn, adjacency, anchor, positive, reg_lambda, print_losses)
