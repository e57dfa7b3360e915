"""A TF1-style training loop on contrib losses, run three ways side by side.

The model is a small softmax classifier with an auxiliary regression head,
trained by plain SGD on a synthetic data set (fixed seed). The loss is
written the TF1 way: contrib losses with their old keywords (``weight=``,
``targets=``), ``[batch]`` example weights with ~30% zeros, summed with
``get_total_loss``-style addition. The same loop runs

1. eagerly through ``tfcompat_losses``,
2. as a ``tf.function`` step through ``tfcompat_losses``,
3. in a TF1 graph + Session through ``tf_slim.losses`` (the contrib code),

and the losses of each step are printed side by side.

Run: ``make demo`` (or ``python examples/legacy_training.py``).
"""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf_slim needs tf_keras

import numpy as np
import tensorflow as tf

import tfcompat_losses as losses

STEPS = 8
LR = 0.5
BATCH, FEATURES, CLASSES = 64, 6, 3


def make_data(seed: int = 0) -> dict[str, np.ndarray]:
    """Synthetic, linearly separable-ish classes plus a regression target."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(CLASSES, FEATURES)) * 2.0
    y = rng.integers(0, CLASSES, size=BATCH)
    x = centers[y] + rng.normal(size=(BATCH, FEATURES))
    target = (x @ rng.normal(size=(FEATURES, 1))) * 0.1
    w = (rng.random(BATCH) > 0.3).astype(np.float32)  # ~30% zero weights
    return {
        "x": x.astype(np.float32),
        "onehot": np.eye(CLASSES, dtype=np.float32)[y],
        "target": target.astype(np.float32),
        "w": w,
        "w0": (rng.normal(size=(FEATURES, CLASSES)) * 0.1).astype(np.float32),
        "v0": np.zeros((FEATURES, 1), np.float32),
    }


def legacy_loss(mod, x, onehot, target, w, W, V):
    """The loss as TF1 code wrote it: old keywords, [B] weights."""
    logits = tf.matmul(x, W)
    xent = mod.softmax_cross_entropy(logits, onehot, weight=w)
    reg = mod.sum_of_squares(tf.matmul(x, V), targets=target, weight=w)
    return xent + 0.1 * reg, logits


def run_eager(d: dict[str, np.ndarray], compiled: bool) -> list[float]:
    W = tf.Variable(d["w0"])
    V = tf.Variable(d["v0"])
    args = [tf.constant(d[k]) for k in ("x", "onehot", "target", "w")]

    def step() -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss, _ = legacy_loss(losses, *args, W, V)
        for var, grad in zip((W, V), tape.gradient(loss, [W, V]), strict=False):
            var.assign_sub(LR * grad)
        return loss

    fn = tf.function(step) if compiled else step
    return [float(fn()) for _ in range(STEPS)]


def run_tf_slim_graph(d: dict[str, np.ndarray]) -> list[float] | None:
    """The original contrib code (tf_slim.losses) in a TF1 graph."""
    try:
        import tf_slim.losses as slim_losses
    except ImportError:
        return None

    class SlimOldKeywords:  # contrib 1.x dropped weight=/targets=; map them
        softmax_cross_entropy = staticmethod(
            lambda logits, onehot, weight: slim_losses.softmax_cross_entropy(
                logits, onehot, weights=weight
            )
        )
        sum_of_squares = staticmethod(
            lambda p, targets, weight: slim_losses.mean_squared_error(p, targets, weights=weight)
        )

    g = tf.Graph()
    with g.as_default():
        W = tf.compat.v1.get_variable("W", initializer=d["w0"])
        V = tf.compat.v1.get_variable("V", initializer=d["v0"])
        args = [tf.constant(d[k]) for k in ("x", "onehot", "target", "w")]
        loss, _ = legacy_loss(SlimOldKeywords, *args, W, V)
        train = tf.compat.v1.train.GradientDescentOptimizer(LR).minimize(loss)
        with tf.compat.v1.Session(graph=g) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            out = []
            for _ in range(STEPS):
                value, _ = sess.run([loss, train])
                out.append(float(value))
    return out


def main() -> int:
    warnings.simplefilter("ignore", DeprecationWarning)
    d = make_data()
    print(
        f"Legacy TF1 training loop: softmax_cross_entropy(weight=w) + "
        f"0.1 * sum_of_squares(targets=..., weight=w)\n"
        f"batch {BATCH}, {int((d['w'] == 0).sum())} of {BATCH} example weights "
        f"are zero, SGD lr={LR}\n"
    )
    eager = run_eager(d, compiled=False)
    func = run_eager(d, compiled=True)
    slim = run_tf_slim_graph(d)
    head = f"{'step':>4}  {'eager':>12}  {'tf.function':>12}  {'tf_slim graph':>14}  {'max |diff|':>10}"
    print(head)
    print("-" * len(head))
    worst = 0.0
    for i in range(STEPS):
        row = [eager[i], func[i]] + ([slim[i]] if slim else [])
        diff = max(row) - min(row)
        worst = max(worst, diff)
        slim_txt = f"{slim[i]:14.7f}" if slim else f"{'(no tf_slim)':>14}"
        print(f"{i:4d}  {eager[i]:12.7f}  {func[i]:12.7f}  {slim_txt}  {diff:10.2e}")
    ok = worst <= 1e-5 * max(1.0, abs(eager[0]))
    print(f"\nlargest disagreement: {worst:.2e} -> {'MATCH' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
