"""Losses gathered through the loss collection, the TF1 way."""

import numpy as np
import tensorflow as tf


def inputs():
    rng = np.random.RandomState(4)
    return {
        "pred": rng.normal(size=(4, 2)).astype(np.float32),
        "target": rng.normal(size=(4, 2)).astype(np.float32),
        "w": np.array([1.0, 0.0, 1.0, 2.0], np.float32),
    }


def losses(d):
    a = tf.contrib.losses.mean_squared_error(d["pred"], d["target"], weight=d["w"])
    b = tf.contrib.losses.absolute_difference(d["pred"], targets=d["target"], scope="aux")
    extra = tf.reduce_sum(d["w"]) * 0.01
    tf.add_to_collection(tf.GraphKeys.LOSSES, extra)
    collected = tf.add_n(tf.get_collection(tf.GraphKeys.LOSSES))
    aux = tf.add_n(tf.get_collection(tf.GraphKeys.LOSSES, "aux"))
    return {
        "a": a,
        "b": b,
        "collected": collected,
        "aux_only": aux,
        "total": tf.contrib.losses.get_total_loss(add_regularization_losses=False),
        "n_losses": tf.cast(tf.size(tf.stack(tf.contrib.losses.get_losses())), tf.float32),
    }
