"""The mining losses at batch sizes the other tests do not reach, against contrib.

``triplet_semihard_loss`` and ``lifted_struct_loss`` visit each anchor once
per member of its class, in blocks of anchors; these batches (64 to 200)
cover several member slots, classes of one sample, a few large classes,
exact ties of distances (embeddings on a grid) and duplicated embeddings.
The oracle is ``tf_slim.losses.metric_learning`` (the TF 1.15 contrib code)
in a TF1 graph; value and gradient (w.r.t. the embeddings) must agree to
1e-6, relative to the value and to the largest gradient entry (the lifted
loss's gradient to 5e-6: each entry sums ``O(B)`` exponentials, which
contrib adds in another order). Both are float32 computations of the same
formula, so that is a few units of float32 rounding. (Near-duplicate
embeddings, whose distance is float32 noise amplified by ``1 / d`` in both
codes' gradients, are left out, as in ``test_metric_learning_slim.py``.)

``BLOCK_ROWS`` is lowered for some cases so that the batches span several
anchor blocks, including a partial last one.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pytest
import tensorflow as tf

from tfcompat_losses import metric_learning as ml
from tfcompat_losses.metric_learning import _rows

slim = pytest.importorskip("tf_slim.losses.metric_learning")

pytestmark = pytest.mark.tfslim

RTOL = 1e-6


def _labels(kind: str, b: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "fours":  # the usual P x K batch: classes of 4
        return rng.permutation(np.arange(b) // 4).astype(np.int32)
    if kind == "singletons":  # half the samples alone in their class
        y = np.arange(b) // 3
        y[: b // 2] = np.arange(b // 2) + b
        return rng.permutation(y).astype(np.int32)
    if kind == "two":  # two large classes: many member slots
        return rng.integers(0, 2, b).astype(np.int32)
    return rng.integers(0, max(2, b // 8), b).astype(np.int32)  # "random"


def _embeddings(kind: str, b: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "grid":  # exact ties between distances, duplicates at distance 0
        return rng.integers(-1, 2, size=(b, 4)).astype(np.float32)
    x = rng.normal(size=(b, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def _contrib(fn: str, y: np.ndarray, x: np.ndarray, margin: float) -> tuple[float, np.ndarray]:
    g = tf.Graph()
    with g.as_default(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tx = tf.constant(x)
        loss = getattr(slim, fn)(tf.constant(y), tx, margin)
        grad = tf.compat.v1.gradients(loss, [tx])[0]
        with tf.compat.v1.Session(graph=g) as sess:
            value, grad_value = sess.run([loss, grad])
    return float(value), grad_value


def _ours(
    fn: str, y: np.ndarray, x: np.ndarray, margin: float, mode: str
) -> tuple[float, np.ndarray]:
    def step(labels: tf.Tensor, emb: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(emb)
            loss = getattr(ml, fn)(labels, emb, margin)
        return loss, tape.gradient(loss, emb)

    if mode != "eager":
        step = tf.function(step, jit_compile=(mode == "xla"))
    loss, grad = step(tf.constant(y), tf.constant(x))
    return float(loss), grad.numpy()


@pytest.fixture(params=[None, 48], ids=["one-block", "blocks-of-48"])
def block_rows(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.param is None:
        yield
        return
    saved = _rows.BLOCK_ROWS
    _rows.BLOCK_ROWS = request.param
    try:
        yield
    finally:
        _rows.BLOCK_ROWS = saved


CASES = [
    (64, "fours", "unit", 0.2),
    (100, "singletons", "unit", 1.0),
    (128, "two", "unit", 0.5),
    (150, "random", "grid", 1.0),
    (200, "fours", "grid", 1.0),
    (200, "random", "unit", 0.1),
]


@pytest.mark.parametrize("fn", ["triplet_semihard_loss", "lifted_struct_loss"])
@pytest.mark.parametrize(("b", "labels", "points", "margin"), CASES)
@pytest.mark.parametrize("mode", ["eager", "function", "xla"])
def test_matches_contrib(
    block_rows: None, fn: str, b: int, labels: str, points: str, margin: float, mode: str
) -> None:
    rng = np.random.default_rng(b)
    y = _labels(labels, b, rng)
    x = _embeddings(points, b, rng)
    want, want_grad = _contrib(fn, y, x, margin)
    got, got_grad = _ours(fn, y, x, margin, mode)
    assert np.isfinite(want) and want > 0
    np.testing.assert_allclose(got, want, rtol=RTOL, err_msg="value")
    scale = float(np.max(np.abs(want_grad)))
    assert scale > 0
    grad_rtol = 5 * RTOL if fn == "lifted_struct_loss" else RTOL
    np.testing.assert_allclose(
        got_grad, want_grad, rtol=0, atol=grad_rtol * scale, err_msg="gradient"
    )


def test_class_members() -> None:
    labels = tf.constant([7, 3, 7, 9, 3, 7])
    members = _rows.class_members(labels)
    assert members.size.numpy().tolist() == [3, 2, 3, 1, 2, 3]
    assert int(members.largest) == 3
    for a in range(6):
        got = sorted(
            int(_rows.member(members, tf.constant([a]), tf.constant(j))[0])
            for j in range(int(members.size[a]))
        )
        assert got == [i for i in range(6) if labels[i] == labels[a]]


def test_distance_grad_sum_over_overlapping_blocks_matches_autodiff() -> None:
    """The blockwise gradient of ``sum(G * squared_distances(x))`` equals
    autodiff of contrib's formula (no gradient where the distance is 0),
    with a last block that overlaps the one before and zero rows there."""
    rng = np.random.default_rng(0)
    b = 100
    x = rng.normal(size=(b, 8)).astype(np.float32)
    x[7] = x[3]  # a duplicate: distance 0 off the diagonal
    g = rng.normal(size=(b, b)).astype(np.float32)
    tx = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        sq = tf.reduce_sum(tf.square(tx), 1)
        d2 = sq[:, None] + sq[None, :] - 2.0 * tf.matmul(tx, tx, transpose_b=True)
        d2 = tf.linalg.set_diag(d2, tf.zeros([b]))
        d2 = tf.where(d2 > 0.0, d2, tf.zeros_like(d2))
        want = tape.gradient(tf.reduce_sum(g * d2), tx).numpy()
    squared = _rows.squared_distances(tx)
    acc = _rows.DistanceGradSum.zeros(tx)
    for start, own_from in [(0, 0), (40, 40), (60, 80)]:  # rows 60..79 were the second block's
        rows = np.arange(start, start + 40)
        own = g[rows] * (rows >= own_from)[:, None]
        acc = _rows.add_distance_grad(
            acc, tx, tf.transpose(tx), tf.constant(rows, tf.int32), own, tf.gather(squared, rows)
        )
    got = acc.total(tx).numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=RTOL * np.max(np.abs(want)))
