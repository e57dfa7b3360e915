"""The contrib losses through import aliases and a module alias."""

import numpy as np
import tensorflow as tf
import tensorflow.contrib.losses as L2
from tensorflow.contrib import losses as L  # the usual spelling
from tensorflow.contrib.losses import log_loss
from tensorflow.contrib.losses import sum_of_squares as sos

losses_module = tf.contrib.losses


def inputs():
    rng = np.random.RandomState(1)
    return {
        "logits": rng.normal(size=(5, 3)).astype(np.float32),
        "onehot": np.eye(3, dtype=np.float32)[[0, 1, 2, 1, 0]],
        "pred": rng.normal(size=(5, 2)).astype(np.float32),
        "target": rng.normal(size=(5, 2)).astype(np.float32),
        "prob": rng.uniform(0.1, 0.9, size=(5, 2)).astype(np.float32),
        "binary": (rng.uniform(size=(5, 2)) > 0.5).astype(np.float32),
        "w": np.array([0.0, 1.0, 1.0, 2.0, 0.0], np.float32),
    }


def losses(d):
    return {
        "alias": L.softmax_cross_entropy(d["logits"], d["onehot"], weight=d["w"]),
        "dotted_alias": L2.mean_squared_error(d["pred"], d["target"], weights=d["w"]),
        "imported_name": log_loss(d["prob"], targets=d["binary"]),
        "imported_alias": sos(d["pred"], targets=d["target"], weight=d["w"]),
        "module_alias": losses_module.absolute_difference(d["pred"], targets=d["target"]),
        "module_alias_hinge": tf.reduce_mean(
            losses_module.hinge_loss(d["logits"], target=d["onehot"])
        ),
    }
