#!/usr/bin/env python
# Copyright 2017 The Example Authors. All Rights Reserved.
"""A TF1 training script written against tf.contrib.losses (TF 0.12 era)."""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import numpy as np
import tensorflow as tf
from tensorflow.contrib import layers
from tensorflow.contrib import losses as contrib_losses  # the old loss API

FLAGS = tf.app.flags.FLAGS


def model(images, labels, example_weights):
    """Builds the classifier and its losses."""
    net = layers.fully_connected(images, 128)
    logits = layers.fully_connected(net, 10, activation_fn=None)

    # Cross-entropy weighted per example; [batch] weights, TF 0.x keyword.
    xent = contrib_losses.softmax_cross_entropy(
        logits,
        tf.one_hot(labels, 10),
        weight=example_weights,  # zeros drop padded examples
    )
    # Auxiliary regression head on the logits' norm.
    aux = tf.contrib.losses.sum_of_squares(
        tf.norm(logits, axis=1), targets=tf.ones_like(example_weights), weight=0.1)
    margin = tf.contrib.losses.hinge_loss(logits[:, :1], target=tf.ones_like(logits[:, :1]))
    tf.add_to_collection(tf.GraphKeys.LOSSES, tf.reduce_mean(margin))
    return xent, aux


def total_loss(scope=None):
    # Everything the model put in the collection, plus weight decay.
    losses = tf.get_collection(tf.GraphKeys.LOSSES, scope)
    reg = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    return tf.add_n(losses + reg, name='total_loss')


def legacy_total():
    return tf.losses.get_total_loss()  # core TF1 API: becomes tfcompat_losses.v1


if __name__ == '__main__':
    x = np.zeros([8, 784], np.float32)
    print(model(x, np.zeros([8], np.int64), np.ones([8], np.float32)))
