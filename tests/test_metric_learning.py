"""Unit tests of ``tfcompat_losses.metric_learning`` (no tf_slim needed).

* contrib's own NumPy reference formulas (from ``metric_learning_test.py``)
  for the mining losses, on random batches with random label layouts;
* the semi-hard negative search and its custom gradient against contrib's
  ``O(B^3)`` masked-minimum formulation, ties included;
* the clustering scores against scikit-learn (the test-only oracle);
* bad input, defined values where contrib returned NaN, dtypes, dynamic
  shapes, op names, summaries, ``print_losses`` and the docstring examples.
"""

from __future__ import annotations

import doctest
import inspect
import math

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tfcompat_losses import metric_learning as ml
from tfcompat_losses.metric_learning._scores import (
    ClusteringScorer,
    expected_mutual_information_table,
)

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --------------------------------------------------------------------------
# Random batches.


@st.composite
def label_layouts(draw: st.DrawFn, batch: int) -> np.ndarray:
    """All-same, all-distinct, or a random number of classes."""
    kind = draw(st.sampled_from(["same", "distinct", "random", "random"]))
    if kind == "same":
        return np.zeros(batch, np.int32)
    if kind == "distinct":
        return np.arange(batch, dtype=np.int32)
    classes = draw(st.integers(2, max(2, batch // 2)))
    seed = draw(st.integers(0, 2**31))
    return np.random.default_rng(seed).integers(0, classes, batch).astype(np.int32)


@st.composite
def batches(draw: st.DrawFn, min_b: int = 4, max_b: int = 32) -> tuple[np.ndarray, np.ndarray]:
    b = draw(st.integers(min_b, max_b))
    d = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        x = rng.normal(size=(b, d))
    else:  # a coarse grid: exact duplicates and tied distances
        x = rng.integers(-2, 3, size=(b, d)).astype(np.float64)
    return draw(label_layouts(b)), x


def pdist_np(x: np.ndarray, squared: bool = False) -> np.ndarray:
    """contrib's ``pairwise_distance_np``."""
    d = np.sqrt(np.maximum(np.sum((x[:, None, :] - x[None, :, :]) ** 2, -1), 0.0))
    return d**2 if squared else d


# --------------------------------------------------------------------------
# contrib's NumPy reference formulas (metric_learning_test.py), float64.


def triplet_np(labels: np.ndarray, x: np.ndarray, margin: float) -> float:
    adjacency = labels[:, None] == labels[None, :]
    d = pdist_np(x, squared=True)
    n = len(labels)
    loss, num_positives = 0.0, 0.0
    for i in range(n):
        for j in range(n):
            if adjacency[i][j] and i != j:
                num_positives += 1.0
                negs = sorted(d[i][k] for k in range(n) if not adjacency[i][k])
                # contrib's TF code: no negative at all -> the row minimum, 0
                # (the NumPy reference indexed an empty list).
                chosen = negs[0] if negs else 0.0
                for neg in negs:
                    chosen = neg
                    if neg > d[i][j]:
                        break
                loss += max(0.0, margin - chosen + d[i][j])
    return loss / num_positives if num_positives else 0.0


def lifted_np(labels: np.ndarray, x: np.ndarray, margin: float) -> float:
    adjacency = labels[:, None] == labels[None, :]
    d = pdist_np(x)
    n = len(labels)
    loss, num_constraints = 0.0, 0.0
    for i in range(n):
        for j in range(n):
            if adjacency[i][j] and i != j:
                negs = [margin - d[i][k] for k in range(n) if not adjacency[i][k]]
                negs += [margin - d[j][k] for k in range(n) if not adjacency[j][k]]
                num_constraints += 1.0
                if not negs:  # no negatives: log(0) = -inf, hinge 0
                    continue
                negs_a = np.array(negs)
                top = np.max(negs_a)
                soft_maximum = np.log(np.sum(np.exp(negs_a - top))) + top
                this = max(soft_maximum + d[i][j], 0.0)
                loss += this * this
    return loss / num_constraints / 2.0 if num_constraints else 0.0


def contrastive_np(labels: np.ndarray, a: np.ndarray, p: np.ndarray, margin: float) -> float:
    dist = np.sqrt(np.sum(np.square(a - p), axis=1))
    return float(
        np.mean(labels * np.square(dist) + (1.0 - labels) * np.square(np.maximum(margin - dist, 0)))
    )


def npairs_np(adjacency: np.ndarray, a: np.ndarray, p: np.ndarray, reg_lambda: float) -> float:
    reg = np.mean(np.sum(np.square(a), 1)) + np.mean(np.sum(np.square(p), 1))
    reg *= 0.25 * reg_lambda
    sim = a @ p.T
    remapped = adjacency.astype(np.float64)
    remapped /= np.sum(remapped, 1, keepdims=True)
    log_softmax = sim - sim.max(1, keepdims=True)
    log_softmax -= np.log(np.sum(np.exp(log_softmax), 1, keepdims=True))
    return float(np.mean(-np.sum(remapped * log_softmax, 1)) + reg)


@SETTINGS
@given(batches(), st.sampled_from([0.2, 1.0, 2.5]))
def test_triplet_semihard_numpy_reference(batch: tuple, margin: float) -> None:
    labels, x = batch
    got = ml.triplet_semihard_loss(labels, tf.constant(x), margin=margin)
    assert got.dtype == tf.float64
    np.testing.assert_allclose(float(got), triplet_np(labels, x, margin), rtol=1e-9, atol=1e-12)


@SETTINGS
@given(batches(), st.sampled_from([0.2, 1.0, 2.5]))
def test_lifted_struct_numpy_reference(batch: tuple, margin: float) -> None:
    labels, x = batch
    got = ml.lifted_struct_loss(labels, tf.constant(x), margin=margin)
    np.testing.assert_allclose(float(got), lifted_np(labels, x, margin), rtol=1e-9, atol=1e-12)


@SETTINGS
@given(batches(min_b=2), st.integers(0, 2**31), st.sampled_from([0.5, 1.0]))
def test_contrastive_numpy_reference(batch: tuple, seed: int, margin: float) -> None:
    _, a = batch
    rng = np.random.default_rng(seed)
    p = a + rng.normal(size=a.shape) * rng.choice([0.0, 0.3])
    labels = rng.integers(0, 2, len(a))
    got = ml.contrastive_loss(labels, tf.constant(a), tf.constant(p), margin=margin)
    np.testing.assert_allclose(float(got), contrastive_np(labels, a, p, margin), rtol=1e-9)


@SETTINGS
@given(batches(min_b=2), st.integers(0, 2**31), st.sampled_from([0.0, 0.002, 0.02]))
def test_npairs_numpy_reference(batch: tuple, seed: int, reg_lambda: float) -> None:
    labels, a = batch
    p = a + np.random.default_rng(seed).normal(size=a.shape)
    got = ml.npairs_loss(labels, tf.constant(a), tf.constant(p), reg_lambda=reg_lambda)
    adjacency = labels[:, None] == labels[None, :]
    np.testing.assert_allclose(float(got), npairs_np(adjacency, a, p, reg_lambda), rtol=1e-9)


def _sparse_rows(dense: np.ndarray) -> list[tf.SparseTensor]:
    """contrib's ``convert_to_list_of_sparse_tensor``."""
    rows = []
    for row in dense:
        idx = np.nonzero(row)[0]
        rows.append(tf.SparseTensor(idx[:, None], np.ones(len(idx)), [dense.shape[1]]))
    return rows


@SETTINGS
@given(batches(min_b=2), st.integers(0, 2**31))
def test_npairs_multilabel_numpy_reference(batch: tuple, seed: int) -> None:
    _, a = batch
    rng = np.random.default_rng(seed)
    p = a + rng.normal(size=a.shape)
    dense = rng.integers(0, 2, (len(a), 6))
    dense[:, -1] = 1  # contrib's test: every row has a label
    got = ml.npairs_loss_multilabel(_sparse_rows(dense), tf.constant(a), tf.constant(p), 0.02)
    np.testing.assert_allclose(float(got), npairs_np(dense @ dense.T, a, p, 0.02), rtol=1e-9)


def test_npairs_multilabel_one_hot_equals_npairs() -> None:
    """contrib's testNpairsMultiLabelLossWithSingleLabelEqualsNpairsLoss."""
    rng = np.random.default_rng(0)
    a = rng.random((15, 6)).astype(np.float32)
    p = rng.random((15, 6)).astype(np.float32)
    plain = ml.npairs_loss(np.arange(15), a, p, reg_lambda=0.02)
    multi = ml.npairs_loss_multilabel(_sparse_rows(np.identity(15)), a, p, reg_lambda=0.02)
    np.testing.assert_allclose(float(plain), float(multi), rtol=1e-6)


@SETTINGS
@given(batches(min_b=1), st.booleans())
def test_pairwise_distance_numpy_reference(batch: tuple, squared: bool) -> None:
    _, x = batch
    got = ml.pairwise_distance(tf.constant(x), squared=squared).numpy()
    np.testing.assert_allclose(got, pdist_np(x, squared), rtol=1e-6, atol=1e-6)
    assert np.all(np.diag(got) == 0.0)


# --------------------------------------------------------------------------
# The semi-hard search and its gradient against contrib's formulation.


def _triplet_reference(labels: tf.Tensor, x: tf.Tensor, margin: float) -> tf.Tensor:
    """contrib's triplet_semihard_loss, its [B*B, B] tiling as a broadcast
    ``[a, p, n]`` masked minimum (the same ops, so the same rounding)."""
    pd = ml.pairwise_distance(x, squared=True)
    b = tf.shape(pd)[0]
    adjacency = tf.equal(labels[:, None], labels[None, :])
    adj_not = tf.logical_not(adjacency)
    data = tf.broadcast_to(pd[:, None, :], [b, b, b])
    mask = tf.logical_and(adj_not[:, None, :], pd[:, None, :] > pd[:, :, None])
    outside = ml.masked_minimum(data, tf.cast(mask, pd.dtype), dim=2)[..., 0]
    inside = ml.masked_maximum(pd, tf.cast(adj_not, pd.dtype))
    semi_hard = tf.where(tf.reduce_any(mask, 2), outside, inside)
    loss_mat = margin + (pd - semi_hard)
    mask_positives = tf.cast(adjacency, pd.dtype) - tf.eye(b, dtype=pd.dtype)
    total = tf.reduce_sum(tf.maximum(loss_mat * mask_positives, 0.0))
    return tf.math.divide_no_nan(total, tf.reduce_sum(mask_positives))


@SETTINGS
@given(st.integers(2, 12), st.sampled_from(["grid", "uniform", "far"]), st.integers(0, 2**31))
def test_semihard_search_matches_contrib_formulation(b: int, kind: str, seed: int) -> None:
    """Values and gradient, with exact ties, ties made by rounding
    (``fl(d - rowmax)``) and the chosen negative being the row maximum."""
    rng = np.random.default_rng(seed)
    if kind == "grid":
        x = rng.integers(0, 3, (b, 2)).astype(np.float32)
    elif kind == "uniform":
        x = rng.random((b, 3)).astype(np.float32)
    else:  # near-duplicates and far outliers: rounding ties at the row max
        x = (rng.integers(0, 3, (b, 2)) * 1e-3 + 30 * (rng.random((b, 2)) < 0.1)).astype(np.float32)
    labels = tf.constant(rng.integers(0, max(1, int(rng.integers(1, b + 1))), b))
    x_t = tf.constant(x)
    margin = float(rng.choice([0.0, 0.5, 1.0]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x_t)
        got = ml.triplet_semihard_loss(labels, x_t, margin)
        want = _triplet_reference(labels, x_t, margin)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        tape.gradient(got, x_t).numpy(), tape.gradient(want, x_t).numpy(), rtol=1e-5, atol=1e-5
    )


# --------------------------------------------------------------------------
# Clustering scores against scikit-learn (test-only oracle).


@st.composite
def clusterings(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    k_true = draw(st.integers(1, n))
    labels = rng.integers(0, k_true, n) * 3 + 1  # arbitrary label values
    if draw(st.booleans()):
        labels = rng.permutation(n) * 3 + 1  # singletons: AMI's 0/0 case
    m = draw(st.integers(1, 4))
    preds = []
    for _ in range(m):
        k = draw(st.integers(1, min(n, max(1, len(np.unique(labels))))))
        kind = draw(st.sampled_from(["random", "same", "permuted", "single"]))
        if kind == "same":
            _, p = np.unique(labels, return_inverse=True)
        elif kind == "permuted":
            _, p = np.unique(labels, return_inverse=True)
            p = rng.permutation(p.max() + 1)[p]
        elif kind == "single":
            p = np.zeros(n, np.int64)
        else:
            p = rng.integers(0, k, n)
        preds.append(p % len(np.unique(labels)))
    return labels.astype(np.int64), np.array(preds, np.int32)


@SETTINGS
@given(clusterings(), st.sampled_from(["nmi", "ami", "ari", "vmeasure"]))
def test_clustering_scores_match_sklearn(clust: tuple, margin_type: str) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    oracle = {
        "nmi": metrics.normalized_mutual_info_score,
        "ami": metrics.adjusted_mutual_info_score,
        "ari": metrics.adjusted_rand_score,
        "vmeasure": metrics.v_measure_score,
    }[margin_type]
    labels, preds = clust
    scorer = ClusteringScorer(tf.constant(labels), margin_type)
    got = scorer._score(tf.constant(preds)).numpy()
    want = [oracle(labels, p) for p in preds]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    # contrib's cast to float32 and clip at 0 (a score within rounding of 0
    # may land on either side of it).
    want32 = np.float32(want) if margin_type == "nmi" else np.maximum(np.float32(want), 0)
    np.testing.assert_allclose(scorer(tf.constant(preds)).numpy(), want32, rtol=1e-7, atol=1e-12)


def test_emi_table_matches_sklearn() -> None:
    emi_fn = pytest.importorskip(
        "sklearn.metrics.cluster._expected_mutual_info_fast"
    ).expected_mutual_information
    rng = np.random.default_rng(0)
    for n in (2, 7, 30, 64):
        labels = rng.integers(0, max(2, n // 4), n)
        sizes = np.unique(labels, return_counts=True)[1]
        table = expected_mutual_information_table(
            tf.constant(sizes, tf.int32), tf.constant(n)
        ).numpy()
        for _ in range(5):
            pred = rng.integers(0, rng.integers(2, n + 1), n)
            cont = np.zeros((len(sizes), pred.max() + 1), np.int64)
            np.add.at(cont, (np.unique(labels, return_inverse=True)[1], pred), 1)
            cont = cont[:, cont.sum(0) > 0]
            want = emi_fn(cont, n)
            got = sum(table[s] for s in cont.sum(0))
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


def _ground_truth_score_np(x: np.ndarray, y: np.ndarray) -> float:
    """contrib's ``compute_ground_truth_cluster_score``."""
    score = 0.0
    for c in np.unique(y):
        sub = pdist_np(x[y == c])
        score += -1.0 * np.min(np.sum(sub, axis=0))
    return score


def _greedy_cluster_loss_np(x: np.ndarray, y: np.ndarray, mult: float) -> tuple[float, float]:
    """contrib's NumPy ``ForwardGreedyFacility.loss_augmented_fit`` (NMI).

    Also returns the smallest gap between the best and the second-best
    candidate over the greedy steps: below rounding, the choice is a tie
    that NumPy's and TF's summation orders may break differently.
    """
    from sklearn.metrics import normalized_mutual_info_score as nmi

    d = pdist_np(x)
    candidates = list(range(len(y)))
    subset: list[int] = []
    gap = np.inf
    for _ in range(len(np.unique(y))):
        scores = []
        for i in candidates:
            subset.append(i)
            cost = -1.0 * np.sum(np.min(d[subset, :], axis=0))
            assign = np.argmin(d[subset, :], axis=0)
            assign[subset] = np.arange(len(subset))
            scores.append(cost + mult * (1.0 - nmi(y, assign)))
            subset.pop()
        if len(scores) > 1:
            top = np.sort(scores)[-2:]
            gap = min(gap, top[1] - top[0])
        best = candidates[int(np.argmax(scores))]
        subset.append(best)
        candidates.remove(best)
    assign = np.argmin(d[subset, :], axis=0)
    assign[subset] = np.arange(len(subset))
    score_aug = -np.sum(np.min(d[subset, :], axis=0)) + mult * (1.0 - nmi(y, assign))
    return max(0.0, score_aug - _ground_truth_score_np(x, y)), gap


@settings(SETTINGS, max_examples=10)
@given(
    st.integers(4, 16).flatmap(label_layouts),
    st.integers(2, 6),
    st.integers(0, 2**31),
    st.sampled_from([0.5, 1.0, 10.0]),
)
def test_cluster_loss_greedy_numpy_reference(
    labels: np.ndarray, dim: int, seed: int, mult: float
) -> None:
    pytest.importorskip("sklearn")
    # Random points in >= 2 dimensions, and no near-tie between candidate
    # centroids (on a grid or a line sums of distances tie exactly, and the
    # summation orders of NumPy and of contrib's TF code break ties
    # differently; the tf_slim tests cover ties).
    x = np.random.default_rng(seed).normal(size=(len(labels), dim))
    want, gap = _greedy_cluster_loss_np(x, labels, mult)
    assume(gap > 1e-9)
    got = ml.cluster_loss(labels, tf.constant(x), mult, enable_pam_finetuning=False)
    np.testing.assert_allclose(float(got), want, rtol=1e-7, atol=1e-12)


# --------------------------------------------------------------------------
# Defined values where contrib returned NaN.


def _value_and_grad(fn, *args, **kwargs) -> tuple[float, np.ndarray]:
    x = tf.constant(args[1])
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = fn(args[0], x, *args[2:], **kwargs)
    return float(loss), tape.gradient(loss, x).numpy()


@pytest.mark.parametrize("fn", [ml.triplet_semihard_loss, ml.lifted_struct_loss])
@pytest.mark.parametrize("labels", ["distinct", "same"])
def test_no_positive_pairs_or_negatives_is_defined(fn, labels: str) -> None:
    x = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    y = np.arange(6) if labels == "distinct" else np.zeros(6, np.int32)
    value, grad = _value_and_grad(fn, y, x)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    if labels == "distinct" or fn is ml.lifted_struct_loss:
        assert value == 0.0 and not grad.any()
    else:  # triplet, all same: contrib's defined value, margin + mean d(a, p)
        d = pdist_np(x.astype(np.float64), squared=True)
        np.testing.assert_allclose(value, 1.0 + d.sum() / 30, rtol=1e-5)


def test_contrastive_identical_pair_has_finite_gradient() -> None:
    a = np.ones((3, 2), np.float32)
    value, grad = _value_and_grad(
        lambda y, x: ml.contrastive_loss(y, x, a), np.array([1, 0, 1]), a.copy()
    )
    assert value == pytest.approx(1.0 / 3) and np.all(np.isfinite(grad))


def test_multilabel_without_labels_is_defined() -> None:
    labels = [tf.SparseTensor(np.zeros((0, 1), np.int64), np.zeros(0), [4])] * 2
    x = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = ml.npairs_loss_multilabel(labels, x, x)
    assert np.isfinite(float(loss)) and np.all(np.isfinite(tape.gradient(loss, x).numpy()))


@pytest.mark.parametrize("margin_type", ml.MARGIN_TYPES)
@pytest.mark.parametrize("labels", ["distinct", "same"])
def test_cluster_loss_degenerate_labels(margin_type: str, labels: str) -> None:
    x = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    y = np.arange(6) if labels == "distinct" else np.zeros(6, np.int64)
    value, grad = _value_and_grad(ml.cluster_loss, y, x, 1.0, margin_type=margin_type)
    assert np.isfinite(value) and value >= 0 and np.all(np.isfinite(grad))


# --------------------------------------------------------------------------
# Bad input.

X = np.zeros((4, 3), np.float32)
Y = np.array([0, 0, 1, 1])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ml.triplet_semihard_loss(Y[:, None], X), r"labels must be 1-D .*\(4, 1\)"),
        (lambda: ml.triplet_semihard_loss(Y[:3], X), r"batch sizes differ.*labels \(3,\)"),
        (lambda: ml.triplet_semihard_loss(Y, X[0]), r"embeddings must be 2-D.*\(3,\)"),
        (lambda: ml.triplet_semihard_loss(Y, X[None]), r"embeddings must be 2-D.*\(1, 4, 3\)"),
        (lambda: ml.triplet_semihard_loss(Y > 0, X), r"labels must be an integer or float.*bool"),
        (lambda: ml.triplet_semihard_loss(["a"] * 4, X), r"labels must be an integer.*string"),
        (lambda: ml.triplet_semihard_loss(Y, Y[:, None] * 1), r"embeddings must be a floating"),
        (lambda: ml.lifted_struct_loss(Y, X[:2]), r"lifted_struct_loss: batch sizes differ"),
        (lambda: ml.triplet_semihard_loss(Y, X, margin=[1.0]), r"margin must be a number"),
        (lambda: ml.contrastive_loss(Y, X, X[:3]), r"embeddings_anchor and embeddings_positive"),
        (lambda: ml.contrastive_loss(Y[:2], X, X), r"contrastive_loss: batch sizes differ"),
        (lambda: ml.contrastive_loss([[1.0]] * 4, X, X), r"labels must be 1-D"),
        (lambda: ml.npairs_loss(Y[:3], X, X), r"npairs_loss: batch sizes differ"),
        (lambda: ml.npairs_loss(Y, X, X[:, :2]), r"must have the same shape"),
        (lambda: ml.pairwise_distance([1.0, 2.0]), r"pairwise_distance: feature must be 2-D"),
        (lambda: ml.cluster_loss(Y, X, 1.0, margin_type="nmi2"), r"Expected margin_type"),
        (lambda: ml.cluster_loss(np.zeros((4, 2)), X, 1.0), r"labels must be 1-D"),
        (lambda: ml.cluster_loss(Y[:3], X, 1.0), r"cluster_loss: batch sizes differ"),
        (lambda: ml.triplet_semihard_loss(None, X), r"labels is required"),
    ],
)
def test_bad_input_raises_value_error(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_multilabel_bad_sparse_labels() -> None:
    sp = tf.SparseTensor([[0]], [1.0], [3])
    with pytest.raises(TypeError, match="list of 1-D SparseTensors"):
        ml.npairs_loss_multilabel(sp, X, X)
    with pytest.raises(TypeError, match="list of SparseTensors"):
        ml.npairs_loss_multilabel([np.ones(3)] * 4, X, X)
    with pytest.raises(ValueError, match="batch sizes differ"):
        ml.npairs_loss_multilabel([sp] * 3, X, X)
    with pytest.raises(ValueError, match="same dense shape"):
        ml.npairs_loss_multilabel([sp] * 3 + [tf.SparseTensor([[0]], [1.0], [4])], X, X)
    with pytest.raises(ValueError, match="1-D SparseTensor"):
        ml.npairs_loss_multilabel([tf.SparseTensor([[0, 0]], [1.0], [3, 1])] * 4, X, X)


def test_print_losses_under_xla_raises() -> None:
    f = tf.function(lambda x: ml.npairs_loss(Y, x, x, print_losses=True), jit_compile=True)
    with pytest.raises(ValueError, match=r"print_losses=True.*XLA"):
        f(tf.constant(X))


def test_cluster_loss_under_xla_raises() -> None:
    f = tf.function(lambda y, x: ml.cluster_loss(y, x, 1.0), jit_compile=True)
    with pytest.raises(ValueError, match="does not compile under XLA"):
        f(tf.constant(Y), tf.constant(X))


# --------------------------------------------------------------------------
# API surface, modes, dtypes.


def test_signatures_are_contribs() -> None:
    want = {
        "pairwise_distance": "(feature, squared=False)",
        "contrastive_loss": "(labels, embeddings_anchor, embeddings_positive, margin=1.0)",
        "triplet_semihard_loss": "(labels, embeddings, margin=1.0)",
        "lifted_struct_loss": "(labels, embeddings, margin=1.0)",
        "npairs_loss": "(labels, embeddings_anchor, embeddings_positive, reg_lambda=0.002, "
        "print_losses=False)",
        "npairs_loss_multilabel": "(sparse_labels, embeddings_anchor, embeddings_positive, "
        "reg_lambda=0.002, print_losses=False)",
        "cluster_loss": "(labels, embeddings, margin_multiplier, enable_pam_finetuning=True, "
        "margin_type='nmi', print_losses=False)",
        "masked_maximum": "(data, mask, dim=1)",
        "masked_minimum": "(data, mask, dim=1)",
    }
    for name, sig in want.items():
        params = inspect.signature(getattr(ml, name)).parameters.values()
        plain = (
            "("
            + ", ".join(
                p.name if p.default is p.empty else f"{p.name}={p.default!r}" for p in params
            )
            + ")"
        )
        assert plain == sig, name
    assert sorted(ml.__all__) == sorted(want)


def test_docstring_examples() -> None:
    result = doctest.testmod(ml, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted >= 9 and result.failed == 0


LOSSES = {
    "triplet_semihard_loss": lambda y, x: ml.triplet_semihard_loss(y, x, 0.5),
    "lifted_struct_loss": lambda y, x: ml.lifted_struct_loss(y, x),
    "contrastive_loss": lambda y, x: ml.contrastive_loss(y % 2, x, x[::-1]),
    "npairs_loss": lambda y, x: ml.npairs_loss(y, x, x[::-1]),
    "cluster_loss": lambda y, x: ml.cluster_loss(y, x, 1.0),
}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_other_float_dtypes(name: str, dtype: str) -> None:
    """Contrib took float32 only; other dtypes compute in their own."""
    rng = np.random.default_rng(1)
    y = tf.constant(rng.integers(0, 3, 8))
    x32 = rng.normal(size=(8, 3)).astype(np.float32)
    x = tf.constant(x32, dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = LOSSES[name](y, x)
    assert loss.dtype == x.dtype
    grad = tf.cast(tape.gradient(loss, x), tf.float32).numpy()
    assert np.all(np.isfinite(grad))
    want = float(LOSSES[name](y, tf.constant(tf.cast(x, tf.float32))))
    tol = {"float16": 2e-2, "bfloat16": 6e-2, "float64": 1e-5}[dtype]
    if name == "cluster_loss" and dtype != "float64":
        # Half precision may pick other centroids: only the scale must agree.
        tol = 0.25
    np.testing.assert_allclose(float(tf.cast(loss, tf.float32)), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_unknown_batch_size_in_function(name: str) -> None:
    rng = np.random.default_rng(2)
    fn = tf.function(
        LOSSES[name],
        input_signature=[tf.TensorSpec([None], tf.int64), tf.TensorSpec([None, 3], tf.float32)],
    )
    for b in (5, 9):
        y = tf.constant(rng.integers(0, 3, b))
        x = tf.constant(rng.normal(size=(b, 3)).astype(np.float32))
        np.testing.assert_allclose(float(fn(y, x)), float(LOSSES[name](y, x)), rtol=1e-5)


def test_graph_op_names_and_summaries() -> None:
    g = tf.Graph()
    with g.as_default():
        y = tf.constant([0, 0, 1, 1], tf.int64)
        x = tf.constant(np.random.default_rng(3).normal(size=(4, 2)).astype(np.float32))
        names = {
            ml.triplet_semihard_loss(y, x).op.name,
            ml.lifted_struct_loss(y, x).op.name,
            ml.contrastive_loss(y, x, x).op.name,
            ml.cluster_loss(y, x, 1.0).op.name,
        }
        assert names == {
            "triplet_semihard_loss",
            "liftedstruct_loss",
            "contrastive_loss",
            "clustering_loss",
        }
        summaries = [t.op.name for t in tf.compat.v1.get_collection("summaries")]
        assert summaries == ["losses/score_pred", "losses/nmi", "losses/score_gt"]
        assert tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES) == []


def test_cluster_loss_summaries_to_default_writer(tmp_path) -> None:
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=3):
        ml.cluster_loss(Y, np.eye(4, 3, dtype=np.float32), 1.0, margin_type="ari")
    writer.flush()
    tags = set()
    for f in tmp_path.iterdir():
        for e in tf.compat.v1.train.summary_iterator(str(f)):
            tags |= {v.tag for v in e.summary.value}
    assert tags == {"losses/score_pred", "losses/ari", "losses/score_gt"}


def test_print_losses(capfd) -> None:
    x = tf.constant(np.eye(4, 3, dtype=np.float32))
    ml.npairs_loss(Y, x, x, print_losses=True)
    ml.cluster_loss(Y, x, 1.0, print_losses=True)
    err = capfd.readouterr().err
    assert "cross entropy:" in err and "l2loss:" in err and "clustering_loss:" in err


def test_xla_matches_eager() -> None:
    rng = np.random.default_rng(4)
    y = tf.constant(rng.integers(0, 4, 16))
    x = tf.constant(rng.normal(size=(16, 5)).astype(np.float32))
    for name, fn in LOSSES.items():
        if name == "cluster_loss":
            continue
        got = tf.function(fn, jit_compile=True)(y, x)
        np.testing.assert_allclose(float(got), float(fn(y, x)), rtol=2e-5, err_msg=name)


def test_masked_reductions() -> None:
    data = tf.constant([[1.0, 5.0, 3.0], [2.0, 0.5, 4.0]])
    mask = tf.constant([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(ml.masked_maximum(data, mask).numpy(), [[3.0], [0.5]])
    np.testing.assert_array_equal(ml.masked_minimum(data, mask).numpy(), [[1.0], [4.0]])


def test_margin_as_tensor() -> None:
    x = np.random.default_rng(5).normal(size=(6, 2)).astype(np.float32)
    y = np.array([0, 0, 1, 1, 2, 2])
    for fn in (ml.triplet_semihard_loss, ml.lifted_struct_loss):
        a = fn(y, x, margin=tf.constant(0.7))
        b = fn(y, x, margin=0.7)
        assert math.isclose(float(a), float(b), rel_tol=1e-6)
    a = ml.cluster_loss(y, x, tf.constant(2.0))
    assert math.isclose(float(a), float(ml.cluster_loss(y, x, 2.0)), rel_tol=1e-6)
