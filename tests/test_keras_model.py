"""tfcompat_losses.keras in Keras models: compile/fit/evaluate/predict, save, layers.

Small models with fixed weights, evaluated on the whole data set in one
batch, so ``evaluate`` is the loss of that batch and can be compared with
the contrib formula computed in NumPy. ``jit_compile=True`` throughout.
Runs under Keras 3 and under tf_keras (``TF_USE_LEGACY_KERAS=1``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import tensorflow as tf
from test_keras import np_log_softmax, np_pairwise, np_sigmoid_xent, np_weighted_mean

import tfcompat_losses as tcl
from tfcompat_losses import keras as tck

pytestmark = pytest.mark.keras

keras = tf.keras
N = 8  # the data set; batch_size=N everywhere
RNG = np.random.default_rng(11)
X = RNG.normal(size=(N, 3)).astype(np.float32)
W = np.array([1.0, 0.0, 2.0, 0.5, 0.0, 3.0, 1.0, 1.0], np.float32)


@pytest.fixture(autouse=True)
def fresh_session() -> Iterator[None]:
    keras.backend.clear_session()
    yield
    keras.backend.clear_session()


def dense_model(
    units: int, *, activation: str | None = None, normalize: bool = False, seed: int = 0
) -> tuple[Any, Callable[[np.ndarray], np.ndarray]]:
    """A Dense model with fixed weights and its NumPy forward pass."""
    rng = np.random.default_rng(seed)
    k = (rng.normal(size=(3, units)) * 0.7).astype(np.float32)
    b = (rng.normal(size=(units,)) * 0.1).astype(np.float32)
    inp = keras.Input((3,))
    out = keras.layers.Dense(
        units,
        activation=activation,
        kernel_initializer=keras.initializers.Constant(k),
        bias_initializer=keras.initializers.Constant(b),
    )(inp)
    if normalize:
        out = keras.layers.UnitNormalization(axis=-1)(out)

    def forward(x: np.ndarray) -> np.ndarray:
        z = x.astype(np.float64) @ k + b
        if activation == "sigmoid":
            z = 1 / (1 + np.exp(-z))
        if normalize:
            z = z / np.linalg.norm(z, axis=-1, keepdims=True)
        return z

    return keras.Model(inp, out), forward


def compile_(model: Any, loss: Any, **kw: Any) -> Any:
    model.compile(
        loss=loss,
        optimizer=kw.pop("optimizer", keras.optimizers.SGD(learning_rate=0.1)),
        jit_compile=True,
        weighted_metrics=[],
        **kw,
    )
    return model


def evaluate(model: Any, x: Any, y: Any, w: Any = W) -> float:
    return float(model.evaluate(x, y, sample_weight=w, batch_size=N, verbose=0))


# --------------------------------------------------------------------------
# Every class in a compiled model, against NumPy.


@dataclass
class Spec:
    make: Callable[[], tck.ContribLoss]
    units: int
    y: np.ndarray
    contrib: Callable[[np.ndarray, np.ndarray, np.ndarray], float]  # (y, p, w) in NumPy
    activation: str | None = None
    normalize: bool = False


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


_bits2 = RNG.integers(0, 2, size=(N, 2)).astype(np.float32)
_bits3 = RNG.integers(0, 2, size=(N, 3)).astype(np.float32)
_ids = RNG.integers(0, 3, size=(N,))

SPECS = {
    "AbsoluteDifference": Spec(
        tck.AbsoluteDifference,
        2,
        RNG.normal(size=(N, 2)).astype(np.float32),
        lambda y, p, w: np_weighted_mean(np.abs(p - y), w),
    ),
    "MeanSquaredError": Spec(
        tck.MeanSquaredError,
        2,
        RNG.normal(size=(N, 2)).astype(np.float32),
        lambda y, p, w: np_weighted_mean((p - y) ** 2, w),
    ),
    "MeanPairwiseSquaredError": Spec(
        tck.MeanPairwiseSquaredError,
        3,
        RNG.normal(size=(N, 3)).astype(np.float32),
        lambda y, p, w: np_pairwise(p, y, w),
    ),
    "LogLoss": Spec(
        lambda: tck.LogLoss(epsilon=1e-4),
        2,
        _bits2,
        lambda y, p, w: np_weighted_mean(-y * np.log(p + 1e-4) - (1 - y) * np.log(1 - p + 1e-4), w),
        activation="sigmoid",
    ),
    "HingeLoss": Spec(
        tck.HingeLoss,
        2,
        _bits2,
        lambda y, p, w: np_weighted_mean(np.maximum(0, 1 - (2 * y - 1) * p), w),
    ),
    "CosineDistance": Spec(
        tck.CosineDistance,
        3,
        _unit(RNG.normal(size=(N, 3))),
        lambda y, p, w: np_weighted_mean(1 - (p * y).sum(-1), w),
        normalize=True,
    ),
    "SigmoidCrossEntropy": Spec(
        lambda: tck.SigmoidCrossEntropy(label_smoothing=0.1),
        3,
        _bits3,
        lambda y, p, w: np_weighted_mean(np_sigmoid_xent(p, y * 0.9 + 0.05), w),
    ),
    "SoftmaxCrossEntropy": Spec(
        lambda: tck.SoftmaxCrossEntropy(label_smoothing=0.2),
        3,
        np.eye(3, dtype=np.float32)[_ids],
        lambda y, p, w: np_weighted_mean(-((y * 0.8 + 0.2 / 3) * np_log_softmax(p)).sum(-1), w),
    ),
    "SparseSoftmaxCrossEntropy": Spec(
        tck.SparseSoftmaxCrossEntropy,
        3,
        _ids,
        lambda y, p, w: np_weighted_mean(-np_log_softmax(p)[np.arange(len(y)), y], w),
    ),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_evaluate_equals_contrib_formula(name: str) -> None:
    spec = SPECS[name]
    model, forward = dense_model(spec.units, activation=spec.activation, normalize=spec.normalize)
    compile_(model, spec.make())
    p = forward(X)
    np.testing.assert_allclose(model.predict(X, batch_size=N, verbose=0), p, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(evaluate(model, X, spec.y), spec.contrib(spec.y, p, W), rtol=1e-5)
    # Unweighted, and the contrib value differs from Keras' sample-weighted mean.
    ones = np.ones(N, np.float32)
    np.testing.assert_allclose(
        evaluate(model, X, spec.y, None), spec.contrib(spec.y, p, ones), rtol=1e-5
    )


@pytest.mark.parametrize("name", ["SoftmaxCrossEntropy", "MeanSquaredError"])
def test_fit_lowers_the_loss(name: str) -> None:
    spec = SPECS[name]
    model, _ = dense_model(spec.units, seed=3)
    compile_(model, spec.make(), optimizer=keras.optimizers.SGD(learning_rate=0.2))
    before = evaluate(model, X, spec.y)
    history = model.fit(
        X, spec.y, sample_weight=W, batch_size=N, epochs=20, shuffle=False, verbose=0
    )
    # The first epoch's loss is the loss before the first update.
    np.testing.assert_allclose(history.history["loss"][0], before, rtol=1e-5)
    after = evaluate(model, X, spec.y)
    assert after < 0.8 * before
    assert np.all(np.diff(history.history["loss"]) < 0)


def test_per_output_losses_dict_and_list() -> None:
    rng = np.random.default_rng(100)
    init = keras.initializers.Constant
    k1 = rng.normal(size=(3, 2)).astype(np.float32)
    k2 = rng.normal(size=(3, 3)).astype(np.float32)
    y_reg = SPECS["MeanSquaredError"].y
    y_cls = _ids
    want_reg = np_weighted_mean((X @ k1 - y_reg) ** 2, W)
    want_cls = np_weighted_mean(-np_log_softmax(X.astype(np.float64) @ k2)[np.arange(N), y_cls], W)

    for loss in (
        {"reg": tck.MeanSquaredError(), "cls": tck.SparseSoftmaxCrossEntropy()},
        [tck.MeanSquaredError(), tck.SparseSoftmaxCrossEntropy()],
    ):
        inp = keras.Input((3,))
        reg = keras.layers.Dense(2, kernel_initializer=init(k1), name="reg")(inp)
        cls = keras.layers.Dense(3, kernel_initializer=init(k2), name="cls")(inp)
        if isinstance(loss, dict):
            model = keras.Model(inp, {"reg": reg, "cls": cls})
            compile_(model, loss, loss_weights={"reg": 1.0, "cls": 0.5})
            y: Any = {"reg": y_reg, "cls": y_cls}
        else:
            model = keras.Model(inp, [reg, cls])
            compile_(model, loss, loss_weights=[1.0, 0.5])
            y = [y_reg, y_cls]
        got = model.evaluate(X, y, sample_weight=W, batch_size=N, verbose=0, return_dict=True)
        np.testing.assert_allclose(got["loss"], want_reg + 0.5 * want_cls, rtol=1e-5)
        np.testing.assert_allclose(got["reg_loss"], want_reg, rtol=1e-5)
        np.testing.assert_allclose(got["cls_loss"], want_cls, rtol=1e-5)
        hist = model.fit(X, y, sample_weight=W, batch_size=N, epochs=3, verbose=0)
        assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_loss_by_registered_name() -> None:
    spec = SPECS["SigmoidCrossEntropy"]
    model, forward = dense_model(3)
    compile_(model, "tfcompat_losses>SigmoidCrossEntropy")
    p = forward(X)
    want = np_weighted_mean(np_sigmoid_xent(p, spec.y), W)
    np.testing.assert_allclose(evaluate(model, X, spec.y), want, rtol=1e-5)


def test_keras_mask_acts_as_zero_weights() -> None:
    rng = np.random.default_rng(101)
    x = rng.normal(size=(N, 5, 3)).astype(np.float32)
    lengths = np.array([5, 2, 0, 3, 1, 4, 5, 2])
    mask = np.arange(5)[None, :] < lengths[:, None]
    x[~mask] = 0.0
    y = rng.normal(size=(N, 5, 2)).astype(np.float32)
    k = rng.normal(size=(3, 2)).astype(np.float32)
    inp = keras.Input((5, 3))
    h = keras.layers.Masking(mask_value=0.0)(inp)
    out = keras.layers.Dense(2, kernel_initializer=keras.initializers.Constant(k))(h)
    model = compile_(keras.Model(inp, out), tck.MeanSquaredError())
    p = x.astype(np.float64) @ k
    want = np_weighted_mean((p - y) ** 2, W[:, None] * mask)
    assert abs(want - np_weighted_mean((p - y) ** 2, W)) > 1e-3  # the mask matters
    np.testing.assert_allclose(evaluate(model, x, y), want, rtol=1e-5)


# --------------------------------------------------------------------------
# Mixed precision.


@pytest.fixture(params=["mixed_float16", "mixed_bfloat16"])
def policy(request: pytest.FixtureRequest) -> Iterator[str]:
    old = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(request.param)
    yield request.param
    keras.mixed_precision.set_global_policy(old)


def test_mixed_precision(policy: str) -> None:
    """float16/bfloat16 outputs, float32 loss, class ids that float16 cannot hold."""
    rng = np.random.default_rng(102)
    inp = keras.Input((3,))
    k = (rng.normal(size=(3, 2100)) * 0.3).astype(np.float32)
    out = keras.layers.Dense(2100, kernel_initializer=keras.initializers.Constant(k))(inp)
    model = compile_(keras.Model(inp, out), tck.SparseSoftmaxCrossEntropy())
    ids = np.array([2049, 2051, 3, 2097, 7, 2053, 1, 2047])
    p = model.predict(X, batch_size=N, verbose=0)
    assert p.dtype == ("float16" if policy == "mixed_float16" else tf.bfloat16.as_numpy_dtype)
    logits = p.astype(np.float64)
    want = np_weighted_mean(-np_log_softmax(logits)[np.arange(N), ids], W)
    rounded = ids.astype(np.float16).astype(np.int64)  # what a float16 cast would do
    wrong = np_weighted_mean(-np_log_softmax(logits)[np.arange(N), rounded], W)
    assert abs(want - wrong) > 1e-2 * want  # what float16 labels would cost
    got = evaluate(model, X, ids)
    np.testing.assert_allclose(got, want, rtol=1e-4)
    assert model(X[:2]).dtype != tf.float32
    assert tck.SparseSoftmaxCrossEntropy()(ids, model(X)).dtype == tf.float32

    # XLA may round low-precision outputs differently in evaluate and predict.
    rtol = 1e-3 if policy == "mixed_float16" else 1e-2
    reg_model, _ = dense_model(2)
    y = SPECS["MeanSquaredError"].y
    compile_(reg_model, tck.MeanSquaredError())
    p = reg_model.predict(X, batch_size=N, verbose=0).astype(np.float64)
    np.testing.assert_allclose(
        evaluate(reg_model, X, y), np_weighted_mean((p - y) ** 2, W), rtol=rtol
    )
    hist = reg_model.fit(X, y, sample_weight=W, batch_size=N, epochs=5, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert hist.history["loss"][-1] < hist.history["loss"][0]


# --------------------------------------------------------------------------
# Save and load.


def test_keras_format_round_trip(tmp_path: Any) -> None:
    spec = SPECS["SoftmaxCrossEntropy"]
    model, _ = dense_model(3)
    loss = tck.SoftmaxCrossEntropy(label_smoothing=0.2, name="xent")
    compile_(model, loss)
    before = evaluate(model, X, spec.y)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)  # no custom_objects: the class is registered
    assert isinstance(loaded.loss, tck.SoftmaxCrossEntropy)
    assert loaded.loss.get_config() == loss.get_config()
    np.testing.assert_allclose(evaluate(loaded, X, spec.y), before, rtol=1e-6)


def test_saved_model_export(tmp_path: Any) -> None:
    spec = SPECS["LogLoss"]
    model, _ = dense_model(2, activation="sigmoid")
    compile_(model, spec.make())
    before = evaluate(model, X, spec.y)
    path = str(tmp_path / "exported")
    model.export(path)
    restored = tf.saved_model.load(path)
    outputs = restored.serve(tf.constant(X))
    np.testing.assert_allclose(float(spec.make()(spec.y, outputs, W)), before, rtol=1e-6)
    # The exported graph as a Keras layer in a model compiled with the loss.
    if tck.KERAS3:
        inp = keras.Input((3,))
        wrapped = keras.Model(inp, keras.layers.TFSMLayer(path, call_endpoint="serve")(inp))
    else:
        full = str(tmp_path / "saved_model")
        model.save(full, save_format="tf")
        wrapped = keras.models.load_model(full)
        assert isinstance(wrapped.loss, tck.LogLoss) and wrapped.loss.epsilon == 1e-4
    compile_(wrapped, spec.make())
    np.testing.assert_allclose(evaluate(wrapped, X, spec.y), before, rtol=1e-6)


# --------------------------------------------------------------------------
# The layer bridge in a model.


class ActivityPenalty(keras.layers.Layer):
    """A contrib loss on the activations, collected into the layer."""

    def __init__(self, coeff: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.coeff = coeff

    def call(self, x: tf.Tensor) -> tf.Tensor:
        with tck.collect_into(self):
            tcl.mean_squared_error(x, tf.zeros_like(x), weights=self.coeff)
        return x


def test_collect_into_loss_is_minimised_by_fit() -> None:
    rng = np.random.default_rng(103)
    k1 = rng.normal(size=(3, 4)).astype(np.float32)
    k2 = rng.normal(size=(4, 2)).astype(np.float32)
    inp = keras.Input((3,))
    hidden = keras.layers.Dense(4, kernel_initializer=keras.initializers.Constant(k1))(inp)
    out = keras.layers.Dense(2, kernel_initializer=keras.initializers.Constant(k2))(
        ActivityPenalty(0.5)(hidden)
    )
    model = compile_(keras.Model(inp, out), tck.MeanSquaredError())
    y = SPECS["MeanSquaredError"].y

    h = X.astype(np.float64) @ k1
    penalty = 0.5 * float(np.mean(h**2))  # contrib: scalar weight c -> c * mean
    with tcl.collection_scope():
        model(X)
        assert tcl.get_losses() == []  # in the layer, not in the collection
    (value,) = model.losses
    np.testing.assert_allclose(float(value), penalty, rtol=1e-5)
    want = np_weighted_mean((h @ k2 - y) ** 2, W) + penalty
    np.testing.assert_allclose(evaluate(model, X, y), want, rtol=1e-5)

    # The gradient fit uses includes the layer's loss: one SGD step, checked.
    variables = model.trainable_variables
    with tf.GradientTape(persistent=True) as tape:
        data_loss = tck.MeanSquaredError()(y, model(X, training=True), W)
        total = data_loss + tf.add_n(model.losses)
    grads = tape.gradient(total, variables)
    plain = tape.gradient(data_loss, variables)
    assert np.abs(grads[0].numpy() - plain[0].numpy()).max() > 1e-3
    expected = [v.numpy() - 0.1 * g.numpy() for v, g in zip(variables, grads, strict=True)]
    model.fit(X, y, sample_weight=W, batch_size=N, epochs=1, shuffle=False, verbose=0)
    for v, e in zip(model.trainable_variables, expected, strict=True):
        np.testing.assert_allclose(v.numpy(), e, rtol=1e-5, atol=1e-6)
