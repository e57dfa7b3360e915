"""migration_guide.md's Python snippets run, and give the numbers they claim.

Like tests/test_readme.py: each ```python block runs as written, with the
names it leaves to the reader supplied and checked against NumPy contrib
values; the only edits are the distributed snippets' strategy (the session's
shared one, see conftest.py) and the ``...`` that ends the tf.function
snippet (``return total``, so its value can be checked).
"""

from __future__ import annotations

import importlib.util
import pathlib
from typing import Any

import numpy as np
import pytest
import tensorflow as tf
from _snippets import B, C, D, Snippets, contrib_softmax, data, dense_softmax, model_softmax

import tfcompat_losses as tcl
from tfcompat_losses import keras as tck
from tfcompat_losses import legacy

GUIDE = Snippets("migration_guide.md")
GRAPH = "with tf.Graph().as_default():"
EAGER = "for x, onehot, w in dataset:"
FUNCTION = "@tf.function\ndef train_step(x, onehot, w):\n    with tf.GradientTape() as tape:"
COMPILE = "import tfcompat_losses as tcl\nfrom tfcompat_losses import keras as tck"
LAYER = "class Reconstruction"
MODEL_LOSSES = "with tf.GradientTape() as tape, tcl.collection_scope():"
STRATEGY = "strategy = tf.distribute.MirroredStrategy()"
FIT = "with strategy.scope():"
KEEPING = "class Classifier(tf.keras.Model):"
INSTALL = "import tfcompat_losses\ntfcompat_losses.install()"
NESTED = "@tf.function\ndef step(x):"
MIXED = "import tensorflow.compat.v1 as tf1"


def base_ns(**names: Any) -> dict[str, Any]:
    return {"tf": tf, "tcl": tcl, "tck": tck, "keras": tf.keras, **names}


def dense(regularizer: Any = None, units: int = C) -> tf.keras.Model:
    return tf.keras.Sequential(
        [
            tf.keras.Input((D,)),
            tf.keras.layers.Dense(units, kernel_regularizer=regularizer, name="dense"),
        ]
    )


def test_every_block_is_tested() -> None:
    GUIDE.check_all_tested(
        [
            GRAPH,
            EAGER,
            FUNCTION,
            COMPILE,
            LAYER,
            MODEL_LOSSES,
            STRATEGY,
            FIT,
            KEEPING,
            INSTALL,
            NESTED,
            MIXED,
        ]
    )


def test_tf1_graph() -> None:
    d = {k: v.numpy() for k, v in data().items()}
    w0 = np.random.default_rng(2).normal(size=(D, C)).astype(np.float32)

    def model(x: Any) -> tf.Tensor:
        kernel = tf.compat.v1.get_variable("W", initializer=w0)
        return tf.matmul(x, kernel)

    ns = GUIDE.run(GRAPH, base_ns(model=model, reg=0.25, **d))
    total = ns["total"]
    with total.graph.as_default():
        v1_total = tf.compat.v1.losses.get_total_loss()
    with tf.compat.v1.Session(graph=total.graph) as sess:
        sess.run(tf.compat.v1.variables_initializer(total.graph.get_collection("variables")))
        got, got_v1 = sess.run([total, v1_total])
        sess.run(ns["train_op"])
        after = sess.run(total)
    no_bias = np.zeros(C)
    want, d_kernel, _ = dense_softmax(d["x"], w0, no_bias, d["onehot"], d["w"])
    assert got == pytest.approx(want + 0.25, rel=1e-5)
    assert got_v1 == pytest.approx(got, rel=1e-6)
    # one GradientDescentOptimizer(0.1) step on total: W <- W - 0.1 * dtotal/dW
    want_after, _, _ = dense_softmax(d["x"], w0 - 0.1 * d_kernel, no_bias, d["onehot"], d["w"])
    assert after == pytest.approx(want_after + 0.25, rel=1e-5)


def _sigmoid_contrib(logits: np.ndarray, labels: np.ndarray, w: np.ndarray) -> float:
    ce = np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))
    return float((w[:, None] * ce).sum() / (np.count_nonzero(w) * ce.shape[1]))


def test_eager_loop() -> None:
    d = data()
    rng = np.random.default_rng(3)
    half = B // 2
    aux = tf.constant(rng.normal(size=(half, 2)), tf.float32)
    multi_hot = tf.constant(rng.integers(0, 2, size=(half, 2)), tf.float32)
    model = dense()
    with tcl.collection_scope():
        ns = GUIDE.run(
            EAGER,
            base_ns(
                dataset=tf.data.Dataset.from_tensor_slices((d["x"], d["onehot"], d["w"])).batch(
                    half
                ),
                model=model,
                aux_logits=aux,
                multi_hot=multi_hot,
                l2=tf.constant(0.5),
                optimizer=tf.keras.optimizers.SGD(0.0),  # keep the weights: check the total
            ),
        )
        assert tcl.get_losses() == []
    w = d["w"].numpy()[half:]  # the last step's batch
    want = contrib_softmax(model(d["x"][half:]).numpy(), d["onehot"].numpy()[half:], w)
    want += _sigmoid_contrib(aux.numpy(), multi_hot.numpy(), w) + 0.5
    assert float(ns["total"]) == pytest.approx(want, rel=1e-5)  # this step's losses only


def test_tf_function() -> None:
    d = data()
    model = dense()
    ns = GUIDE.run(FUNCTION, base_ns(model=model), replace=("    ...", "    return total"))
    want = model_softmax(model, d)
    with tcl.collection_scope():
        first = float(ns["train_step"](d["x"], d["onehot"], d["w"]))
        second = float(ns["train_step"](d["x"], d["onehot"], d["w"]))
        assert tcl.get_losses() == []  # nothing reaches the caller
    assert first == pytest.approx(want, rel=1e-5)
    assert second == first  # nothing accumulates across calls


@pytest.mark.keras
def test_compile() -> None:
    d = data()
    model = dense()
    GUIDE.run(COMPILE, base_ns(model=model, **d))
    onehot = d["onehot"].numpy() * 0.9 + 0.1 / C  # label_smoothing=0.1
    want = contrib_softmax(model(d["x"]).numpy(), onehot, d["w"].numpy())
    got = model.evaluate(d["x"], d["onehot"], sample_weight=d["w"], batch_size=B, verbose=0)
    assert got == pytest.approx(want, rel=1e-4)


@pytest.mark.keras
def test_custom_layer() -> None:
    ns = GUIDE.run(LAYER, base_ns())
    layer = ns["Reconstruction"]()
    layer.encoder = lambda t: 3.0 * t
    layer.decoder = lambda t: t + 1.0
    x = data()["x"]
    with tcl.collection_scope():
        layer(x)
        assert tcl.get_losses() == []
    want = float(np.mean((3.0 * x.numpy() + 1.0 - x.numpy()) ** 2))
    assert len(layer.losses) == 1
    assert float(layer.losses[0]) == pytest.approx(want, rel=1e-5)


@pytest.mark.keras
def test_model_losses_in_a_custom_loop() -> None:
    d = data()
    model = dense(tf.keras.regularizers.L2(0.5))
    ns = GUIDE.run(MODEL_LOSSES, base_ns(model=model, **d))
    want = model_softmax(model, d, l2=0.5)
    assert float(ns["total"]) == pytest.approx(want, rel=1e-5)


@pytest.mark.slow
def test_custom_loop_under_a_strategy(mirrored_strategy: tf.distribute.Strategy) -> None:
    d = data()
    with mirrored_strategy.scope():
        model = dense(tf.keras.regularizers.L2(0.5))
        optimizer = tf.keras.optimizers.SGD(0.1)
    layer = model.layers[0]
    want, d_kernel, d_bias = dense_softmax(
        d["x"].numpy(),
        layer.kernel.numpy(),
        layer.bias.numpy(),
        d["onehot"].numpy(),
        d["w"].numpy(),
        l2=0.5,
    )
    kernel, bias = layer.kernel.numpy() - 0.1 * d_kernel, layer.bias.numpy() - 0.1 * d_bias
    ns = GUIDE.run(
        STRATEGY,
        base_ns(shared=mirrored_strategy, model=model, optimizer=optimizer),
        replace=(STRATEGY, "strategy = shared"),
    )
    dist = mirrored_strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices((d["x"], d["onehot"], d["w"])).batch(B)
    )
    loss = float(ns["train_step"](*next(iter(dist))))
    # L2 counted once, not once per replica, in the loss and in the summed
    # gradients: one SGD(0.1) step lands where the one-device step does.
    assert loss == pytest.approx(want, rel=1e-5)  # == the one-device loss
    np.testing.assert_allclose(layer.kernel.numpy(), kernel, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.bias.numpy(), bias, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
@pytest.mark.keras
def test_fit_under_a_strategy(mirrored_strategy: tf.distribute.Strategy) -> None:
    d = data()
    y = 2.0 * tf.reduce_sum(d["x"], 1, keepdims=True)  # the ones kernel is off

    def build_model() -> tf.keras.Model:
        return tf.keras.Sequential(
            [tf.keras.Input((D,)), tf.keras.layers.Dense(1, kernel_initializer="ones")]
        )

    ns = GUIDE.run(
        FIT,
        base_ns(
            strategy=mirrored_strategy,
            build_model=build_model,
            x=d["x"],
            y=y,
            w=d["w"],
            global_batch=B,
        ),
    )
    one = build_model()
    one.compile(optimizer="sgd", loss=tck.MeanSquaredError())
    one.fit(d["x"], y, sample_weight=d["w"], batch_size=B, verbose=0)
    got = ns["model"].layers[0]
    np.testing.assert_allclose(got.kernel.numpy(), one.layers[0].kernel.numpy(), rtol=1e-5)
    # One SGD step ("sgd": learning rate 0.01) on contrib's mean squared error
    # with [B] weights, sum(w * r^2) / nonzero(w), from kernel 1 and bias 0.
    x, w = d["x"].numpy().astype(np.float64), d["w"].numpy().astype(np.float64)
    r = x.sum(1) - y.numpy()[:, 0]  # prediction - label
    g = 2.0 * w * r / np.count_nonzero(w)  # d loss / d prediction
    np.testing.assert_allclose(got.kernel.numpy()[:, 0], 1.0 - 0.01 * (x.T @ g), rtol=1e-5)
    np.testing.assert_allclose(got.bias.numpy(), [-0.01 * g.sum()], rtol=1e-5, atol=1e-7)


@pytest.mark.slow
@pytest.mark.keras
def test_a_model_entering_collect_into_under_a_strategy(
    mirrored_strategy: tf.distribute.Strategy,
) -> None:
    """A layer outside every collect_into layer (an activity regularizer): one-device weights."""
    d = data()
    ns = GUIDE.run(KEEPING, base_ns())
    kernel = np.random.default_rng(5).normal(size=(D, C)).astype(np.float32)

    def fitted(strategy: tf.distribute.Strategy) -> np.ndarray:
        with strategy.scope():
            body = tf.keras.Sequential(
                [
                    tf.keras.Input((D,)),
                    tf.keras.layers.Dense(
                        C, activity_regularizer=tf.keras.regularizers.L2(0.1), use_bias=False
                    ),
                ]
            )
            body.layers[0].set_weights([kernel])
            model = ns["Classifier"](body)
            model.compile(optimizer=tf.keras.optimizers.SGD(0.5), loss=tck.SoftmaxCrossEntropy())
        model.fit(d["x"], d["onehot"], sample_weight=d["w"], batch_size=B, epochs=3, verbose=0)
        return body.layers[0].kernel.numpy()

    want = fitted(tf.distribute.get_strategy())
    assert not np.allclose(want, kernel)  # it trained
    np.testing.assert_allclose(fitted(mirrored_strategy), want, rtol=1e-5, atol=1e-6)


def test_install() -> None:
    d = data()
    logits = tf.constant(np.random.default_rng(4).normal(size=(B, C)), tf.float32)
    try:
        with tcl.collection_scope():
            ns = GUIDE.run(INSTALL, {"logits": logits, "onehot": d["onehot"], "w": d["w"]})
    finally:
        tcl.uninstall()
    assert not legacy.installed()
    want = contrib_softmax(logits.numpy(), d["onehot"].numpy(), d["w"].numpy())
    assert float(ns["loss"]) == pytest.approx(want, rel=1e-5)
    assert float(ns["total"]) == pytest.approx(want, rel=1e-5)


def test_loss_inside_control_flow_raises_instead_of_a_partial_total(
    tmp_path: pathlib.Path,
) -> None:
    # AutoGraph converts `if tensor:` only in code whose source it can read:
    # the block runs from a file, as in a user's module.
    module = tmp_path / "guide_nested.py"
    module.write_text(
        "import tensorflow as tf\nimport tfcompat_losses as tcl\n\n" + GUIDE.block(NESTED)
    )
    spec = importlib.util.spec_from_file_location("guide_nested", module)
    assert spec is not None and spec.loader is not None
    ns = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ns)
    ns = vars(ns)
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"nested graph.*cond_true"):
        ns["step"](x)
    # The guide: eagerly the same code collects both losses (2.5 + 7.5).
    with tcl.collection_scope():
        eager = ns["step"].python_function(x)
    assert float(eager) == pytest.approx(2.5 + 7.5)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "function"])
def test_mixed_core_and_contrib_losses(compiled: bool) -> None:
    d = data()
    rng = np.random.default_rng(5)
    names = {
        "logits": tf.constant(rng.normal(size=(B, C)), tf.float32),
        "aux": tf.constant(rng.normal(size=(B, 2)), tf.float32),
        "target": tf.constant(rng.normal(size=(B, 2)), tf.float32),
        "l2": tf.constant(0.25),
        "onehot": d["onehot"],
        "w": d["w"],
    }

    def run() -> tf.Tensor:
        return GUIDE.run(MIXED, base_ns(**names))["total"]

    total = float(tf.function(run)() if compiled else run())
    w = d["w"].numpy()
    sq = ((names["aux"].numpy() - names["target"].numpy()) ** 2).sum(1)
    mse = float((w * sq).sum() / (np.count_nonzero(w) * 2))
    want = contrib_softmax(names["logits"].numpy(), d["onehot"].numpy(), w) + mse + 0.25
    assert total == pytest.approx(want, rel=1e-5)
