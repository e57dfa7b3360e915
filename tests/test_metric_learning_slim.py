"""Differential tests against ``tf_slim.losses.metric_learning`` (the contrib code).

``tf_slim.losses.metric_learning`` is the TF 1.15
``tf.contrib.losses.metric_learning`` source. Each hypothesis example runs it
in a fresh TF1 graph with a ``tf.compat.v1.Session`` and compares value and
gradient (w.r.t. the embeddings) with ours, run eagerly, in ``tf.function``,
under XLA or in a TF1 graph (drawn per example). Batches of 4 to 32 with
all-same, all-distinct and random labels; embeddings either random or on a
coarse grid (exact duplicates, tied distances: the mining must break ties as
contrib did and split the gradient as ``reduce_min`` does).

Where contrib returns NaN (no positive pair; lifted loss without negatives)
ours returns 0 (tested in ``test_metric_learning.py``); those examples only
check that ours is finite.

``cluster_loss`` of tf_slim calls ``control_flow_ops.while_loop``, which TF
2.21 moved: it is pointed at ``tf.compat.v1.while_loop`` for these tests.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tfcompat_losses import metric_learning as ml

slim = pytest.importorskip("tf_slim.losses.metric_learning")

pytestmark = pytest.mark.tfslim

RTOL = 2e-5  # tests/data/README.md, float32
SETTINGS = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
MODES = ("eager", "function", "xla", "graph")


@contextlib.contextmanager
def _slim_while_loop() -> Iterator[None]:
    with mock.patch.object(
        slim.control_flow_ops, "while_loop", tf.compat.v1.while_loop, create=True
    ):
        yield


def run_slim(
    fn: str, args: list[Any], kwargs: dict[str, Any], diff: int | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The contrib value (and gradient w.r.t. ``args[diff]``), TF1 graph mode."""
    with warnings.catch_warnings(), _slim_while_loop():
        warnings.simplefilter("ignore")
        return _run_graph(getattr(slim, fn), args, kwargs, diff)


def _run_graph(
    f: Callable[..., tf.Tensor], args: list[Any], kwargs: dict[str, Any], diff: int | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """``f(*args, **kwargs)`` (and its gradient w.r.t. ``args[diff]``) in a TF1 graph."""
    g = tf.Graph()
    with g.as_default():
        tensors = [_sparse(a) if isinstance(a, list) else tf.constant(a) for a in args]
        out = f(*tensors, **kwargs)
        fetch = [out]
        if diff is not None:
            fetch += tf.compat.v1.gradients(tf.reduce_sum(out), [tensors[diff]])
        with tf.compat.v1.Session(graph=g) as sess:
            got = sess.run(fetch)
    return got[0], (got[1] if diff is not None else None)


def _sparse(rows: list[np.ndarray]) -> list[tf.SparseTensor]:
    out = []
    for row in rows:
        idx = np.nonzero(row)[0]
        out.append(tf.SparseTensor(idx[:, None], row[idx].astype(np.float32), [len(row)]))
    return out


def run_ours(
    fn: str, args: list[Any], kwargs: dict[str, Any], diff: int | None, mode: str
) -> tuple[np.ndarray, np.ndarray | None]:
    f: Callable[..., tf.Tensor] = getattr(ml, fn)
    if mode == "graph":
        return _run_graph(f, args, kwargs, diff)

    def step(tensors: list[Any]) -> tuple[tf.Tensor, Any]:
        if diff is None:
            return f(*tensors, **kwargs), None
        with tf.GradientTape() as tape:
            tape.watch(tensors[diff])
            out = f(*tensors, **kwargs)
        return out, tape.gradient(out, tensors[diff])

    tensors = [_sparse(a) if isinstance(a, list) else tf.constant(a) for a in args]
    if mode != "eager":
        step = tf.function(step, jit_compile=(mode == "xla"))
    out, grad = step(tensors)
    return out.numpy(), (None if grad is None else grad.numpy())


def compare(
    fn: str,
    args: list[Any],
    kwargs: dict[str, Any],
    diff: int | None,
    mode: str,
    grad_rtol: float = RTOL,
) -> None:
    want, want_g = run_slim(fn, args, kwargs, diff)
    got, got_g = run_ours(fn, args, kwargs, diff, mode)
    assert np.all(np.isfinite(got)), "ours is not finite"
    if got_g is not None:
        assert np.all(np.isfinite(got_g)), "our gradient is not finite"
    if not (np.all(np.isfinite(want)) and (want_g is None or np.all(np.isfinite(want_g)))):
        return  # contrib's NaN: ours is defined (checked above)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * 1e-2, err_msg="value")
    if want_g is not None:
        scale = float(np.max(np.abs(want_g))) if want_g.size else 0.0
        np.testing.assert_allclose(
            got_g, want_g, rtol=grad_rtol, atol=grad_rtol * max(scale, 1e-3), err_msg="gradient"
        )


# --------------------------------------------------------------------------
# Inputs.


@st.composite
def labels_for(draw: st.DrawFn, batch: int) -> np.ndarray:
    kind = draw(st.sampled_from(["same", "distinct", "random", "random", "random"]))
    if kind == "same":
        return np.full(batch, 3, np.int32)
    if kind == "distinct":
        return np.random.default_rng(batch).permutation(batch).astype(np.int32)
    classes = draw(st.integers(2, max(2, batch // 2)))
    seed = draw(st.integers(0, 2**31))
    return np.random.default_rng(seed).integers(0, classes, batch).astype(np.int32)


@st.composite
def embeddings(draw: st.DrawFn, batch: int, min_gap: float = 0.0) -> np.ndarray:
    """Random (sometimes l2-normalised) or on a grid (duplicates, ties).

    ``min_gap``: distinct points at least this far apart (the gradient of a
    distance near 0 divides by it, so tiny gaps make both codes' gradients
    rounding noise).
    """
    d = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["normal", "unit", "grid"]))
    if kind == "grid":
        x = rng.integers(-2, 3, size=(batch, d)).astype(np.float32)
    else:
        x = rng.normal(size=(batch, d)).astype(np.float32)
        if kind == "unit":
            x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-3)
    if min_gap:
        dist = np.linalg.norm(x[:, None].astype(np.float64) - x[None], axis=-1)
        assume(np.all((dist == 0) | (dist > min_gap)))
    return x


@st.composite
def mining_case(draw: st.DrawFn, min_gap: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    b = draw(st.integers(4, 32))
    return draw(labels_for(b)), draw(embeddings(b, min_gap))


# --------------------------------------------------------------------------
# The losses.


@SETTINGS
@given(mining_case(), st.sampled_from([0.1, 0.5, 1.0, 2.0]), st.sampled_from(MODES))
def test_triplet_semihard_loss(case: tuple, margin: float, mode: str) -> None:
    labels, x = case
    compare("triplet_semihard_loss", [labels, x], {"margin": margin}, 1, mode)


@SETTINGS
@given(mining_case(min_gap=0.05), st.sampled_from([0.1, 0.5, 1.0, 2.0]), st.sampled_from(MODES))
def test_lifted_struct_loss(case: tuple, margin: float, mode: str) -> None:
    labels, x = case
    # Contrib's log-sum-exp runs over [B*B, B], ours over per-row sums: the
    # same value up to rounding, amplified in the gradient by 1 / distance.
    compare("lifted_struct_loss", [labels, x], {"margin": margin}, 1, mode, grad_rtol=1e-4)


@SETTINGS
@given(mining_case(min_gap=0.05), st.integers(0, 2**31), st.sampled_from(MODES))
def test_contrastive_loss(case: tuple, seed: int, mode: str) -> None:
    _, a = case
    rng = np.random.default_rng(seed)
    p = (a + rng.normal(size=a.shape) * rng.choice([0.1, 1.0])).astype(np.float32)
    labels = rng.integers(0, 2, len(a)).astype(np.int32)
    margin = float(rng.choice([0.5, 1.0, 2.0]))
    compare("contrastive_loss", [labels, a, p], {"margin": margin}, 1, mode)
    compare("contrastive_loss", [labels, a, p], {"margin": margin}, 2, mode)


@SETTINGS
@given(mining_case(), st.integers(0, 2**31), st.sampled_from(MODES))
def test_npairs_loss(case: tuple, seed: int, mode: str) -> None:
    labels, a = case
    p = (a + np.random.default_rng(seed).normal(size=a.shape)).astype(np.float32)
    reg = float(np.random.default_rng(seed).choice([0.0, 0.002, 0.05]))
    compare("npairs_loss", [labels, a, p], {"reg_lambda": reg}, 1, mode)
    compare("npairs_loss", [labels, a, p], {"reg_lambda": reg}, 2, mode)


@SETTINGS
@given(st.integers(4, 16).flatmap(embeddings), st.integers(0, 2**31), st.sampled_from(MODES))
def test_npairs_loss_multilabel(a: np.ndarray, seed: int, mode: str) -> None:
    # Batches up to 16 only: contrib builds its adjacency from n^2 sparse ops.
    rng = np.random.default_rng(seed)
    p = (a + rng.normal(size=a.shape)).astype(np.float32)
    classes = int(rng.integers(1, 8))
    dense = (rng.random((len(a), classes)) < rng.random()).astype(np.float32)
    dense[np.arange(len(a)), rng.integers(0, classes, len(a))] = 1.0  # >= 1 label each
    rows = list(dense)
    compare("npairs_loss_multilabel", [rows, a, p], {"reg_lambda": 0.002}, 1, mode)


@SETTINGS
@given(st.integers(1, 32).flatmap(lambda b: embeddings(b)), st.booleans(), st.sampled_from(MODES))
def test_pairwise_distance(x: np.ndarray, squared: bool, mode: str) -> None:
    # Gradients at distances near 0 are rounding noise in both codes (the
    # distance's derivative divides by it): compare the value only then.
    dist = np.linalg.norm(x[:, None].astype(np.float64) - x[None], axis=-1)
    well_conditioned = np.all((dist == 0) | (dist > 0.05))
    diff = 0 if (squared or well_conditioned) else None
    compare("pairwise_distance", [x], {"squared": squared}, diff, mode, grad_rtol=1e-4)


CLUSTER_SETTINGS = settings(SETTINGS, max_examples=8)


@st.composite
def cluster_case(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    b = draw(st.integers(4, 32))
    kind = draw(st.sampled_from(["same", "distinct", "random", "random", "random"]))
    if kind == "same":
        labels = np.full(b, 5, np.int64)
    elif kind == "distinct":
        labels = np.arange(b, dtype=np.int64) * 2
    else:  # few classes keep contrib's py_func loops short
        seed = draw(st.integers(0, 2**31))
        labels = np.random.default_rng(seed).integers(0, draw(st.integers(2, 6)), b)
    return labels.astype(np.int64), draw(embeddings(b))


@CLUSTER_SETTINGS
@given(
    cluster_case(),
    st.sampled_from(ml.MARGIN_TYPES),
    st.booleans(),
    st.sampled_from([0.1, 1.0, 10.0]),
    st.sampled_from(("eager", "function", "graph")),
)
def test_cluster_loss(
    case: tuple, margin_type: str, pam: bool, multiplier: float, mode: str
) -> None:
    labels, x = case
    kwargs = {
        "margin_multiplier": multiplier,
        "enable_pam_finetuning": pam,
        "margin_type": margin_type,
    }
    want, want_g = run_slim("cluster_loss", [labels, x], kwargs, 1)
    got, got_g = run_ours("cluster_loss", [labels, x], kwargs, 1, mode)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-5, err_msg="value")
    assert np.all(np.isfinite(got_g))
    # At the hinge (loss exactly 0, often because the loss-augmented
    # clustering is the ground truth) the gradient depends on the last bit of
    # two sums; away from it, it must match. Its terms are unit vectors
    # (derivatives of distances), hence an absolute floor of RTOL.
    if want > 1e-3:
        scale = float(np.max(np.abs(want_g)))
        np.testing.assert_allclose(got_g, want_g, rtol=RTOL, atol=RTOL * max(scale, 1.0))
