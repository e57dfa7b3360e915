"""Regularizers added to the collection by hand, then totalled (issue 11, pattern 1).

A face-recognition training script: two penalties go to
``REGULARIZATION_LOSSES`` through ``tf.add_to_collection``; the total loss
(contrib's ``get_total_loss``) and the regularization sum read them back.
"""

import numpy as np
import tensorflow as tf


def inputs():
    rng = np.random.RandomState(11)
    return {
        "logits": rng.normal(size=(6, 4)).astype(np.float32),
        "onehot": np.eye(4, dtype=np.float32)[[0, 3, 1, 1, 2, 0]],
        "centers": rng.normal(size=(4, 3)).astype(np.float32),
        "kernel": rng.normal(size=(3, 4)).astype(np.float32),
    }


def losses(d):
    cls = tf.contrib.losses.softmax_cross_entropy(d["logits"], d["onehot"])
    center_penalty = tf.reduce_mean(tf.square(d["centers"]))
    factor = 0.5
    tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, center_penalty * factor)
    tf.add_to_collection(
        tf.GraphKeys.REGULARIZATION_LOSSES, tf.nn.l2_loss(d["kernel"]) * 0.01
    )  # weight decay
    reg = tf.add_n(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    return {
        "cls": cls,
        "reg": reg,
        "total": tf.contrib.losses.get_total_loss(),
        "without_reg": tf.contrib.losses.get_total_loss(add_regularization_losses=False),
    }
