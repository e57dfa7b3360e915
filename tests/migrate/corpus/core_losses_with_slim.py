"""Core ``tf.losses`` next to ``slim.losses``, totalled by slim (issue 11, pattern 2).

A domain-adaptation model: the classification loss comes from TF1's core
``tf.losses`` (labels first), the others from ``slim.losses`` (contrib,
predictions first), and training uses ``slim.losses.get_total_loss()``.
"""

import numpy as np
import tensorflow as tf
import tensorflow.contrib.slim as slim


def inputs():
    rng = np.random.RandomState(12)
    return {
        "logits": rng.normal(size=(5, 3)).astype(np.float32),
        "onehot": np.eye(3, dtype=np.float32)[[2, 0, 1, 1, 0]],
        "d_logits": rng.normal(size=(5, 1)).astype(np.float32),
        "d_labels": np.array([[1.0], [0.0], [1.0], [0.0], [0.0]], np.float32),
        "rec": rng.normal(size=(5, 4)).astype(np.float32),
        "x": rng.normal(size=(5, 4)).astype(np.float32),
        "w": np.array([1.0, 0.0, 2.0, 1.0, 1.0], np.float32),
    }


def losses(d):
    cls = tf.losses.softmax_cross_entropy(
        d["onehot"], d["logits"], weights=d["w"], label_smoothing=0.1
    )
    dom = slim.losses.sigmoid_cross_entropy(d["d_logits"], d["d_labels"])
    rec = slim.losses.mean_squared_error(d["rec"], d["x"], weights=0.5)
    huber = tf.losses.huber_loss(
        d["x"], d["rec"], delta=0.5, reduction=tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS
    )
    return {
        "cls": cls,
        "dom": dom,
        "rec": rec,
        "huber": huber,
        "n_losses": tf.cast(tf.size(tf.stack(tf.losses.get_losses())), tf.float32),
        "total": slim.losses.get_total_loss(),
    }
