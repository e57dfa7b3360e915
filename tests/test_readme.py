"""The README's Python snippets run, and do what their comments say.

Each ```python block of README.md is executed as written, in a namespace
that supplies what the snippet leaves to the reader (``x``, ``model``,
``dataset``, ...). Only the distributed snippet's strategy is swapped for the
session's shared one (conftest.py: several collective strategies in one
process clash). A snippet edited so that it no longer runs, or no longer
gives contrib's number, fails here.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from _snippets import B, C, D, Snippets, contrib_softmax, data, dense_softmax

import tfcompat_losses
from tfcompat_losses import keras as tck
from tfcompat_losses import legacy

README = Snippets("README.md")


def test_every_block_is_tested() -> None:
    starts = [
        "import tensorflow as tf\nimport tfcompat_losses as losses",
        "import tfcompat_losses\ntfcompat_losses.install()",
        "from tfcompat_losses import v1",
        "import tfcompat_losses.keras as tck",
        "class Denoiser",
        "with tf.GradientTape() as tape, tfcompat_losses.collection_scope()",
        "for x, y, w in dataset",
        "strategy = tf.distribute.MirroredStrategy()",
    ]
    README.check_all_tested(starts)


def test_quick_start() -> None:
    d = data()
    rng = np.random.default_rng(1)
    ns = {
        **d,
        "W": tf.constant(rng.normal(size=(D, C)), tf.float32),
        "V": tf.constant(rng.normal(size=(D, 2)), tf.float32),
        "y": tf.constant(rng.normal(size=(B, 2)), tf.float32),
        "labels": tf.cast(d["onehot"], tf.float32),
    }
    with tfcompat_losses.collection_scope():
        ns = README.run("import tensorflow as tf\nimport tfcompat_losses as losses", ns)
    logits = (d["x"] @ ns["W"]).numpy()
    w = d["w"].numpy()
    xent = contrib_softmax(logits, d["onehot"].numpy(), w)
    sq = (((d["x"] @ ns["V"]).numpy() - ns["y"].numpy()) ** 2).sum(1)
    mse = float((w * sq).sum() / (np.count_nonzero(w) * 2))  # [B] weights count d each
    assert float(ns["total"]) == pytest.approx(xent + mse, rel=1e-5)
    # unreduced: relu(1 - y * logits) with labels {0, 1} -> y {-1, 1}, per element
    y_pm = 2.0 * ns["labels"].numpy() - 1.0
    want_hinge = np.maximum(0.0, 1.0 - y_pm * logits)
    np.testing.assert_allclose(ns["hinge"].numpy(), want_hinge, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "function"])
def test_mixed_core_and_contrib(compiled: bool) -> None:
    d = data()
    rng = np.random.default_rng(3)
    logits = tf.constant(rng.normal(size=(B, C)), tf.float32)
    aux = tf.constant(rng.normal(size=(B, 2)), tf.float32)
    target = tf.constant(rng.normal(size=(B, 2)), tf.float32)
    ns = {"tf": tf, "losses": tfcompat_losses, "logits": logits, "aux": aux, "target": target}
    ns.update(onehot=d["onehot"], w=d["w"], l2=tf.constant(0.5))

    def run() -> tf.Tensor:
        with tfcompat_losses.collection_scope():
            return README.run("from tfcompat_losses import v1", dict(ns))["total"]

    total = float(tf.function(run)() if compiled else run())
    w = d["w"].numpy()
    xent = contrib_softmax(logits.numpy(), d["onehot"].numpy(), w)  # core == contrib for [B] w
    sq = ((aux.numpy() - target.numpy()) ** 2).sum(1)
    mse = float((w * sq).sum() / (np.count_nonzero(w) * 2))
    assert total == pytest.approx(xent + mse + 0.5, rel=1e-5)


def test_install() -> None:
    try:
        README.run("import tfcompat_losses\ntfcompat_losses.install()", {})
        assert tf.contrib.losses.log_loss is tfcompat_losses.log_loss
    finally:
        tfcompat_losses.uninstall()
    assert not legacy.installed()


def _two_headed_model() -> tf.keras.Model:
    inp = tf.keras.Input((D,))
    logits = tf.keras.layers.Dense(C, name="logits")(inp)
    aux = tf.keras.layers.Dense(2, name="aux")(inp)
    return tf.keras.Model(inp, {"logits": logits, "aux": aux})


@pytest.mark.keras
def test_keras_compile_and_fit() -> None:
    d = data()
    model = _two_headed_model()
    y = {"logits": d["onehot"], "aux": tf.zeros((B, 2))}
    ns = README.run("import tfcompat_losses.keras as tck", {"model": model, **d, "y": y})
    assert ns["tck"].SoftmaxCrossEntropy is tck.SoftmaxCrossEntropy
    # The compiled loss is contrib's: the sum of the two heads' contrib values.
    pred = model(d["x"])
    w = d["w"].numpy()
    onehot = d["onehot"].numpy() * 0.9 + 0.1 / C  # label_smoothing=0.1
    want = contrib_softmax(pred["logits"].numpy(), onehot, w)
    sq = (pred["aux"].numpy() ** 2).sum(1)
    want += float((w * sq).sum() / (np.count_nonzero(w) * 2))
    got = model.evaluate(d["x"], y, sample_weight=d["w"], batch_size=B, verbose=0)
    got = got[0] if isinstance(got, list) else got
    assert got == pytest.approx(want, rel=1e-4)


@pytest.mark.keras
def test_layer_losses() -> None:
    ns = README.run("class Denoiser", {"tf": tf, "tck": tck, **globals()})
    layer = ns["Denoiser"]()
    layer.encode = layer.decode = lambda t: 2.0 * t
    x = data()["x"]
    with tfcompat_losses.collection_scope():
        layer(x)
        assert tfcompat_losses.get_losses() == []  # in layer.losses, not also collected
    want = 0.1 * float(np.mean((4.0 * x.numpy() - x.numpy()) ** 2))  # y = decode(encode(x)) = 4x
    assert len(layer.losses) == 1
    assert float(layer.losses[0]) == pytest.approx(want, rel=1e-5)


@pytest.mark.keras
def test_regularizers_in_a_custom_loop() -> None:
    d = data()
    reg = tf.keras.regularizers.L2(0.5)
    model = tf.keras.Sequential(
        [tf.keras.Input((D,)), tf.keras.layers.Dense(C, kernel_regularizer=reg)]
    )
    ns = README.run(
        "with tf.GradientTape() as tape, tfcompat_losses.collection_scope()",
        {
            "tf": tf,
            "tfcompat_losses": tfcompat_losses,
            "tck": tck,
            "model": model,
            **d,
        },
    )
    layer = model.layers[0]
    want, d_kernel, d_bias = dense_softmax(
        d["x"].numpy(),
        layer.kernel.numpy(),
        layer.bias.numpy(),
        d["onehot"].numpy(),
        d["w"].numpy(),
        l2=0.5,
    )
    assert float(ns["total"]) == pytest.approx(want, rel=1e-5)
    # The tape saw the loss and the regularizer: the gradient a training step
    # would apply is the one of cross-entropy + L2.
    got_kernel, got_bias = ns["tape"].gradient(ns["total"], [layer.kernel, layer.bias])
    np.testing.assert_allclose(got_kernel.numpy(), d_kernel, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_bias.numpy(), d_bias, rtol=1e-5, atol=1e-6)


def test_training_loop_with_collection_scope() -> None:
    d = data()
    model = tf.keras.Sequential([tf.keras.Input((D,)), tf.keras.layers.Dense(C)])
    batch = 4
    dataset = tf.data.Dataset.from_tensor_slices((d["x"], d["onehot"], d["w"])).batch(batch)
    layer = model.layers[0]
    kernel, bias = layer.kernel.numpy().astype(np.float64), layer.bias.numpy().astype(np.float64)
    with tfcompat_losses.collection_scope():
        ns = README.run(
            "for x, y, w in dataset",
            {
                "tf": tf,
                "tfcompat_losses": tfcompat_losses,
                "model": model,
                "dataset": dataset,
                "l2": tf.constant(0.5),
                "optimizer": tf.keras.optimizers.SGD(0.1),
            },
        )
        assert tfcompat_losses.get_losses() == []  # each step's collection was dropped
    # Replay the SGD(0.1) steps in NumPy: the last step's total is its own
    # cross-entropy (at the weights step 1 left) plus l2, nothing from step 1.
    for start in range(0, B, batch):
        rows = slice(start, start + batch)
        loss, d_kernel, d_bias = dense_softmax(
            d["x"].numpy()[rows], kernel, bias, d["onehot"].numpy()[rows], d["w"].numpy()[rows]
        )
        kernel, bias = kernel - 0.1 * d_kernel, bias - 0.1 * d_bias
    assert float(ns["total"]) == pytest.approx(loss + 0.5, rel=1e-5)
    np.testing.assert_allclose(layer.kernel.numpy(), kernel, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.bias.numpy(), bias, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_distributed_snippet(mirrored_strategy: tf.distribute.Strategy) -> None:
    d = data()
    with mirrored_strategy.scope():
        model = tf.keras.Sequential([tf.keras.Input((D,)), tf.keras.layers.Dense(C)])
        optimizer = tf.keras.optimizers.SGD(0.1)
    layer = model.layers[0]
    want, d_kernel, d_bias = dense_softmax(
        d["x"].numpy(),
        layer.kernel.numpy(),
        layer.bias.numpy(),
        d["onehot"].numpy(),
        d["w"].numpy(),
    )
    kernel, bias = layer.kernel.numpy() - 0.1 * d_kernel, layer.bias.numpy() - 0.1 * d_bias
    strategy = "strategy = tf.distribute.MirroredStrategy()"
    ns = README.run(
        strategy,
        {
            "tf": tf,
            "tfcompat_losses": tfcompat_losses,
            "shared": mirrored_strategy,
            "model": model,
            "optimizer": optimizer,
        },
        replace=(strategy, "strategy = shared"),
    )
    dist = mirrored_strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices((d["x"], d["onehot"], d["w"])).batch(B)
    )
    x, y, w = next(iter(dist))
    loss = float(ns["train_step"](x, y, w))
    assert loss == pytest.approx(want, rel=1e-5)  # == one-device loss
    # The replicas' gradients, summed by apply_gradients, are the one-device
    # gradient: one SGD(0.1) step lands where the full-batch step does.
    np.testing.assert_allclose(layer.kernel.numpy(), kernel, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.bias.numpy(), bias, rtol=1e-5, atol=1e-6)
