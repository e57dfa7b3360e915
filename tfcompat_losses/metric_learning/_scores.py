"""Clustering scores (NMI, AMI, ARI, V-measure) as TF ops.

scikit-learn's formulas (contrib called ``sklearn.metrics`` through
``py_func``) computed from contingency tables, in float64: no scikit-learn,
no host round trip, many candidate clusterings at once.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

_F64 = tf.float64
_EPS64 = float(np.finfo(np.float64).eps)
MARGIN_TYPES = ("nmi", "ami", "ari", "vmeasure", "const")


def entropy(counts: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
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


def expected_mutual_information_table(class_sizes: tf.Tensor, n_int: tf.Tensor) -> tf.Tensor:
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


class ClusteringScorer:
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
        self.h_true = entropy(self.a, self.n)
        self.single_class = tf.equal(self.k, 1)
        if margin_type == "ami":
            self.emi = expected_mutual_information_table(tf.cast(self.a, tf.int32), n_int)
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
        h_pred = entropy(b, n)
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
