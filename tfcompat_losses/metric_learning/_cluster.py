"""Cluster loss: loss-augmented facility location and PAM, in ``tf.while_loop``."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np
import tensorflow as tf

from .._compat_args import not_converted
from ._checks import (
    check_same_batch,
    embeddings_arg,
    in_tf1_graph,
    in_xla,
    labels_arg,
    printed,
    scalar_arg,
)
from ._distance import distance_matrix
from ._scores import MARGIN_TYPES, ClusteringScorer

PAM_MAX_ITER = 5  # contrib's compute_augmented_facility_locations_pam default


def _assignment(pdist: tf.Tensor, chosen: tf.Tensor) -> tf.Tensor:
    """Contrib's ``get_cluster_assignment``: nearest centroid (first on ties),
    every centroid in its own cluster. ``[B]`` int32."""
    pred = tf.argmin(tf.gather(pdist, chosen), axis=0, output_type=tf.int32)
    b = tf.shape(pdist)[0]
    k = tf.size(chosen)
    pos = tf.tensor_scatter_nd_update(tf.fill([b], -1), chosen[:, None], tf.range(k))
    return tf.where(pos >= 0, pos, pred)


def _greedy_facility(pdist: tf.Tensor, scorer: ClusteringScorer, margin: tf.Tensor) -> tf.Tensor:
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


def _pam(
    pdist: tf.Tensor, scorer: ClusteringScorer, margin: tf.Tensor, chosen: tf.Tensor
) -> tf.Tensor:
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


#: TensorBoard's scalar-plugin metadata (what ``tf.summary.scalar`` writes,
#: which needs TensorBoard installed).
_SCALAR = tf.compat.v1.SummaryMetadata(
    plugin_data=tf.compat.v1.SummaryMetadata.PluginData(plugin_name="scalars")
)


def _summary(name: str, value: tf.Tensor) -> None:
    """Contrib's ``summary.scalar``: into ``SUMMARIES`` in a TF1 graph, to the
    default writer in TF2 (when one and a step are set)."""
    if in_tf1_graph():
        tf.compat.v1.summary.scalar(name, value)
    elif tf.summary.experimental.get_step() is not None:
        tf.summary.write(name, tf.cast(value, tf.float32), metadata=_SCALAR)


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
    if in_xla():
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
    x = embeddings_arg(embeddings, fn)
    y = labels_arg(labels, fn, allow_column=True)
    check_same_batch(fn, [("labels", y), ("embeddings", x)])
    dtype = x.dtype
    multiplier = scalar_arg(margin_multiplier, dtype, fn, "margin_multiplier")
    if tf.executing_eagerly():
        # The loops run op by op in eager mode (~0.5 s a call): run them as a
        # function, traced once per margin type, PAM flag and dtypes.
        run = _eager_cluster_loss(margin_type, bool(enable_pam_finetuning))
    else:
        run = functools.partial(
            cluster_loss_terms, pam=bool(enable_pam_finetuning), margin_type=margin_type
        )
    terms = run(y, x, multiplier)
    loss = terms.loss
    if print_losses:
        loss = printed(loss, "clustering_loss: ", loss, tf.shape(loss))
    _summary("losses/score_pred", terms.score_pred)
    _summary("losses/" + margin_type, terms.clustering_score)
    _summary("losses/score_gt", terms.score_gt)
    return loss


class ClusterLossTerms(NamedTuple):
    """The loss and the three numbers contrib wrote as summaries."""

    loss: tf.Tensor
    score_pred: tf.Tensor  # facility score of the loss-augmented clustering
    clustering_score: tf.Tensor  # its agreement with the labels (margin_type)
    score_gt: tf.Tensor  # facility score of the ground-truth clustering


@functools.cache
def _eager_cluster_loss(margin_type: str, pam: bool) -> Any:
    """A ``tf.function`` of :func:`cluster_loss_terms` for eager calls, one per
    margin type and PAM flag (shapes generalise after the second batch size).

    Each wraps its own ``functools.partial``: TensorFlow counts traces per
    wrapped callable, so the functions do not share a retracing warning.
    """
    return tf.function(
        functools.partial(cluster_loss_terms, pam=pam, margin_type=margin_type),
        reduce_retracing=True,
        autograph=False,
    )


def cluster_loss_terms(
    labels: tf.Tensor,
    embeddings: tf.Tensor,
    multiplier: tf.Tensor,
    pam: bool,
    margin_type: str,
) -> ClusterLossTerms:
    """The loss of checked inputs, and the numbers contrib summarised."""
    dtype = embeddings.dtype
    pdist = distance_matrix(embeddings, squared=False)
    pdist_const = tf.stop_gradient(pdist)
    scorer = ClusteringScorer(labels, margin_type)
    chosen = _greedy_facility(pdist_const, scorer, multiplier)
    if pam:
        _, chosen = tf.while_loop(
            lambda i, _: i < PAM_MAX_ITER,
            lambda i, c: (i + 1, _pam(pdist_const, scorer, multiplier, c)),
            [tf.constant(0), chosen],
        )
    score_pred = -1.0 * tf.reduce_sum(tf.reduce_min(tf.gather(pdist, chosen), axis=0))
    predictions = _assignment(pdist_const, chosen)
    clustering_score_pred = tf.reshape(scorer(predictions[None, :]), [])
    score_gt = _gt_cluster_score(pdist, labels)
    margin_term = multiplier * (1.0 - tf.cast(clustering_score_pred, dtype))
    loss = tf.maximum(score_pred + margin_term - score_gt, 0.0, name="clustering_loss")
    return ClusterLossTerms(loss, score_pred, clustering_score_pred, score_gt)
