"""Every error of docs/contrib_semantics.md ("Errors"), in eager, tf.function and XLA.

Each must be a ``ValueError``/``TypeError`` raised when the call is made or
traced (never a crash inside TF at run time, never a wrong number), with a
message naming the function, the argument and the shapes involved. Also:
an empty batch gives exactly 0 with a finite gradient, not NaN.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl

MODES = ("eager", "function", "xla")


def run(mode: str, fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Calls ``fn`` eagerly, or traces it (tensors as function arguments)."""
    if mode == "eager":
        return fn(*args, **kwargs)
    tensors = {k: v for k, v in kwargs.items() if isinstance(v, tf.Tensor)}
    static = {k: v for k, v in kwargs.items() if not isinstance(v, tf.Tensor)}

    @tf.function(jit_compile=mode == "xla")
    def traced(args: list[Any], tensors: dict[str, tf.Tensor]) -> Any:
        return fn(*args, **tensors, **static)

    return traced(list(args), tensors)


def f32(shape: tuple[int, ...], value: float = 0.5) -> tf.Tensor:
    return tf.fill(shape, tf.constant(value, tf.float32))


def s(shape: tuple[int, ...]) -> str:
    """A shape as the messages print it, as a regex."""
    return re.escape(str(shape))


PAIRS = {  # loss -> (first, second argument names)
    "absolute_difference": ("predictions", "labels"),
    "mean_squared_error": ("predictions", "labels"),
    "mean_pairwise_squared_error": ("predictions", "labels"),
    "log_loss": ("predictions", "labels"),
    "cosine_distance": ("predictions", "labels"),
    "sigmoid_cross_entropy": ("logits", "multi_class_labels"),
    "softmax_cross_entropy": ("logits", "onehot_labels"),
    "hinge_loss": ("logits", "labels"),
}
AXIS = {"cosine_distance": {"axis": 1}}

WEIGHTED = [
    "absolute_difference",
    "mean_squared_error",
    "mean_pairwise_squared_error",
    "log_loss",
    "cosine_distance",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
    "compute_weighted_loss",
]


def inputs(fn: str, batch: int = 4, d: int = 3) -> list[tf.Tensor]:
    """Valid inputs of shape [batch, d] for ``fn``."""
    if fn == "compute_weighted_loss":
        return [f32((batch, d))]
    if fn == "sparse_softmax_cross_entropy":
        return [f32((batch, d)), tf.zeros((batch,), tf.int32)]
    if fn == "softmax_cross_entropy":
        return [f32((batch, d)), tf.one_hot(tf.zeros((batch,), tf.int32), d)]
    return [f32((batch, d)), f32((batch, d), 1.0 if fn != "log_loss" else 0.0)]


# --------------------------------------------------------------------------
# Error cases: (id, fn, args, kwargs, exception, message regex).


def _cases() -> list[tuple[str, str, list[Any], dict[str, Any], type, str]]:
    cases = []
    for fn, (a, b) in PAIRS.items():
        cases.append(
            (
                f"{fn}-shape-mismatch",
                fn,
                [f32((4, 3)), f32((4, 2))],
                dict(AXIS.get(fn, {})),
                ValueError,
                rf"{fn}: {a} and {b} must have the same shape.*{a} {s((4, 3))}.*{b} {s((4, 2))}",
            )
        )
    for fn in WEIGHTED:
        kw = dict(AXIS.get(fn, {}), weights=None)
        cases.append((f"{fn}-weights-None", fn, inputs(fn), kw, ValueError, rf"{fn}: weights=None"))
    # weights of higher rank than the losses
    for fn, w_shape, l_shape in [
        ("absolute_difference", (4, 3, 2), (4, 3)),
        ("mean_squared_error", (4, 3, 2), (4, 3)),
        ("log_loss", (4, 3, 2), (4, 3)),
        ("sigmoid_cross_entropy", (4, 3, 2), (4, 3)),
        ("compute_weighted_loss", (4, 3, 2), (4, 3)),
        ("cosine_distance", (4, 3), (4,)),  # axis 1 removed
        # [B, C] weights to the softmax losses, whose losses are [B]
        ("softmax_cross_entropy", (4, 3), (4,)),
        ("sparse_softmax_cross_entropy", (4, 3), (4,)),
        ("softmax_cross_entropy", (4, 3, 1), (4,)),  # [B, C, 1] squeezes to [B, C]
    ]:
        kw = dict(AXIS.get(fn, {}), weights=f32(w_shape, 1.0))
        cases.append(
            (
                f"{fn}-weights-rank{len(w_shape)}",
                fn,
                inputs(fn),
                kw,
                ValueError,
                rf"{fn}: weights of shape {s(w_shape[:2] if w_shape == (4, 3, 1) else w_shape)} "
                rf"have a higher rank than the losses {s(l_shape)}",
            )
        )
    # weights that do not broadcast to the losses
    for fn, w_shape, l_shape in [
        ("absolute_difference", (5,), (4, 3)),
        ("mean_squared_error", (4, 2), (4, 3)),
        ("log_loss", (3,), (4, 3)),
        ("sigmoid_cross_entropy", (2, 3), (4, 3)),
        ("compute_weighted_loss", (5, 1), (4, 3)),
        ("cosine_distance", (3,), (4,)),
        ("softmax_cross_entropy", (3,), (4,)),
        ("sparse_softmax_cross_entropy", (5, 1), (4,)),
    ]:
        shown = w_shape[:-1] if len(w_shape) > 1 and w_shape[-1] == 1 else w_shape
        kw = dict(AXIS.get(fn, {}), weights=f32(w_shape, 1.0))
        cases.append(
            (
                f"{fn}-weights-{'x'.join(map(str, w_shape))}",
                fn,
                inputs(fn),
                kw,
                ValueError,
                rf"{fn}: weights of shape {s(shown)} cannot apply to losses of shape {s(l_shape)}",
            )
        )
    # mean_pairwise_squared_error: the per-element weights contrib rejects
    mpse = "mean_pairwise_squared_error"
    for w_shape, p_shape in [((4, 3), (4, 3)), ((3, 2, 5), (3, 2, 5)), ((3, 2), (3, 2, 5))]:
        cases.append(
            (
                f"{mpse}-weights-{'x'.join(map(str, w_shape))}",
                mpse,
                [f32(p_shape), f32(p_shape, 1.0)],
                {"weights": f32(w_shape, 1.0)},
                ValueError,
                rf"{mpse}: weights must be .*got weights of shape {s(w_shape)} for "
                rf"predictions of shape {s(p_shape)}",
            )
        )
    cases.append(
        (
            f"{mpse}-weights-rank3",
            mpse,
            [f32((4, 3)), f32((4, 3), 1.0)],
            {"weights": f32((4, 1, 1), 1.0)},
            ValueError,
            rf"{mpse}: weights of shape {s((4, 1, 1))} have a higher rank than predictions "
            rf"{s((4, 3))}",
        )
    )
    # cosine_distance's axis
    cases += [
        (
            "cosine_distance-no-axis",
            "cosine_distance",
            inputs("cosine_distance"),
            {},
            ValueError,
            r"cosine_distance: you must specify axis=",
        ),
        (
            "cosine_distance-axis-out-of-range",
            "cosine_distance",
            inputs("cosine_distance"),
            {"axis": 2},
            ValueError,
            rf"cosine_distance: axis=2 is out of range for predictions of shape {s((4, 3))}",
        ),
        (
            "cosine_distance-no-batch-axis",
            "cosine_distance",
            [f32((3,)), f32((3,), 1.0)],
            {"axis": 0},
            ValueError,
            rf"cosine_distance: predictions must have a batch axis .*shape {s((3,))}",
        ),
    ]
    # non-numeric inputs
    strings = tf.constant([["a", "b"], ["c", "d"]])
    for fn, (a, b) in PAIRS.items():
        kw = dict(AXIS.get(fn, {}))
        cases.append(
            (
                f"{fn}-string-{a}",
                fn,
                [strings, f32((2, 2))],
                kw,
                TypeError,
                rf"{fn}: {a} must be numeric, got dtype string with shape {s((2, 2))}",
            )
        )
        cases.append(
            (
                f"{fn}-string-{b}",
                fn,
                [f32((2, 2)), strings],
                kw,
                TypeError,
                rf"{fn}: {b} must be numeric, got dtype string with shape {s((2, 2))}",
            )
        )
    for fn in WEIGHTED:
        kw = dict(AXIS.get(fn, {}), weights=tf.constant(["a", "b", "c", "d"]))
        cases.append(
            (
                f"{fn}-string-weights",
                fn,
                inputs(fn),
                kw,
                TypeError,
                rf"{fn}: weights must be numeric, got dtype string with shape {s((4,))}",
            )
        )
    cases.append(
        (
            "compute_weighted_loss-string-losses",
            "compute_weighted_loss",
            [strings],
            {},
            TypeError,
            rf"compute_weighted_loss: losses must be numeric, got dtype string with shape {s((2, 2))}",
        )
    )
    # the sparse loss: labels
    sparse = "sparse_softmax_cross_entropy"
    cases += [
        (
            f"{sparse}-float-labels",
            sparse,
            [f32((4, 3)), f32((4,), 1.0)],
            {},
            TypeError,
            rf"{sparse}: labels must be int32 or int64 class ids, got float32 with shape {s((4,))}",
        ),
        (
            f"{sparse}-labels-4x2",
            sparse,
            [f32((4, 3)), tf.zeros((4, 2), tf.int32)],
            {},
            ValueError,
            rf"{sparse}: labels must be \[batch_size\] or \[batch_size, 1\] matching logits "
            rf"{s((4, 3))}; got labels of shape {s((4, 2))}",
        ),
        (
            f"{sparse}-labels-5",
            sparse,
            [f32((4, 3)), tf.zeros((5,), tf.int64)],
            {},
            ValueError,
            rf"{sparse}: labels must be .* matching logits {s((4, 3))}; got labels of shape {s((5,))}",
        ),
        (
            f"{sparse}-logits-rank3",
            sparse,
            [f32((4, 3, 2)), tf.zeros((4,), tf.int32)],
            {},
            ValueError,
            rf"{sparse}: logits must be \[batch_size, num_classes\], got shape {s((4, 3, 2))}",
        ),
        (
            "softmax_cross_entropy-logits-rank1",
            "softmax_cross_entropy",
            [f32((3,)), f32((3,), 1.0)],
            {},
            ValueError,
            rf"softmax_cross_entropy: logits must be \[batch_size, num_classes\], got shape {s((3,))}",
        ),
    ]
    # scalars: contrib needs a batch axis (it slices shape(losses)[0])
    for fn, arg in [
        ("absolute_difference", "predictions"),
        ("mean_squared_error", "predictions"),
        ("mean_pairwise_squared_error", "predictions"),
        ("log_loss", "predictions"),
        ("sigmoid_cross_entropy", "logits"),
        ("compute_weighted_loss", "losses"),
    ]:
        args = [f32(())] if fn == "compute_weighted_loss" else [f32(()), f32((), 1.0)]
        cases.append(
            (
                f"{fn}-scalar-input",
                fn,
                args,
                {},
                ValueError,
                rf"{fn}: {arg} must have a batch axis .*got shape \(\)",
            )
        )
    # label smoothing outside [0, 1]
    for fn in ("sigmoid_cross_entropy", "softmax_cross_entropy"):
        cases.append(
            (
                f"{fn}-label_smoothing",
                fn,
                inputs(fn),
                {"label_smoothing": 1.5},
                ValueError,
                rf"{fn}: label_smoothing must be in \[0, 1\], got 1.5",
            )
        )
    return cases


CASES = _cases()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("fn", "args", "kwargs", "exc", "match"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_error(
    mode: str, fn: str, args: list[Any], kwargs: dict[str, Any], exc: type, match: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tcl.ContribQuirkWarning)
        with pytest.raises(exc, match=match):
            run(mode, getattr(tcl, fn), args, kwargs)


def test_error_table_covers_every_loss() -> None:
    covered = {c[1] for c in CASES}
    assert covered == {*WEIGHTED, "hinge_loss"}


# --------------------------------------------------------------------------
# Unknown rank: only a traced call can have it.


@pytest.mark.parametrize("jit", [False, True], ids=["function", "xla"])
@pytest.mark.parametrize("fn", sorted(PAIRS))
def test_unknown_rank_inputs(fn: str, jit: bool) -> None:
    first, _ = PAIRS[fn]
    spec = tf.TensorSpec(shape=None, dtype=tf.float32)

    @tf.function(input_signature=[spec, spec], jit_compile=jit)
    def traced(a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
        return getattr(tcl, fn)(a, b, **AXIS.get(fn, {}))

    with pytest.raises(ValueError, match=rf"{fn}: {first} must have a known rank.*unknown rank"):
        traced.get_concrete_function()


@pytest.mark.parametrize("jit", [False, True], ids=["function", "xla"])
@pytest.mark.parametrize("fn", WEIGHTED)
def test_unknown_rank_weights(fn: str, jit: bool) -> None:
    args = inputs(fn)
    kw = AXIS.get(fn, {})

    @tf.function(input_signature=[tf.TensorSpec(shape=None, dtype=tf.float32)], jit_compile=jit)
    def traced(w: tf.Tensor) -> tf.Tensor:
        return getattr(tcl, fn)(*args, weights=w, **kw)

    with pytest.raises(ValueError, match=rf"{fn}: weights must have a known rank.*unknown rank"):
        traced.get_concrete_function()


@pytest.mark.parametrize("jit", [False, True], ids=["function", "xla"])
def test_unknown_rank_losses(jit: bool) -> None:
    @tf.function(input_signature=[tf.TensorSpec(shape=None, dtype=tf.float32)], jit_compile=jit)
    def traced(losses: tf.Tensor) -> tf.Tensor:
        return tcl.compute_weighted_loss(losses)

    with pytest.raises(
        ValueError, match=r"compute_weighted_loss: losses must have a known rank.*unknown rank"
    ):
        traced.get_concrete_function()


@pytest.mark.parametrize("jit", [False, True], ids=["function", "xla"])
def test_unknown_rank_sparse_labels(jit: bool) -> None:
    @tf.function(input_signature=[tf.TensorSpec(shape=None, dtype=tf.int32)], jit_compile=jit)
    def traced(labels: tf.Tensor) -> tf.Tensor:
        return tcl.sparse_softmax_cross_entropy(f32((4, 3)), labels)

    with pytest.raises(
        ValueError, match=r"sparse_softmax_cross_entropy: labels must have a known rank"
    ):
        traced.get_concrete_function()


# --------------------------------------------------------------------------
# Empty batch: 0, not NaN, with a finite gradient.


@pytest.mark.parametrize("mode", [*MODES, "dynamic"])
@pytest.mark.parametrize("weights", ["default", "scalar", "batch"])
@pytest.mark.parametrize("fn", WEIGHTED)
def test_empty_batch_gives_zero(fn: str, weights: str, mode: str) -> None:
    args = inputs(fn, batch=0)
    kw: dict[str, Any] = dict(AXIS.get(fn, {}))
    if weights == "scalar":
        kw["weights"] = tf.constant(2.0)
    elif weights == "batch":
        kw["weights"] = tf.zeros((0,))

    def value_and_grad(*a: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(a[0])
            loss = getattr(tcl, fn)(*a, **kw)
        return loss, tape.gradient(loss, a[0])

    if mode == "eager":
        loss, grad = value_and_grad(*args)
    elif mode == "dynamic":  # batch size unknown at trace time, 0 at run time
        sig = [tf.TensorSpec([None, *a.shape[1:]], a.dtype) for a in args]
        loss, grad = tf.function(value_and_grad, input_signature=sig)(*args)
    else:
        loss, grad = tf.function(value_and_grad, jit_compile=mode == "xla")(*args)
    assert loss.shape == ()
    assert float(loss) == 0.0, float(loss)
    assert grad.shape == args[0].shape
    assert np.all(np.isfinite(grad.numpy()))
