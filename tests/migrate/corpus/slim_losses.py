"""``slim.losses`` through ``tf.contrib.slim`` (slim itself is not migrated)."""

import numpy as np
import tensorflow as tf
import tensorflow.contrib.slim as slim
from tensorflow.contrib import slim as contrib_slim


def inputs():
    rng = np.random.RandomState(2)
    return {
        "logits": rng.normal(size=(4, 5)).astype(np.float32),
        "labels": np.array([4, 0, 3, 1], np.int64),
        "pred": rng.normal(size=(4, 3)).astype(np.float32),
        "target": rng.normal(size=(4, 3)).astype(np.float32),
        "w": np.array([[1.0], [0.0], [2.0], [1.0]], np.float32),
    }


def losses(d):
    return {
        "sparse": slim.losses.sparse_softmax_cross_entropy(d["logits"], d["labels"], d["w"]),
        "mse": slim.losses.mean_squared_error(d["pred"], d["target"], weights=d["w"]),
        "abs": contrib_slim.losses.absolute_difference(d["pred"], d["target"], weights=2.0),
        "mpse": tf.contrib.slim.losses.mean_pairwise_squared_error(
            d["pred"], d["target"], weights=d["w"][:, 0]
        ),
    }
