# A TF1-era training module that mixes the loss APIs, kept UNMODIFIED on
# purpose: core tf.losses (labels first) for the classifier, tf.contrib.losses
# (predictions first, old keywords) for the auxiliary head, and a penalty
# added to REGULARIZATION_LOSSES by hand with tf.add_to_collection. TF1 summed
# all three in get_total_loss(); plain TF2 eagerly keeps none of the core or
# hand-added entries. `import tensorflow.compat.v1 as tf` is the first step of
# TensorFlow's own migration guide.
# Run it on TF2 with tfcompat_losses.install(core_losses=True), or migrate it
# with `tfcompat-losses migrate examples/legacy/train_tf1_mixed.py`.
import os

import numpy as np
import tensorflow.compat.v1 as tf

LEARNING_RATE = 0.03
DATA = os.path.join(os.path.dirname(__file__), "data.npz")


def load_data():
    d = np.load(DATA)
    return {k: d[k] for k in d.files}


def model_loss(x, onehot, target, w, W, V):
    logits = tf.matmul(x, W)
    tf.losses.softmax_cross_entropy(onehot, logits, weights=w)
    aux = tf.matmul(x, V)
    tf.contrib.losses.sum_of_squares(aux, targets=target, weight=w)
    tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, 0.01 * tf.reduce_sum(tf.square(W)))
    total = tf.contrib.losses.get_total_loss()
    return total, logits


def accuracy(logits, onehot):
    hits = tf.equal(tf.argmax(logits, 1), tf.argmax(onehot, 1))
    return tf.reduce_mean(tf.cast(hits, tf.float32))
