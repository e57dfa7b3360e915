"""Building blocks of the mining losses: classes, row blocks of distances,
and the gradient of contrib's distance matrix.

The mining losses (:mod:`._triplet`, :mod:`._lifted`) build the ``[B, B]``
distance matrix once, then sweep it in blocks of at most ``BLOCK_ROWS``
anchors, so their temporaries are ``[rows, B]`` slices and the memory
``O(B^2)`` with a constant near 1 (contrib: ``O(B^3)``). The same code runs
eagerly, in ``tf.function``, in TF1 graphs and under XLA (static shapes
inside the loops; only trip counts depend on the data).
"""

from __future__ import annotations

from typing import NamedTuple

import tensorflow as tf

#: Anchors per block: ``[256, 4096]`` float32 is 4 MB per temporary.
BLOCK_ROWS = 256
#: Anchor blocks a ``tf.while_loop`` over blocks may compute at once. Their
#: temporaries are the peak memory; with TensorFlow's default (10) a loaded
#: machine held up to 10 blocks' (353 MB for triplet at B=4,096, over the
#: 256 MB budget). Two keep both cores busy.
BLOCKS_IN_FLIGHT = 2


class ClassMembers(NamedTuple):
    """Every sample's class as a run of a label-sorted index.

    The ``j``-th member of sample ``a``'s class is
    ``by_label[first[a] + j]`` for ``j < size[a]``; ``largest`` is the size
    of the largest class (the number of member slots to visit).
    """

    by_label: tf.Tensor  # [B] int32, sample indices sorted by label (stable)
    first: tf.Tensor  # [B] int32, where each sample's class starts in by_label
    size: tf.Tensor  # [B] int32, the size of each sample's class
    largest: tf.Tensor  # int32 scalar


def class_members(labels: tf.Tensor) -> ClassMembers:
    """Groups ``[B]`` labels into classes (``O(B log B)``, no ``[B, B]`` tensor)."""
    b = tf.shape(labels)[0]
    by_label = tf.argsort(labels, stable=True)
    sorted_labels = tf.gather(labels, by_label)
    position = tf.range(b)
    previous = tf.gather(sorted_labels, tf.maximum(position - 1, 0))
    starts = tf.logical_or(tf.equal(position, 0), tf.not_equal(sorted_labels, previous))
    class_at = tf.cumsum(tf.cast(starts, tf.int32)) - 1
    first_of_class = tf.math.unsorted_segment_min(position, class_at, b)
    size_of_class = tf.math.unsorted_segment_sum(tf.ones_like(position), class_at, b)
    class_of = tf.scatter_nd(by_label[:, None], class_at, [b])
    size = tf.gather(size_of_class, class_of)
    return ClassMembers(
        by_label=by_label,
        first=tf.gather(first_of_class, class_of),
        size=size,
        largest=tf.reduce_max(tf.concat([size, [0]], 0)),
    )


def member(members: ClassMembers, rows: tf.Tensor, slot: tf.Tensor) -> tf.Tensor:
    """The ``slot``-th member of each row's class (any index past the class end)."""
    last = tf.size(members.by_label) - 1
    start = tf.gather(members.first, rows)
    return tf.gather(members.by_label, tf.minimum(start + slot, last))


class RowBlocks(NamedTuple):
    """A partition of ``B`` anchors into ``count`` blocks of ``rows`` rows."""

    rows: int | tf.Tensor  # static when the batch size is
    count: tf.Tensor  # int32 scalar

    def indices(self, block: tf.Tensor, b: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """``block``'s anchor indices, and which of them are its own.

        Blocks are contiguous; the last one ends at row ``B - 1`` and so
        overlaps the one before it, whose rows it marks as not its own.
        """
        own_start = block * self.rows
        rows = tf.minimum(own_start, b - self.rows) + tf.range(self.rows)
        return rows, rows >= own_start

    def slice(self, matrix: tf.Tensor, block: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
        """``block``'s rows of a ``[B, n]`` tensor (a slice, not a gather).

        The width is given, not ``-1``: with a start known only at run time,
        XLA lowers a ``-1`` size by padding the whole matrix to twice its
        size in each dimension (a 256 MB buffer for ``[4096, 4096]``).
        """
        start = tf.minimum(block * self.rows, b - self.rows)
        return tf.slice(matrix, [start, 0], [self.rows, tf.shape(matrix)[1]])


def row_blocks(x: tf.Tensor) -> RowBlocks:
    static_b = x.shape[0]
    b = tf.shape(x)[0]
    rows: int | tf.Tensor
    if static_b is not None:
        rows = max(1, min(static_b, BLOCK_ROWS))
    else:
        rows = tf.maximum(tf.minimum(b, BLOCK_ROWS), 1)
    return RowBlocks(rows=rows, count=(b + rows - 1) // rows)


def squared_distances(x: tf.Tensor) -> tf.Tensor:
    """Contrib's ``pairwise_distance(x, squared=True)``, value for value.

    ``|a|^2 + |b|^2 - 2 a.b`` clipped at 0, with 0 where that is not
    positive and on the diagonal. No gradient is recorded: the losses built
    on it give theirs with :class:`DistanceGradSum`.
    """
    x = tf.stop_gradient(x)
    # Contrib's ops, so contrib's rounding: a distance one ulp off can flip
    # which negative is semi-hard.
    sq = tf.square(x)
    d2 = tf.add(
        tf.reduce_sum(sq, axis=[1], keepdims=True),
        tf.reduce_sum(tf.transpose(sq), axis=[0], keepdims=True),
    ) - 2.0 * tf.matmul(x, tf.transpose(x))
    d2 = tf.linalg.set_diag(d2, tf.zeros_like(d2[0]))
    return tf.maximum(d2, 0.0)


class DistanceGradSum(NamedTuple):
    """The gradient w.r.t. ``x`` of ``sum(G * squared)``, ``squared`` being
    :func:`squared_distances` of ``x``, summed a row block of ``G`` at a time
    (:func:`add_distance_grad`) so that ``G`` never exists whole.

    Contrib's gradient: none where the distance is 0 (clipped, or the
    diagonal); elsewhere that of ``|x_a|^2 + |x_n|^2 - 2 x_a.x_n``, i.e.
    ``2 x (rowsum(G) + colsum(G)) - 2 G x - 2 G^T x``. The ``G^T x`` part is
    kept transposed, as ``x^T G``: a plain matmul per block, where ``G^T x``
    would be a transposed one (twice as slow under XLA on CPU).
    """

    weight: tf.Tensor  # [B]: rowsum(G) + colsum(G), masked
    g_x: tf.Tensor  # [B, dim]: G x
    x_g: tf.Tensor  # [dim, B]: x^T G, i.e. (G^T x)^T

    @classmethod
    def zeros(cls, x: tf.Tensor) -> DistanceGradSum:
        b, dim = tf.shape(x)[0], tf.shape(x)[1]
        return cls(
            weight=tf.zeros([b], x.dtype),
            g_x=tf.zeros_like(x),
            x_g=tf.zeros([dim, b], x.dtype),
        )

    def total(self, x: tf.Tensor) -> tf.Tensor:
        """The gradient, ``[B, dim]``."""
        return 2.0 * (x * self.weight[:, None] - self.g_x - tf.transpose(self.x_g))


def add_distance_grad(
    acc: DistanceGradSum,
    x: tf.Tensor,
    x_t: tf.Tensor,
    rows: tf.Tensor,
    grad_rows: tf.Tensor,
    squared_rows: tf.Tensor,
) -> DistanceGradSum:
    """``acc`` plus the rows ``rows`` of ``G``, ``grad_rows`` (``[R, B]``);
    ``squared_rows`` are the same rows of the distances, ``x_t`` is ``x^T``.

    A row listed twice is counted twice: rows a block does not own (the last
    block overlaps the one before) must have a zero ``grad_rows``.
    """
    g = tf.where(squared_rows > 0.0, grad_rows, tf.zeros_like(grad_rows))
    return DistanceGradSum(
        weight=tf.tensor_scatter_nd_add(
            acc.weight + tf.reduce_sum(g, 0), rows[:, None], tf.reduce_sum(g, 1)
        ),
        g_x=tf.tensor_scatter_nd_add(acc.g_x, rows[:, None], tf.matmul(g, x)),
        x_g=acc.x_g + tf.matmul(tf.gather(x_t, rows, axis=1), g),
    )
