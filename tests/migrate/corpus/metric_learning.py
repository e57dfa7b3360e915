"""Metric-learning losses, through the submodule and the top-level re-exports."""

import numpy as np
import tensorflow as tf
from tensorflow.contrib import losses as L


def inputs():
    rng = np.random.RandomState(5)
    return {
        "labels": np.array([0, 1, 0, 2, 1, 2], np.int32),
        "emb": rng.normal(size=(6, 4)).astype(np.float32),
        "emb2": rng.normal(size=(6, 4)).astype(np.float32),
        "pair_labels": np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], np.float32),
    }


def losses(d):
    emb = tf.nn.l2_normalize(d["emb"], 1)
    return {
        "triplet": tf.contrib.losses.metric_learning.triplet_semihard_loss(d["labels"], emb),
        "lifted": L.lifted_struct_loss(d["labels"], emb),
        "contrastive": L.metric_learning.contrastive_loss(d["pair_labels"], d["emb"], d["emb2"]),
        "npairs": tf.contrib.losses.npairs_loss(d["labels"], d["emb"], d["emb2"]),
    }
