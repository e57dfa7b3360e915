"""Computes every number that ``migration_guide.md`` quotes.

Each number comes from running code: the contrib value is read from the
golden vectors (``tests/data/contrib_golden.json``, produced by the contrib
loss code itself), the others from ``tfcompat_losses``, from
``tf.compat.v1.losses`` (TensorFlow 2, eager unless stated) and from Keras 3
(``keras.losses``). The guide quotes floats with 4 decimals
(:func:`fmt`); ``tests/test_migration_guide.py`` checks that every value
returned here appears in the guide, and that every 4-decimal number in the
guide is one of them.

Run: ``python examples/worked_numbers.py`` (prints ``key = value`` lines).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import functools
import json
import pathlib
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

import tfcompat_losses as tcl

ROOT = pathlib.Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "contrib_golden.json"
ML_GOLDEN = ROOT / "tests" / "data" / "metric_learning_golden.json"
v1 = tf.compat.v1.losses

Numbers = dict[str, Any]
# What _error() returns when nothing is raised: never in the guide, so a
# call that stops raising fails the guide test.
NO_ERROR = "<no exception raised>"


def fmt(value: Any) -> str:
    """How the guide writes a value: floats with 4 decimals, the rest as is."""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


# --------------------------------------------------------------------------
# Inputs.


@functools.cache
def golden(path: pathlib.Path = GOLDEN) -> dict[tuple[str, str], dict[str, Any]]:
    """The golden cases of ``path`` keyed by (fn, tag)."""
    cases = json.loads(path.read_text())["cases"]
    return {(c["fn"], c["tag"]): c for c in cases}


def _tensor(spec: dict[str, Any]) -> tf.Tensor:
    dtype = spec["dtype"]
    value = np.array(spec["value"], dtype=np.float64 if "float" in dtype else None)
    return tf.constant(value, dtype=dtype)


def case(fn: str, tag: str) -> tuple[list[tf.Tensor], tf.Tensor | None, dict[str, Any]]:
    """(args, weights tensor or None, the case) of a golden case."""
    c = golden()[(fn, tag)]
    args = [_tensor(a) for a in c["args"]]
    w = c["kwargs"].get("weights")
    return args, (_tensor(w) if isinstance(w, dict) else None), c


def _f(x: Any) -> float:
    return float(np.asarray(x))


def _error(call: Callable[[], Any]) -> str:
    """The exception class name ``call`` raises (``NO_ERROR`` if it returns)."""
    try:
        call()
    except Exception as e:  # a worked number: which error the user sees
        return type(e).__name__
    return NO_ERROR


# --------------------------------------------------------------------------
# Guide sections 1-2. Per function: contrib (golden) / tfcompat / tf.compat.v1 / Keras 3.


class _PerElement(keras.losses.Loss):
    """A Keras loss whose per-element losses are ``y_pred`` itself.

    Keras 3 has no public ``compute_weighted_loss``; this is how Keras
    reduces given losses with ``sample_weight``.
    """

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return y_pred


def _stats(w: tf.Tensor) -> tuple[int, float, int]:
    """(nonzero weights, sum of weights, batch size)."""
    wn = w.numpy()
    return int(np.count_nonzero(wn)), float(wn.sum()), int(wn.shape[0])


def elementwise() -> Numbers:
    """AD, MSE, log loss, sigmoid xent, compute_weighted_loss: case (4, 3):per_batch."""
    out: Numbers = {}
    keras_losses: dict[str, Callable[..., Any]] = {
        "absolute_difference": keras.losses.MeanAbsoluteError,
        "mean_squared_error": keras.losses.MeanSquaredError,
        "log_loss": keras.losses.BinaryCrossentropy,
        "sigmoid_cross_entropy": lambda **kw: keras.losses.BinaryCrossentropy(
            from_logits=True, **kw
        ),
        "compute_weighted_loss": _PerElement,
    }
    for fn, make in keras_losses.items():
        args, w, c = case(fn, "(4, 3):per_batch")
        assert w is not None
        k = f"{fn}."
        out[k + "contrib"] = float(c["expected"]["loss"])
        out[k + "tfcompat"] = _f(getattr(tcl, fn)(*args, weights=w))
        wcol = w[:, None]
        if fn == "compute_weighted_loss":
            v1_call = functools.partial(v1.compute_weighted_loss, args[0])
            # Keras needs [B, 1] weights to scale per-element losses [B, d].
            y_true, y_pred, kw = args[0], args[0], wcol
        else:
            p, y = args
            v1_call = functools.partial(getattr(v1, fn), y, p)  # labels first
            y_true, y_pred, kw = y, p, w
        out[k + "v1_B"] = _error(functools.partial(v1_call, weights=w))
        out[k + "v1"] = _f(v1_call(weights=wcol))
        out[k + "keras"] = _f(make()(y_true, y_pred, sample_weight=kw))
        out[k + "keras_mwsw"] = _f(
            make(reduction="mean_with_sample_weight")(y_true, y_pred, sample_weight=kw)
        )
    nnz, wsum, b = _stats(w)
    out["case43.nonzero"], out["case43.wsum"], out["case43.batch"] = nnz, wsum, b
    out["case43.weight"] = float(w.numpy()[3])
    return out


def pairwise() -> Numbers:
    """mean_pairwise_squared_error: n - 1 denominators and an eager/graph split in TF2."""
    out: Numbers = {}
    args, w, c = case("mean_pairwise_squared_error", "(4, 3):per_batch")
    assert w is not None
    p, y = args
    out["mpse.contrib"] = float(c["expected"]["loss"])
    out["mpse.tfcompat"] = _f(tcl.mean_pairwise_squared_error(p, y, weights=w))
    out["mpse.v1_B"] = _error(lambda: v1.mean_pairwise_squared_error(y, p, weights=w))
    out["mpse.v1"] = _f(v1.mean_pairwise_squared_error(y, p, weights=w[:, None]))

    args, _, c = case("mean_pairwise_squared_error", "(4, 3):default")
    p, y = args
    out["mpse_default.contrib"] = float(c["expected"]["loss"])
    out["mpse_default.tfcompat"] = _f(tcl.mean_pairwise_squared_error(p, y))
    out["mpse_default.v1_eager"] = _f(v1.mean_pairwise_squared_error(y, p))
    traced = tf.function(lambda p, y: v1.mean_pairwise_squared_error(y, p))
    out["mpse_default.v1_function"] = _f(traced(p, y))
    return out


def cosine() -> Numbers:
    """cosine_distance: case (4, 3):per_batch:axis-1 (unit vectors)."""
    out: Numbers = {}
    args, w, c = case("cosine_distance", "(4, 3):per_batch:axis-1")
    assert w is not None
    p, y = args
    out["cosine.contrib"] = float(c["expected"]["loss"])
    out["cosine.tfcompat"] = _f(tcl.cosine_distance(p, y, axis=-1, weights=w))
    out["cosine.v1_B"] = _error(lambda: v1.cosine_distance(y, p, axis=-1, weights=w))
    out["cosine.v1"] = _f(v1.cosine_distance(y, p, axis=-1, weights=w[:, None]))
    out["cosine.keras"] = _f(keras.losses.CosineSimilarity(axis=-1)(y, p, sample_weight=w))
    nnz, wsum, b = _stats(w)
    out["cosine.nonzero"], out["cosine.wsum"], out["cosine.batch"] = nnz, wsum, b
    out["cosine.w1"], out["cosine.w2"] = (float(v) for v in w.numpy()[1:3])
    # Unit vectors, per sample: contrib 1 - cos, Keras -cos, so
    # contrib * nnz == sum(w) + B * keras.
    out["cosine.from_keras"] = (wsum + b * out["cosine.keras"]) / nnz
    return out


def softmax_family() -> Numbers:
    """softmax (with and without smoothing) and sparse: case (5,4):per_batch."""
    out: Numbers = {}
    cce = keras.losses.CategoricalCrossentropy
    scce = keras.losses.SparseCategoricalCrossentropy
    for key, fn, tag, kcls, ls in (
        ("softmax", "softmax_cross_entropy", "(5,4):per_batch", cce, 0.0),
        ("softmax_ls", "softmax_cross_entropy", "(5,4):per_batch:ls0.1", cce, 0.1),
        ("sparse", "sparse_softmax_cross_entropy", "(5,4):per_batch", scce, 0.0),
    ):
        args, w, c = case(fn, tag)
        assert w is not None
        logits, labels = args
        kw = {"label_smoothing": ls} if ls else {}
        out[f"{key}.contrib"] = float(c["expected"]["loss"])
        out[f"{key}.tfcompat"] = _f(getattr(tcl, fn)(logits, labels, weights=w, **kw))
        out[f"{key}.v1"] = _f(getattr(v1, fn)(labels, logits, weights=w, **kw))
        out[f"{key}.keras"] = _f(kcls(from_logits=True, **kw)(labels, logits, sample_weight=w))
        out[f"{key}.keras_mwsw"] = _f(
            kcls(from_logits=True, reduction="mean_with_sample_weight", **kw)(
                labels, logits, sample_weight=w
            )
        )
    nnz, wsum, b = _stats(w)
    out["case54.nonzero"], out["case54.wsum"], out["case54.batch"] = nnz, wsum, b
    out["case54.w0"], out["case54.w1"], out["case54.w3"] = (float(w.numpy()[i]) for i in (0, 1, 3))

    # TF's own docstring example for the v1 -> Keras switch: it agrees only
    # because no weight is zero (then nonzero count == batch size).
    y_true = tf.constant([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    y_pred = tf.constant([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    ww = tf.constant([0.3, 0.7])
    out["tfdoc.tfcompat"] = _f(
        tcl.softmax_cross_entropy(y_pred, y_true, weights=ww, label_smoothing=0.2)
    )
    out["tfdoc.v1"] = _f(v1.softmax_cross_entropy(y_true, y_pred, weights=ww, label_smoothing=0.2))
    out["tfdoc.keras"] = _f(
        cce(from_logits=True, label_smoothing=0.2)(y_true, y_pred, sample_weight=ww)
    )
    return out


def hinge() -> Numbers:
    """hinge_loss: case (5,4); contrib returns the unreduced [5, 4] tensor."""
    out: Numbers = {}
    args, _, c = case("hinge_loss", "(5,4)")
    logits, labels = args
    expected = np.array(c["expected"]["loss"])
    ours = tcl.hinge_loss(logits, labels).numpy()
    out["hinge.shape"] = str(tuple(ours.shape))
    out["hinge.max_abs_diff"] = float(np.abs(ours - expected).max())
    out["hinge.contrib_mean"] = float(expected.mean())
    out["hinge.contrib_sum"] = float(expected.sum())
    out["hinge.v1"] = _f(v1.hinge_loss(labels, logits))
    out["hinge.keras"] = _f(keras.losses.Hinge()(labels, logits))
    with tcl.collection_scope():
        tcl.hinge_loss(logits, labels)
        out["hinge.collected"] = len(tcl.get_losses())
    return out


def famous() -> Numbers:
    """The 5.6 / 2.8 / 4.667 example: per-element losses with [B] weights.

    absolute_difference of predictions [[5,5],[1,1],[3,3],[1,1]] against 0
    with weights [2, 0, 0.4, 0]: the weighted sum is 2*10 + 0.4*6 = 22.4 over
    2 nonzero weights x 2 elements (contrib), over B*d = 8 (Keras
    sum_over_batch_size) or over sum(w)*d = 4.8 (mean_with_sample_weight).
    """
    out: Numbers = {}
    p = tf.constant([[5.0, 5.0], [1.0, 1.0], [3.0, 3.0], [1.0, 1.0]])
    y = tf.zeros_like(p)
    w = tf.constant([2.0, 0.0, 0.4, 0.0])
    mae = keras.losses.MeanAbsoluteError
    out["famous.tfcompat"] = _f(tcl.absolute_difference(p, y, weights=w))
    out["famous.v1_B"] = _error(lambda: v1.absolute_difference(y, p, weights=w))
    out["famous.v1"] = _f(v1.absolute_difference(y, p, weights=w[:, None]))
    out["famous.v1_sobs"] = _f(
        v1.absolute_difference(
            y, p, weights=w[:, None], reduction=tf.compat.v1.losses.Reduction.SUM_OVER_BATCH_SIZE
        )
    )
    out["famous.v1_mean"] = _f(
        v1.absolute_difference(
            y, p, weights=w[:, None], reduction=tf.compat.v1.losses.Reduction.MEAN
        )
    )
    out["famous.keras"] = _f(mae()(y, p, sample_weight=w))
    out["famous.keras_mean"] = _f(mae(reduction="mean")(y, p, sample_weight=w))
    out["famous.keras_mwsw"] = _f(mae(reduction="mean_with_sample_weight")(y, p, sample_weight=w))
    out["famous.keras_sum"] = _f(mae(reduction="sum")(y, p, sample_weight=w))
    tck = _tck()
    if tck is not None:
        out["famous.tck"] = _f(tck.AbsoluteDifference()(y, p, sample_weight=w))
        out["famous.tck_sobs"] = _f(
            tck.AbsoluteDifference(reduction="sum_over_batch_size")(y, p, sample_weight=w)
        )
    return out


# --------------------------------------------------------------------------
# Guide sections 3-4. Argument order and old keywords.


def pitfalls() -> Numbers:
    """What contrib's argument order does when passed to TF2/Keras unchanged."""
    out: Numbers = {}
    args, w, _ = case("log_loss", "(4, 3):per_batch")
    assert w is not None
    p, y = args
    # contrib order (predictions, labels) handed to v1 (labels, predictions):
    out["swap.log_loss.v1_right"] = _f(v1.log_loss(y, p, weights=w[:, None]))
    out["swap.log_loss.v1_swapped"] = _f(v1.log_loss(p, y, weights=w[:, None]))
    args, w, _ = case("softmax_cross_entropy", "(5,4):per_batch")
    assert w is not None
    logits, onehot = args
    out["swap.softmax.v1_right"] = _f(v1.softmax_cross_entropy(onehot, logits, weights=w))
    out["swap.softmax.v1_swapped"] = _f(v1.softmax_cross_entropy(logits, onehot, weights=w))
    cce = keras.losses.CategoricalCrossentropy(from_logits=True)
    out["swap.softmax.keras_swapped"] = _f(cce(logits, onehot, sample_weight=w))
    return out


def keywords() -> Numbers:
    """Old keywords: accepted with a DeprecationWarning; old + new is a ValueError."""
    out: Numbers = {}
    args, w, _ = case("softmax_cross_entropy", "(5,4):per_batch")
    logits, onehot = args
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = tcl.softmax_cross_entropy(logits, onehot, weight=w)
    out["keywords.old_value"] = _f(old)
    out["keywords.warning"] = caught[0].category.__name__ if caught else "<no warning>"
    out["keywords.both"] = _error(
        lambda: tcl.softmax_cross_entropy(logits, onehot, weight=w, weights=w)
    )
    return out


# --------------------------------------------------------------------------
# Guide section 5. Collections.


def collections() -> Numbers:
    """LOSSES in eager mode, tf.function, a TF1 graph and threads."""
    out: Numbers = {}
    p = tf.constant([[5.0, 5.0], [1.0, 1.0], [3.0, 3.0], [1.0, 1.0]])
    y = tf.zeros_like(p)
    w = tf.constant([2.0, 0.0, 0.4, 0.0])
    reg = tf.constant(0.5)

    # Eager: tf.compat.v1 adds nothing, get_total_loss() has nothing to add.
    # (A fresh default graph, as TF1 code had per run: its collections are empty.)
    tf.compat.v1.reset_default_graph()
    v1.absolute_difference(y, p, weights=w[:, None])
    out["coll.v1_eager_count"] = len(v1.get_losses())
    out["coll.v1_eager_total"] = _error(v1.get_total_loss)
    with tcl.collection_scope():
        tcl.absolute_difference(p, y, weights=w)
        tcl.add_loss(reg, tcl.REGULARIZATION_LOSSES)
        out["coll.tcl_eager_total"] = _f(tcl.get_total_loss())

    # tf.function: both see the trace's losses; nothing reaches the caller.
    @tf.function
    def v1_step(p: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        v1.absolute_difference(y, p, weights=w[:, None])
        tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES, reg)
        return v1.get_total_loss()

    @tf.function
    def tcl_step(p: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        tcl.absolute_difference(p, y, weights=w)
        tcl.add_loss(reg, tcl.REGULARIZATION_LOSSES)
        return tcl.get_total_loss()

    out["coll.v1_function_total"] = _f(v1_step(p, y))
    out["coll.tcl_function_total"] = _f(tcl_step(p, y))
    out["coll.tcl_function_total_again"] = _f(tcl_step(p, y))

    # TF1 graph: the graph's own collection, contrib's op names.
    with tf.Graph().as_default():
        loss = tcl.absolute_difference(
            tf.constant(p.numpy()), tf.constant(y.numpy()), weights=w.numpy()
        )
        out["coll.graph_name"] = loss.name
        total = tf.compat.v1.losses.get_total_loss()
        with tf.compat.v1.Session() as sess:
            out["coll.graph_total_via_tf"] = float(sess.run(total))

    # Threads: each sees its own collection.
    totals: dict[int, float] = {}

    def worker(n: int) -> None:
        with tcl.collection_scope():
            for _ in range(n):
                tcl.absolute_difference(p, y, weights=w)
            totals[n] = _f(tcl.get_total_loss())

    threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out["coll.thread1_total"], out["coll.thread2_total"] = totals[1], totals[2]
    return out


# --------------------------------------------------------------------------
# Guide section 7. Distribution (needs two logical CPUs, see setup_devices()).


def setup_devices() -> None:
    """Two logical CPUs for MirroredStrategy (before TF initialises)."""
    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
        )
    except RuntimeError:  # already initialised (e.g. under pytest's conftest)
        pass


_STRATEGY: list[tf.distribute.MirroredStrategy] = []


def _strategy() -> tf.distribute.MirroredStrategy:
    """One MirroredStrategy over 2 CPUs, created once and shared."""
    if _STRATEGY:
        return _STRATEGY[0]
    if len(tf.config.list_logical_devices("CPU")) < 2:
        raise RuntimeError(
            "worked_numbers.distributed() needs 2 logical CPUs: call setup_devices() "
            "before TensorFlow initialises (tests/conftest.py does)."
        )
    # ReductionToOneDevice: no collective ops, whose instance keys would clash
    # with another MirroredStrategy in the same process (e.g. under pytest).
    _STRATEGY.append(
        tf.distribute.MirroredStrategy(
            ["/cpu:0", "/cpu:1"], cross_device_ops=tf.distribute.ReductionToOneDevice()
        )
    )
    return _STRATEGY[0]


# Per-sample losses 1..8, weights with 3 nonzero on replica 0 and 1 on replica 1.
DIST_LOSSES = np.arange(1, 9, dtype=np.float32)
DIST_WEIGHTS = np.array([1, 1, 1, 0, 1, 0, 0, 0], np.float32)


def distributed() -> Numbers:
    """Per-replica contrib averaging vs exact_averaging, and v1 across replicas."""
    out: Numbers = {}
    strategy = _strategy()
    out["dist.one_device"] = _f(tcl.compute_weighted_loss(DIST_LOSSES, DIST_WEIGHTS))
    out["dist.one_device_with_reg"] = out["dist.one_device"] + 0.5

    def shard(ctx: tf.distribute.InputContext) -> tuple[np.ndarray, np.ndarray]:
        i = ctx.replica_id_in_sync_group
        return DIST_LOSSES[4 * i : 4 * i + 4], DIST_WEIGHTS[4 * i : 4 * i + 4]

    data = strategy.experimental_distribute_values_from_function(shard)

    def replica(lw: tuple[tf.Tensor, tf.Tensor]) -> tuple[tf.Tensor, tf.Tensor]:
        losses, weights = lw
        with tcl.collection_scope():
            loss = tcl.compute_weighted_loss(losses, weights)
            tcl.add_loss(tf.constant(0.5), tcl.REGULARIZATION_LOSSES)
            return loss, tcl.get_total_loss()

    @tf.function
    def plain(lw: Any) -> Any:
        return strategy.run(replica, args=(lw,))

    @tf.function
    def exact(lw: Any) -> Any:
        with tcl.exact_averaging():
            return strategy.run(replica, args=(lw,))

    for name, step in (("plain", plain), ("exact", exact)):
        loss, total = step(data)
        r0, r1 = (_f(v) for v in strategy.experimental_local_results(loss))
        out[f"dist.{name}.replica0"], out[f"dist.{name}.replica1"] = r0, r1
        out[f"dist.{name}.sum"] = _f(strategy.reduce("SUM", loss, axis=None))
        out[f"dist.{name}.mean"] = _f(strategy.reduce("MEAN", loss, axis=None))
        out[f"dist.{name}.total_sum"] = _f(strategy.reduce("SUM", total, axis=None))

    # tf.compat.v1 inside replicas: one shared FuncGraph, one shared LOSSES.
    def v1_replica(lw: tuple[tf.Tensor, tf.Tensor]) -> tuple[tf.Tensor, tf.Tensor]:
        losses, weights = lw
        v1.compute_weighted_loss(losses, weights)
        return tf.constant(len(v1.get_losses())), v1.get_total_loss()

    @tf.function
    def v1_step(lw: Any) -> Any:
        return strategy.run(v1_replica, args=(lw,))

    count, total = v1_step(data)
    counts = [int(c) for c in strategy.experimental_local_results(count)]
    totals = [_f(t) for t in strategy.experimental_local_results(total)]
    out["dist.v1.replica0_count"], out["dist.v1.replica1_count"] = counts
    out["dist.v1.replica0_total"], out["dist.v1.replica1_total"] = totals
    return out


def _tck() -> Any:
    """``tfcompat_losses.keras`` if it provides the classes used here, else None."""
    try:
        from tfcompat_losses import keras as tck
    except ImportError:
        return None
    names = ("AbsoluteDifference", "MeanSquaredError")
    return tck if all(hasattr(tck, n) for n in names) else None


def keras_fit() -> Numbers:
    """One SGD step of model.fit: one device vs MirroredStrategy (exact by default)."""
    tck = _tck()
    if tck is None:
        return {}
    out: Numbers = {}
    strategy = _strategy()
    tfk = tf.keras  # the flavour tfcompat_losses.keras subclasses
    x = (np.arange(16, dtype=np.float32) / 10).reshape(8, 2)
    y = np.zeros((8, 1), np.float32)

    def build() -> Any:
        model = tfk.Sequential(
            [tfk.Input((2,)), tfk.layers.Dense(1, use_bias=False, kernel_initializer="ones")]
        )
        model.compile(
            optimizer=tfk.optimizers.SGD(0.1), loss=tck.MeanSquaredError(), jit_compile=False
        )
        return model

    def fit(model: Any) -> tuple[float, float]:
        hist = model.fit(
            x, y, sample_weight=DIST_WEIGHTS, batch_size=8, epochs=1, verbose=0, shuffle=False
        )
        return float(hist.history["loss"][0]), float(model.get_weights()[0][0, 0])

    out["fit.one.loss"], out["fit.one.kernel0"] = fit(build())
    with strategy.scope():
        model = build()
    out["fit.exact.loss"], out["fit.exact.kernel0"] = fit(model)
    return out


# --------------------------------------------------------------------------
# Guide section 8. Quirks kept on purpose.


def quirks() -> Numbers:
    out: Numbers = {}
    # Shape-[1] weights count d, not B*d.
    args, w, c = case("absolute_difference", "(4, 3):shape_1")
    assert w is not None
    p, y = args
    out["quirk.shape1.contrib"] = float(c["expected"]["loss"])
    out["quirk.shape1.tfcompat"] = _f(tcl.absolute_difference(p, y, weights=w))
    out["quirk.shape1.scalar"] = _f(tcl.absolute_difference(p, y, weights=float(w.numpy()[0])))
    out["quirk.shape1.v1_11"] = _f(v1.absolute_difference(y, p, weights=tf.reshape(w, [1, 1])))
    out["quirk.shape1.v1_1"] = _error(lambda: v1.absolute_difference(y, p, weights=w))

    # mean_pairwise_squared_error: [B] vs [B, 1] weights (outer product).
    g = golden()
    out["quirk.mpse.B"] = float(
        g[("mean_pairwise_squared_error", "(4, 3):per_batch")]["expected"]["loss"]
    )
    args, w, c = case("mean_pairwise_squared_error", "(4, 3):per_batch_col")
    out["quirk.mpse.B1.contrib"] = float(c["expected"]["loss"])
    out["quirk.mpse.B1.tfcompat"] = _f(tcl.mean_pairwise_squared_error(*args, weights=w))
    full = g[("mean_pairwise_squared_error", "(4, 3):full")]["expected"]
    out["quirk.mpse.full.contrib"] = full["error"]
    args, w, _ = case("mean_pairwise_squared_error", "(4, 3):full")
    out["quirk.mpse.full.tfcompat"] = _error(
        lambda: tcl.mean_pairwise_squared_error(*args, weights=w)
    )

    # Label smoothing divides by shape[1], not the class axis (rank-3 logits).
    rng = np.random.default_rng(0)
    logits = tf.constant(rng.normal(size=(2, 3, 4)), tf.float32)
    onehot = tf.one_hot(rng.integers(0, 4, size=(2, 3)), 4)
    out["quirk.ls3.tfcompat"] = _f(tcl.softmax_cross_entropy(logits, onehot, label_smoothing=0.2))
    out["quirk.ls3.v1"] = _f(v1.softmax_cross_entropy(onehot, logits, label_smoothing=0.2))
    out["quirk.ls3.keras"] = _f(
        keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)(onehot, logits)
    )
    out["quirk.ls3.tfcompat_2d"] = _f(
        tcl.softmax_cross_entropy(
            tf.reshape(logits, [6, 4]), tf.reshape(onehot, [6, 4]), label_smoothing=0.2
        )
    )

    # Output dtypes (float64 tensors in).
    for key, fn, tag, kloss in (
        ("mse", "mean_squared_error", "float64", keras.losses.MeanSquaredError()),
        (
            "softmax",
            "softmax_cross_entropy",
            "float64",
            keras.losses.CategoricalCrossentropy(from_logits=True),
        ),
    ):
        args, w, c = case(fn, tag)
        assert w is not None
        out[f"quirk.dtype.{key}.contrib"] = c["expected"]["loss_dtype"]
        out[f"quirk.dtype.{key}.tfcompat"] = getattr(tcl, fn)(*args, weights=w).dtype.name
        wv1 = w[:, None] if key == "mse" else w
        out[f"quirk.dtype.{key}.v1"] = getattr(v1, fn)(args[1], args[0], weights=wv1).dtype.name
        out[f"quirk.dtype.{key}.keras"] = kloss(args[1], args[0], sample_weight=w).dtype.name
    # The same float64 logits as a NumPy array: converted with a float32 hint.
    args, w, _ = case("softmax_cross_entropy", "float64")
    out["quirk.dtype.softmax.numpy"] = tcl.softmax_cross_entropy(
        args[0].numpy(), args[1].numpy(), weights=w
    ).dtype.name

    # cosine_distance does not normalise.
    p = tf.constant([[2.0, 0.0], [0.0, 3.0]])
    y = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    out["quirk.cosine.tfcompat"] = _f(tcl.cosine_distance(p, y, axis=1))
    out["quirk.cosine.keras"] = _f(keras.losses.CosineSimilarity(axis=1)(y, p))

    # Sparse labels out of range: an error on CPU, NaN under XLA (undefined).
    logits = tf.zeros((2, 3))
    bad = tf.constant([0, 5])
    out["quirk.sparse.cpu"] = _error(lambda: tcl.sparse_softmax_cross_entropy(logits, bad))
    xla = tf.function(tcl.sparse_softmax_cross_entropy, jit_compile=True)
    out["quirk.sparse.xla"] = str(_f(xla(logits, bad)))
    return out


# --------------------------------------------------------------------------
# Guide section 10. metric_learning and TensorFlow Addons.
#
# Addons cannot be installed next to TensorFlow 2.21 (it is archived), so its
# formulas are written out here in NumPy, float64, from its source
# (tensorflow_addons/losses/{triplet,npairs,contrastive}.py, 0.11+):
# triplet_semihard_loss mines exactly like contrib but over
# pairwise_distance(squared=False) by default (distance_metric="L2") and over
# squared distances with distance_metric="squared-L2"; npairs_loss is
# contrib's cross-entropy without the reg_lambda term, on a precomputed
# similarity matrix; contrastive_loss returns per-pair values of
# precomputed distances. The squared-L2 variant must reproduce contrib's
# golden value and gradient (tests/test_migration_guide.py checks it), which
# is what makes the L2 numbers trustworthy.


def _ml_args(fn: str, tag: str) -> tuple[list[np.ndarray], dict[str, Any], dict[str, Any]]:
    c = golden(ML_GOLDEN)[(fn, tag)]
    args = [
        np.array(a["value"], dtype=np.float64 if "float" in a["dtype"] else None) for a in c["args"]
    ]
    return args, c["kwargs"], c


def addons_triplet_semihard_np(
    labels: np.ndarray, embeddings: np.ndarray, margin: float, distance_metric: str = "L2"
) -> float:
    """Addons' triplet_semihard_loss: for every anchor-positive pair the
    smallest negative distance beyond the positive one, else the largest
    negative distance; the hinge averaged over the pairs (0/0 if none)."""
    diff = embeddings[:, None, :] - embeddings[None, :, :]
    squared = np.sum(diff * diff, axis=-1)
    dist = {"L2": np.sqrt(squared), "squared-L2": squared}[distance_metric]
    same = labels[:, None] == labels[None, :]
    total, pairs = 0.0, 0
    for a, p in zip(*np.nonzero(same & ~np.eye(len(labels), dtype=bool)), strict=True):
        negatives = dist[a][~same[a]]
        beyond = negatives[negatives > dist[a, p]]
        chosen = beyond.min() if beyond.size else negatives.max()
        total += max(margin + dist[a, p] - chosen, 0.0)
        pairs += 1
    with np.errstate(invalid="ignore"):
        return float(np.float64(total) / np.float64(pairs))


def _numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences (the losses are piecewise smooth in x)."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = eps
        grad[idx] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def addons_npairs_np(labels: np.ndarray, similarity: np.ndarray) -> float:
    """Addons' npairs_loss(y_true, y_pred=anchor @ positive.T)."""
    target = (labels[:, None] == labels[None, :]).astype(np.float64)
    target /= target.sum(1, keepdims=True)
    return float(np.mean(-np.sum(target * _log_softmax(similarity), 1)))


def addons_contrastive_np(labels: np.ndarray, distances: np.ndarray, margin: float) -> np.ndarray:
    """Addons' contrastive_loss(y_true, y_pred=distances): per-pair values."""
    return labels * distances**2 + (1.0 - labels) * np.maximum(margin - distances, 0.0) ** 2


def metric_learning() -> Numbers:
    from tfcompat_losses import metric_learning as ml

    out: Numbers = {}
    # triplet_semihard_loss: contrib (squared) vs Addons' default L2.
    for margin_tag in ("m1.0", "m0.5"):
        (labels, x), kwargs, c = _ml_args("triplet_semihard_loss", f"8x4:{margin_tag}")
        margin = kwargs["margin"]
        key = f"ml.triplet.{margin_tag}"
        out[f"{key}.contrib"] = float(c["expected"]["value"])
        xt = tf.constant(x, tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            ours = ml.triplet_semihard_loss(tf.constant(labels, tf.int32), xt, margin=margin)
        out[f"{key}.tfcompat"] = _f(ours)
        out[f"{key}.contrib_grad_norm"] = float(np.linalg.norm(c["expected"]["grad"]))
        out[f"{key}.tfcompat_grad_norm"] = float(np.linalg.norm(tape.gradient(ours, xt)))
        for metric in ("squared-L2", "L2"):
            name = "addons_sq" if metric == "squared-L2" else "addons_l2"

            def loss(
                e: np.ndarray,
                labels: np.ndarray = labels,
                margin: float = margin,
                metric: str = metric,
            ) -> float:
                return addons_triplet_semihard_np(labels, e, margin, metric)

            out[f"{key}.{name}"] = loss(x)
            out[f"{key}.{name}_grad_norm"] = float(np.linalg.norm(_numeric_grad(loss, x)))
    # The same labels, one positive pair per class: no pair at all.
    distinct = np.arange(8)
    (_, x), _, _ = _ml_args("triplet_semihard_loss", "8x4:m1.0")
    out["ml.triplet.distinct.addons"] = str(addons_triplet_semihard_np(distinct, x, 1.0))
    out["ml.triplet.distinct.tfcompat"] = _f(
        ml.triplet_semihard_loss(tf.constant(distinct, tf.int32), tf.constant(x, tf.float32))
    )

    # npairs_loss: Addons has no reg_lambda term.
    (labels, a, p), kwargs, c = _ml_args("npairs_loss", "8x4")
    out["ml.npairs.reg_lambda"] = str(kwargs["reg_lambda"])
    out["ml.npairs.contrib"] = float(c["expected"]["value"])
    out["ml.npairs.tfcompat"] = _f(
        ml.npairs_loss(
            tf.constant(labels, tf.int32),
            tf.constant(a, tf.float32),
            tf.constant(p, tf.float32),
            reg_lambda=kwargs["reg_lambda"],
        )
    )
    out["ml.npairs.addons"] = addons_npairs_np(labels, a @ p.T)
    out["ml.npairs.reg_term"] = float(
        0.25 * kwargs["reg_lambda"] * (np.mean(np.sum(a * a, 1)) + np.mean(np.sum(p * p, 1)))
    )

    # contrastive_loss: Addons takes distances and returns per-pair values.
    (labels, a, p), kwargs, c = _ml_args("contrastive_loss", "8x4")
    out["ml.contrastive.contrib"] = float(c["expected"]["value"])
    per_pair = addons_contrastive_np(labels, np.linalg.norm(a - p, axis=1), kwargs["margin"])
    out["ml.contrastive.addons_shape"] = str(list(per_pair.shape))
    out["ml.contrastive.addons_mean"] = float(per_pair.mean())
    return out


# --------------------------------------------------------------------------

SECTIONS: tuple[Callable[[], Numbers], ...] = (
    elementwise,
    pairwise,
    cosine,
    softmax_family,
    hinge,
    famous,
    pitfalls,
    keywords,
    collections,
    quirks,
    distributed,
    keras_fit,
    metric_learning,
)


def all_numbers() -> Numbers:
    """Every number of the guide, keyed by name."""
    out: Numbers = {}
    start = time.perf_counter()
    with warnings.catch_warnings():
        # The library's ContribQuirkWarning/DeprecationWarning are expected here.
        warnings.simplefilter("ignore")
        for section in SECTIONS:
            out.update(section())
            if os.environ.get("WORKED_NUMBERS_TIMING"):
                print(f"{section.__name__}: {time.perf_counter() - start:.1f} s")
    return out


def main() -> None:
    setup_devices()
    for key, value in all_numbers().items():
        print(f"{key} = {fmt(value)}")


if __name__ == "__main__":
    main()
