"""Differential tests: every loss against ``tf_slim.losses`` (the contrib code).

``tf_slim.losses.loss_ops`` is the TF 1.15 ``tf.contrib.losses`` source, kept
alive in graph mode only. Each hypothesis example builds one fresh
``tf.Graph``, runs the contrib function there with a ``tf.compat.v1.Session``
and compares value, dtype, shape and the gradient w.r.t. the first argument
with our eager result. Where contrib raises (at graph construction or at run
time), we must raise ``ValueError``/``TypeError``.

Known, deliberate differences are spelled out in ``_intended_rejection`` and
``test_hinge_loss_dtype_extension``; everything else must agree.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tf_slim.losses import loss_ops as slim

import tfcompat_losses as tcl

pytestmark = pytest.mark.tfslim

FLOATS = ("float16", "bfloat16", "float32", "float64")
# tests/data/README.md: the tolerances that fit contrib's own numbers.
RTOL = {"float16": 2e-2, "bfloat16": 6e-2, "float32": 2e-5, "float64": 2e-5}
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# shape checks and the dtype extension need fewer examples than the values
FEWER = settings(SETTINGS, max_examples=25)


@dataclasses.dataclass(frozen=True)
class T:
    """A tensor argument: its value (float64 or int) and dtype name."""

    value: np.ndarray
    dtype: str

    def tensor(self) -> tf.Tensor:
        return tf.constant(self.value, dtype=self.dtype)

    def __repr__(self) -> str:  # short reprs in hypothesis' falsifying example
        return f"T({self.dtype}{list(np.shape(self.value))}, {np.round(self.value, 3).tolist()})"


@dataclasses.dataclass
class Case:
    fn: str
    args: list[T]
    kwargs: dict[str, Any]
    loss_shape: tuple[int, ...] = ()


def _materialise(v: Any) -> Any:
    return v.tensor() if isinstance(v, T) else v


def run_slim(case: Case) -> dict[str, Any]:
    """The contrib result in a fresh TF1 graph, or ``{"error": exc}``."""
    g = tf.Graph()
    with g.as_default():
        try:
            args = [a.tensor() for a in case.args]
            kwargs = {k: _materialise(v) for k, v in case.kwargs.items()}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loss = getattr(slim, case.fn)(*args, **kwargs)
            total = tf.reduce_sum(tf.cast(loss, tf.float32))
            (grad,) = tf.compat.v1.gradients(total, [args[0]])
            with tf.compat.v1.Session(graph=g) as sess:
                fetch = [loss] if grad is None else [loss, grad]
                out = sess.run(fetch)
        except Exception as e:  # contrib raises all sorts: any of them counts
            return {"error": e}
    gv = out[1] if grad is not None else np.zeros(np.shape(case.args[0].value))
    return {"loss": out[0], "grad": gv, "dtype": loss.dtype.name, "shape": tuple(loss.shape)}


def run_ours(case: Case) -> dict[str, Any]:
    """Our eager result (exceptions propagate)."""
    args = [a.tensor() for a in case.args]
    kwargs = {k: _materialise(v) for k, v in case.kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tcl.ContribQuirkWarning)
        with tf.GradientTape() as tape:
            tape.watch(args[0])
            loss = getattr(tcl, case.fn)(*args, **kwargs)
            total = tf.reduce_sum(tf.cast(loss, tf.float32))
        grad = tape.gradient(total, args[0])
    return {
        "loss": loss.numpy(),
        "grad": grad.numpy(),
        "dtype": loss.dtype.name,
        "shape": tuple(loss.shape),
    }


def _weight_shape(case: Case) -> tuple[int, ...] | None:
    w = case.kwargs.get("weights", 1.0)
    if not isinstance(w, T):
        return None
    shape = tuple(np.shape(w.value))
    if len(shape) > 1 and shape[-1] == 1:  # contrib squeezes it first
        shape = shape[:-1]
    return shape


def _intended_rejection(case: Case) -> bool:
    """Inputs contrib accepts but we reject on purpose (docs/contrib_semantics.md "Errors").

    Weights with a dimension > 1 where the losses have 1 (e.g. ``[B, 3]``
    weights on ``[B, 1]`` losses): contrib silently broadcasts the *losses*
    up to the weights' shape. Those weights "cannot apply to the losses", so
    the library raises ``ValueError`` instead of returning that number.
    mean_pairwise_squared_error has its own (reproduced) broadcasting.
    """
    ws = _weight_shape(case)
    if ws is None or case.fn == "mean_pairwise_squared_error":
        return False
    ls = case.loss_shape
    return len(ws) <= len(ls) and any(w > 1 and d == 1 for w, d in zip(ws, ls, strict=False))


def assert_matches_contrib(case: Case) -> None:
    exp = run_slim(case)
    if "error" in exp:
        with pytest.raises((ValueError, TypeError), match=case.fn):
            run_ours(case)
        return
    if _intended_rejection(case):
        with pytest.raises(ValueError, match=rf"{case.fn}: weights of shape"):
            run_ours(case)
        return
    got = run_ours(case)
    assert got["dtype"] == exp["dtype"], (got["dtype"], exp["dtype"])
    assert got["shape"] == exp["shape"], (got["shape"], exp["shape"])
    rtol = max(RTOL.get(d, 2e-5) for d in (case.args[0].dtype, exp["dtype"]))
    want = np.asarray(exp["loss"], np.float64)
    g_want = np.asarray(exp["grad"], np.float64)
    atol = rtol * 1e-2 * float(np.max(np.abs(want), initial=1.0))
    g_atol = rtol * max(1e-2, float(np.max(np.abs(g_want), initial=0.0)))
    if case.fn in _LOW_PRECISION_KERNELS and case.args[0].dtype in ("float16", "bfloat16"):
        # The cross-entropy kernels run in float16/bfloat16 in contrib (and
        # sigmoid in ours too): their absolute error is ~eps * |logits| per
        # element and ~eps per gradient element (softmax - y cancels), each
        # times the weight factor d(loss)/d(element) that contrib's
        # weighting gives it. A small loss can thus be 15% off relative.
        c = weight_factors(case)
        x_scale = max(1.0, float(np.max(np.abs(case.args[0].value), initial=0.0)))
        atol = max(atol, rtol * float(np.sum(c)) * x_scale)
        g_atol = max(g_atol, rtol * float(np.max(c, initial=0.0)))
    np.testing.assert_allclose(
        np.asarray(got["loss"], np.float64), want, rtol=rtol, atol=atol, err_msg="loss"
    )
    g_got = np.asarray(got["grad"], np.float64)
    assert g_got.shape == g_want.shape
    assert np.all(np.isfinite(g_got)), "non-finite gradient"
    np.testing.assert_allclose(g_got, g_want, rtol=rtol, atol=g_atol, err_msg="gradient")


_LOW_PRECISION_KERNELS = (
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
)


def weight_factors(case: Case) -> np.ndarray:
    """|d loss / d per-element loss| under contrib's weighting of ``case``."""
    g = tf.Graph()
    with g.as_default():
        losses = tf.ones(case.loss_shape, tf.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = slim.compute_weighted_loss(losses, _materialise(case.kwargs["weights"]))
        (grad,) = tf.compat.v1.gradients(loss, [losses])
        with tf.compat.v1.Session(graph=g) as sess:
            return np.abs(sess.run(grad))


# --------------------------------------------------------------------------
# Strategies.


def shapes(min_rank: int = 1, max_rank: int = 4, max_side: int = 4) -> st.SearchStrategy:
    return st.lists(st.integers(1, max_side), min_size=min_rank, max_size=max_rank).map(tuple)


@st.composite
def weights_for(
    draw: st.DrawFn, loss_shape: tuple[int, ...], extra: tuple[tuple[int, ...], ...] = ()
) -> Any:
    """Weights of every rank contrib documents, plus off shapes.

    Returns a Python number or a :class:`T`; values have a random zero
    pattern (none, some, all).
    """
    r = len(loss_shape)
    kinds = ["python", "scalar", "one"]
    if r >= 1:
        kinds += ["batch", "batch_col", "prefix", "full", "prefix_col"]
    kinds += ["extra"] * bool(extra) + ["off"]
    kind = draw(st.sampled_from(kinds))
    zeros = draw(st.sampled_from(["none", "some", "all"]))
    if kind == "python":
        if zeros == "all":
            return draw(st.sampled_from([0.0, 0]))
        return draw(st.sampled_from([1.0, 0.5, 2.0, 3, 1e-3]))
    if kind == "scalar":
        shape: tuple[int, ...] = ()
    elif kind == "one":
        shape = (1,)
    elif kind == "batch":
        shape = loss_shape[:1]
    elif kind == "batch_col":
        shape = (*loss_shape[:1], 1)
    elif kind == "prefix":
        shape = loss_shape[: draw(st.integers(1, r))]
    elif kind == "prefix_col":
        shape = (*loss_shape[: draw(st.integers(1, r))], 1)
    elif kind == "full":
        shape = loss_shape
    elif kind == "extra":
        shape = draw(st.sampled_from(extra))
    else:  # "off": rank up to r+1, each dim 1, the loss dim, or another size
        rank = draw(st.integers(0, r + 1))
        shape = tuple(
            draw(st.sampled_from([1, loss_shape[i] if i < r else 2, 3, 5])) for i in range(rank)
        )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    value = rng.uniform(0.25, 3.0, size=shape)
    if zeros == "some":
        value = np.where(rng.random(shape) < 0.5, 0.0, value)
    elif zeros == "all":
        value = np.zeros(shape)
    dtype = draw(st.sampled_from(["float32", "float32", "float64"]))
    return T(value, dtype)


def _rng(draw: st.DrawFn) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


@st.composite
def regression_cases(draw: st.DrawFn, fn: str) -> Case:
    # rank 0 too: contrib rejects scalar inputs (no batch axis).
    shape = draw(st.one_of(shapes(), st.just(())))
    dtype = draw(st.sampled_from(FLOATS))
    label_dtype = draw(st.sampled_from([dtype, "float32"]))
    rng = _rng(draw)
    kwargs: dict[str, Any] = {}
    if fn == "log_loss":
        p = rng.uniform(0.01, 0.99, size=shape)
        y = draw(st.sampled_from(["binary", "soft"]))
        y = rng.integers(0, 2, size=shape) * 1.0 if y == "binary" else rng.uniform(size=shape)
        if draw(st.booleans()):
            kwargs["epsilon"] = draw(st.sampled_from([1e-7, 1e-4, 0.01]))
    else:
        p = rng.normal(size=shape)
        y = rng.normal(size=shape)
    kwargs["weights"] = draw(weights_for(shape))
    return Case(fn, [T(p, dtype), T(y, label_dtype)], kwargs, shape)


@st.composite
def pairwise_cases(draw: st.DrawFn) -> Case:
    shape = draw(st.one_of(shapes(), st.just(())))
    dtype = draw(st.sampled_from(FLOATS))
    rng = _rng(draw)
    p = rng.normal(size=shape)
    y = rng.normal(size=shape)
    # contrib accepts odd weight shapes here (an outer product); both the
    # documented [B] kinds and the off shapes are compared.
    w = draw(weights_for(shape))
    return Case("mean_pairwise_squared_error", [T(p, dtype), T(y, dtype)], {"weights": w}, shape)


@st.composite
def cosine_cases(draw: st.DrawFn) -> Case:
    shape = draw(shapes(1, 4))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    dtype = draw(st.sampled_from(FLOATS))
    rng = _rng(draw)
    p = rng.normal(size=shape)
    y = rng.normal(size=shape)
    p /= np.linalg.norm(p, axis=axis, keepdims=True)
    y /= np.linalg.norm(y, axis=axis, keepdims=True)
    loss_shape = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
    kwargs = {"axis": axis, "weights": draw(weights_for(loss_shape, extra=(shape,)))}
    return Case("cosine_distance", [T(p, dtype), T(y, dtype)], kwargs, loss_shape)


@st.composite
def sigmoid_cases(draw: st.DrawFn) -> Case:
    shape = draw(st.one_of(shapes(), st.just(())))
    dtype = draw(st.sampled_from(FLOATS))
    label_dtype = draw(st.sampled_from([dtype, "float32", "int32"]))
    rng = _rng(draw)
    x = rng.normal(scale=3.0, size=shape)
    if label_dtype == "int32" or draw(st.booleans()):
        y = rng.integers(0, 2, size=shape)
    else:
        y = rng.uniform(size=shape)
    kwargs = {
        "weights": draw(weights_for(shape)),
        "label_smoothing": draw(st.sampled_from([0, 0.0, 0.1, 0.5, 1.0])),
    }
    return Case("sigmoid_cross_entropy", [T(x, dtype), T(y, label_dtype)], kwargs, shape)


@st.composite
def softmax_cases(draw: st.DrawFn) -> Case:
    shape = draw(shapes(2, 4))
    dtype = draw(st.sampled_from(FLOATS))
    rng = _rng(draw)
    x = rng.normal(scale=3.0, size=shape)
    if draw(st.booleans()):
        y = np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]
    else:
        y = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    loss_shape = shape[:-1]
    kwargs = {
        # extra: [B, C] and full-input weights, which contrib rejects.
        "weights": draw(weights_for(loss_shape, extra=(shape, shape[:2]))),
        "label_smoothing": draw(st.sampled_from([0, 0.1, 0.5, 1.0])),
    }
    return Case("softmax_cross_entropy", [T(x, dtype), T(y, dtype)], kwargs, loss_shape)


@st.composite
def sparse_cases(draw: st.DrawFn) -> Case:
    b, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    dtype = draw(st.sampled_from(FLOATS))
    rng = _rng(draw)
    x = rng.normal(scale=3.0, size=(b, c))
    label_shape = draw(st.sampled_from([(b,), (b, 1)]))
    y = rng.integers(0, c, size=label_shape)
    label_dtype = draw(st.sampled_from(["int32", "int64"]))
    w = draw(weights_for((b,), extra=((b, c),)))
    return Case(
        "sparse_softmax_cross_entropy", [T(x, dtype), T(y, label_dtype)], {"weights": w}, (b,)
    )


@st.composite
def weighted_loss_cases(draw: st.DrawFn) -> Case:
    shape = draw(st.one_of(shapes(), st.just(())))
    dtype = draw(st.sampled_from(FLOATS))
    losses = _rng(draw).uniform(0.0, 4.0, size=shape)
    w = draw(weights_for(shape))
    return Case("compute_weighted_loss", [T(losses, dtype)], {"weights": w}, shape)


# --------------------------------------------------------------------------
# The tests: one hypothesis test per loss.


@pytest.mark.parametrize("fn", ["absolute_difference", "mean_squared_error", "log_loss"])
@SETTINGS
@given(data=st.data())
def test_regression_matches_contrib(fn: str, data: st.DataObject) -> None:
    assert_matches_contrib(data.draw(regression_cases(fn)))


@SETTINGS
@given(case=pairwise_cases())
def test_mean_pairwise_squared_error_matches_contrib(case: Case) -> None:
    assert_matches_contrib(case)


@SETTINGS
@given(case=cosine_cases())
def test_cosine_distance_matches_contrib(case: Case) -> None:
    assert_matches_contrib(case)


@SETTINGS
@given(case=sigmoid_cases())
def test_sigmoid_cross_entropy_matches_contrib(case: Case) -> None:
    assert_matches_contrib(case)


@SETTINGS
@given(case=softmax_cases())
def test_softmax_cross_entropy_matches_contrib(case: Case) -> None:
    assert_matches_contrib(case)


@SETTINGS
@given(case=sparse_cases())
def test_sparse_softmax_cross_entropy_matches_contrib(case: Case) -> None:
    assert_matches_contrib(case)


@SETTINGS
@given(case=weighted_loss_cases())
def test_compute_weighted_loss_matches_contrib(case: Case) -> None:
    assert_matches_contrib(case)


@SETTINGS
@given(shape=st.one_of(shapes(), st.just(())), seed=st.integers(0, 2**32 - 1))
def test_hinge_loss_matches_contrib(shape: tuple[int, ...], seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=2.0, size=shape)
    y = rng.integers(0, 2, size=shape) * 1.0
    assert_matches_contrib(Case("hinge_loss", [T(x, "float32"), T(y, "float32")], {}, shape))


@FEWER
@given(
    shape=shapes(), dtype=st.sampled_from(["float16", "bfloat16", "float64"]), seed=st.integers()
)
def test_hinge_loss_dtype_extension(shape: tuple[int, ...], dtype: str, seed: int) -> None:
    """Contrib's hinge_loss took float32 logits only (TypeError otherwise).

    The library extends it to every float dtype (documented): it must then
    equal contrib's float32 result, in the logits' dtype.
    """
    rng = np.random.default_rng(seed % 2**32)
    x = rng.normal(scale=2.0, size=shape)
    y = rng.integers(0, 2, size=shape) * 1.0
    assert "error" in run_slim(Case("hinge_loss", [T(x, dtype), T(y, dtype)], {}))
    # contrib's value on the inputs as rounded to `dtype`
    xr = tf.cast(tf.constant(x, dtype), tf.float64).numpy()
    exp = run_slim(Case("hinge_loss", [T(xr, "float32"), T(y, "float32")], {}))
    got = run_ours(Case("hinge_loss", [T(x, dtype), T(y, dtype)], {}))
    assert got["dtype"] == dtype and got["shape"] == shape
    rtol = RTOL[dtype]
    np.testing.assert_allclose(
        got["loss"].astype(np.float64), exp["loss"], rtol=rtol, atol=rtol * 1e-2
    )
    np.testing.assert_array_equal(got["grad"].astype(np.float64), exp["grad"])


# --------------------------------------------------------------------------
# Shapes that contrib rejects (or, when compatible, must agree on).


@st.composite
def mismatched_cases(draw: st.DrawFn) -> Case:
    fn = draw(
        st.sampled_from(
            [
                "absolute_difference",
                "mean_squared_error",
                "mean_pairwise_squared_error",
                "log_loss",
                "cosine_distance",
                "sigmoid_cross_entropy",
                "softmax_cross_entropy",
                "hinge_loss",
            ]
        )
    )
    a = draw(shapes(1, 3))
    b = draw(st.one_of(shapes(1, 3), st.just((*a[:-1], a[-1] + 1))))
    rng = _rng(draw)
    p, y = rng.uniform(0.1, 0.9, size=a), rng.uniform(0.1, 0.9, size=b)
    kwargs: dict[str, Any] = {"axis": len(a) - 1} if fn == "cosine_distance" else {}
    loss_shape = a[:-1] if fn in ("cosine_distance", "softmax_cross_entropy") else a
    return Case(fn, [T(p, "float32"), T(y, "float32")], kwargs, loss_shape)


@FEWER
@given(case=mismatched_cases())
def test_mismatched_shapes_like_contrib(case: Case) -> None:
    assume(np.shape(case.args[0].value) != np.shape(case.args[1].value))
    assert_matches_contrib(case)


@st.composite
def sparse_label_cases(draw: st.DrawFn) -> Case:
    b, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    logits_shape = draw(st.sampled_from([(b, c), (b,), (b, c, 2)]))
    label_shape = draw(st.sampled_from([(b,), (b, 1), (b + 1,), (b, 2), (1, b), ()]))
    rng = _rng(draw)
    x = rng.normal(size=logits_shape)
    label_dtype = draw(st.sampled_from(["int32", "int64", "float32"]))
    y = rng.integers(0, c, size=label_shape)
    return Case("sparse_softmax_cross_entropy", [T(x, "float32"), T(y, label_dtype)], {}, (b,))


@FEWER
@given(case=sparse_label_cases())
def test_sparse_labels_like_contrib(case: Case) -> None:
    assert_matches_contrib(case)


@pytest.mark.parametrize(
    "case",
    [
        Case("absolute_difference", [T(np.ones((2, 3)), "float32")] * 2, {"weights": None}),
        Case("mean_squared_error", [T(np.ones((2, 3)), "float32")] * 2, {"weights": None}),
        Case("mean_pairwise_squared_error", [T(np.ones((2, 3)), "float32")] * 2, {"weights": None}),
        Case("log_loss", [T(np.full((2, 3), 0.5), "float32")] * 2, {"weights": None}),
        Case("cosine_distance", [T(np.ones((2, 3)), "float32")] * 2, {"axis": 1, "weights": None}),
        Case("sigmoid_cross_entropy", [T(np.ones((2, 3)), "float32")] * 2, {"weights": None}),
        Case("softmax_cross_entropy", [T(np.ones((2, 3)), "float32")] * 2, {"weights": None}),
        Case(
            "sparse_softmax_cross_entropy",
            [T(np.ones((2, 3)), "float32"), T(np.zeros(2), "int32")],
            {"weights": None},
        ),
        Case("compute_weighted_loss", [T(np.ones((2, 3)), "float32")], {"weights": None}),
        Case("cosine_distance", [T(np.ones((2, 3)), "float32")] * 2, {}),
    ],
    ids=lambda c: c.fn + ("" if "weights" in c.kwargs else "-no-axis"),
)
def test_contrib_errors_are_ours(case: Case) -> None:
    """weights=None and a missing axis: contrib raised, so must we."""
    assert "error" in run_slim(case)
    assert_matches_contrib(case)
