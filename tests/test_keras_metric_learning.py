"""Keras classes for the metric-learning losses."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses.keras as tck
from tfcompat_losses import metric_learning as ml

pytestmark = pytest.mark.keras

RNG = np.random.default_rng(5)
LABELS = np.array([0, 0, 1, 1, 2, 2, 0, 1], np.int32)
EMB = RNG.normal(size=(8, 4)).astype(np.float32)


@pytest.mark.parametrize(
    ("cls", "fn"),
    [
        (tck.TripletSemiHardLoss, ml.triplet_semihard_loss),
        (tck.LiftedStructLoss, ml.lifted_struct_loss),
    ],
)
def test_equals_functional_and_round_trips(cls, fn) -> None:
    loss = cls(margin=0.7)
    want = float(fn(LABELS, EMB, margin=0.7))
    assert float(loss(LABELS, EMB)) == pytest.approx(want, rel=1e-6)
    assert float(loss(LABELS[:, None].astype(np.float32), EMB)) == pytest.approx(want, rel=1e-6)
    again = cls.from_config(loss.get_config())
    assert again.margin == 0.7 and float(again(LABELS, EMB)) == pytest.approx(want, rel=1e-6)
    restored = tf.keras.losses.deserialize(tf.keras.losses.serialize(loss))
    assert isinstance(restored, cls) and restored.margin == 0.7
    with pytest.raises(ValueError, match="sample_weight"):
        loss(LABELS, EMB, sample_weight=np.ones(8, np.float32))


@pytest.mark.parametrize("cls", [tck.TripletSemiHardLoss, tck.LiftedStructLoss])
def test_fit_lowers_the_loss(cls) -> None:
    x = RNG.normal(size=(32, 6)).astype(np.float32)
    y = (np.arange(32) % 4).astype(np.int32)
    x[:, :4] += np.eye(4, dtype=np.float32)[y] * 2.0
    model = tf.keras.Sequential([tf.keras.Input((6,)), tf.keras.layers.Dense(3)])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss=cls(margin=1.0))
    before = model.evaluate(x, y, batch_size=32, verbose=0)
    model.fit(x, y, batch_size=32, epochs=20, verbose=0, shuffle=False)
    after = model.evaluate(x, y, batch_size=32, verbose=0)
    assert np.isfinite(before) and after < before
