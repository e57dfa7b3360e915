"""tfcompat_losses.keras, called directly: values, reductions, masks, config.

Every value is checked against the functional API and against a NumPy
implementation of the contrib formula written here. Runs under Keras 3 and
under tf_keras (``TF_USE_LEGACY_KERAS=1``).
"""

from __future__ import annotations

import doctest
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl
from tfcompat_losses import keras as tck

pytestmark = pytest.mark.keras

keras = tf.keras
B = 4
RNG = np.random.default_rng(7)


# --------------------------------------------------------------------------
# NumPy reference of contrib (float64).


def np_weighted_mean(losses: np.ndarray, weights: Any) -> float:
    """Contrib's compute_weighted_loss: sum down to rank(w), scale, / nonzero count."""
    losses = np.asarray(losses, np.float64)
    w = np.asarray(weights, np.float64)
    if w.ndim > 1 and w.shape[-1] == 1:
        w = w[..., 0]
    k = w.ndim
    rows = losses.sum(axis=tuple(range(k, losses.ndim))) if k else losses.sum()
    total = float((rows * w).sum())
    count = np.count_nonzero(w) * int(np.prod(losses.shape[k:]))
    return 0.0 if count == 0 else total / count


def np_sigmoid_xent(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


def np_log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def np_pairwise(p: np.ndarray, y: np.ndarray, weights: Any) -> float:
    """Contrib's mean_pairwise_squared_error with scalar or [B] weights."""
    d = (np.asarray(p, np.float64) - y).reshape(len(p), -1)
    w = np.asarray(weights, np.float64).reshape(-1)
    w = np.broadcast_to(w, (len(p),))
    n = (w != 0) * d.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        per = np.where(
            n > 0, 2 * (d**2).sum(1) / n - 2 * d.sum(1) ** 2 / np.maximum(n, 1) ** 2, 0.0
        )
    return float((per * w).sum()) if n.any() else 0.0


def np_pairwise_per_sample(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    d = (np.asarray(p, np.float64) - y).reshape(len(p), -1)
    n = d.shape[1]
    return 2 * (d**2).sum(1) / n - 2 * d.sum(1) ** 2 / n**2


# --------------------------------------------------------------------------
# One case per class: inputs, the functional call, the NumPy element losses.


@dataclass
class Case:
    name: str
    make: Callable[..., tck.ContribLoss]  # make(reduction=...)
    y_true: np.ndarray
    y_pred: np.ndarray
    functional: Callable[[Any, Any, Any], tf.Tensor]  # (y_true, y_pred, weights)
    elements: Callable[[np.ndarray, np.ndarray], np.ndarray]  # NumPy per-element losses
    hyper: dict[str, Any]

    def __repr__(self) -> str:
        return self.name


def _unit(x: np.ndarray, axis: int) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=axis, keepdims=True)).astype(np.float32)


def _cases() -> list[Case]:
    reg_p = RNG.normal(size=(B, 3)).astype(np.float32)
    reg_y = RNG.normal(size=(B, 3)).astype(np.float32)
    probs = RNG.uniform(0.05, 0.95, size=(B, 3)).astype(np.float32)
    bits = RNG.integers(0, 2, size=(B, 3)).astype(np.float32)
    logits = RNG.normal(size=(B, 3)).astype(np.float32) * 2
    ids = np.array([0, 2, 1, 2])
    onehot = np.eye(3, dtype=np.float32)[ids]
    cos_p = _unit(RNG.normal(size=(B, 3, 2)), 1)
    cos_y = _unit(RNG.normal(size=(B, 3, 2)), 1)
    eps, s_sig, s_soft = 1e-3, 0.1, 0.2

    def log_elems(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return -y * np.log(p + eps) - (1 - y) * np.log(1 - p + eps)

    def sig_elems(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np_sigmoid_xent(p, y * (1 - s_sig) + 0.5 * s_sig)

    def soft_elems(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return -((y * (1 - s_soft) + s_soft / 3) * np_log_softmax(p)).sum(-1)

    def sparse_elems(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return -np_log_softmax(p)[np.arange(len(y)), y]

    return [
        Case(
            "AbsoluteDifference",
            tck.AbsoluteDifference,
            reg_y,
            reg_p,
            lambda y, p, w: tcl.absolute_difference(p, y, w),
            lambda y, p: np.abs(p - y),
            {},
        ),
        Case(
            "MeanSquaredError",
            tck.MeanSquaredError,
            reg_y,
            reg_p,
            lambda y, p, w: tcl.mean_squared_error(p, y, w),
            lambda y, p: (p - y) ** 2,
            {},
        ),
        Case(
            "MeanPairwiseSquaredError",
            tck.MeanPairwiseSquaredError,
            reg_y,
            reg_p,
            lambda y, p, w: tcl.mean_pairwise_squared_error(p, y, w),
            np_pairwise_per_sample,
            {},
        ),
        Case(
            "LogLoss",
            lambda **kw: tck.LogLoss(epsilon=eps, **kw),
            bits,
            probs,
            lambda y, p, w: tcl.log_loss(p, y, w, epsilon=eps),
            log_elems,
            {"epsilon": eps},
        ),
        Case(
            "HingeLoss",
            tck.HingeLoss,
            bits,
            logits,
            lambda y, p, w: tcl.compute_weighted_loss(tcl.hinge_loss(p, y), w),
            lambda y, p: np.maximum(0.0, 1 - (2 * y - 1) * p),
            {},
        ),
        Case(
            "CosineDistance",
            lambda **kw: tck.CosineDistance(axis=1, **kw),
            cos_y,
            cos_p,
            lambda y, p, w: tcl.cosine_distance(p, y, axis=1, weights=w),
            lambda y, p: 1 - (p * y).sum(1),
            {"axis": 1},
        ),
        Case(
            "SigmoidCrossEntropy",
            lambda **kw: tck.SigmoidCrossEntropy(label_smoothing=s_sig, **kw),
            bits,
            logits,
            lambda y, p, w: tcl.sigmoid_cross_entropy(p, y, w, label_smoothing=s_sig),
            sig_elems,
            {"label_smoothing": s_sig},
        ),
        Case(
            "SoftmaxCrossEntropy",
            lambda **kw: tck.SoftmaxCrossEntropy(label_smoothing=s_soft, **kw),
            onehot,
            logits,
            lambda y, p, w: tcl.softmax_cross_entropy(p, y, w, label_smoothing=s_soft),
            soft_elems,
            {"label_smoothing": s_soft},
        ),
        Case(
            "SparseSoftmaxCrossEntropy",
            tck.SparseSoftmaxCrossEntropy,
            ids,
            logits,
            lambda y, p, w: tcl.sparse_softmax_cross_entropy(p, y, w),
            sparse_elems,
            {},
        ),
    ]


CASES = _cases()


def loss_shape(case: Case) -> tuple[int, ...]:
    return case.elements(case.y_true, case.y_pred).shape


def weight_cases(case: Case) -> dict[str, Any]:
    """The tf-slim test matrix of weights, in Keras' sample_weight convention."""
    rng = np.random.default_rng(102)
    shape = loss_shape(case)
    out: dict[str, Any] = {
        "unweighted": None,
        "python_scalar": 2.5,
        "tensor_scalar": np.float32(0.5),
        "batch": np.array([0.5, 2.0, 1.0, 3.0], np.float32),
        "batch_1": np.array([[0.5], [2.0], [1.0], [3.0]], np.float32),
        "mostly_zero": np.array([0.0, 0.0, 3.0, 0.0], np.float32),
        "all_zero": np.zeros([B], np.float32),
        "zero_scalar": 0.0,
    }
    if len(shape) > 1:
        per = rng.uniform(0.5, 2.0, size=shape).astype(np.float32)
        per[0, 0] = 0.0
        out["per_element"] = per
    return out


MATRIX = [(c, k) for c in CASES for k in weight_cases(c)]


def np_contrib(case: Case, weights: Any) -> float:
    w = 1.0 if weights is None else weights
    if case.name == "MeanPairwiseSquaredError":
        return np_pairwise(case.y_pred, case.y_true, w)
    return np_weighted_mean(case.elements(case.y_true, case.y_pred), w)


@pytest.fixture(autouse=True)
def empty_collection():
    with tcl.collection_scope():
        yield
        # A Keras loss returns its value: nothing is left in the collection.
        assert tcl.get_losses() == []


# --------------------------------------------------------------------------
# Contrib reduction (the default).


@pytest.mark.parametrize(("case", "wkey"), MATRIX, ids=[f"{c.name}-{k}" for c, k in MATRIX])
def test_default_reduction_equals_functional_and_numpy(case: Case, wkey: str) -> None:
    sw = weight_cases(case)[wkey]
    loss = case.make()
    got = loss(case.y_true, case.y_pred, sample_weight=sw)
    assert got.dtype == tf.float32 and got.shape == ()
    # Keras' [B, 1] sample weights are per-sample weights, contrib's [B].
    fw = 1.0 if sw is None else (sw[:, 0] if wkey == "batch_1" else sw)
    with tcl.collection_scope():
        want = case.functional(case.y_true, case.y_pred, fw)
    expected = np_contrib(case, sw)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(float(got), expected, rtol=1e-5, atol=1e-6)
    if wkey in ("all_zero", "zero_scalar"):
        assert float(got) == 0.0


def test_seed_numbers_differ_from_keras() -> None:
    """The issue's point: contrib averages by nonzero count, Keras does not."""
    y = np.zeros((4, 2), np.float32)
    p = np.array([[1, 1], [2, 2], [3, 3], [4, 4]], np.float32)
    w = np.array([1.0, 0.0, 2.0, 0.0], np.float32)
    assert float(tck.MeanSquaredError()(y, p, w)) == pytest.approx(38 / 4)
    assert float(keras.losses.MeanSquaredError()(y, p, w)) == pytest.approx(19 / 4)
    assert float(tck.MeanSquaredError(reduction="sum_over_batch_size")(y, p, w)) == (
        pytest.approx(38 / 8)
    )


def test_pairwise_batch_1_weights_are_per_sample() -> None:
    """Keras' [B, 1] sample weights (tf_keras makes them) mean [B], not contrib's quirk."""
    case = next(c for c in CASES if c.name == "MeanPairwiseSquaredError")
    w = np.array([0.5, 2.0, 0.0, 3.0], np.float32)
    got = case.make()(case.y_true, case.y_pred, w[:, None])
    np.testing.assert_allclose(float(got), np_pairwise(case.y_pred, case.y_true, w), rtol=1e-5)


@pytest.mark.parametrize("name", ["MeanPairwiseSquaredError", "SoftmaxCrossEntropy"])
def test_per_element_weights_rejected_where_contrib_rejects(name: str) -> None:
    case = next(c for c in CASES if c.name == name)
    with pytest.raises(ValueError, match="weights"):
        case.make()(case.y_true, case.y_pred, np.ones((B, 3), np.float32) * 2)


def test_zero_weights_give_finite_zero_gradient() -> None:
    for case in CASES:
        if case.name == "SparseSoftmaxCrossEntropy":
            y_true = case.y_true
        else:
            y_true = tf.constant(case.y_true)
        p = tf.Variable(case.y_pred)
        with tf.GradientTape() as tape:
            value = case.make()(y_true, p, sample_weight=np.zeros([B], np.float32))
        grad = tape.gradient(value, p)
        assert float(value) == 0.0, case.name
        np.testing.assert_array_equal(grad.numpy(), np.zeros_like(case.y_pred), err_msg=case.name)


# --------------------------------------------------------------------------
# Keras' reductions, applied to contrib's per-element losses.


def np_keras_reduce(elements: np.ndarray, sw: Any, reduction: Any) -> Any:
    """Keras' reductions with the weights broadcast to the element losses."""
    if sw is None:
        w = np.ones_like(elements)
    else:
        w = np.asarray(sw, np.float64)
        if w.ndim > 1 and w.shape[-1] == 1:
            w = w[..., 0]
        w = np.broadcast_to(w.reshape(w.shape + (1,) * (elements.ndim - w.ndim)), elements.shape)
    weighted = elements * w
    if reduction in (None, "none"):
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean_with_sample_weight" and sw is not None:
        return weighted.sum() / w.sum()
    return weighted.sum() / elements.size  # sum_over_batch_size, mean, auto


REDUCTIONS = [r for r in tck._KERAS_REDUCTIONS]
RED_MATRIX = [(c, r, k) for c in CASES for r in REDUCTIONS for k in ("unweighted", "batch")]


@pytest.mark.parametrize(
    ("case", "reduction", "wkey"),
    RED_MATRIX,
    ids=[f"{c.name}-{r}-{k}" for c, r, k in RED_MATRIX],
)
def test_keras_reductions(case: Case, reduction: Any, wkey: str) -> None:
    sw = weight_cases(case)[wkey]
    loss = case.make(reduction=reduction)
    got = loss(case.y_true, case.y_pred, sample_weight=sw)
    want = np_keras_reduce(case.elements(case.y_true, case.y_pred), sw, reduction)
    assert got.dtype == tf.float32
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_unreduced_elements_equal_functional_unweighted(case: Case) -> None:
    """The per-element losses Keras reduces are contrib's: their mean is contrib's value."""
    elements = case.make(reduction="none")(case.y_true, case.y_pred)
    with tcl.collection_scope():
        value = float(case.functional(case.y_true, case.y_pred, 1.0))
    if case.name == "MeanPairwiseSquaredError":
        np.testing.assert_allclose(float(tf.reduce_sum(elements)), value, rtol=1e-5)
    else:
        np.testing.assert_allclose(float(tf.reduce_mean(elements)), value, rtol=1e-5)


def test_reduction_is_validated() -> None:
    with pytest.raises(ValueError, match=r"Expected one of .*Received: reduction='average'"):
        tck.MeanSquaredError(reduction="average")
    bad = "auto" if tck.KERAS3 else "mean_with_sample_weight"
    with pytest.raises(ValueError, match="Expected one of"):
        tck.MeanSquaredError(reduction=bad)


def test_keras_sees_sum_for_the_contrib_reduction() -> None:
    """Keras must not rescale contrib's value per replica (see the distributed issue)."""
    loss = tck.SoftmaxCrossEntropy()
    assert loss.reduction == "sum"
    assert loss.get_config()["reduction"] == tck.CONTRIB_REDUCTION
    assert tck.SoftmaxCrossEntropy(reduction="sum_over_batch_size").reduction == (
        "sum_over_batch_size"
    )


# --------------------------------------------------------------------------
# Masks, dtypes, label shapes.


def _masked(x: np.ndarray, mask: np.ndarray) -> tf.Tensor:
    t = tf.constant(x)
    t._keras_mask = tf.constant(mask)
    return t


def test_mask_acts_as_zero_weights() -> None:
    p = np.random.default_rng(1).normal(size=(B, 5, 2)).astype(np.float32)
    y = np.random.default_rng(2).normal(size=(B, 5, 2)).astype(np.float32)
    mask = np.arange(5)[None, :] < np.array([5, 2, 0, 3])[:, None]
    w = np.array([1.0, 2.0, 3.0, 0.5], np.float32)
    for sw, eff in [
        (None, mask * 1.0),
        (w, w[:, None] * mask),
        (w[:, None], w[:, None] * mask),
        (2.0, 2.0 * mask),
    ]:
        got = tck.MeanSquaredError()(y, _masked(p, mask), sw)
        expected = np_weighted_mean((p - y) ** 2, eff)
        np.testing.assert_allclose(float(got), expected, rtol=1e-5)


def test_mask_on_per_sample_loss() -> None:
    rng = np.random.default_rng(100)
    logits = rng.normal(size=(B, 5, 3)).astype(np.float32)
    onehot = np.eye(3, dtype=np.float32)[rng.integers(0, 3, size=(B, 5))]
    mask = rng.integers(0, 2, size=(B, 5)).astype(bool)
    got = tck.SoftmaxCrossEntropy()(onehot, _masked(logits, mask))
    elements = -(onehot * np_log_softmax(logits)).sum(-1)
    np.testing.assert_allclose(float(got), np_weighted_mean(elements, mask), rtol=1e-5)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum"])
def test_mask_with_keras_reduction(reduction: str) -> None:
    """Keras' mask semantics: the mean is over the unmasked elements."""
    p = np.random.default_rng(3).normal(size=(B, 5, 2)).astype(np.float32)
    y = np.zeros_like(p)
    mask = np.arange(5)[None, :] < np.array([5, 2, 1, 3])[:, None]
    got = tck.MeanSquaredError(reduction=reduction)(y, _masked(p, mask))
    full = np.broadcast_to(mask[..., None], p.shape)
    want = (p**2)[full].sum() / (full.sum() if reduction != "sum" else 1)
    np.testing.assert_allclose(float(got), want, rtol=1e-5)


@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16, tf.float64])
def test_low_precision_predictions_computed_in_float32(dtype: tf.DType) -> None:
    for case in CASES:
        p = tf.cast(case.y_pred, dtype)
        got = case.make()(case.y_true, p, np.array([1.0, 0.0, 2.0, 1.0], np.float32))
        assert got.dtype == tf.float32, case.name
        with tcl.collection_scope():
            want = case.functional(
                case.y_true, tf.cast(p, tf.float32), np.array([1.0, 0.0, 2.0, 1.0], np.float32)
            )
        np.testing.assert_allclose(float(got), float(want), rtol=1e-6, err_msg=case.name)


def test_sparse_labels_stay_integer() -> None:
    logits = np.random.default_rng(4).normal(size=(3, 3000)).astype(np.float32)
    ids = np.array([2049, 2051, 7])  # 2049 and 2051 are not float16 numbers
    want = float(-np_log_softmax(logits.astype(np.float64))[np.arange(3), ids].mean())
    loss = tck.SparseSoftmaxCrossEntropy()
    for labels in (ids, ids.astype(np.int64), ids[:, None], ids.astype(np.float32)):
        got = loss(labels, tf.constant(logits, tf.float16))
        np.testing.assert_allclose(float(got), want, rtol=2e-3)
    exact = float(loss(ids, logits))
    np.testing.assert_allclose(exact, want, rtol=1e-5)
    wrong = float(loss(ids.astype(np.float16).astype(np.int32), logits))
    assert abs(exact - wrong) > 1e-3  # the test can tell a float16 round trip


def test_label_of_rank_one_for_output_of_width_one() -> None:
    p = np.random.default_rng(5).normal(size=(B, 1)).astype(np.float32)
    y = np.random.default_rng(6).normal(size=(B,)).astype(np.float32)
    w = np.array([1.0, 0.0, 2.0, 1.0], np.float32)
    got = tck.MeanSquaredError()(y, p, w)
    np.testing.assert_allclose(float(got), np_weighted_mean((p[:, 0] - y) ** 2, w), rtol=1e-6)


def test_works_in_xla_function() -> None:
    @tf.function(jit_compile=True)
    def f(y: tf.Tensor, p: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
        return tck.SigmoidCrossEntropy(label_smoothing=0.1)(y, p, w) + tck.MeanSquaredError(
            reduction="sum_over_batch_size"
        )(y, p, w)

    case = next(c for c in CASES if c.name == "SigmoidCrossEntropy")
    w = np.array([1.0, 0.0, 2.0, 1.0], np.float32)
    got = f(case.y_true, case.y_pred, w)
    want = np_contrib(case, w) + np_keras_reduce((case.y_pred - case.y_true) ** 2, w, "mean")
    np.testing.assert_allclose(float(got), want, rtol=1e-5)


# --------------------------------------------------------------------------
# Serialization: one round-trip helper run over every class.


NON_DEFAULT = {"epsilon": 1e-4, "axis": 1, "label_smoothing": 0.3}


def assert_round_trip(loss: tck.ContribLoss, case: Case) -> None:
    config = loss.get_config()
    again = type(loss).from_config(config)
    assert again.get_config() == config
    serialized = keras.losses.serialize(loss)
    restored = keras.losses.deserialize(serialized)
    assert type(restored) is type(loss)
    assert restored.get_config() == config
    sw = np.array([1.0, 0.0, 2.0, 3.0], np.float32)
    np.testing.assert_allclose(
        np.asarray(restored(case.y_true, case.y_pred, sw)),
        np.asarray(loss(case.y_true, case.y_pred, sw)),
        rtol=1e-6,
    )


@pytest.mark.parametrize("case", CASES, ids=repr)
@pytest.mark.parametrize("reduction", [tck.CONTRIB_REDUCTION, "sum", "none"])
def test_config_round_trip(case: Case, reduction: str) -> None:
    cls = type(case.make())
    hyper = {k: NON_DEFAULT[k] for k in cls._hyper}
    if "axis" in hyper:
        hyper["axis"] = case.hyper["axis"]
    loss = cls(**hyper, reduction=reduction, name="my_loss")
    config = loss.get_config()
    assert config == {"name": "my_loss", "reduction": reduction, **hyper}
    assert_round_trip(loss, case)
    assert_round_trip(cls(), case)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_registered_and_usable_by_name(case: Case) -> None:
    cls = type(case.make())
    registered = f"tfcompat_losses>{cls.__name__}"
    assert keras.utils.get_registered_name(cls) == registered
    assert keras.utils.get_registered_object(registered) is cls
    loss = keras.losses.get(registered)
    assert isinstance(loss, cls) and loss.get_config()["reduction"] == tck.CONTRIB_REDUCTION


def test_hyperparameters_forwarded() -> None:
    rng = np.random.default_rng(101)
    y = np.array([[1.0, 0.0]], np.float32)
    p = np.array([[0.0, 0.0]], np.float32)
    a = float(tck.LogLoss()(y, [[0.5, 0.5]]))
    b = float(tck.LogLoss(epsilon=0.5)(y, [[0.5, 0.5]]))
    assert a != b
    assert float(tck.SigmoidCrossEntropy(label_smoothing=1.0)(y, p)) == pytest.approx(np.log(2))
    assert float(tck.SoftmaxCrossEntropy(label_smoothing=1.0)(y, p)) == pytest.approx(np.log(2))
    u, v = _unit(rng.normal(size=(2, 3, 4)), 1), _unit(rng.normal(size=(2, 3, 4)), 1)
    by_axis = [float(tck.CosineDistance(axis=a)(u, v)) for a in (1, 2)]
    with tcl.collection_scope():
        want = [float(tcl.cosine_distance(v, u, axis=a)) for a in (1, 2)]
    np.testing.assert_allclose(by_axis, want, rtol=1e-6)
    assert abs(by_axis[0] - by_axis[1]) > 1e-3


# --------------------------------------------------------------------------
# The layer bridge and model losses, at the unit level.


class _Penalised(keras.layers.Layer):
    """Adds a contrib loss and an add_loss() in call(), through collect_into."""

    def call(self, x: tf.Tensor) -> tf.Tensor:
        with tck.collect_into(self):
            tcl.absolute_difference(x, tf.zeros_like(x))
            tcl.add_loss(tf.constant(0.25))
            tcl.add_loss(tf.constant(7.0), loss_collection="other")
            tcl.hinge_loss(x, tf.ones_like(x))  # unreduced: never collected
        return x


def test_collect_into_sends_losses_to_the_layer() -> None:
    layer = _Penalised()
    x = np.array([[1.0, -3.0]], np.float32)
    layer(x)
    assert sorted(float(v) for v in layer.losses) == [0.25, 2.0]
    assert tcl.get_losses() == []  # not also in the collection
    assert [float(v) for v in tcl.get_losses(loss_collection="other")] == [7.0]


def test_collect_into_casts_low_precision_losses() -> None:
    class Half(keras.layers.Layer):
        def call(self, x: tf.Tensor) -> tf.Tensor:
            half = tf.cast(x, tf.float16)
            with tck.collect_into(self):
                assert tcl.sigmoid_cross_entropy(half, tf.ones_like(half)).dtype == tf.float16
            return x

    layer = Half()
    layer(tf.constant([[0.0, 0.0]]))
    (value,) = layer.losses
    assert value.dtype == tf.float32
    np.testing.assert_allclose(float(value), np.log(2), rtol=1e-3)


def test_add_model_losses_feeds_regularization() -> None:
    k = np.array([[1.0, -2.0], [0.5, 0.0]], np.float32)
    inp = keras.Input((2,))
    dense = keras.layers.Dense(
        2,
        kernel_initializer=keras.initializers.Constant(k),
        kernel_regularizer=keras.regularizers.L2(0.1),
    )
    model = keras.Model(inp, dense(inp))
    x = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    onehot = np.eye(2, dtype=np.float32)[[0, 1]]
    reg = 0.1 * float((k**2).sum())

    with tcl.collection_scope(), tf.GradientTape() as tape:
        logits = model(x)
        xent = tcl.softmax_cross_entropy(logits, onehot)
        assert tcl.get_regularization_losses() == []  # "always 0" without the bridge
        added = tck.add_model_losses(model)
        total = tcl.get_total_loss()
        assert len(added) == 1 and len(tcl.get_regularization_losses()) == 1
    np.testing.assert_allclose(float(added[0]), reg, rtol=1e-6)
    np.testing.assert_allclose(float(total), float(xent) + reg, rtol=1e-6)
    grad = tape.gradient(total, dense.kernel)
    with tcl.collection_scope(), tf.GradientTape() as tape2:
        plain = tcl.softmax_cross_entropy(model(x), onehot)
    grad_plain = tape2.gradient(plain, dense.kernel)
    np.testing.assert_allclose((grad - grad_plain).numpy(), 0.2 * k, rtol=1e-5, atol=1e-6)

    @tf.function
    def step(x: tf.Tensor) -> tf.Tensor:
        model(x)
        tck.add_model_losses(model)
        return tcl.get_total_loss()

    np.testing.assert_allclose(float(step(tf.constant(x))), reg, rtol=1e-6)


def test_module_doctests() -> None:
    """The docstring examples run under both Keras flavours."""
    result = doctest.testmod(tck, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 8
