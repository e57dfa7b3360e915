"""Triplet loss with semi-hard negative mining."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import tensorflow as tf

from .._compat_args import not_converted
from ._checks import check_same_batch, embeddings_arg, labels_arg, scalar_arg
from ._rows import (
    BLOCKS_IN_FLIGHT,
    ClassMembers,
    DistanceGradSum,
    add_distance_grad,
    class_members,
    member,
    row_blocks,
    squared_distances,
)


@not_converted
def triplet_semihard_loss(labels: Any, embeddings: Any, margin: Any = 1.0) -> tf.Tensor:
    """Triplet loss with semi-hard negative mining (Schroff et al., 2015).

    For every positive pair ``(a, p)`` (same label, ``a != p``) the negative
    is the closest one farther from ``a`` than ``p`` (semi-hard); if there is
    none, the farthest negative of ``a``. The loss is the mean over positive
    pairs of ``max(margin + d(a, p) - d(a, n), 0)`` on squared distances.

    Args:
      labels: ``[batch_size]`` integer (or float) class labels.
      embeddings: ``[batch_size, dim]`` float embeddings (should be
        l2-normalised).
      margin: the margin, a number or scalar tensor.

    Returns:
      A scalar in the embeddings' dtype: contrib's value and gradient; 0 with
      a zero gradient for a batch without positive pairs (contrib: NaN).
      ``O(B^2 K)`` time for classes of at most ``K`` samples and
      ``O(B^2)`` memory: the distance matrix and ``[256, B]`` blocks, no
      ``[B, B]`` gradient (contrib: ``O(B^3)`` time and memory).

    Raises:
      ValueError: wrong ranks, dtypes or batch sizes.

    >>> from tfcompat_losses import metric_learning as ml
    >>> float(ml.triplet_semihard_loss(
    ...     [0, 0, 1, 1], [[0.0, 0.0], [0.0, 1.0], [0.5, 0.0], [2.0, 0.0]]))
    0.6875
    """
    fn = "triplet_semihard_loss"
    x = embeddings_arg(embeddings, fn)
    y = labels_arg(labels, fn)
    check_same_batch(fn, [("labels", y), ("embeddings", x)])
    m = scalar_arg(margin, x.dtype, fn)
    members = class_members(y)
    num_positives = tf.cast(tf.reduce_sum(members.size - 1), x.dtype)

    @tf.custom_gradient
    def total(x: tf.Tensor, m: tf.Tensor) -> tuple[tf.Tensor, Any]:
        d = squared_distances(x)

        def grad(g: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            dx, dm = semihard_sweep(d, x, y, m, members, with_grad=True)[1:]
            return g * dx, g * dm

        return semihard_sweep(d, x, y, m, members, with_grad=False)[0], grad

    return tf.math.divide_no_nan(total(x, m), num_positives, name="triplet_semihard_loss")


class _Anchors(NamedTuple):
    """One block of anchors and what the search needs of their rows."""

    rows: tf.Tensor  # [R] anchor indices
    real: tf.Tensor  # [R] bool: the block's own rows (the last block overlaps)
    distances: tf.Tensor  # [R, B] squared distances
    negatives: tf.Tensor  # [R, B] distances to negatives, -1 elsewhere
    from_max: tf.Tensor  # [R, B] negatives - row max (contrib's rounding)
    row_max: tf.Tensor  # [R]
    farthest_negative: tf.Tensor  # [R] contrib's masked_maximum (0: no negative)


class _Slot(NamedTuple):
    """The triplets of one member slot: anchor ``a`` with positive ``p[a]``."""

    positive: tf.Tensor  # [R] the positive of each anchor
    counted: tf.Tensor  # [R] bool: p[a] is a positive of a (not a, not past the class)
    eligible: tf.Tensor  # [R, B] bool: negatives farther than p[a]
    from_max: tf.Tensor  # [R] min over eligible of (d - row max); +inf if none
    found: tf.Tensor  # [R] bool: a semi-hard negative exists
    hinge: tf.Tensor  # [R] margin + d(a, p) - d(a, n)


def _anchors(d: tf.Tensor, labels: tf.Tensor, rows: tf.Tensor, real: tf.Tensor) -> _Anchors:
    is_negative = tf.not_equal(tf.gather(labels, rows)[:, None], labels[None, :])
    negatives = tf.where(is_negative, d, -tf.ones_like(d))
    row_max = tf.reduce_max(d, 1)
    return _Anchors(
        rows=rows,
        real=real,
        distances=d,
        negatives=negatives,
        from_max=negatives - row_max[:, None],
        row_max=row_max,
        # Contrib's masked_maximum(d, negatives) with a row minimum of 0
        # (the diagonal): the largest negative distance, or 0.
        farthest_negative=tf.maximum(tf.reduce_max(negatives, 1), 0.0),
    )


def _slot(block: _Anchors, members: ClassMembers, slot: tf.Tensor, margin: tf.Tensor) -> _Slot:
    """Contrib's semi-hard choice for one positive per anchor.

    Contrib's ``masked_minimum`` gives ``min(d - row_max) + row_max`` over
    the eligible negatives: the same rounding here, on a ``[R, B]`` slice
    instead of contrib's ``[B * B, B]`` tiling.
    """
    positive = member(members, block.rows, slot)
    counted = (
        (slot < tf.gather(members.size, block.rows))
        & tf.not_equal(positive, block.rows)
        & block.real
    )
    d_pos = tf.gather(block.distances, positive[:, None], batch_dims=1)[:, 0]
    eligible = block.negatives > d_pos[:, None]
    inf = tf.constant(np.inf, block.distances.dtype)
    from_max = tf.reduce_min(tf.where(eligible, block.from_max, inf), 1)
    found = from_max < inf
    negative = tf.where(found, from_max + block.row_max, block.farthest_negative)
    return _Slot(
        positive=positive,
        counted=counted,
        eligible=eligible,
        from_max=from_max,
        found=found,
        hinge=margin + (d_pos - negative),
    )


def semihard_sweep(
    distances: tf.Tensor,
    x: tf.Tensor,
    labels: tf.Tensor,
    margin: tf.Tensor,
    members: ClassMembers,
    with_grad: bool,
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """The sum over positive pairs of contrib's hinge, and (``with_grad``)
    its gradient w.r.t. ``x`` and ``margin``; ``distances`` are
    :func:`squared_distances` of ``x``.

    Anchor blocks in an outer loop, member slots in an inner one: each slot
    reduces a ``[R, B]`` slice once (twice for the gradient), so the time is
    ``O(B^2 K)`` and the memory ``O(R B)``.

    The gradient is contrib's, whose semi-hard negative is a masked minimum
    over ``fl(d - row_max)``: the upstream gradient is split equally among
    the negatives tied at that minimum (``reduce_min``'s rule), and when the
    minimum is 0 (the chosen negative is the row maximum) all ``B`` entries
    tie, so each eligible negative gets ``1 / B`` and the row maximum the
    rest. Without a semi-hard negative it goes to the farthest negative(s).
    """
    dtype = x.dtype
    b = tf.shape(x)[0]
    blocks = row_blocks(x)
    zero = tf.zeros([], dtype)
    bf = tf.cast(b, dtype)

    x_t = tf.transpose(x) if with_grad else zero

    def block_body(
        i: tf.Tensor, total: tf.Tensor, dx: DistanceGradSum, dm: tf.Tensor
    ) -> tuple[Any, ...]:
        rows, real = blocks.indices(i, b)
        block = _anchors(blocks.slice(distances, i, b), labels, rows, real)
        local = tf.range(tf.shape(rows)[0])
        zeros_r = tf.zeros_like(local, dtype)

        def slot_body(j: tf.Tensor, *acc: tf.Tensor) -> tuple[tf.Tensor, ...]:
            total, g_dist, g_max, g_far, dm = acc
            s = _slot(block, members, j, margin)
            total += tf.reduce_sum(tf.where(s.counted, tf.maximum(s.hinge, 0.0), zeros_r))
            if not with_grad:
                return (j + 1, total, g_dist, g_max, g_far, dm)
            # tf.maximum(hinge, 0) passes the gradient at hinge == 0 too.
            w = tf.where(s.counted & (s.hinge >= 0.0), tf.ones_like(s.hinge), zeros_r)
            dm += tf.reduce_sum(w)
            tied = tf.cast(s.eligible & (block.from_max <= s.from_max[:, None]), dtype)
            count = tf.reduce_sum(tied, 1)
            at_max = s.found & tf.equal(s.from_max, 0.0)
            share = tf.where(at_max, 1.0 / bf, 1.0 / tf.maximum(count, 1.0))
            g_dist -= tied * tf.where(s.found, w * share, zeros_r)[:, None]
            g_dist = tf.tensor_scatter_nd_add(g_dist, tf.stack([local, s.positive], 1), w)
            g_max -= tf.where(at_max, w * (1.0 - count / bf), zeros_r)
            g_far -= tf.where(s.found, zeros_r, w)
            return (j + 1, total, g_dist, g_max, g_far, dm)

        g_dist = tf.zeros_like(block.distances) if with_grad else zero
        _, total, g_dist, g_max, g_far, dm = tf.while_loop(
            lambda j, *_: j < members.largest,
            slot_body,
            (tf.constant(0), total, g_dist, zeros_r, zeros_r, dm),
        )
        if not with_grad:
            return i + 1, total, dx, dm
        d = block.distances
        # reduce_max's gradient: shared by the entries equal to the maximum.
        is_max = tf.cast(tf.equal(d, block.row_max[:, None]), dtype)
        g_dist += is_max * (g_max / tf.reduce_sum(is_max, 1))[:, None]
        far = tf.cast(tf.equal(block.negatives, block.farthest_negative[:, None]), dtype)
        g_dist += far * tf.math.divide_no_nan(g_far, tf.reduce_sum(far, 1))[:, None]
        # Rows the last block shares with the one before have a zero gradient here.
        return i + 1, total, add_distance_grad(dx, x, x_t, rows, g_dist, d), dm

    dx = DistanceGradSum.zeros(x) if with_grad else zero
    _, total, dx, dm = tf.while_loop(
        lambda i, *_: i < blocks.count,
        block_body,
        (tf.constant(0), zero, dx, zero),
        parallel_iterations=BLOCKS_IN_FLIGHT,
    )
    if not with_grad:
        return total, zero, dm
    return total, dx.total(x), dm
