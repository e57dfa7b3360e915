# Generated from the tables in __init__.py by `python -m tfcompat_losses._stub`:
# edit those, not this file.
from . import v1 as v1
from ._classification import hinge_loss as hinge_loss
from ._classification import sigmoid_cross_entropy as sigmoid_cross_entropy
from ._classification import softmax_cross_entropy as softmax_cross_entropy
from ._classification import sparse_softmax_cross_entropy as sparse_softmax_cross_entropy
from ._collection import LOSSES as LOSSES
from ._collection import REGULARIZATION_LOSSES as REGULARIZATION_LOSSES
from ._collection import CollectionLeakWarning as CollectionLeakWarning
from ._collection import add_loss as add_loss
from ._collection import arg_scope as arg_scope
from ._collection import collection_scope as collection_scope
from ._collection import get_losses as get_losses
from ._collection import get_regularization_losses as get_regularization_losses
from ._collection import get_total_loss as get_total_loss
from ._collection import register_with_tf_slim as register_with_tf_slim
from ._regression import absolute_difference as absolute_difference
from ._regression import cosine_distance as cosine_distance
from ._regression import log_loss as log_loss
from ._regression import mean_pairwise_squared_error as mean_pairwise_squared_error
from ._regression import mean_squared_error as mean_squared_error
from ._weighting import ContribQuirkWarning as ContribQuirkWarning
from ._weighting import compute_weighted_loss as compute_weighted_loss
from .distribute import exact_averaging as exact_averaging
from .legacy import install as install
from .legacy import uninstall as uninstall

__version__: str

sum_of_squares = mean_squared_error
sum_of_pairwise_squares = mean_pairwise_squared_error
log = log_loss

__all__ = [
    "CollectionLeakWarning",
    "ContribQuirkWarning",
    "LOSSES",
    "REGULARIZATION_LOSSES",
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
