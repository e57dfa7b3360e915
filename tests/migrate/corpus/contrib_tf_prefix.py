"""Every contrib loss through ``tf.contrib.losses``, with TF 0.x keywords."""

import numpy as np
import tensorflow as tf


def inputs():
    rng = np.random.RandomState(0)
    labels = np.array([0, 2, 1, 3, 2, 0], np.int32)
    return {
        "logits": rng.normal(size=(6, 4)).astype(np.float32),
        "onehot": np.eye(4, dtype=np.float32)[labels],
        "labels": labels,
        "pred": rng.normal(size=(6, 3)).astype(np.float32),
        "target": rng.normal(size=(6, 3)).astype(np.float32),
        "prob": rng.uniform(0.05, 0.95, size=(6, 3)).astype(np.float32),
        "binary": (rng.uniform(size=(6, 3)) > 0.5).astype(np.float32),
        "w": np.array([1.0, 0.0, 2.0, 0.5, 0.0, 3.0], np.float32),
    }


def losses(d):
    unit_p = tf.nn.l2_normalize(d["pred"], 1)
    unit_t = tf.nn.l2_normalize(d["target"], 1)
    return {
        # weighted by example, old weight= keyword
        "xent": tf.contrib.losses.softmax_cross_entropy(d["logits"], d["onehot"], weight=d["w"]),
        "smooth": tf.contrib.losses.softmax_cross_entropy(
            d["logits"], d["onehot"], weight=2.0, label_smoothing=0.1
        ),
        "sparse": tf.contrib.losses.sparse_softmax_cross_entropy(
            d["logits"], d["labels"], weight=d["w"]
        ),
        "sigmoid": tf.contrib.losses.sigmoid_cross_entropy(
            d["logits"][:, :3], d["binary"], weight=d["w"]
        ),
        # regression losses: targets= and weight=
        "sos": tf.contrib.losses.sum_of_squares(d["pred"], targets=d["target"], weight=d["w"]),
        "mse": tf.contrib.losses.mean_squared_error(d["pred"], d["target"]),
        "abs": tf.contrib.losses.absolute_difference(d["pred"], targets=d["target"], weight=3.0),
        "log": tf.contrib.losses.log_loss(d["prob"], targets=d["binary"], weight=d["w"]),
        "pairwise": tf.contrib.losses.sum_of_pairwise_squares(
            d["pred"], targets=d["target"], weight=d["w"]
        ),
        "cosine": tf.contrib.losses.cosine_distance(unit_p, unit_t, dim=1, weight=d["w"]),
        # hinge is unreduced: reduce it by hand
        "hinge": tf.reduce_sum(tf.contrib.losses.hinge_loss(d["logits"], target=d["onehot"])),
        "weighted": tf.contrib.losses.compute_weighted_loss(
            tf.abs(d["pred"] - d["target"]), weight=d["w"]
        ),
    }
