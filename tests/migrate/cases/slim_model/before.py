"""A slim model whose losses come from slim.losses and contrib metric learning."""
import tensorflow as tf
import tensorflow.contrib.slim as slim
from tensorflow.contrib.losses import (
    metric_learning,  # embeddings
    cosine_distance,
)

losses = slim.losses
arg_scope = slim.arg_scope


class EmbeddingModel(object):

    def __init__(self, tf_module=tf):
        self.tf = tf_module

    def build(self, images, labels, anchors, positives):
        with arg_scope([slim.conv2d], padding='SAME'):
            net = slim.conv2d(images, 32, [3, 3])
        emb = tf.nn.l2_normalize(slim.flatten(net), 1)
        triplet = metric_learning.triplet_semihard_loss(labels, emb, margin=0.5)
        npairs = losses.npairs_loss(labels, anchors, positives)
        cos = cosine_distance(emb, tf.stop_gradient(emb), dim=1)
        pairwise = losses.sum_of_pairwise_squares(emb, targets=emb * 0.9)
        # A parameter shadows tf here: this call is not rewritten.
        other = self.tf.contrib.losses.log_loss(emb, emb)
        return triplet + npairs + cos + pairwise + other
