"""model.fit under MirroredStrategy equals one-device fit (contrib reduction)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses.keras as tck

pytestmark = pytest.mark.keras

B, D, C, STEPS = 16, 5, 3, 4
RNG = np.random.default_rng(11)
X = RNG.normal(size=(B, D)).astype(np.float32)
Y = np.eye(C, dtype=np.float32)[RNG.integers(0, C, size=B)]
W = np.zeros(B, np.float32)
W[:7] = RNG.uniform(0.5, 2.0, size=7)  # first half of the batch: 7 of 8 nonzero
W[11] = 1.0  # second half: 1 of 8
KERNEL = (RNG.normal(size=(D, C)) * 0.3).astype(np.float32)


def _fit(
    loss: tf.keras.losses.Loss, strategy: tf.distribute.Strategy | None
) -> tuple[np.ndarray, list[float]]:
    def build() -> tf.keras.Model:
        model = tf.keras.Sequential(
            [tf.keras.Input((D,)), tf.keras.layers.Dense(C, use_bias=False)]
        )
        model.layers[-1].set_weights([KERNEL])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.5), loss=loss)
        return model

    if strategy is None:
        model = build()
    else:
        with strategy.scope():
            model = build()
    hist = model.fit(X, Y, sample_weight=W, batch_size=B, epochs=STEPS, shuffle=False, verbose=0)
    return model.layers[-1].get_weights()[0], hist.history["loss"]


@pytest.mark.parametrize(
    "make_loss",
    [
        tck.SoftmaxCrossEntropy,
        tck.MeanSquaredError,
        tck.SigmoidCrossEntropy,
        tck.AbsoluteDifference,
    ],
    ids=lambda c: c.__name__,
)
def test_fit_on_two_replicas_equals_one_device(make_loss, mirrored_strategy) -> None:
    want_kernel, want_loss = _fit(make_loss(), None)
    got_kernel, got_loss = _fit(make_loss(), mirrored_strategy)
    np.testing.assert_allclose(got_kernel, want_kernel, rtol=1e-5, atol=1e-6)
    assert not np.allclose(want_kernel, KERNEL)  # training moved the weights
    if not tf.keras.__name__.startswith("tf_keras"):
        # Keras 3 reports the summed loss; tf_keras averages the replicas'
        # reported values (1/N of it), which does not affect the gradients.
        np.testing.assert_allclose(got_loss, want_loss, rtol=1e-5)
