"""A slim model whose losses come from slim.losses and contrib metric learning."""
import tensorflow as tf
import tensorflow.contrib.slim as slim
from tfcompat_losses import (
    metric_learning,  # embeddings
    cosine_distance,
)
import tfcompat_losses
import tfcompat_losses.metric_learning

losses = tfcompat_losses
arg_scope = slim.arg_scope


class EmbeddingModel(object):

    def __init__(self, tf_module=tf):
        self.tf = tf_module

    def build(self, images, labels, anchors, positives):
        with arg_scope([slim.conv2d], padding='SAME'):
            net = slim.conv2d(images, 32, [3, 3])
        emb = tf.nn.l2_normalize(slim.flatten(net), 1)
        triplet = metric_learning.triplet_semihard_loss(labels, emb, margin=0.5)
        npairs = losses.metric_learning.npairs_loss(labels, anchors, positives)
        cos = cosine_distance(emb, tf.stop_gradient(emb), axis=1)
        pairwise = losses.sum_of_pairwise_squares(emb, labels=emb * 0.9)
        # A parameter shadows tf here: this call is not rewritten.
        other = self.tf.contrib.losses.log_loss(emb, emb)
        return triplet + npairs + cos + pairwise + other
