"""Lifted structured loss."""

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
def lifted_struct_loss(labels: Any, embeddings: Any, margin: Any = 1.0) -> tf.Tensor:
    """Lifted structured feature embedding loss (Oh Song et al., 2016).

    For each positive pair ``(i, j)``: ``max(d(i, j) + log(sum_n exp(margin -
    d(i, n)) + sum_n exp(margin - d(j, n))), 0)^2`` over the negatives ``n``
    of ``i`` and of ``j``, averaged over positive pairs and halved.

    Args:
      labels: ``[batch_size]`` integer (or float) class labels.
      embeddings: ``[batch_size, dim]`` float embeddings (not normalised).
      margin: the margin, a number or scalar tensor.

    Returns:
      A scalar in the embeddings' dtype: contrib's value and gradient, with
      contrib's ``[B*B, B]`` log-sum-exp factorised into per-row sums
      (``O(B^2)`` time and memory; equal to contrib's up to rounding). A batch without positive pairs, or without
      negatives, gives 0 with a zero gradient (contrib: NaN). Contrib also
      overflowed to NaN when a sample's nearest negative was more than ~88
      farther than a same-class sample; the factorised sums never overflow.

    Raises:
      ValueError: wrong ranks, dtypes or batch sizes.

    >>> from tfcompat_losses import metric_learning as ml
    >>> round(float(ml.lifted_struct_loss(
    ...     [0, 0, 1, 1], [[0.0, 0.0], [0.0, 1.0], [0.5, 0.0], [2.0, 0.0]])), 4)
    2.9397
    """
    fn = "lifted_struct_loss"
    x = embeddings_arg(embeddings, fn)
    y = labels_arg(labels, fn)
    check_same_batch(fn, [("labels", y), ("embeddings", x)])
    m = scalar_arg(margin, x.dtype, fn)
    members = class_members(y)
    num_positives = tf.cast(tf.reduce_sum(members.size - 1), x.dtype)

    @tf.custom_gradient
    def total(x: tf.Tensor, m: tf.Tensor) -> tuple[tf.Tensor, Any]:
        sweep = _LiftedSweep(x, y, m, members)
        negatives = sweep.negative_sums()
        pairs = sweep.pair_terms(negatives)

        def grad(g: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            return g * sweep.gradient(negatives, pairs), g * pairs.d_margin

        return pairs.total, grad

    # Contrib: 0.25 * sum over ordered pairs / (number of ordered pairs / 2).
    return tf.math.divide_no_nan(
        tf.constant(0.25, x.dtype) * total(x, m), num_positives / 2.0, name="liftedstruct_loss"
    )


class _NegativeSums(NamedTuple):
    """Per anchor: ``log_sum_exp(margin - d(a, n))`` over its negatives, as
    ``largest + log(sum)``."""

    largest: tf.Tensor  # [B] max over negatives of margin - d; -inf without any
    sum: tf.Tensor  # [B] sum of exp(margin - d - largest); 0 without negatives
    contrib_max: tf.Tensor  # [B] contrib's masked maximum of margin - d (its rounding)


class _PairTerms(NamedTuple):
    """Sums over the ordered positive pairs ``(a, p)`` of ``max(J, 0)^2``,
    ``J = d(a, p) + log_sum_exp`` over the negatives of ``a`` and ``p``."""

    total: tf.Tensor  # the sum
    row_weight: tf.Tensor  # [B] d total / d exp(margin - d(a, n) - largest[a]), any n
    d_margin: tf.Tensor  # d total / d margin
    dx_positive: tf.Tensor  # [B, dim] d total / d x through the d(a, p)
    tie_weight: tf.Tensor  # [B] what contrib's gradient sends to its masked maxima


class _LiftedSweep:
    """The lifted loss as per-anchor sums over one distance matrix."""

    def __init__(
        self, x: tf.Tensor, labels: tf.Tensor, margin: tf.Tensor, members: ClassMembers
    ) -> None:
        self.x = x
        self.labels = labels
        self.margin = margin
        self.members = members
        self.b = tf.shape(x)[0]
        self.blocks = row_blocks(x)
        # Contrib's sqrt(d^2 + 1e-16 [d^2 <= 0]) * [d^2 > 0]: sqrt(d^2), 0 at 0.
        self.distances = tf.sqrt(squared_distances(x))

    def _block(self, i: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        """Rows of block ``i``, which are real, their distances, and the
        margin terms ``margin - d`` of their negatives (``-inf`` elsewhere)."""
        rows, real = self.blocks.indices(i, self.b)
        d = self.blocks.slice(self.distances, i, self.b)
        is_negative = tf.not_equal(tf.gather(self.labels, rows)[:, None], self.labels[None, :])
        terms = tf.where(is_negative, self.margin - d, tf.constant(-np.inf, d.dtype))
        return rows, real, d, terms

    def negative_sums(self) -> _NegativeSums:
        dtype = self.x.dtype

        def body(i: tf.Tensor, *acc: tf.Tensor) -> tuple[tf.Tensor, ...]:
            rows, _, d, terms = self._block(i)
            top = tf.reduce_max(terms, 1)
            shift = tf.where(top > -np.inf, top, tf.zeros_like(top))
            s = tf.reduce_sum(tf.exp(terms - shift[:, None]), 1)
            row_min = tf.reduce_min(self.margin - d, 1)
            masked = tf.where(terms > -np.inf, terms - row_min[:, None], tf.zeros_like(terms))
            contrib_max = tf.reduce_max(masked, 1) + row_min
            # The last block overlaps the one before: the same values, twice.
            largest, sums, contrib_maxima = acc
            return (
                i + 1,
                tf.tensor_scatter_nd_update(largest, rows[:, None], top),
                tf.tensor_scatter_nd_update(sums, rows[:, None], s),
                tf.tensor_scatter_nd_update(contrib_maxima, rows[:, None], contrib_max),
            )

        zeros = tf.zeros([self.b], dtype)
        init = (tf.constant(0), tf.fill([self.b], tf.constant(-np.inf, dtype)), zeros, zeros)
        _, largest, sums, contrib_max = tf.while_loop(
            lambda i, *_: i < self.blocks.count,
            body,
            init,
            parallel_iterations=BLOCKS_IN_FLIGHT,
        )
        return _NegativeSums(largest=largest, sum=sums, contrib_max=contrib_max)

    def pair_terms(self, negatives: _NegativeSums) -> _PairTerms:
        """One member slot at a time: each anchor with one positive, ``O(B)``."""
        x, b, members = self.x, self.b, self.members
        anchors = tf.range(b)
        class_size = members.size
        zero = tf.zeros([], x.dtype)

        def body(j: tf.Tensor, *acc: tf.Tensor) -> tuple[tf.Tensor, ...]:
            total, weight, d_margin, dx, tie_weight = acc
            positive = member(members, anchors, j)
            counted = (j < class_size) & tf.not_equal(positive, anchors)
            d = tf.gather(self.distances, positive[:, None], batch_dims=1)[:, 0]
            j_value, defined, anchor_factor, positive_factor = self._pair(
                negatives, anchors, positive, d
            )
            hinge = tf.where(counted, tf.maximum(j_value, 0.0), tf.zeros_like(d))
            total += tf.reduce_sum(tf.square(hinge))
            d_j = 2.0 * hinge  # d total / d J
            d_margin += tf.reduce_sum(tf.where(defined, d_j, tf.zeros_like(d_j)))
            weight += d_j * anchor_factor
            weight = tf.tensor_scatter_nd_add(weight, positive[:, None], d_j * positive_factor)
            # d J / d d(a, p) = 1; contrib's sqrt and |a|^2 + |p|^2 - 2 a.p.
            d_squared = tf.math.divide_no_nan(d_j, 2.0 * d)[:, None]
            step = 2.0 * d_squared * (x - tf.gather(x, positive))
            dx = tf.tensor_scatter_nd_add(dx + step, positive[:, None], -step)
            # Contrib shifts the pair's log-sum-exp by max(m[a], m[p]) of its
            # masked maxima m, as max_elements[a, p] and max_elements[p, a];
            # the two gradients cancel unless m[a] == m[p], where tf.maximum
            # sends one to m[a] and the other to m[p].
            tied = tf.equal(
                tf.gather(negatives.contrib_max, anchors),
                tf.gather(negatives.contrib_max, positive),
            )
            share = tf.where(
                tied, d_j * tf.gather(negatives.sum, positive) * positive_factor, tf.zeros_like(d_j)
            )
            tie_weight = tf.tensor_scatter_nd_add(tie_weight + share, positive[:, None], -share)
            return j + 1, total, weight, d_margin, dx, tie_weight

        zeros = tf.zeros([b], x.dtype)
        init = (tf.constant(0), zero, zeros, zero, tf.zeros_like(x), zeros)
        _, total, weight, d_margin, dx, tie_weight = tf.while_loop(
            lambda j, *_: j < members.largest, body, init
        )
        return _PairTerms(
            total=total,
            row_weight=weight,
            d_margin=d_margin,
            dx_positive=dx,
            tie_weight=tie_weight,
        )

    def gradient(self, negatives: _NegativeSums, pairs: _PairTerms) -> tf.Tensor:
        """d total / d x: the negatives' terms block by block, plus the pairs'.

        ``d total / d d(a, n) = -weight[a] exp(margin - d(a, n) - largest[a])``
        for a negative ``n`` of ``a``. The matrix is symmetric up to the
        rounding of ``d`` (contrib's ``d(a, n)`` and ``d(n, a)`` come from one
        matmul), so each block takes both its rows and its columns' share,
        ``-(weight[a] e^(t - largest[a]) + weight[n] e^(t - largest[n]))``:
        one matmul per block instead of two.
        """
        x = self.x
        shift = tf.where(
            negatives.largest > -np.inf, negatives.largest, tf.zeros_like(negatives.largest)
        )
        weight = pairs.row_weight

        def body(i: tf.Tensor, dx: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            rows, real, d, terms = self._block(i)
            g = -(
                tf.gather(weight, rows)[:, None] * tf.exp(terms - tf.gather(shift, rows)[:, None])
                + weight[None, :] * tf.exp(terms - shift[None, :])
            )
            # Rows the last block shares with the one before count there.
            g_squared = tf.where((d > 0.0) & real[:, None], g / (2.0 * d), tf.zeros_like(g))
            d_rows = 2.0 * tf.gather(x, rows) * tf.reduce_sum(g_squared, 1)[:, None]
            d_rows -= 2.0 * tf.matmul(g_squared, x)
            dx = tf.tensor_scatter_nd_add(dx, rows[:, None], d_rows)
            ties = tf.where(real, tf.gather(pairs.tie_weight, rows), tf.zeros_like(rows, x.dtype))
            dx = tf.cond(
                tf.reduce_any(tf.not_equal(ties, 0.0)),
                lambda: self._tie_gradient(ties, rows, d, terms, dx),
                lambda: dx,
            )
            return i + 1, dx

        _, dx = tf.while_loop(
            lambda i, _: i < self.blocks.count,
            body,
            (tf.constant(0), pairs.dx_positive),
            parallel_iterations=BLOCKS_IN_FLIGHT,
        )
        return dx

    def _tie_gradient(
        self, ties: tf.Tensor, rows: tf.Tensor, d: tf.Tensor, terms: tf.Tensor, dx: tf.Tensor
    ) -> tf.Tensor:
        """``dx`` plus the gradient ``ties`` sent to contrib's masked maxima of
        the rows: ``reduce_max``'s (shared by ties, through contrib's
        ``max((t - min t) * mask) + min t``) and ``reduce_min``'s."""
        t = self.margin - d
        row_min = tf.reduce_min(t, 1, keepdims=True)
        masked = tf.where(terms > -np.inf, t - row_min, tf.zeros_like(t))
        at_max = tf.cast(tf.equal(masked, tf.reduce_max(masked, 1, keepdims=True)), t.dtype)
        count = tf.reduce_sum(at_max, 1)
        negative_at_max = tf.where(terms > -np.inf, at_max, tf.zeros_like(at_max))
        to_min = ties * (1.0 - tf.reduce_sum(negative_at_max, 1) / count)
        at_min = tf.cast(tf.equal(t, row_min), t.dtype)
        d_t = negative_at_max * (ties / count)[:, None]
        d_t += at_min * (to_min / tf.reduce_sum(at_min, 1))[:, None]
        g_squared = tf.where(d > 0.0, -d_t / (2.0 * d), tf.zeros_like(d_t))
        x = self.x
        ties = add_distance_grad(DistanceGradSum.zeros(x), x, tf.transpose(x), rows, g_squared, d)
        return dx + ties.total(x)

    def _pair(
        self, negatives: _NegativeSums, anchors: tf.Tensor, positives: tf.Tensor, d: tf.Tensor
    ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        """``J`` of pairs ``(anchors, positives)`` at distances ``d``, whether it
        is defined, and for each side the factor that turns a term's
        ``exp(margin - d - largest)`` into its share of the log-sum-exp."""
        la = tf.gather(negatives.largest, anchors)
        lp = tf.gather(negatives.largest, positives)
        sa = tf.gather(negatives.sum, anchors)
        sp = tf.gather(negatives.sum, positives)
        top = tf.maximum(la, lp)
        defined = top > -np.inf
        safe_top = tf.where(defined, top, tf.zeros_like(top))
        ea = tf.where(sa > 0, tf.exp(la - safe_top), tf.zeros_like(sa))
        ep = tf.where(sp > 0, tf.exp(lp - safe_top), tf.zeros_like(sp))
        total = sa * ea + sp * ep
        safe_total = tf.where(defined, total, tf.ones_like(total))
        j = tf.where(defined, safe_top + tf.math.log(safe_total) + d, tf.zeros_like(d))
        return j, defined, ea / safe_total, ep / safe_total
