"""tfcompat_losses: ``tf.contrib.losses`` semantics on TensorFlow 2.

A drop-in replacement for the contrib loss module: contrib's argument order
(predictions/logits first), its old keywords (``weight=``, ``targets=``,
``dim=``), its ``[batch]``-shaped weights and its averaging by the count of
nonzero weights, in eager mode, in ``tf.function``, under XLA and in TF1
graphs.

>>> import tfcompat_losses as tcl
>>> float(tcl.mean_squared_error([[1.0], [3.0]], [[0.0], [0.0]], weights=[1.0, 0.0]))
1.0
"""

from __future__ import annotations

from ._classification import (
    hinge_loss,
    sigmoid_cross_entropy,
    softmax_cross_entropy,
    sparse_softmax_cross_entropy,
)
from ._collection import (
    LOSSES,
    REGULARIZATION_LOSSES,
    CollectionLeakWarning,
    add_loss,
    arg_scope,
    collection_scope,
    get_losses,
    get_regularization_losses,
    get_total_loss,
    register_with_tf_slim,
)
from ._regression import (
    absolute_difference,
    cosine_distance,
    log_loss,
    mean_pairwise_squared_error,
    mean_squared_error,
)
from ._weighting import ContribQuirkWarning, compute_weighted_loss
from .distribute import exact_averaging
from .legacy import install, uninstall

__version__ = "0.1.0"

# TF 0.x names kept by contrib as aliases.
sum_of_squares = mean_squared_error
sum_of_pairwise_squares = mean_pairwise_squared_error
log = log_loss

__all__ = [
    "LOSSES",
    "REGULARIZATION_LOSSES",
    "CollectionLeakWarning",
    "ContribQuirkWarning",
    "absolute_difference",
    "add_loss",
    "arg_scope",
    "collection_scope",
    "compute_weighted_loss",
    "cosine_distance",
    "exact_averaging",
    "get_losses",
    "get_regularization_losses",
    "get_total_loss",
    "hinge_loss",
    "install",
    "log",
    "log_loss",
    "mean_pairwise_squared_error",
    "mean_squared_error",
    "register_with_tf_slim",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
    "sum_of_pairwise_squares",
    "sum_of_squares",
    "uninstall",
]
