"""`make demo`: a legacy TF1 training module, run five ways, same numbers.

examples/legacy/train_tf1.py is an unmodified TF1-style module (contrib
losses with old keywords, [B] weights, collections, get_total_loss) and
examples/legacy/data.npz its bundled synthetic data set. This demo

1. runs it through ``tfcompat_losses.install()`` eagerly (one
   ``collection_scope()`` per step, the eager equivalent of a TF1 graph),
2. runs it through ``install()`` as a ``tf.function`` step,
3. runs ``tfcompat-losses migrate`` on it, shows the diff, and runs the
   migrated copy,
4. trains the same model with Keras ``model.fit`` and the
   ``tfcompat_losses.keras`` classes,
5. runs the original contrib code (``tf_slim.losses``) in a TF1 graph,

and prints the losses step by step side by side, then the final accuracy.

Then examples/legacy/train_tf1_mixed.py, which mixes core ``tf.losses``,
contrib losses and ``tf.add_to_collection``, runs through
``install(core_losses=True)`` (eagerly and as a ``tf.function``), migrated
by the CLI, and as TF1 graph code on ``tf.compat.v1.losses`` + tf_slim; the
demo also shows what its eager total would be if the core loss were lost.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import subprocess
import sys
import tempfile
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf_slim (the contrib code) needs tf_keras

import numpy as np


def _import_tensorflow_quietly():
    """Import TF and start its runtime with the C++ start-up lines muted.

    TF's native libraries log (oneDNN, CUDA probing) through absl before
    TF_CPP_MIN_LOG_LEVEL is read; those lines go to fd 2 directly. They are
    captured and shown only if the import fails.
    """
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            import tensorflow as tf

            tf.constant(0.0) + 1.0  # device set-up logs here
        except BaseException:
            os.dup2(saved, 2)
            log.seek(0)
            sys.stderr.buffer.write(log.read())
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return tf


tf = _import_tensorflow_quietly()

import tfcompat_losses  # noqa: E402
import tfcompat_losses.keras as tck  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
LEGACY = HERE / "legacy" / "train_tf1.py"
MIXED = HERE / "legacy" / "train_tf1_mixed.py"
STEPS = 8


def load(path: pathlib.Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sgd_loop(mod, d: dict[str, np.ndarray], compiled: bool) -> tuple[list[float], float]:
    """The legacy module's loss, minimised by SGD eagerly or in a tf.function."""
    W = tf.Variable(d["w0"])
    V = tf.Variable(d["v0"])
    args = [tf.constant(d[k]) for k in ("x", "onehot", "target", "w")]

    def step() -> tf.Tensor:
        with tfcompat_losses.collection_scope():  # one fresh collection per step
            with tf.GradientTape() as tape:
                total, _ = mod.model_loss(*args, W, V)
        for var, grad in zip((W, V), tape.gradient(total, [W, V]), strict=True):
            var.assign_sub(mod.LEARNING_RATE * grad)
        return total

    fn = tf.function(step) if compiled else step
    losses = [float(fn()) for _ in range(STEPS)]
    acc = float(mod.accuracy(tf.matmul(args[0], W), args[1]))
    return losses, acc


def migrate(workdir: pathlib.Path, legacy: pathlib.Path = LEGACY) -> pathlib.Path:
    """Runs the CLI: prints the diff, writes the migrated copy."""
    copy = workdir / f"{legacy.stem}_migrated.py"
    copy.write_text(legacy.read_text())
    (workdir / "data.npz").write_bytes((legacy.parent / "data.npz").read_bytes())
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    cmd = [sys.executable, "-m", "tfcompat_losses", "migrate"]
    diff = subprocess.run([*cmd, str(legacy)], capture_output=True, text=True, env=env)
    print(f"$ tfcompat-losses migrate {legacy.relative_to(HERE.parent)}")
    print(diff.stdout.rstrip())
    subprocess.run([*cmd, "--write", "-q", str(copy)], check=True, capture_output=True, env=env)
    return copy


def keras_fit(d: dict[str, np.ndarray], lr: float) -> tuple[list[float], float]:
    keras = tf.keras
    inp = keras.Input((d["x"].shape[1],))
    logits = keras.layers.Dense(
        d["w0"].shape[1],
        use_bias=False,
        kernel_regularizer=keras.regularizers.L2(0.01),
        name="logits",
    )(inp)
    aux = keras.layers.Dense(1, use_bias=False, name="aux")(inp)
    model = keras.Model(inp, {"logits": logits, "aux": aux})
    model.get_layer("logits").set_weights([d["w0"]])
    model.get_layer("aux").set_weights([d["v0"]])
    model.compile(
        optimizer=keras.optimizers.SGD(lr),
        loss={"logits": tck.SoftmaxCrossEntropy(), "aux": tck.MeanSquaredError()},
    )
    n = len(d["x"])
    hist = model.fit(
        d["x"],
        {"logits": d["onehot"], "aux": d["target"]},
        sample_weight={"logits": d["w"], "aux": d["w"]},
        batch_size=n,
        epochs=STEPS,
        shuffle=False,
        verbose=0,
    )
    pred = model.predict(d["x"], verbose=0)["logits"]
    acc = float(np.mean(pred.argmax(1) == d["onehot"].argmax(1)))
    return [float(v) for v in hist.history["loss"]], acc


def tf_slim_graph(d: dict[str, np.ndarray], lr: float) -> tuple[list[float], float] | None:
    """The same model on the original contrib code, in a TF1 graph."""
    try:
        import tf_slim.losses as slim
    except ImportError:
        return None
    g = tf.Graph()
    with g.as_default():
        W = tf.compat.v1.get_variable("W", initializer=d["w0"])
        V = tf.compat.v1.get_variable("V", initializer=d["v0"])
        x, onehot, target, w = (tf.constant(d[k]) for k in ("x", "onehot", "target", "w"))
        logits = tf.matmul(x, W)
        slim.softmax_cross_entropy(logits, onehot, weights=w)
        slim.mean_squared_error(tf.matmul(x, V), target, weights=w)
        slim.add_loss(
            0.01 * tf.reduce_sum(tf.square(W)), tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES
        )
        total = slim.get_total_loss()
        train = tf.compat.v1.train.GradientDescentOptimizer(lr).minimize(total)
        hits = tf.reduce_mean(
            tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(onehot, 1)), tf.float32)
        )
        with tf.compat.v1.Session(graph=g) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            out = [float(sess.run([total, train])[0]) for _ in range(STEPS)]
            acc = float(sess.run(hits))
    return out, acc


def mixed_tf1_graph(d: dict[str, np.ndarray], lr: float) -> tuple[list[float], float] | None:
    """The mixed module's model as TF1 ran it: core tf.compat.v1.losses + contrib."""
    try:
        import tf_slim.losses as slim
    except ImportError:
        return None
    v1 = tf.compat.v1
    g = tf.Graph()
    with g.as_default():
        W = v1.get_variable("W", initializer=d["w0"])
        V = v1.get_variable("V", initializer=d["v0"])
        x, onehot, target, w = (tf.constant(d[k]) for k in ("x", "onehot", "target", "w"))
        logits = tf.matmul(x, W)
        v1.losses.softmax_cross_entropy(onehot, logits, weights=w)
        slim.mean_squared_error(tf.matmul(x, V), target, weights=w)
        v1.add_to_collection(v1.GraphKeys.REGULARIZATION_LOSSES, 0.01 * tf.reduce_sum(tf.square(W)))
        total = slim.get_total_loss()
        train = v1.train.GradientDescentOptimizer(lr).minimize(total)
        hits = tf.reduce_mean(
            tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(onehot, 1)), tf.float32)
        )
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            out = [float(sess.run([total, train])[0]) for _ in range(STEPS)]
            acc = float(sess.run(hits))
    return out, acc


def table(title: str, runs: dict[str, tuple[list[float], float]]) -> float:
    """Prints the per-step totals side by side; returns the largest relative gap."""
    names = list(runs)
    width = max(len(n) for n in names) + 1
    print(f"\n{title}:\n")
    print(f"{'step':>4} " + " ".join(f"{n:>{width}}" for n in names) + f" {'max |diff|':>11}")
    worst = 0.0
    for i in range(STEPS):
        row = [runs[n][0][i] for n in names]
        diff = max(row) - min(row)
        worst = max(worst, diff / max(1.0, abs(row[0])))
        print(f"{i:>4} " + " ".join(f"{v:>{width}.7f}" for v in row) + f" {diff:>11.2e}")
    print(f"\n{'final accuracy':<15}" + " ".join(f"{runs[n][1]:>{width}.3f}" for n in names))
    print(f"largest relative disagreement: {worst:.2e}")
    return worst


def mixed(d: dict[str, np.ndarray]) -> float:
    """The mixed core + contrib module, five ways; returns the largest relative gap."""
    print(f"\n\nMixed legacy module: {MIXED.relative_to(HERE.parent)} (unmodified)\n")
    tfcompat_losses.install(core_losses=True)
    module = load(MIXED, "train_tf1_mixed")
    runs: dict[str, tuple[list[float], float]] = {}
    runs["install(core_losses) eager"] = sgd_loop(module, d, compiled=False)
    runs["install(core_losses) tf.function"] = sgd_loop(module, d, compiled=True)
    tfcompat_losses.uninstall()
    with tempfile.TemporaryDirectory() as tmp:
        migrated = load(migrate(pathlib.Path(tmp), MIXED), "train_tf1_mixed_migrated")
        runs["migrated copy, eager"] = sgd_loop(migrated, d, compiled=False)
    reference = mixed_tf1_graph(d, module.LEARNING_RATE)
    if reference is not None:
        runs["TF1 graph (core + contrib)"] = reference
    # What the first step's total would be if the core loss were dropped, as
    # plain TF2 drops it eagerly (tf.compat.v1.losses adds nothing there).
    tfcompat_losses.install()
    args = [tf.constant(d[k]) for k in ("x", "onehot", "target", "w")]
    with tfcompat_losses.collection_scope():
        lost, _ = module.model_loss(*args, tf.constant(d["w0"]), tf.constant(d["v0"]))
    tfcompat_losses.uninstall()
    worst = table(
        "Total loss per SGD step (core tf.losses xent + contrib MSE + hand-added L2)", runs
    )
    print(
        f"without install(core_losses=True) the eager step-0 total would be "
        f"{float(lost):.7f} instead of {runs['migrated copy, eager'][0][0]:.7f}: the core "
        "loss silently missing"
    )
    return worst


def main() -> int:
    warnings.simplefilter("ignore", DeprecationWarning)
    tf.get_logger().setLevel("ERROR")  # tf_slim's own deprecation notices
    tfcompat_losses.install()
    legacy = load(LEGACY, "train_tf1")
    d = legacy.load_data()
    print(
        f"Legacy module: {LEGACY.relative_to(HERE.parent)} (unmodified), data: "
        f"{len(d['x'])} examples, {int((d['w'] == 0).sum())} with zero weight\n"
    )
    runs: dict[str, tuple[list[float], float]] = {}
    runs["install() eager"] = sgd_loop(legacy, d, compiled=False)
    runs["install() tf.function"] = sgd_loop(legacy, d, compiled=True)
    with tempfile.TemporaryDirectory() as tmp:
        migrated = load(migrate(pathlib.Path(tmp)), "train_tf1_migrated")
        tfcompat_losses.uninstall()  # the migrated copy must not need install()
        runs["migrated copy"] = sgd_loop(migrated, d, compiled=True)
    runs["Keras model.fit"] = keras_fit(d, legacy.LEARNING_RATE)
    slim = tf_slim_graph(d, legacy.LEARNING_RATE)
    if slim is not None:
        runs["contrib (tf_slim) graph"] = slim

    worst = table("Total loss per SGD step (softmax xent + aux MSE + L2, [B] weights)", runs)
    worst = max(worst, mixed(d))
    ok = worst <= 1e-5
    print(
        f"\nlargest relative disagreement overall: {worst:.2e} -> {'MATCH' if ok else 'MISMATCH'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
