"""``slim.losses`` with ``import tf_slim as slim``."""

import numpy as np
import tensorflow as tf
import tf_slim as slim
from tf_slim import losses as slim_losses


def inputs():
    rng = np.random.RandomState(3)
    return {
        "logits": rng.normal(size=(6, 2)).astype(np.float32),
        "multi": (rng.uniform(size=(6, 2)) > 0.5).astype(np.float32),
        "pred": rng.normal(size=(6, 4)).astype(np.float32),
        "target": rng.normal(size=(6, 4)).astype(np.float32),
        "w": np.array([1.0, 1.0, 0.0, 0.0, 1.0, 4.0], np.float32),
    }


def losses(d):
    return {
        "sigmoid": slim.losses.sigmoid_cross_entropy(d["logits"], d["multi"], weights=d["w"]),
        "cosine": slim_losses.cosine_distance(
            tf.nn.l2_normalize(d["pred"], 1), tf.nn.l2_normalize(d["target"], 1), axis=1
        ),
        "log": slim.losses.log_loss(tf.sigmoid(d["pred"]), d["multi"][:, :1] * tf.ones([1, 4])),
    }
