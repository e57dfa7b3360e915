"""A NumPy reference of contrib's losses, and tests against it.

The reference below follows docs/contrib_semantics.md ("The weighting
rule", "Per-function notes") literally, in float64, on the inputs as rounded to the tested dtype.
Besides the value it gives the analytic gradient w.r.t. the first argument
and, for tolerances, the magnitude of the terms each result is a sum of, so
cancellation (pairwise error, softmax - labels) does not hide behind a
relative tolerance on a small result.

Tolerances (tests/data/README.md): 2e-5 relative for float32/float64, 2e-2
for float16, 6e-2 for bfloat16, relative to those magnitudes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tfcompat_losses as tcl

FLOATS = ("float16", "bfloat16", "float32", "float64")
RTOL = {"float16": 2e-2, "bfloat16": 6e-2, "float32": 2e-5, "float64": 2e-5}
# Results rounded to the dtype's subnormal spacing are off by up to that,
# whatever their magnitude (a float16 gradient of 1e-6 is subnormal).
SUBNORMAL = {"float16": 2.0**-24, "bfloat16": 2.0**-133, "float32": 2.0**-149, "float64": 0.0}
SETTINGS = settings(max_examples=40, deadline=None)


def rounded(x: Any, dtype: str) -> np.ndarray:
    """``x`` as the tested dtype holds it, back in float64."""
    return tf.cast(tf.constant(np.asarray(x, np.float64), dtype), tf.float64).numpy()


# --------------------------------------------------------------------------
# The reference (docs/contrib_semantics.md), float64.


def ref_weighting(losses: np.ndarray, weights: Any) -> tuple[float, np.ndarray]:
    """docs/contrib_semantics.md's weighting rule.

    Returns the weighted loss and ``c = d loss / d losses`` (same shape as
    ``losses``).
    """
    if weights is None:
        raise ValueError("weights=None")
    w = np.asarray(weights, np.float64)
    if w.ndim > 1 and w.shape[-1] == 1:  # step 2
        w = w[..., 0]
    k = w.ndim
    if k == 0:  # steps 3-4, scalar
        numerator = float(losses.sum()) * float(w)
        denominator = 0.0 if w == 0 else float(losses.size)
        wb = np.broadcast_to(w, losses.shape)
    else:
        rows = losses.sum(axis=tuple(range(k, losses.ndim)))
        numerator = float((rows * w).sum())
        denominator = float(np.count_nonzero(w) * math.prod(losses.shape[k:]))
        wb = np.broadcast_to(w.reshape(w.shape + (1,) * (losses.ndim - k)), losses.shape)
    if denominator == 0:  # step 5
        return 0.0, np.zeros(losses.shape)
    return numerator / denominator, wb / denominator


def _softmax(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = x.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
    return np.exp(x - lse), lse


# Each elementwise reference returns (losses, dlosses/dx, |terms| of losses,
# |terms| of dlosses/dx); for the softmax losses dlosses/dx has the class
# axis last, the losses do not.
Elementwise = Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def ref_absolute_difference(p: np.ndarray, y: np.ndarray) -> tuple:
    d = p - y
    return np.abs(d), np.sign(d), np.abs(p) + np.abs(y), np.ones_like(d)


def ref_mean_squared_error(p: np.ndarray, y: np.ndarray) -> tuple:
    d = p - y
    return d**2, 2 * d, (np.abs(p) + np.abs(y)) ** 2, 2 * (np.abs(p) + np.abs(y))


def ref_log_loss(p: np.ndarray, y: np.ndarray, epsilon: float = 1e-7) -> tuple:
    pos, neg = -y * np.log(p + epsilon), -(1 - y) * np.log(1 - p + epsilon)
    dpos, dneg = -y / (p + epsilon), (1 - y) / (1 - p + epsilon)
    return pos + neg, dpos + dneg, np.abs(pos) + np.abs(neg), np.abs(dpos) + np.abs(dneg)


def ref_cosine_distance(p: np.ndarray, y: np.ndarray, axis: int) -> tuple:
    # 1 - sum(p*y, axis), the axis removed; d/dp is -y (c broadcasts back).
    loss = 1 - (p * y).sum(axis=axis)
    return loss, -y, 1 + np.abs(p * y).sum(axis=axis), np.abs(y)


def ref_sigmoid_cross_entropy(x: np.ndarray, y: np.ndarray, label_smoothing: float = 0) -> tuple:
    s = label_smoothing
    ys = y * (1 - s) + 0.5 * s if s > 0 else y
    soft = np.log1p(np.exp(-np.abs(x)))
    loss = np.maximum(x, 0) - x * ys + soft
    sig = 1 / (1 + np.exp(-x))
    return loss, sig - ys, np.maximum(x, 0) + np.abs(x * ys) + soft, sig + np.abs(ys)


def ref_softmax_cross_entropy(x: np.ndarray, y: np.ndarray, label_smoothing: float = 0) -> tuple:
    s = label_smoothing
    ys = y * (1 - s) + s / x.shape[1] if s > 0 else y  # C = shape[1], as contrib
    sm, lse = _softmax(x)
    loss = -(ys * (x - lse)).sum(axis=-1)
    # The gradient TF's kernel defines (and contrib used): softmax - labels,
    # which assumes labels summing to 1. Smoothing with C = shape[1] on
    # rank > 2 inputs breaks that; the kernel's convention still holds.
    mag = (np.abs(ys) * (np.abs(x) + np.abs(lse))).sum(axis=-1)
    return loss, sm - ys, mag, sm + np.abs(ys)


def ref_sparse_softmax_cross_entropy(x: np.ndarray, labels: np.ndarray) -> tuple:
    labels = labels.reshape(-1)
    onehot = np.eye(x.shape[1])[labels]
    sm, lse = _softmax(x)
    picked = (x * onehot).sum(axis=-1)
    return lse[:, 0] - picked, sm - onehot, np.abs(lse[:, 0]) + np.abs(picked), sm + onehot


def ref_compute_weighted_loss(losses: np.ndarray) -> tuple:
    return losses, np.ones_like(losses), np.abs(losses), np.ones_like(losses)


ELEMENTWISE: dict[str, Elementwise] = {
    "absolute_difference": ref_absolute_difference,
    "mean_squared_error": ref_mean_squared_error,
    "log_loss": ref_log_loss,
    "cosine_distance": ref_cosine_distance,
    "sigmoid_cross_entropy": ref_sigmoid_cross_entropy,
    "softmax_cross_entropy": ref_softmax_cross_entropy,
    "sparse_softmax_cross_entropy": ref_sparse_softmax_cross_entropy,
    "compute_weighted_loss": ref_compute_weighted_loss,
}


def ref_weighted_loss(fn: str, args: list[np.ndarray], weights: Any, **kw: Any) -> tuple:
    """Value, gradient w.r.t. ``args[0]`` and their tolerance magnitudes."""
    losses, dl, mag, gmag = ELEMENTWISE[fn](*args, **kw)
    value, c = ref_weighting(losses, weights)
    magnitude = float(np.sum(np.abs(c) * mag))
    if fn == "cosine_distance":  # back to the input shape for the gradient
        c = np.expand_dims(c, kw["axis"])
    elif fn in ("softmax_cross_entropy", "sparse_softmax_cross_entropy"):
        c = c[..., None]
    return value, c * dl, magnitude, np.abs(c) * gmag


def ref_mean_pairwise_squared_error(p: np.ndarray, y: np.ndarray, weights: Any) -> tuple:
    """Per sample 2*sum(d^2)/n - 2*(sum d)^2/n^2, weighted, summed.

    docs/contrib_semantics.md, "Per-function notes".
    """
    b = p.shape[0]
    d = (p - y).reshape(b, -1)
    w = np.broadcast_to(np.asarray(weights, np.float64).reshape(-1), (b,))
    n = (w != 0) * d.shape[1]
    safe = np.where(n > 0, n, 1)
    s1, s2 = (d**2).sum(axis=1), d.sum(axis=1)
    per = np.where(n > 0, 2 * s1 / safe - 2 * s2**2 / safe**2, 0.0)
    if n.sum() == 0:
        return 0.0, np.zeros(p.shape), 0.0, np.zeros(p.shape)
    value = float((w * per).sum())
    mag = float((np.abs(w) * np.where(n > 0, 2 * s1 / safe + 2 * s2**2 / safe**2, 0)).sum())
    wn = np.where(n > 0, w, 0.0)[:, None]
    grad = wn * (4 * d / safe[:, None] - 4 * s2[:, None] / safe[:, None] ** 2)
    gmag = np.abs(wn) * (
        4 * np.abs(d) / safe[:, None] + 4 * np.abs(s2)[:, None] / safe[:, None] ** 2
    )
    return value, grad.reshape(p.shape), mag, gmag.reshape(p.shape)


def ref_hinge_loss(x: np.ndarray, y: np.ndarray) -> tuple:
    sign = 2 * y - 1
    margin = 1 - sign * x
    return np.maximum(margin, 0), np.where(margin > 0, -sign, 0.0), 1 + np.abs(x)


# --------------------------------------------------------------------------
# Running ours, eagerly.


def ours(fn: str, args: list[tf.Tensor], **kwargs: Any) -> tuple[tf.Tensor, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tcl.ContribQuirkWarning)
        with tf.GradientTape() as tape:
            tape.watch(args[0])
            loss = getattr(tcl, fn)(*args, **kwargs)
            total = tf.reduce_sum(tf.cast(loss, tf.float32))
        grad = tape.gradient(total, args[0])
    return loss, np.asarray(tf.cast(grad, tf.float64))


def assert_close(got: Any, want: Any, magnitude: Any, dtype: str, what: str) -> None:
    """|got - want| <= rtol(dtype) * magnitude, elementwise (exact when 0)."""
    got = np.asarray(tf.cast(got, tf.float64)) if isinstance(got, tf.Tensor) else np.asarray(got)
    err = np.abs(got.astype(np.float64) - np.asarray(want, np.float64))
    bound = RTOL[dtype] * np.asarray(magnitude, np.float64) + SUBNORMAL[dtype]
    bad = err > bound
    assert not np.any(bad), (
        f"{what}: {np.count_nonzero(bad)} element(s) off; got {got[bad] if got.ndim else got}, "
        f"want {np.asarray(want)[bad] if got.ndim else want}, bound {bound[bad] if got.ndim else bound}"
    )


# --------------------------------------------------------------------------
# Strategies.


def shapes(min_rank: int = 1, max_rank: int = 4) -> st.SearchStrategy:
    return st.lists(st.integers(1, 4), min_size=min_rank, max_size=max_rank).map(tuple)


@st.composite
def weights_for(draw: st.DrawFn, loss_shape: tuple[int, ...], zeros: str | None = None) -> Any:
    """Weights that apply to ``loss_shape`` (every kind docs/contrib_semantics.md lists).

    Returns a Python number or a float32 tensor value (numpy, already
    rounded to float32), with a zero pattern: none, some or all.
    """
    r = len(loss_shape)
    kind = draw(
        st.sampled_from(
            ["python", "scalar", "one", "batch", "batch_col", "prefix", "prefix_col", "full"]
        )
    )
    zeros = zeros or draw(st.sampled_from(["none", "some", "all"]))
    if kind == "python":
        return 0.0 if zeros == "all" else draw(st.sampled_from([1.0, 0.5, 2.0, 3, 0.1]))
    shape = {
        "scalar": (),
        "one": (1,),
        "batch": loss_shape[:1],
        "batch_col": (*loss_shape[:1], 1),
        "full": loss_shape,
    }.get(kind)
    if shape is None:
        k = draw(st.integers(1, r))
        shape = loss_shape[:k] + ((1,) if kind == "prefix_col" else ())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    value = rng.uniform(0.25, 3.0, size=shape)
    if zeros == "some":
        value = np.where(rng.random(shape) < 0.5, 0.0, value)
    elif zeros == "all":
        value = np.zeros(shape)
    return rounded(value, "float32")


def _w(weights: Any) -> Any:
    return tf.constant(weights, tf.float32) if isinstance(weights, np.ndarray) else weights


@st.composite
def inputs(draw: st.DrawFn, fn: str) -> tuple[list[tf.Tensor], list[np.ndarray], dict, tuple, str]:
    """(tensors, their float64 values, extra kwargs, loss shape, dtype) for ``fn``."""
    dtype = draw(st.sampled_from(FLOATS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kw: dict[str, Any] = {}
    if fn == "sparse_softmax_cross_entropy":
        b, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        x = rounded(rng.normal(scale=3.0, size=(b, c)), dtype)
        labels = rng.integers(0, c, size=draw(st.sampled_from([(b,), (b, 1)])))
        ldt = draw(st.sampled_from(["int32", "int64"]))
        return [tf.constant(x, dtype), tf.constant(labels, ldt)], [x, labels], kw, (b,), dtype
    if fn == "compute_weighted_loss":
        shape = draw(shapes())
        losses = rounded(rng.uniform(0, 4, size=shape), dtype)
        return [tf.constant(losses, dtype)], [losses], kw, shape, dtype
    shape = draw(shapes(2 if fn in ("softmax_cross_entropy", "cosine_distance") else 1))
    loss_shape = shape
    if fn == "log_loss":
        p = rng.uniform(0.01, 0.99, size=shape)
        y = rng.integers(0, 2, size=shape) * 1.0 if draw(st.booleans()) else rng.uniform(size=shape)
        if draw(st.booleans()):
            kw["epsilon"] = draw(st.sampled_from([1e-7, 1e-3]))
    elif fn == "cosine_distance":
        axis = draw(st.integers(-len(shape), len(shape) - 1))
        p = rng.normal(size=shape)
        y = rng.normal(size=shape)
        p /= np.linalg.norm(p, axis=axis, keepdims=True)
        y /= np.linalg.norm(y, axis=axis, keepdims=True)
        kw["axis"] = axis % len(shape)
        loss_shape = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
    elif fn == "sigmoid_cross_entropy":
        p = rng.normal(scale=3.0, size=shape)
        y = rng.integers(0, 2, size=shape) * 1.0 if draw(st.booleans()) else rng.uniform(size=shape)
        kw["label_smoothing"] = draw(st.sampled_from([0, 0.1, 0.5, 1.0]))
    elif fn == "softmax_cross_entropy":
        p = rng.normal(scale=3.0, size=shape)
        if draw(st.booleans()):
            y = np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]
        else:
            y = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
        kw["label_smoothing"] = draw(st.sampled_from([0, 0.1, 0.5, 1.0]))
        loss_shape = shape[:-1]
    else:
        p = rng.normal(size=shape)
        y = rng.normal(size=shape)
    p, y = rounded(p, dtype), rounded(y, dtype)
    return [tf.constant(p, dtype), tf.constant(y, dtype)], [p, y], kw, loss_shape, dtype


WEIGHTED = [
    "absolute_difference",
    "mean_squared_error",
    "log_loss",
    "cosine_distance",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
    "compute_weighted_loss",
]
ALL_WEIGHTED = [*WEIGHTED, "mean_pairwise_squared_error"]


# --------------------------------------------------------------------------
# The reference itself.


def test_seed_example() -> None:
    losses, weights = [4.0, 1.0, 2.0, 3.0], [1.0, 0.5, 3.0, 9.0]
    assert ref_weighting(np.array(losses), weights)[0] == 9.375
    assert float(tcl.compute_weighted_loss(losses, weights=weights)) == 9.375
    assert float(tcl.compute_weighted_loss(tf.constant(losses), tf.constant(weights))) == 9.375


def test_reference_follows_spec_on_small_cases() -> None:
    """Hand-computed: the reference is right before anything is tested with it."""
    losses = np.arange(6.0).reshape(2, 3)  # rows sum to 3 and 12
    assert ref_weighting(losses, 2.0)[0] == 2 * 15 / 6
    assert ref_weighting(losses, [0.0, 1.0])[0] == 12 / 3
    assert ref_weighting(losses, [[0.0], [1.0]])[0] == 12 / 3
    assert ref_weighting(losses, [2.0])[0] == 2 * 15 / 3  # the [1] quirk: counts d, not B*d
    assert ref_weighting(losses, [[1.0, 0.0, 1.0], [0.0, 0.0, 2.0]])[0] == (0 + 2 + 10) / 3
    assert ref_weighting(losses, 0.0)[0] == 0.0
    # pairwise: d = [1, 2, 3] -> 2*14/3 - 2*36/9 = 4/3
    v = ref_mean_pairwise_squared_error(np.array([[1.0, 2.0, 3.0]]), np.zeros((1, 3)), 1.0)[0]
    assert v == pytest.approx(4 / 3, rel=1e-15)


# --------------------------------------------------------------------------
# Every loss against the reference.


@pytest.mark.parametrize("fn", WEIGHTED)
@SETTINGS
@given(data=st.data())
def test_matches_reference(fn: str, data: st.DataObject) -> None:
    tensors, values, kw, loss_shape, dtype = data.draw(inputs(fn))
    weights = data.draw(weights_for(loss_shape))
    want, g_want, mag, g_mag = ref_weighted_loss(fn, values, weights, **kw)
    loss, grad = ours(fn, tensors, weights=_w(weights), **kw)
    out_dtype = "float32" if fn in _F32_OUT else dtype
    assert loss.dtype.name == out_dtype and loss.shape == ()
    assert_close(loss, want, mag, dtype, "loss")
    assert np.all(np.isfinite(grad))
    assert_close(grad, g_want, g_mag, dtype, "gradient")


# docs/contrib_semantics.md: the regression losses cast their inputs to float32 first.
_F32_OUT = ("absolute_difference", "mean_squared_error", "log_loss", "cosine_distance")


@SETTINGS
@given(
    shape=shapes(),
    dtype=st.sampled_from(FLOATS),
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(["python", "scalar", "one", "batch"]),
    zeros=st.sampled_from(["none", "some", "all"]),
)
def test_mean_pairwise_squared_error_matches_reference(
    shape: tuple[int, ...], dtype: str, seed: int, kind: str, zeros: str
) -> None:
    rng = np.random.default_rng(seed)
    p, y = rounded(rng.normal(size=shape), dtype), rounded(rng.normal(size=shape), dtype)
    w_shape = {"python": None, "scalar": (), "one": (1,), "batch": shape[:1]}[kind]
    w = rng.uniform(0.25, 3.0, size=w_shape or ())
    if zeros == "some":
        w = np.where(rng.random(w.shape) < 0.5, 0.0, w)
    elif zeros == "all":
        w = np.zeros_like(w)
    w = rounded(w, "float32")
    weights = float(w) if w_shape is None else tf.constant(w, tf.float32)
    want, g_want, mag, g_mag = ref_mean_pairwise_squared_error(p, y, w)
    loss, grad = ours(
        "mean_pairwise_squared_error",
        [tf.constant(p, dtype), tf.constant(y, dtype)],
        weights=weights,
    )
    assert loss.dtype == tf.float32 and loss.shape == ()
    assert_close(loss, want, mag, dtype, "loss")
    assert_close(grad, g_want, g_mag, dtype, "gradient")


@SETTINGS
@given(
    shape=st.one_of(shapes(), st.just(())),
    dtype=st.sampled_from(FLOATS),
    seed=st.integers(0, 2**32 - 1),
)
def test_hinge_loss_matches_reference(shape: tuple[int, ...], dtype: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rounded(rng.normal(scale=2.0, size=shape), dtype)
    y = rng.integers(0, 2, size=shape) * 1.0
    want, g_want, mag = ref_hinge_loss(x, y)
    loss, grad = ours("hinge_loss", [tf.constant(x, dtype), tf.constant(y, dtype)])
    assert loss.dtype.name == dtype and tuple(loss.shape) == shape
    assert_close(loss, want, mag, dtype, "loss")
    np.testing.assert_array_equal(grad, g_want)


# --------------------------------------------------------------------------
# Properties.


@pytest.mark.parametrize("fn", ALL_WEIGHTED)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_all_zero_weights_give_exact_zero_and_zero_gradient(fn: str, data: st.DataObject) -> None:
    if fn == "mean_pairwise_squared_error":
        tensors, _, kw, loss_shape, _ = data.draw(inputs("mean_squared_error"))
        weights = data.draw(st.sampled_from([0.0, 0, np.zeros(()), np.zeros(loss_shape[:1])]))
    else:
        tensors, _, kw, loss_shape, _ = data.draw(inputs(fn))
        weights = data.draw(weights_for(loss_shape, zeros="all"))
    loss, grad = ours(fn, tensors, weights=_w(weights), **kw)
    assert float(loss) == 0.0
    assert np.all(np.isfinite(grad)), "NaN/inf gradient at zero weights"
    assert not np.any(grad), "nonzero gradient at zero weights"


def _count(weights: Any, loss_shape: tuple[int, ...]) -> float:
    """docs/contrib_semantics.md's denominator for scalar or [B] weights."""
    w = np.asarray(weights, np.float64)
    if w.ndim == 0:
        return 0.0 if w == 0 else float(math.prod(loss_shape))
    return float(np.count_nonzero(w) * math.prod(loss_shape[1:]))


@pytest.mark.parametrize("fn", ALL_WEIGHTED)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_additive_across_batch_elements(fn: str, data: st.DataObject) -> None:
    """Splitting the batch in two, the weighted sums add up.

    For the means that is the loss times its denominator
    (docs/contrib_semantics.md, "The weighting rule", step 4); the pairwise
    loss is itself a sum over the batch. Holds for scalar and [B] weights
    (not for [1] weights, whose count depends on B).
    """
    base = "mean_squared_error" if fn == "mean_pairwise_squared_error" else fn
    tensors, _, kw, loss_shape, dtype = data.draw(inputs(base))
    assume(kw.get("axis") != 0)  # cosine over axis 0 leaves no batch axis
    b = loss_shape[0]
    if b < 2:
        tensors = [tf.concat([t, t], axis=0) for t in tensors]
        b, loss_shape = 2 * b, (2 * b, *loss_shape[1:])
    k = data.draw(st.integers(1, b - 1))
    if data.draw(st.booleans()):
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        w = rounded(np.where(rng.random(b) < 0.3, 0.0, rng.uniform(0.25, 3.0, b)), "float32")
        weights = [w, w[:k], w[k:]]
    else:
        weights = [data.draw(st.sampled_from([1.0, 2.5, 0.0]))] * 3
    heads = [tensors, [t[:k] for t in tensors], [t[k:] for t in tensors]]
    loss_shapes = [loss_shape, (k, *loss_shape[1:]), (b - k, *loss_shape[1:])]
    sums = []
    for h, w, ls in zip(heads, weights, loss_shapes, strict=True):
        v = float(tf.cast(ours(fn, h, weights=_w(w), **kw)[0], tf.float64))
        sums.append(v if fn == "mean_pairwise_squared_error" else v * _count(w, ls))
    tol = RTOL[dtype] * (abs(sums[1]) + abs(sums[2]))
    assert abs(sums[0] - (sums[1] + sums[2])) <= tol, sums


@pytest.mark.parametrize("fn", ALL_WEIGHTED)
@settings(max_examples=25, deadline=None)
@given(data=st.data(), c=st.one_of(st.sampled_from([0.5, 2.0, 8.0]), st.floats(0.01, 100.0)))
def test_scaling_batch_weights(fn: str, data: st.DataObject, c: float) -> None:
    """[B] weights scaled by c > 0: the denominator (a count of nonzero
    weights) is unchanged, so the loss scales by exactly c
    (docs/contrib_semantics.md, "The weighting rule", step 4: contrib divides
    by a count, not by the sum of the weights)."""
    base = "mean_squared_error" if fn == "mean_pairwise_squared_error" else fn
    tensors, _, kw, loss_shape, dtype = data.draw(inputs(base))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    w = rng.uniform(0.25, 3.0, size=loss_shape[:1])
    w = np.where(rng.random(w.shape) < 0.3, 0.0, w)
    a = float(tf.cast(ours(fn, tensors, weights=tf.constant(w, tf.float32), **kw)[0], tf.float64))
    scaled = ours(fn, tensors, weights=tf.constant(w * c, tf.float32), **kw)[0]
    assert_close(scaled, c * a, abs(c * a) + 1e-30, dtype, "scaled loss")
    if c in (0.5, 2.0, 8.0) and dtype in ("float32", "float64"):  # exact in binary
        assert float(scaled) == c * a
