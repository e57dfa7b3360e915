"""The same losses in every execution mode TF1 code ends up in.

* ``tf.function`` with an ``input_signature`` of unknown batch size (and
  unknown inner sizes), with and without XLA, equals eager mode and traces
  once for every batch size;
* TF1 graphs: ``scope=`` names the ops like contrib (compared with
  ``tf_slim.losses``), losses land in ``GraphKeys.LOSSES`` (hinge_loss in
  none);
* the shape-``[1]`` weights quirk: reproduced, with one
  ``ContribQuirkWarning``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl
import tfcompat_losses._weighting as weighting

RTOL = 2e-5  # float32 (tests/data/README.md)

ELEMENTWISE = [
    "absolute_difference",
    "mean_squared_error",
    "log_loss",
    "sigmoid_cross_entropy",
    "compute_weighted_loss",
]
PER_SAMPLE = ["softmax_cross_entropy", "sparse_softmax_cross_entropy"]
WEIGHTED = [*ELEMENTWISE, "cosine_distance", "mean_pairwise_squared_error", *PER_SAMPLE]
ALL = [*WEIGHTED, "hinge_loss"]
STATIC = {"cosine_distance": {"axis": 1}}


def make_inputs(fn: str, batch: int, d: int = 3, seed: int = 0) -> list[np.ndarray]:
    """Valid inputs ``[batch, d]`` for ``fn``, as NumPy arrays."""
    rng = np.random.default_rng(seed + 97 * batch)
    x = rng.normal(size=(batch, d)).astype(np.float32)
    if fn == "compute_weighted_loss":
        return [np.abs(x)]
    if fn == "sparse_softmax_cross_entropy":
        return [x, rng.integers(0, d, size=batch).astype(np.int32)]
    if fn == "softmax_cross_entropy":
        return [x, np.eye(d, dtype=np.float32)[rng.integers(0, d, size=batch)]]
    if fn == "log_loss":
        return [rng.uniform(0.05, 0.95, (batch, d)).astype(np.float32), (x > 0).astype(np.float32)]
    if fn == "cosine_distance":
        return [
            (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32),
            np.eye(d, dtype=np.float32)[rng.integers(0, d, size=batch)],
        ]
    return [x, (rng.normal(size=(batch, d)) > 0).astype(np.float32)]


def make_weights(kind: str, batch: int, d: int = 3) -> Any:
    rng = np.random.default_rng(batch)
    w = rng.uniform(0.5, 2.0, size=(batch, d)).astype(np.float32)
    w[0] = 0.0  # a zero row
    return {
        "python": 2.0,
        "scalar": np.float32(0.5),
        "batch": w[:, 0],
        "batch_col": w[:, :1],
        "full": w,
    }[kind]


# which weights kinds apply to which loss (docs/contrib_semantics.md)
KINDS = {fn: ["python", "scalar", "batch", "batch_col", "full"] for fn in ELEMENTWISE}
KINDS["cosine_distance"] = ["python", "batch", "batch_col"]  # loss [B] after axis 1
KINDS["mean_pairwise_squared_error"] = ["python", "scalar", "batch"]
for _fn in PER_SAMPLE:
    KINDS[_fn] = ["python", "scalar", "batch", "batch_col"]
KINDS["hinge_loss"] = ["none"]


def _mode_cases() -> list[Any]:
    """(fn, weights kind, jit, unknown inner sizes) to run.

    tf.function: every kind, batch size unknown and all sizes unknown. XLA
    compiles once per shape (~1 s each), so it gets the kinds that differ in
    how they count (Python scalar, [B]) with the batch size unknown, and [B]
    weights with all sizes unknown. Full [B, d] weights with every size
    unknown are left out: contrib squeezes a last dimension that *may* be
    1, so [None, None] weights have to be [B, 1] at run time (as here).
    """
    cases = []
    for fn in ALL:
        for kind in KINDS[fn]:
            cases.append((fn, kind, False, False))
            if kind != "full":
                cases.append((fn, kind, False, True))
            if kind in ("python", "batch", "none"):
                cases.append((fn, kind, True, False))
            if kind in ("batch", "none"):
                cases.append((fn, kind, True, True))
    return [
        pytest.param(
            *c,
            id=f"{c[0]}-{c[1]}-{'xla' if c[2] else 'function'}-"
            f"{'all-unknown' if c[3] else 'batch-unknown'}",
        )
        for c in cases
    ]


def value_and_grad(
    fn: str, weights: Any, static: dict[str, Any]
) -> Callable[..., tuple[tf.Tensor, tf.Tensor]]:
    """``step(*inputs[, weights])`` -> (loss, d sum(loss) / d inputs[0]).

    ``weights`` is a Python number baked into the step, or None when the
    step takes the weights tensor as its last argument.
    """
    f = getattr(tcl, fn)
    kw = {**STATIC.get(fn, {}), **static}

    def step(*args: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        inputs, w = (args, weights) if weights is not None else (args[:-1], args[-1])
        if fn != "hinge_loss":
            kw["weights"] = w
        with tf.GradientTape() as tape:
            tape.watch(inputs[0])
            loss = f(*inputs, **kw)
            total = tf.reduce_sum(loss)
        return loss, tape.gradient(total, inputs[0])

    return step


def _spec(a: np.ndarray, unknown_inner: bool) -> tf.TensorSpec:
    """Batch size unknown; the other sizes too when ``unknown_inner``."""
    if a.ndim == 0:
        return tf.TensorSpec([], tf.as_dtype(a.dtype))
    inner = [None] * (a.ndim - 1) if unknown_inner else list(a.shape[1:])
    return tf.TensorSpec([None, *inner], tf.as_dtype(a.dtype))


@pytest.mark.parametrize(("fn", "kind", "jit", "unknown_inner"), _mode_cases())
def test_unknown_batch_size_matches_eager(
    fn: str, kind: str, jit: bool, unknown_inner: bool
) -> None:
    smoothing = ("sigmoid_cross_entropy", "softmax_cross_entropy")
    static = {"label_smoothing": 0.1} if fn in smoothing else {}
    python_w = kind in ("python", "none")
    step = value_and_grad(fn, 2.0 if python_w else None, static)
    example = make_inputs(fn, 2)
    specs = [_spec(a, unknown_inner) for a in example]
    if not python_w:
        w = np.asarray(make_weights(kind, 2))
        specs.append(_spec(w, unknown_inner) if w.ndim else tf.TensorSpec([], tf.float32))
    traced = tf.function(step, input_signature=specs, jit_compile=jit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tcl.ContribQuirkWarning)
        for batch in (2, 5) if jit else (2, 5, 1):
            args = [tf.constant(a) for a in make_inputs(fn, batch)]
            if not python_w:
                args.append(tf.constant(make_weights(kind, batch)))
            want_loss, want_grad = step(*args)
            got_loss, got_grad = traced(*args)
            assert got_loss.dtype == want_loss.dtype and got_loss.shape == want_loss.shape
            np.testing.assert_allclose(
                got_loss.numpy(), want_loss.numpy(), rtol=RTOL, atol=1e-7, err_msg=f"B={batch}"
            )
            np.testing.assert_allclose(
                got_grad.numpy(), want_grad.numpy(), rtol=RTOL, atol=1e-7, err_msg=f"B={batch}"
            )
    assert traced.experimental_get_tracing_count() == 1, "retraced for a new batch size"


@pytest.mark.parametrize("jit", [False, True], ids=["function", "xla"])
def test_weights_with_unknown_last_dim_are_squeezed(jit: bool) -> None:
    """[None, None] weights: contrib squeezes the last dim (it may be 1)."""
    sig = [tf.TensorSpec([None, None], tf.float32)] * 3
    traced = tf.function(tcl.mean_squared_error, input_signature=sig, jit_compile=jit)
    p, y = (tf.constant(a) for a in make_inputs("mean_squared_error", 4))
    w = tf.constant(make_weights("batch_col", 4))
    want = tcl.mean_squared_error(p, y, w)
    assert float(traced(p, y, w)) == pytest.approx(float(want), rel=RTOL)


@pytest.mark.parametrize("jit", [False, True], ids=["function", "xla"])
def test_unknown_batch_seed_example(jit: bool) -> None:
    @tf.function(
        input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([None], tf.float32)],
        jit_compile=jit,
    )
    def f(losses: tf.Tensor, weights: tf.Tensor) -> tf.Tensor:
        return tcl.compute_weighted_loss(losses, weights)

    assert float(f(tf.constant([4.0, 1.0, 2.0, 3.0]), tf.constant([1.0, 0.5, 3.0, 9.0]))) == 9.375
    assert float(f(tf.constant([4.0, 1.0]), tf.constant([0.0, 0.0]))) == 0.0
    assert f.experimental_get_tracing_count() == 1


# --------------------------------------------------------------------------
# TF1 graph mode: names and collections, against the contrib code.


def _graph_call(lib: Any, fn: str, variant: str, dtype: str = "float32") -> dict[str, Any]:
    """Builds ``fn`` in a fresh TF1 graph; returns op names and collection."""
    g = tf.Graph()
    with g.as_default():
        arrays = make_inputs(fn, 4)
        args = [
            tf.constant(a, dtype if a.dtype == np.float32 else None) if i == 0 else tf.constant(a)
            for i, a in enumerate(arrays)
        ]
        kw = dict(STATIC.get(fn, {}))
        if fn != "hinge_loss":
            kw["weights"] = tf.constant(make_weights("batch", 4))
        f = getattr(lib, fn)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if variant == "default":
                outs = [f(*args, **kw)]
            elif variant == "scope":
                outs = [f(*args, scope="foo", **kw)]
            elif variant == "outer":
                with tf.name_scope("outer"):
                    outs = [f(*args, scope="foo", **kw)]
            elif variant == "outer-v1":
                with tf.compat.v1.name_scope("outer"):
                    outs = [f(*args, **kw), f(*args, scope="foo", **kw)]
            elif variant == "twice":
                outs = [f(*args, scope="foo", **kw), f(*args, scope="foo", **kw)]
            else:
                assert variant == "twice-default"
                outs = [f(*args, **kw), f(*args, **kw)]
        collected = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES)
        return {
            "names": [t.op.name for t in outs],
            "collected": [t.op.name for t in collected],
            "same_objects": [c is o for c, o in zip(collected, outs, strict=False)],
        }


VARIANTS = ["default", "scope", "outer", "outer-v1", "twice", "twice-default"]


@pytest.mark.tfslim
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("fn", ALL)
def test_graph_op_names_like_contrib(fn: str, variant: str) -> None:
    slim = pytest.importorskip("tf_slim.losses.loss_ops")
    want = _graph_call(slim, fn, variant)
    got = _graph_call(tcl, fn, variant)
    assert got["names"] == want["names"]
    if variant == "scope":
        assert got["names"][0].startswith("foo/")
    if variant == "twice":
        assert [n.split("/")[0] for n in got["names"]] == ["foo", "foo_1"]
    if variant == "outer":
        assert got["names"][0].startswith("outer/foo/")


@pytest.mark.tfslim
@pytest.mark.parametrize("dtype", ["float16", "float64", "bfloat16"])
@pytest.mark.parametrize("fn", WEIGHTED)
def test_graph_op_names_like_contrib_other_dtypes(fn: str, dtype: str) -> None:
    """A result cast back to the input dtype is named like contrib's Cast."""
    slim = pytest.importorskip("tf_slim.losses.loss_ops")
    want = _graph_call(slim, fn, "scope", dtype)
    got = _graph_call(tcl, fn, "scope", dtype)
    assert got["names"] == want["names"]


@pytest.mark.tfslim
@pytest.mark.parametrize("variant", ["default", "twice", "outer-v1"])
@pytest.mark.parametrize("fn", ALL)
def test_graph_collection_like_contrib(fn: str, variant: str) -> None:
    slim = pytest.importorskip("tf_slim.losses.loss_ops")
    want = _graph_call(slim, fn, variant)
    got = _graph_call(tcl, fn, variant)
    assert got["collected"] == want["collected"]


@pytest.mark.parametrize("fn", ALL)
def test_graph_collection_holds_the_returned_tensors(fn: str) -> None:
    got = _graph_call(tcl, fn, "twice")
    if fn == "hinge_loss":
        assert got["collected"] == []  # docs/contrib_semantics.md: not added to any collection
    else:
        assert len(got["collected"]) == 2 and all(got["same_objects"])


def test_graph_losses_sum_like_contrib_total() -> None:
    """Two losses in one graph: what TF1 code totals from the collection."""
    g = tf.Graph()
    with g.as_default():
        p, y = (tf.constant(a) for a in make_inputs("mean_squared_error", 4))
        a = tcl.mean_squared_error(p, y)
        b = tcl.absolute_difference(p, y, weights=0.5)
        tcl.hinge_loss(p, y)
        total = tf.add_n(tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES))
        with tf.compat.v1.Session(graph=g) as sess:
            av, bv, tv = sess.run([a, b, total])
    assert tv == pytest.approx(av + bv, rel=RTOL)


@pytest.mark.parametrize("fn", WEIGHTED)
def test_function_graph_names(fn: str) -> None:
    """Inside a tf.function trace the ops are named as in a TF1 graph."""
    names: list[str] = []
    args = [tf.constant(a) for a in make_inputs(fn, 4)]
    kw = dict(STATIC.get(fn, {}), weights=tf.constant(make_weights("batch", 4)))

    @tf.function
    def f(*args: tf.Tensor) -> tf.Tensor:
        loss = getattr(tcl, fn)(*args, scope="foo", **kw)
        names.append(loss.op.name)
        return loss

    f(*args)
    expected = _graph_call(tcl, fn, "scope")["names"][0]
    assert names == [expected]


# --------------------------------------------------------------------------
# The shape-[1] weights quirk.


@pytest.fixture
def fresh_quirks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quirk warnings are issued once per process: start from none issued."""
    monkeypatch.setattr(weighting, "_warned", set())


def _contrib_value(fn: str, arrays: list[np.ndarray], weights: np.ndarray) -> float:
    slim = pytest.importorskip("tf_slim.losses.loss_ops")
    g = tf.Graph()
    with g.as_default(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss = getattr(slim, fn)(
            *[tf.constant(a) for a in arrays], weights=tf.constant(weights), **STATIC.get(fn, {})
        )
        with tf.compat.v1.Session(graph=g) as sess:
            return float(sess.run(loss))


@pytest.mark.tfslim
@pytest.mark.parametrize("fn", WEIGHTED)
def test_shape_one_weights_quirk(fn: str, fresh_quirks: None) -> None:
    arrays = make_inputs(fn, 4)
    w = np.array([2.0], np.float32)
    args = [tf.constant(a) for a in arrays]
    kw = STATIC.get(fn, {})
    f = getattr(tcl, fn)
    if fn == "mean_pairwise_squared_error":
        # [1] weights are contrib's documented shape here: no quirk, no warning
        with warnings.catch_warnings():
            warnings.simplefilter("error", tcl.ContribQuirkWarning)
            got = f(*args, weights=tf.constant(w), **kw)
    else:
        with pytest.warns(tcl.ContribQuirkWarning, match=rf"{fn}: weights of shape \(1,\)"):
            got = f(*args, weights=tf.constant(w), **kw)
    assert float(got) == pytest.approx(_contrib_value(fn, arrays, w), rel=RTOL)
    if fn != "mean_pairwise_squared_error":
        # [1] on [4, 3] losses counts 3, not 12; on [4] losses 1, not 4
        scalar = float(f(*args, weights=2.0, **kw))
        assert float(got) == pytest.approx(4 * scalar, rel=RTOL)
    # once per process
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        f(*args, weights=tf.constant(w), **kw)
    assert not [r for r in rec if issubclass(r.category, tcl.ContribQuirkWarning)]


@pytest.mark.parametrize("jit", [False, True], ids=["function", "xla"])
def test_quirk_warns_when_traced(jit: bool, fresh_quirks: None) -> None:
    p, y = (tf.constant(a) for a in make_inputs("mean_squared_error", 4))

    @tf.function(jit_compile=jit)
    def f(p: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        return tcl.mean_squared_error(p, y, weights=tf.constant([2.0]))

    with pytest.warns(
        tcl.ContribQuirkWarning, match=r"mean_squared_error: weights of shape \(1,\)"
    ):
        got = f(p, y)
    # docs/contrib_semantics.md, "The weighting rule", step 4: [1] on [4, 3]
    # losses counts 3 -> 2 * sum / 3
    want = 2 * float(tf.reduce_sum(tf.square(p - y))) / 3
    assert float(got) == pytest.approx(want, rel=RTOL)


@pytest.mark.tfslim
def test_pairwise_rank2_weights_quirk(fresh_quirks: None) -> None:
    arrays = make_inputs("mean_pairwise_squared_error", 4)
    w = np.array([[1.0], [0.0], [2.0], [0.5]], np.float32)
    with pytest.warns(
        tcl.ContribQuirkWarning, match=r"mean_pairwise_squared_error: weights of shape \(4, 1\)"
    ):
        got = tcl.mean_pairwise_squared_error(
            *[tf.constant(a) for a in arrays], weights=tf.constant(w)
        )
    assert float(got) == pytest.approx(
        _contrib_value("mean_pairwise_squared_error", arrays, w), rel=RTOL
    )


def test_no_quirk_warning_for_plain_weights(fresh_quirks: None) -> None:
    p, y = (tf.constant(a) for a in make_inputs("mean_squared_error", 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error", tcl.ContribQuirkWarning)
        for w in (2.0, tf.constant(2.0), tf.ones([4]), tf.ones([4, 1]), tf.ones([4, 3])):
            tcl.mean_squared_error(p, y, weights=w)
