"""``tf.contrib.losses.metric_learning`` (TF 1.4-1.15) on TensorFlow 2.

Contrib's metric-learning losses with contrib's names, signatures, values
and gradients, in eager mode, in ``tf.function``, in TF1 graphs and (all but
:func:`cluster_loss`) under XLA (``jit_compile=True``):

* :func:`pairwise_distance`, :func:`contrastive_loss`, :func:`npairs_loss`,
  :func:`npairs_loss_multilabel`: contrib's formulas, op for op.
* :func:`triplet_semihard_loss`: contrib tiled the ``[B, B]`` distance
  matrix to ``[B*B, B]`` (``O(B^3)`` memory: 4 GB per tensor at ``B=1024``).
  Here each anchor's row is sorted once and the semi-hard negative of every
  (anchor, positive) pair is read off by running counts, ``O(B^2 log B)``
  time and ``O(B^2)`` memory; a custom gradient reproduces the gradient of
  contrib's masked minimum, ties included (tied negatives share the gradient
  equally, as ``reduce_min``'s gradient splits it).
* :func:`lifted_struct_loss`: contrib's ``[B*B, B]`` log-sum-exp factorised
  into per-row sums, ``O(B^2)``.
* :func:`cluster_loss`: no scikit-learn and no ``py_func``: the clustering
  scores (NMI, AMI, ARI, V-measure) are computed from contingency tables with
  TF ops, the greedy facility location and PAM refinement run in
  ``tf.while_loop``.

Where contrib returned NaN, these return a defined value (documented per
function): a batch without positive pairs gives a loss of 0 with a zero
gradient, as the library's weighting rule does for an all-zero weight.

None of these losses is added to the ``LOSSES`` collection (contrib's
metric-learning module did not add them either).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from ._compat_args import not_converted
from ._inputs import fmt_shape

__all__ = [
    "cluster_loss",
    "contrastive_loss",
    "lifted_struct_loss",
    "masked_maximum",
    "masked_minimum",
    "npairs_loss",
    "npairs_loss_multilabel",
    "pairwise_distance",
    "triplet_semihard_loss",
]

_FLOATS = (tf.float16, tf.bfloat16, tf.float32, tf.float64)
_F64 = tf.float64
_EPS64 = float(np.finfo(np.float64).eps)
MARGIN_TYPES = ("nmi", "ami", "ari", "vmeasure", "const")
PAM_MAX_ITER = 5  # contrib's compute_augmented_facility_locations_pam default


# --------------------------------------------------------------------------
# Argument checks (static shapes only: nothing here enters the graph).


def _tensor(x: Any, fn: str, arg: str) -> tf.Tensor:
    if x is None:
        raise ValueError(f"{fn}: {arg} is required, got None.")
    if isinstance(x, tf.SparseTensor):
        raise ValueError(f"{fn}: {arg} must be a dense tensor, got a SparseTensor.")
    if not isinstance(x, (tf.Tensor, tf.Variable)):
        try:
            x = tf.convert_to_tensor(x)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"{fn}: {arg} must be a numeric tensor or array; could not convert "
                f"{type(x).__name__}: {e}"
            ) from None
    elif isinstance(x, tf.Variable):
        x = tf.convert_to_tensor(x)
    if x.shape.rank is None:
        raise ValueError(f"{fn}: {arg} must have a known rank, got a tensor of unknown rank.")
    return x


def _embeddings(x: Any, fn: str, arg: str = "embeddings") -> tf.Tensor:
    """A ``[batch_size, dim]`` floating tensor."""
    x = _tensor(x, fn, arg)
    if x.dtype not in _FLOATS:
        raise ValueError(
            f"{fn}: {arg} must be a floating tensor (float16, bfloat16, float32 or "
            f"float64) of shape [batch_size, dim], got {x.dtype.name} with shape "
            f"{fmt_shape(x)}."
        )
    if x.shape.rank != 2:
        raise ValueError(f"{fn}: {arg} must be 2-D [batch_size, dim], got shape {fmt_shape(x)}.")
    return x


def _labels(
    x: Any, fn: str, arg: str = "labels", *, allow_column: bool = False, allow_bool: bool = False
) -> tf.Tensor:
    """A ``[batch_size]`` integer or float tensor (``[batch_size, 1]`` squeezed)."""
    x = _tensor(x, fn, arg)
    dt = x.dtype
    if not (dt.is_integer or dt.is_floating or (allow_bool and dt.is_bool)):
        kinds = "integer, float or bool" if allow_bool else "integer or float"
        raise ValueError(
            f"{fn}: {arg} must be an {kinds} tensor, got {dt.name} with shape {fmt_shape(x)}."
        )
    if allow_column and x.shape.rank == 2 and x.shape[1] in (1, None):
        x = tf.reshape(x, [-1])
    if x.shape.rank != 1:
        shape = "[batch_size] or [batch_size, 1]" if allow_column else "[batch_size]"
        raise ValueError(f"{fn}: {arg} must be 1-D {shape}, got shape {fmt_shape(x)}.")
    return x


def _same_batch(fn: str, named: Sequence[tuple[str, Any]]) -> None:
    """All ``(name, tensor or TensorShape)`` agree on dimension 0 where known."""
    dims = [(n, (t if isinstance(t, tf.TensorShape) else t.shape)) for n, t in named]
    known = [(n, s) for n, s in dims if s.rank and s[0] is not None]
    if len({s[0] for _, s in known}) > 1:
        got = ", ".join(f"{n} {tuple(s.as_list())}" for n, s in dims)
        raise ValueError(f"{fn}: batch sizes differ; got {got}.")


def _same_shape(fn: str, a: tf.Tensor, b: tf.Tensor, na: str, nb: str) -> None:
    if not a.shape.is_compatible_with(b.shape):
        raise ValueError(
            f"{fn}: {na} and {nb} must have the same shape; got {na} {fmt_shape(a)} "
            f"and {nb} {fmt_shape(b)}."
        )


def _margin(margin: Any, dtype: tf.DType, fn: str, arg: str = "margin") -> tf.Tensor:
    if isinstance(margin, (tf.Tensor, tf.Variable)):
        if margin.shape.rank not in (0, None):
            raise ValueError(f"{fn}: {arg} must be a scalar, got shape {fmt_shape(margin)}.")
        return tf.cast(margin, dtype)
    try:
        return tf.constant(float(margin), dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{fn}: {arg} must be a number, got {margin!r}.") from None


def _in_graph_v1() -> bool:
    """True when building a TF1 graph (not eager, not a ``tf.function``)."""
    return not tf.executing_eagerly() and not tf.compat.v1.get_default_graph().building_function


def _check_printable(fn: str) -> None:
    """``print_losses=True`` needs ``tf.print``, which XLA cannot compile."""
    if tf.__internal__.get_enclosing_xla_context() is not None:
        raise ValueError(
            f"{fn}: print_losses=True prints with tf.print, which XLA cannot compile; "
            "pass print_losses=False inside a jit_compile=True function."
        )


def _print(value: tf.Tensor, *items: Any) -> tf.Tensor:
    """``value``, after printing ``items`` (contrib's ``tf.Print``) to stderr."""
    op = tf.print(*items, output_stream=sys.stderr)
    if tf.executing_eagerly():
        return value
    with tf.control_dependencies([op]):
        return tf.identity(value)


# --------------------------------------------------------------------------
# Distances and masked reductions.


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
    feature = _embeddings(feature, "pairwise_distance", "feature")
    return _pairwise_distance(feature, squared)


def _pairwise_distance(feature: tf.Tensor, squared: bool) -> tf.Tensor:
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


# --------------------------------------------------------------------------
# Contrastive loss.


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
    a = _embeddings(embeddings_anchor, fn, "embeddings_anchor")
    p = _embeddings(embeddings_positive, fn, "embeddings_positive")
    y = _labels(labels, fn, allow_bool=True)
    _same_shape(fn, a, p, "embeddings_anchor", "embeddings_positive")
    _same_batch(fn, [("labels", y), ("embeddings_anchor", a), ("embeddings_positive", p)])
    dtype = a.dtype
    m = _margin(margin, dtype, fn)
    sq = tf.reduce_sum(tf.math.squared_difference(a, p), 1)
    # sqrt with a zero (not infinite) derivative at 0; identical values.
    positive = sq > 0
    distances = tf.where(positive, tf.sqrt(tf.where(positive, sq, tf.ones_like(sq))), 0.0)
    y = tf.cast(y, dtype)
    one = tf.constant(1.0, dtype)
    return tf.reduce_mean(
        y * tf.square(distances)
        + (one - y) * tf.square(tf.maximum(m - distances, tf.constant(0.0, dtype))),
        name="contrastive_loss",
    )


# --------------------------------------------------------------------------
# Triplet loss with semi-hard negative mining.


def _scatter_rows(values: tf.Tensor, index: tf.Tensor, b: tf.Tensor, width: Any) -> tf.Tensor:
    """``out[a, index[a, t]] = values[a, t]`` (``index`` unique per row), ``[b, width]``."""
    ids = tf.range(b)[:, None] * width + index
    return tf.reshape(tf.math.unsorted_segment_sum(values, ids, b * width), [b, width])


def _semihard_outside(pdist: tf.Tensor, adj_not: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Contrib's ``negatives_outside`` and ``mask_final``, in ``O(B^2 log B)``.

    For anchor ``a`` and positive ``p``: the smallest ``pdist[a, n]`` over
    negatives ``n`` with ``pdist[a, n] > pdist[a, p]``, computed as contrib's
    ``masked_minimum`` did (``min(pdist - rowmax) + rowmax``, so the same
    rounding), and whether such a negative exists.

    One stable sort per row (negatives before non-negatives at equal
    distance) gives, by a running count, the number ``r`` of negatives at
    most as far as each positive: the semi-hard negative is the ``r``-th
    negative in ascending order. No binary search (XLA lowers ``searchsorted``
    to ``O(B^3)`` comparisons); cumulative sums and scatters only.

    The gradient is that of contrib's masked minimum: all of the upstream
    gradient to the chosen negative, or shared equally among tied ones
    (``reduce_min`` splits it), including contrib's corner case where the
    chosen negative is the row maximum (every entry of the row then ties at 0).
    Entries where ``p`` is itself a negative of ``a`` are not positive pairs:
    their value is only guaranteed finite (contrib's loss multiplies them by 0).
    """
    dtype = pdist.dtype
    b = tf.shape(pdist)[0]
    inf = tf.constant(np.inf, dtype)
    pdist_in, pdist = pdist, tf.stop_gradient(pdist)
    cols = tf.broadcast_to(tf.range(b)[None, :], [b, b])
    row_max = tf.reduce_max(pdist, axis=1, keepdims=True)
    negi = tf.cast(adj_not, tf.int32)
    nneg = tf.reduce_sum(negi, axis=1, keepdims=True)
    # Stable partition (negatives first), then a stable ascending sort: at
    # equal distance a negative precedes a non-negative.
    neg_before = tf.cumsum(negi, axis=1, exclusive=True)
    slot = tf.where(adj_not, neg_before, nneg + cols - neg_before)
    col_of = _scatter_rows(cols, slot, b, b)
    neg_sorted, idx = tf.math.top_k(-tf.gather(pdist, col_of, batch_dims=1), k=b)
    order = tf.gather(col_of, idx, batch_dims=1)  # column at each sorted position
    is_neg = tf.gather(adj_not, order, batch_dims=1)
    cum_neg = tf.cumsum(tf.cast(is_neg, tf.int32), axis=1)
    # r[a, p]: negatives n of a with pdist[a, n] <= pdist[a, p].
    r = _scatter_rows(cum_neg, order, b, b)
    # The negatives in ascending order (+inf past them) and their columns.
    k_slot = tf.where(is_neg, cum_neg - 1, b)
    sneg = _scatter_rows(-neg_sorted, k_slot, b, b + 1)[:, :b]
    neg_col = _scatter_rows(order, k_slot, b, b + 1)[:, :b]
    valid = cols < nneg
    z = tf.where(valid, sneg - row_max, inf)  # contrib's masked values, sorted
    has = r < nneg
    rc = tf.minimum(r, b - 1)
    zstar = tf.gather(z, rc, batch_dims=1)
    value = tf.where(has, zstar + row_max, tf.zeros_like(pdist))

    def grad(g: tf.Tensor) -> tuple[tf.Tensor, None]:
        g = tf.where(has, g, tf.zeros_like(g))
        bf = tf.cast(b, dtype)
        zero_case = tf.logical_and(has, tf.equal(zstar, 0.0))
        tie_case = tf.logical_and(has, tf.logical_not(zero_case))
        # Runs of equal z (ties): first and one-past-last position of each.
        new_run = tf.concat([tf.ones([b, 1], tf.bool), tf.not_equal(z[:, 1:], z[:, :-1])], axis=1)
        run = tf.cumsum(tf.cast(new_run, tf.int32), axis=1) - 1
        run_ids = tf.range(b)[:, None] * b + run
        first = tf.math.unsorted_segment_min(cols, run_ids, b * b)
        last = tf.math.unsorted_segment_max(cols, run_ids, b * b)
        start = tf.gather(tf.reshape(first, [b, b]), run, batch_dims=1)
        end = tf.gather(tf.reshape(last, [b, b]), run, batch_dims=1) + 1
        # Usual case: the negatives tied with the chosen one (same masked
        # value, at or after position r) share g.
        count = tf.cast(tf.gather(end, rc, batch_dims=1) - rc, dtype)
        count = tf.maximum(count, tf.ones_like(count))
        w_tie = _scatter_rows(tf.where(tie_case, g / count, tf.zeros_like(g)), rc, b, b)
        cw = tf.cumsum(w_tie, axis=1)
        cw_excl = tf.cumsum(w_tie, axis=1, exclusive=True)
        lone = tf.equal(start, cols)
        g_sorted = tf.where(lone, w_tie, cw - tf.gather(cw_excl, start, batch_dims=1))
        # Corner case: chosen value == row max, all B entries tie at 0; every
        # masked negative gets g / B and the row maximum gets the rest.
        w_zero = _scatter_rows(tf.where(zero_case, g / bf, tf.zeros_like(g)), rc, b, b)
        g_sorted += tf.cumsum(w_zero, axis=1)
        g_sorted = tf.where(valid, g_sorted, tf.zeros_like(g_sorted))
        g_pd = _scatter_rows(g_sorted, neg_col, b, b)
        k = tf.cast(nneg - rc, dtype)
        to_max = tf.reduce_sum(tf.where(zero_case, g - k * (g / bf), tf.zeros_like(g)), 1)
        is_max = tf.cast(tf.equal(pdist, row_max), dtype)
        g_pd += is_max * (to_max / tf.reduce_sum(is_max, 1))[:, None]
        return g_pd, None

    @tf.custom_gradient
    def outside(pd: tf.Tensor, mask: tf.Tensor) -> tuple[tf.Tensor, Any]:
        del pd, mask
        return tf.identity(value), grad

    return outside(pdist_in, adj_not), has


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
      ``O(B^2 log B)`` time, ``O(B^2)`` memory (contrib: ``O(B^3)``).

    Raises:
      ValueError: wrong ranks, dtypes or batch sizes.

    >>> from tfcompat_losses import metric_learning as ml
    >>> float(ml.triplet_semihard_loss(
    ...     [0, 0, 1, 1], [[0.0, 0.0], [0.0, 1.0], [0.5, 0.0], [2.0, 0.0]]))
    0.6875
    """
    fn = "triplet_semihard_loss"
    x = _embeddings(embeddings, fn)
    y = _labels(labels, fn)
    _same_batch(fn, [("labels", y), ("embeddings", x)])
    dtype = x.dtype
    m = _margin(margin, dtype, fn)
    y = tf.reshape(y, [-1, 1])
    pdist = _pairwise_distance(x, squared=True)
    adjacency = tf.equal(y, tf.transpose(y))
    adj_not = tf.logical_not(adjacency)
    b = tf.shape(y)[0]
    negatives_outside, mask_final = _semihard_outside(pdist, adj_not)
    negatives_inside = tf.tile(masked_maximum(pdist, tf.cast(adj_not, dtype)), [1, b])
    semi_hard = tf.where(mask_final, negatives_outside, negatives_inside)
    loss_mat = tf.add(m, pdist - semi_hard)
    mask_positives = tf.cast(adjacency, dtype) - tf.linalg.diag(tf.ones([b], dtype))
    num_positives = tf.reduce_sum(mask_positives)
    total = tf.reduce_sum(tf.maximum(tf.multiply(loss_mat, mask_positives), 0.0))
    return tf.math.divide_no_nan(total, num_positives, name="triplet_semihard_loss")


# --------------------------------------------------------------------------
# Lifted structured loss.


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
      (``O(B^2)``; equal to contrib's up to rounding). A batch without
      positive pairs, or without negatives, gives 0 with a zero gradient
      (contrib: NaN). Contrib also overflowed to NaN when a sample's nearest
      negative was more than ~88 farther than a same-class sample; the
      factorised sums never overflow.

    Raises:
      ValueError: wrong ranks, dtypes or batch sizes.

    >>> from tfcompat_losses import metric_learning as ml
    >>> round(float(ml.lifted_struct_loss(
    ...     [0, 0, 1, 1], [[0.0, 0.0], [0.0, 1.0], [0.5, 0.0], [2.0, 0.0]])), 4)
    2.9397
    """
    fn = "lifted_struct_loss"
    x = _embeddings(embeddings, fn)
    y = _labels(labels, fn)
    _same_batch(fn, [("labels", y), ("embeddings", x)])
    dtype = x.dtype
    m = _margin(margin, dtype, fn)
    y = tf.reshape(y, [-1, 1])
    pd = _pairwise_distance(x, squared=False)
    adjacency = tf.equal(y, tf.transpose(y))
    adj_not = tf.logical_not(adjacency)
    b = tf.shape(y)[0]
    diff = m - pd
    mask = tf.cast(adj_not, dtype)
    # Safe maximum over the negatives of each row (contrib's formula).
    row_minimums = tf.reduce_min(diff, 1, keepdims=True)
    row_negative_maximums = (
        tf.reduce_max(tf.multiply(diff - row_minimums, mask), 1, keepdims=True) + row_minimums
    )
    max_elements = tf.maximum(row_negative_maximums, tf.transpose(row_negative_maximums))
    # Contrib: loss_exp_left^T[i, j] = sum_n mask[i, n] exp(diff[i, n] - max_el[i, j]),
    # here as (sum_n mask[i, n] exp(diff[i, n] - m_i)) * exp(m_i - max_el[i, j]).
    ninf = tf.constant(-np.inf, dtype)
    row_sums = tf.reduce_sum(
        tf.exp(tf.where(adj_not, diff - row_negative_maximums, ninf)), 1, keepdims=True
    )
    exp_left_t = row_sums * tf.exp(row_negative_maximums - max_elements)
    total = exp_left_t + tf.transpose(exp_left_t)
    # No negatives for i or j (contrib: log(0) = -inf, then NaN).
    defined = total > 0
    safe_total = tf.where(defined, total, tf.ones_like(total))
    loss_mat = max_elements + tf.math.log(safe_total) + pd
    loss_mat = tf.where(defined, loss_mat, tf.zeros_like(loss_mat))
    mask_positives = tf.cast(adjacency, dtype) - tf.linalg.diag(tf.ones([b], dtype))
    num_positives = tf.reduce_sum(mask_positives) / 2.0
    total_loss = tf.constant(0.25, dtype) * tf.reduce_sum(
        tf.square(tf.maximum(tf.multiply(loss_mat, mask_positives), 0.0))
    )
    return tf.math.divide_no_nan(total_loss, num_positives, name="liftedstruct_loss")


# --------------------------------------------------------------------------
# N-pairs losses.


def _npairs(
    fn: str,
    adjacency: tf.Tensor,
    a: tf.Tensor,
    p: tf.Tensor,
    reg_lambda: Any,
    print_losses: bool,
) -> tf.Tensor:
    dtype = a.dtype
    reg_anchor = tf.reduce_mean(tf.reduce_sum(tf.square(a), 1))
    reg_positive = tf.reduce_mean(tf.reduce_sum(tf.square(p), 1))
    if isinstance(reg_lambda, (tf.Tensor, tf.Variable)):
        scale = tf.constant(0.25, dtype) * tf.cast(reg_lambda, dtype)
    else:
        scale = _margin(0.25 * float(reg_lambda), dtype, fn, "reg_lambda")
    l2loss = tf.multiply(scale, reg_anchor + reg_positive, name="l2loss")
    similarity_matrix = tf.matmul(a, p, transpose_b=True)
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
        _check_printable(fn)
        xent_loss = _print(xent_loss, "cross entropy:", xent_loss, "l2loss:", l2loss)
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
    a = _embeddings(embeddings_anchor, fn, "embeddings_anchor")
    p = _embeddings(embeddings_positive, fn, "embeddings_positive")
    y = _labels(labels, fn)
    _same_shape(fn, a, p, "embeddings_anchor", "embeddings_positive")
    _same_batch(fn, [("labels", y), ("embeddings_anchor", a), ("embeddings_positive", p)])
    y = tf.reshape(y, [-1, 1])
    adjacency = tf.equal(y, tf.transpose(y))
    return _npairs(fn, adjacency, a, p, reg_lambda, print_losses)


def _dense_labels(fn: str, sparse_labels: Any) -> tf.Tensor:
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
        vals = s.values if s.values.dtype in _FLOATS else tf.cast(s.values, tf.float32)
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
    a = _embeddings(embeddings_anchor, fn, "embeddings_anchor")
    p = _embeddings(embeddings_positive, fn, "embeddings_positive")
    _same_shape(fn, a, p, "embeddings_anchor", "embeddings_positive")
    dense = _dense_labels(fn, sparse_labels)
    _same_batch(
        fn,
        [
            ("sparse_labels", tf.TensorShape([len(sparse_labels)])),
            ("embeddings_anchor", a),
            ("embeddings_positive", p),
        ],
    )
    with tf.name_scope("NpairsLossMultiLabel"):
        dense = tf.cast(dense, a.dtype)
        adjacency = tf.matmul(dense, dense, transpose_b=True)
        return _npairs(fn, adjacency, a, p, reg_lambda, print_losses)


# --------------------------------------------------------------------------
# Clustering scores: scikit-learn's formulas on contingency tables, TF ops.


def _entropy(counts: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
    """Entropy (nats) of the clusterings with the given ``[..., K]`` sizes.

    sklearn's ``_entropy``: 0 for a single cluster, else
    ``-sum(c/n * (log c - log n))`` over nonempty clusters.
    """
    nonempty = counts > 0
    safe = tf.where(nonempty, counts, tf.ones_like(counts))
    terms = tf.where(nonempty, (safe / n) * (tf.math.log(safe) - tf.math.log(n)), 0.0)
    h = -tf.reduce_sum(terms, -1)
    single = tf.equal(tf.math.count_nonzero(nonempty, -1), 1)
    return tf.where(single, tf.zeros_like(h), h)


def _emi_table(class_sizes: tf.Tensor, n_int: tf.Tensor) -> tf.Tensor:
    """``T[s] = sum_i E(a_i, s)`` for every cluster size ``s = 0..n``.

    ``E(a, s)`` is the expected-mutual-information term of a class of size
    ``a`` against a cluster of size ``s`` (the hypergeometric sum over the
    cell count ``nij`` of sklearn's ``expected_mutual_information``). It
    depends on the class sizes, fixed for a batch, and the cluster size
    only, so the EMI of any clustering is ``sum_j T[b_j]`` over its cluster
    sizes ``b_j``: a table built once per batch, a gather per clustering.
    Built one distinct class size at a time (``tf.while_loop``): ``O(D n A)``
    time and ``O(n A)`` memory for ``D`` distinct class sizes (``D <=
    sqrt(2n)``) of which the largest is ``A``.
    """
    sizes, _, multiplicity = tf.unique_with_counts(class_sizes)
    n = tf.cast(n_int, _F64)
    top = tf.reduce_max(class_sizes)
    bs = tf.cast(tf.range(n_int + 1), _F64)[:, None]  # cluster size s: rows
    ns = tf.cast(tf.range(1, top + 1), _F64)[None, :]  # cell count nij: columns
    one = tf.ones([], _F64)
    gln_b = tf.math.lgamma(bs + one)
    gln_nb = tf.math.lgamma(n - bs + one)
    log_b = tf.math.log(tf.maximum(bs, one))
    term1 = ns / n
    log_nnij = tf.math.log(n) + tf.math.log(ns)
    gln_nnij = tf.math.lgamma(ns + one) + tf.math.lgamma(n + one)

    def body(i: tf.Tensor, acc: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        a = tf.cast(sizes[i], _F64)
        start = tf.maximum(one, a - n + bs)
        end = tf.minimum(a, bs)
        valid = tf.logical_and(ns >= start, ns <= end)

        def lg(x: tf.Tensor) -> tf.Tensor:
            return tf.math.lgamma(tf.where(valid, x, tf.ones_like(x)))

        gln = (
            tf.math.lgamma(a + one)
            + gln_b
            + tf.math.lgamma(n - a + one)
            + gln_nb
            - gln_nnij
            - lg(a - ns + one)
            - lg(bs - ns + one)
            - lg(n - a - bs + ns + one)
        )
        term2 = log_nnij - tf.math.log(a) - log_b
        term3 = tf.exp(tf.where(valid, gln, tf.constant(-np.inf, _F64)))
        terms = tf.where(valid, term1 * term2 * term3, tf.zeros_like(gln))
        return i + 1, acc + tf.cast(multiplicity[i], _F64) * tf.reduce_sum(terms, 1)

    _, table = tf.while_loop(
        lambda i, _: i < tf.size(sizes),
        body,
        [tf.constant(0), tf.zeros([n_int + 1], _F64)],
    )
    return table


class _Scorer:
    """Contrib's clustering score of many candidate clusterings at once.

    Built once per batch from the ground-truth labels; called with
    predictions ``[M, B]`` (cluster indices in ``[0, K)``), returns the
    ``[M]`` float32 scores contrib's ``compute_clustering_score`` gave
    (sklearn's value in float64, cast to float32, clipped at 0 for ``ami``,
    ``ari`` and ``vmeasure``).

    Each call builds the ``[M, K, K]`` contingency tables with one segment
    sum, ``O(M B)``, and scores them in ``O(M K^2)``; all in float64.
    """

    def __init__(self, labels: tf.Tensor, margin_type: str) -> None:
        self.margin_type = margin_type
        self.labels = labels
        uniq, self.label_idx = tf.unique(labels, out_idx=tf.int32)
        self.k = tf.size(uniq)
        n_int = tf.size(labels)
        self.n = tf.cast(n_int, _F64)
        ones = tf.ones_like(self.label_idx, _F64)
        self.a = tf.math.unsorted_segment_sum(ones, self.label_idx, self.k)
        self.h_true = _entropy(self.a, self.n)
        self.single_class = tf.equal(self.k, 1)
        if margin_type == "ami":
            self.emi = _emi_table(tf.cast(self.a, tf.int32), n_int)
        if margin_type == "const":
            cmp = _F64 if labels.dtype.is_floating else tf.int64
            self.labels_cmp = tf.cast(labels, cmp)

    def __call__(self, pred: tf.Tensor) -> tf.Tensor:
        if self.margin_type == "const":
            # Contrib compares the raw labels with the cluster indices.
            same = tf.equal(self.labels_cmp[None, :], tf.cast(pred, self.labels_cmp.dtype))
            return tf.cast(tf.reduce_all(same, 1), tf.float32)
        score = self._score(pred)
        score = tf.cast(score, tf.float32)
        if self.margin_type != "nmi":
            score = tf.maximum(0.0, score)
        return score

    def _score(self, pred: tf.Tensor) -> tf.Tensor:
        k, n = self.k, self.n
        m = tf.shape(pred)[0]
        ids = (tf.range(m)[:, None] * k + self.label_idx[None, :]) * k + pred
        cont = tf.math.unsorted_segment_sum(tf.ones_like(ids, _F64), ids, m * k * k)
        cont = tf.reshape(cont, [m, k, k])  # [candidate, class, cluster]
        a = self.a[None, :, None]
        b = tf.reduce_sum(cont, 1)  # cluster sizes [M, K]
        single_cluster = tf.equal(tf.math.count_nonzero(b > 0, 1), 1)
        trivial = tf.logical_or(self.single_class, single_cluster)
        both_single = tf.logical_and(self.single_class, single_cluster)
        if self.margin_type == "ari":
            return self._ari(cont, a, b[:, None, :])
        # Mutual information (sklearn's mutual_info_score, term by term).
        nz = cont > 0
        c = tf.where(nz, cont, tf.ones_like(cont))
        log_n = tf.math.log(n)
        cnm = c / n
        outer = tf.where(nz, a * b[:, None, :], tf.ones_like(cont))
        log_outer = -tf.math.log(outer) + log_n + log_n
        mi = cnm * (tf.math.log(c) - log_n) + cnm * log_outer
        mi = tf.where(tf.logical_and(nz, tf.abs(mi) >= _EPS64), mi, tf.zeros_like(mi))
        mi = tf.maximum(tf.reduce_sum(mi, [1, 2]), 0.0)
        mi = tf.where(trivial, tf.zeros_like(mi), mi)
        h_true = self.h_true
        h_pred = _entropy(b, n)
        one = tf.ones_like(mi)
        if self.margin_type == "nmi":
            mean = (h_true + h_pred) / 2.0
            nmi = tf.math.divide_no_nan(mi, mean)
            nmi = tf.where(tf.equal(mi, 0.0), tf.zeros_like(mi), nmi)
            return tf.where(both_single, one, nmi)
        if self.margin_type == "vmeasure":
            homogeneity = tf.where(tf.equal(h_true, 0.0), one, tf.math.divide_no_nan(mi, h_true))
            completeness = tf.where(tf.equal(h_pred, 0.0), one, tf.math.divide_no_nan(mi, h_pred))
            hc = homogeneity + completeness
            v = tf.math.divide_no_nan(2.0 * homogeneity * completeness, hc)
            return tf.where(tf.equal(hc, 0.0), tf.zeros_like(v), v)
        # ami
        sizes = tf.cast(b, tf.int32)
        emi = tf.reduce_sum(tf.where(b > 0, tf.gather(self.emi, sizes), tf.zeros_like(b)), 1)
        normalizer = (h_true + h_pred) / 2.0
        eps = tf.constant(_EPS64, _F64)

        def away_from_zero(x: tf.Tensor) -> tf.Tensor:
            return tf.where(x < 0, tf.minimum(x, -eps), tf.maximum(x, eps))

        ami = away_from_zero(mi - emi) / away_from_zero(normalizer - emi)
        ami = tf.where(trivial, tf.zeros_like(ami), ami)
        # The same partition (one nonzero cell per class and per cluster):
        # mathematically 1, and sklearn's value rounds to 1 in float32 (its
        # MI and mean entropy agree to the bit). Computed, it is 0/0 when the
        # classes are singletons (EMI = MI = entropy) and rounding decides.
        same = tf.logical_and(
            tf.equal(tf.math.count_nonzero(nz, [1, 2]), tf.cast(k, tf.int64)),
            tf.equal(tf.math.count_nonzero(b > 0, 1), tf.cast(k, tf.int64)),
        )
        return tf.where(tf.logical_or(both_single, same), one, ami)

    def _ari(self, cont: tf.Tensor, a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
        """sklearn's adjusted_rand_score via its pair confusion matrix.

        Counts are exact in float64 while ``n^4 < 2^53`` (``n < 9000``).
        """
        n = self.n
        sum_squares = tf.reduce_sum(tf.square(cont), [1, 2])
        tp = sum_squares - n
        fp = tf.reduce_sum(cont * b, [1, 2]) - sum_squares
        fn = tf.reduce_sum(cont * a, [1, 2]) - sum_squares
        tn = n * n - fp - fn - sum_squares
        perfect = tf.logical_and(tf.equal(fn, 0.0), tf.equal(fp, 0.0))
        num = 2.0 * (tp * tn - fn * fp)
        den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)
        return tf.where(perfect, tf.ones_like(num), tf.math.divide_no_nan(num, den))


# --------------------------------------------------------------------------
# Cluster loss: loss-augmented facility location and PAM, in tf.while_loop.


def _assignment(pdist: tf.Tensor, chosen: tf.Tensor) -> tf.Tensor:
    """Contrib's ``get_cluster_assignment``: nearest centroid (first on ties),
    every centroid in its own cluster. ``[B]`` int32."""
    pred = tf.argmin(tf.gather(pdist, chosen), axis=0, output_type=tf.int32)
    b = tf.shape(pdist)[0]
    k = tf.size(chosen)
    pos = tf.tensor_scatter_nd_update(tf.fill([b], -1), chosen[:, None], tf.range(k))
    return tf.where(pos >= 0, pos, pred)


def _greedy_facility(pdist: tf.Tensor, scorer: _Scorer, margin: tf.Tensor) -> tf.Tensor:
    """Contrib's ``compute_augmented_facility_locations``: ``[K]`` centroids.

    Each of the ``K`` steps scores every point as the next centroid at once
    (``[B, B]`` assignments, one batched clustering score).
    """
    dtype = pdist.dtype
    b = tf.shape(pdist)[0]
    eye = tf.cast(tf.eye(b), tf.bool)
    minus_inf = tf.constant(-np.inf, dtype)

    def body(
        k: tf.Tensor,
        chosen: tf.Tensor,
        is_chosen: tf.Tensor,
        cur_min: tf.Tensor,
        cur_assign: tf.Tensor,
        centroid_pos: tf.Tensor,
    ) -> tuple[tf.Tensor, ...]:
        new_min = tf.minimum(cur_min[None, :], pdist)
        facility = -1.0 * tf.reduce_sum(new_min, axis=1)
        # Candidate c takes point j if strictly nearer than every centroid.
        pred = tf.where(pdist < cur_min[None, :], k, cur_assign[None, :])
        pred = tf.where(centroid_pos[None, :] >= 0, centroid_pos[None, :], pred)
        pred = tf.where(eye, k, pred)
        structured = 1.0 - scorer(pred)
        scores = tf.add(facility, margin * tf.cast(structured, dtype))
        scores = tf.where(is_chosen, minus_inf, scores)
        best = tf.argmax(scores, axis=0, output_type=tf.int32)
        d_best = pdist[best]
        return (
            k + 1,
            tf.tensor_scatter_nd_update(chosen, [[k]], [best]),
            tf.logical_or(is_chosen, tf.equal(tf.range(b), best)),
            tf.minimum(cur_min, d_best),
            tf.where(d_best < cur_min, k, cur_assign),
            tf.tensor_scatter_nd_update(centroid_pos, [[best]], [k]),
        )

    init = (
        tf.constant(0),
        tf.zeros([scorer.k], tf.int32),
        tf.zeros([b], tf.bool),
        tf.fill([b], tf.constant(np.inf, dtype)),
        tf.zeros([b], tf.int32),
        tf.fill([b], -1),
    )
    out = tf.while_loop(lambda k, *_: k < scorer.k, body, init)
    return out[1]


def _pam(pdist: tf.Tensor, scorer: _Scorer, margin: tf.Tensor, chosen: tf.Tensor) -> tf.Tensor:
    """One pass of contrib's ``update_all_medoids`` (cluster by cluster)."""
    dtype = pdist.dtype
    b = tf.shape(pdist)[0]
    k_all = scorer.k
    predictions = _assignment(pdist, chosen)
    inf = tf.constant(np.inf, dtype)
    rows = tf.range(k_all)[:, None]

    def body(m: tf.Tensor, chosen: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        members = tf.reshape(tf.where(tf.equal(predictions, m)), [-1])
        members = tf.cast(members, tf.int32)
        sub = tf.gather(tf.gather(pdist, members), members, axis=1)
        facility = -1.0 * tf.reduce_sum(sub, axis=0)
        # Assignment with centroid m replaced by each member, in one go:
        # the first minimum among rows < m, row m (the member) and rows > m.
        d = tf.gather(pdist, chosen)
        lo = tf.where(rows < m, d, inf)
        hi = tf.where(rows > m, d, inf)
        min_lo = tf.reduce_min(lo, 0)
        min_hi = tf.reduce_min(hi, 0)
        arg_lo = tf.argmin(lo, 0, output_type=tf.int32)
        arg_hi = tf.argmin(hi, 0, output_type=tf.int32)
        v = tf.gather(pdist, members)
        take_lo = tf.logical_and(min_lo <= v, min_lo <= min_hi)
        take_m = tf.logical_and(tf.logical_not(take_lo), v <= min_hi)
        pred = tf.where(take_lo, arg_lo, tf.where(take_m, m, arg_hi))
        others = tf.tensor_scatter_nd_update(chosen, [[m]], [-1])
        pos = tf.tensor_scatter_nd_update(
            tf.fill([b + 1], -1), tf.where(others >= 0, others, b)[:, None], tf.range(k_all)
        )[:b]
        pred = tf.where(pos[None, :] >= 0, pos[None, :], pred)
        pred = tf.where(tf.equal(tf.range(b)[None, :], members[:, None]), m, pred)
        structured = 1.0 - scorer(pred)
        scores = tf.add(facility, margin * tf.cast(structured, dtype))
        best = members[tf.argmax(scores, axis=0, output_type=tf.int32)]
        return m + 1, tf.tensor_scatter_nd_update(chosen, [[m]], [best])

    _, chosen = tf.while_loop(lambda m, _: m < k_all, body, [tf.constant(0), chosen])
    return chosen


def _gt_cluster_score(pdist: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    """Contrib's ``compute_gt_cluster_score``: ``-sum_c min_j sum_i d(i, j)``
    over the members ``i, j`` of each class ``c``.

    Class by class in ``tf.unique`` order with contrib's ops, so the float
    sum is contrib's to the bit: the hinge of :func:`cluster_loss` often sits
    exactly at 0 (the augmented clustering is the ground truth), where the
    gradient depends on the sign of this rounding.
    """
    classes, _ = tf.unique(labels)

    def body(i: tf.Tensor, total: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        members = tf.where(tf.equal(labels, classes[i]))
        sub = tf.transpose(tf.gather(tf.transpose(tf.gather(pdist, members)), members))
        this = -1.0 * tf.reduce_min(tf.reduce_sum(sub, axis=0))
        return i + 1, total + this

    _, total = tf.while_loop(
        lambda i, _: i < tf.size(classes), body, [tf.constant(0), tf.zeros([], pdist.dtype)]
    )
    return total


_SCALAR_METADATA = b"\n\t\n\x07scalars"  # SummaryMetadata(plugin_data.plugin_name="scalars")


def _summary(name: str, value: tf.Tensor) -> None:
    """Contrib's ``summary.scalar``: into ``SUMMARIES`` in a TF1 graph, to the
    default writer in TF2 (when one and a step are set). Written as
    TensorBoard's scalar plugin does, without importing TensorBoard."""
    if _in_graph_v1():
        tf.compat.v1.summary.scalar(name, value)
    elif tf.summary.experimental.get_step() is not None:
        tf.summary.write(name, tf.cast(value, tf.float32), metadata=_SCALAR_METADATA)


@not_converted
def cluster_loss(
    labels: Any,
    embeddings: Any,
    margin_multiplier: Any,
    enable_pam_finetuning: bool = True,
    margin_type: str = "nmi",
    print_losses: bool = False,
) -> tf.Tensor:
    """Clustering loss with a structured margin (Song et al., 2017).

    The facility-location score of the ground-truth clustering against the
    loss-augmented best clustering: greedy facility location where each new
    centroid maximises ``score + margin_multiplier * (1 - agreement)``,
    optionally refined by PAM (5 passes), and a hinge on the difference.
    The agreement of a clustering with the labels is ``margin_type``:

    * ``"nmi"``: normalised mutual information (arithmetic mean);
    * ``"ami"``: adjusted mutual information (clipped at 0);
    * ``"ari"``: adjusted Rand index (clipped at 0);
    * ``"vmeasure"``: V-measure (clipped at 0);
    * ``"const"``: 1 if the cluster indices equal the labels, else 0
      (contrib compared the raw label values with the cluster indices).

    These are scikit-learn's formulas (contrib called ``sklearn.metrics``
    through ``py_func``), computed here with TF ops from contingency tables:
    no scikit-learn, no host round trip, any device. The expected mutual
    information of ``ami`` uses a table of ``E(class size, cluster size)``
    built once per batch (``O(sqrt(B) B^2)``). Each greedy step scores all
    ``B`` candidates at once, ``O(B K^2)`` time and memory for ``K``
    classes; ``K`` steps, and ``5 K`` PAM steps over the members of one
    cluster each.

    Runs eagerly, in ``tf.function`` and in TF1 graphs (``tf.while_loop``
    with data-dependent trip counts and shapes: ``K`` is the number of
    distinct labels, a PAM step's candidates are one cluster's members). It
    does not compile under XLA: called inside a ``jit_compile=True`` function
    it raises ``ValueError`` (XLA would abort the process on those shapes).
    Called eagerly, the loops run in a ``tf.function`` traced once per
    ``margin_type`` and PAM flag.

    Scores are computed in float64 and cast to float32 as contrib did, so a
    candidate's score equals sklearn's to float32 rounding; one exception:
    AMI of a clustering identical to the labels is 1 (sklearn's value also
    rounds to 1), where the formula is ``0/0`` for singleton classes.

    Args:
      labels: ``[batch_size]`` or ``[batch_size, 1]`` integer (or float)
        labels.
      embeddings: ``[batch_size, dim]`` float embeddings (should be
        l2-normalised).
      margin_multiplier: multiplier of the structured margin (number or
        scalar tensor).
      enable_pam_finetuning: run the PAM refinement.
      margin_type: one of ``"nmi"``, ``"ami"``, ``"ari"``, ``"vmeasure"``,
        ``"const"``.
      print_losses: print the loss (``tf.print`` to stderr).

    Returns:
      A scalar in the embeddings' dtype (contrib: float32). The gradient
      flows through the facility scores of the chosen centroids and of the
      ground truth, as in contrib. Summaries ``losses/score_pred``,
      ``losses/<margin_type>`` and ``losses/score_gt`` are written as
      contrib did in a TF1 graph, and to the default summary writer in TF2.

    Raises:
      ValueError: unknown ``margin_type``; wrong ranks, dtypes or batch
        sizes; called under XLA.

    >>> from tfcompat_losses import metric_learning as ml
    >>> float(ml.cluster_loss([0, 0, 1, 1],
    ...                       [[0.0, 0.0], [0.0, 0.1], [1.0, 0.0], [1.0, 0.1]],
    ...                       margin_multiplier=1.0))
    0.0
    """
    fn = "cluster_loss"
    if tf.__internal__.get_enclosing_xla_context() is not None:
        raise ValueError(
            f"{fn} does not compile under XLA: its loops have data-dependent shapes "
            "(the classes in the batch, the members of each cluster). Call it outside "
            "the jit_compile=True function, or in a tf.function without jit_compile."
        )
    if margin_type not in MARGIN_TYPES:
        raise ValueError(
            f"{fn}: Expected margin_type to be one of {set(MARGIN_TYPES)}. "
            f"Received: margin_type={margin_type!r}"
        )
    x = _embeddings(embeddings, fn)
    y = _labels(labels, fn, allow_column=True)
    _same_batch(fn, [("labels", y), ("embeddings", x)])
    dtype = x.dtype
    mm = _margin(margin_multiplier, dtype, fn, "margin_multiplier")
    if tf.executing_eagerly():
        # The loops run op by op in eager mode (~0.5 s a call): run them as a
        # function, traced once per margin type, PAM flag and dtypes.
        loss, score_pred, clustering_score_pred, score_gt = _eager_core(
            margin_type, bool(enable_pam_finetuning)
        )(y, x, mm)
    else:
        loss, score_pred, clustering_score_pred, score_gt = _cluster_core(
            y, x, mm, bool(enable_pam_finetuning), margin_type
        )
    if print_losses:
        loss = _print(loss, "clustering_loss: ", loss, tf.shape(loss))
    _summary("losses/score_pred", score_pred)
    _summary("losses/" + margin_type, clustering_score_pred)
    _summary("losses/score_gt", score_gt)
    return loss


_EAGER_CORES: dict[tuple[str, bool], Any] = {}


def _eager_core(margin_type: str, pam: bool) -> Any:
    """A ``tf.function`` of :func:`_cluster_core` for eager calls, one per
    margin type and PAM flag (shapes generalise after the second batch size)."""
    core = _EAGER_CORES.get((margin_type, pam))
    if core is None:

        def run(labels: tf.Tensor, embeddings: tf.Tensor, mm: tf.Tensor) -> Any:
            return _cluster_core(labels, embeddings, mm, pam, margin_type)

        # TF's retracing warning counts traces per code object: one each.
        name = f"cluster_loss_{margin_type}_{'pam' if pam else 'nopam'}"
        run.__code__ = run.__code__.replace(co_name=name)
        run.__name__ = run.__qualname__ = name
        core = _EAGER_CORES[(margin_type, pam)] = tf.function(
            run, reduce_retracing=True, autograph=False
        )
    return core


def _cluster_core(
    labels: tf.Tensor, embeddings: tf.Tensor, mm: tf.Tensor, pam: bool, margin_type: str
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    """The loss and its summaries: ``(loss, score_pred, score, score_gt)``."""
    dtype = embeddings.dtype
    pdist = _pairwise_distance(embeddings, squared=False)
    pdist_const = tf.stop_gradient(pdist)
    scorer = _Scorer(labels, margin_type)
    chosen = _greedy_facility(pdist_const, scorer, mm)
    if pam:
        _, chosen = tf.while_loop(
            lambda i, _: i < PAM_MAX_ITER,
            lambda i, c: (i + 1, _pam(pdist_const, scorer, mm, c)),
            [tf.constant(0), chosen],
        )
    score_pred = -1.0 * tf.reduce_sum(tf.reduce_min(tf.gather(pdist, chosen), axis=0))
    predictions = _assignment(pdist_const, chosen)
    clustering_score_pred = tf.reshape(scorer(predictions[None, :]), [])
    score_gt = _gt_cluster_score(pdist, labels)
    margin_term = mm * (1.0 - tf.cast(clustering_score_pred, dtype))
    loss = tf.maximum(score_pred + margin_term - score_gt, 0.0, name="clustering_loss")
    return loss, score_pred, clustering_score_pred, score_gt
