# A TF1-era training module, kept UNMODIFIED on purpose: it is what legacy
# code bases look like. It uses tf.contrib.losses with the old keywords
# (weight=, targets=), [batch] example weights, the LOSSES and
# REGULARIZATION_LOSSES collections and get_total_loss().
# Run it on TF2 with tfcompat_losses.install(), or migrate it with
# `tfcompat-losses migrate examples/legacy/train_tf1.py`.
import os

import numpy as np
import tensorflow as tf

LEARNING_RATE = 0.03
DATA = os.path.join(os.path.dirname(__file__), "data.npz")


def load_data():
    d = np.load(DATA)
    return {k: d[k] for k in d.files}


def model_loss(x, onehot, target, w, W, V):
    logits = tf.matmul(x, W)
    tf.contrib.losses.softmax_cross_entropy(logits, onehot, weight=w)
    aux = tf.matmul(x, V)
    tf.contrib.losses.sum_of_squares(aux, targets=target, weight=w)
    tf.contrib.losses.add_loss(
        0.01 * tf.reduce_sum(tf.square(W)),
        loss_collection=tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES,
    )
    total = tf.contrib.losses.get_total_loss()
    return total, logits


def accuracy(logits, onehot):
    hits = tf.equal(tf.argmax(logits, 1), tf.argmax(onehot, 1))
    return tf.reduce_mean(tf.cast(hits, tf.float32))
