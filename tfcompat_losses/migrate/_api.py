"""The tables: what the legacy API is called, and where each part went.

Every rule reads these; none of them spells a module path of its own. A
qualified name (``tensorflow.compat.v1.contrib.slim.losses.log_loss``) is
first brought to its *canonical* spelling (``tensorflow.contrib.losses.log_loss``)
by :func:`canonical`; the rules then compare canonical names only.

>>> canonical("tf_slim.losses.metric_learning.npairs_loss")
'tensorflow.contrib.losses.metric_learning.npairs_loss'
>>> canonical("tensorflow.compat.v1.GraphKeys.LOSSES")
'tensorflow.GraphKeys.LOSSES'

TF1's core ``tf.losses`` is a third legacy module, but only where it is
provably TF1's: spelled through ``tensorflow.compat.v1`` it has the
canonical name :data:`CORE_LOSSES`; plain ``tensorflow.losses`` keeps its
own, because in TF2 it is ``tf.keras.losses`` (the core-losses rule decides
per module, see :mod:`.rules.core_losses`).

>>> canonical("tensorflow.compat.v1.losses.softmax_cross_entropy")
'tensorflow.compat.v1.losses.softmax_cross_entropy'
>>> canonical("tensorflow.losses.softmax_cross_entropy")
'tensorflow.losses.softmax_cross_entropy'
"""

from __future__ import annotations

import functools

__all__ = [
    "ADD_TO_COLLECTION",
    "AMBIGUOUS_CORE_NAMES",
    "COLLECTION_KEYS",
    "CORE_LOSSES",
    "CORE_LOSS_NAMES",
    "GET_COLLECTION",
    "GET_COLLECTION_REF",
    "LOSSES",
    "LOSS_FUNCTIONS",
    "METRIC_LEARNING",
    "METRIC_LEARNING_FUNCTIONS",
    "NEW_MODULE",
    "NEW_PACKAGE",
    "PLAIN_CORE_LOSSES",
    "PROVIDED",
    "TF1_ONLY",
    "TF1_ONLY_MEMBERS",
    "TF1_ONLY_REDUCTIONS",
    "TOP_LEVEL_NAMES",
    "TRACKED_ROOTS",
    "canonical",
    "legacy_function",
]

#: The canonical names of the two legacy modules.
LOSSES = "tensorflow.contrib.losses"
METRIC_LEARNING = "tensorflow.contrib.losses.metric_learning"

#: TF1's core ``tf.losses`` where it is provably TF1's (spelled through
#: ``tensorflow.compat.v1``, or promoted by the core-losses rule), and its
#: plain spelling, which in TF2 is ``tf.keras.losses``.
CORE_LOSSES = "tensorflow.compat.v1.losses"
PLAIN_CORE_LOSSES = "tensorflow.losses"

#: The package that replaces them.
NEW_PACKAGE = "tfcompat_losses"

#: Legacy module -> the module that replaces it.
NEW_MODULE: dict[str, str] = {
    LOSSES: NEW_PACKAGE,
    METRIC_LEARNING: f"{NEW_PACKAGE}.metric_learning",
    CORE_LOSSES: f"{NEW_PACKAGE}.v1",
}

#: ``tf.contrib.losses`` functions (TF 1.15) and the TF 0.x aliases; all of
#: them exist under the same name in ``tfcompat_losses``.
LOSS_FUNCTIONS = frozenset(
    {
        "absolute_difference",
        "add_loss",
        "compute_weighted_loss",
        "cosine_distance",
        "get_losses",
        "get_regularization_losses",
        "get_total_loss",
        "hinge_loss",
        "log",
        "log_loss",
        "mean_pairwise_squared_error",
        "mean_squared_error",
        "sigmoid_cross_entropy",
        "softmax_cross_entropy",
        "sparse_softmax_cross_entropy",
        "sum_of_pairwise_squares",
        "sum_of_squares",
    }
)

#: ``tf.contrib.losses.metric_learning`` functions. Contrib also re-exported
#: them from ``tf.contrib.losses`` itself; ``tfcompat_losses`` keeps them in
#: the submodule only, so those references gain a ``.metric_learning``.
METRIC_LEARNING_FUNCTIONS = frozenset(
    {
        "cluster_loss",
        "contrastive_loss",
        "lifted_struct_loss",
        "npairs_loss",
        "npairs_loss_multilabel",
        "pairwise_distance",
        "triplet_semihard_loss",
    }
)

#: Names ``tfcompat_losses`` provides at top level.
TOP_LEVEL_NAMES = LOSS_FUNCTIONS | {"metric_learning"}

#: TF 1.15's ``tf.losses`` (= ``tf.compat.v1.losses``): every name, all of
#: them in ``tfcompat_losses.v1`` with the same signature.
CORE_LOSS_NAMES = frozenset(
    {
        "Reduction",
        "absolute_difference",
        "add_loss",
        "compute_weighted_loss",
        "cosine_distance",
        "get_losses",
        "get_regularization_loss",
        "get_regularization_losses",
        "get_total_loss",
        "hinge_loss",
        "huber_loss",
        "log_loss",
        "mean_pairwise_squared_error",
        "mean_squared_error",
        "sigmoid_cross_entropy",
        "softmax_cross_entropy",
        "sparse_softmax_cross_entropy",
    }
)
#: Of those, the names TF2's ``tf.losses`` (``tf.keras.losses``) has too:
#: ``tf.losses.mean_squared_error`` is Keras' function under tf_keras and TF
#: 2.0-2.15, ``tf.losses.Reduction`` Keras' ``ReductionV2``.
AMBIGUOUS_CORE_NAMES = frozenset({"Reduction", "mean_squared_error"})
#: ``Reduction`` members TF1 has and Keras' ``ReductionV2`` has not.
TF1_ONLY_REDUCTIONS = frozenset({"MEAN", "SUM_BY_NONZERO_WEIGHTS", "SUM_OVER_NONZERO_WEIGHTS"})

#: Legacy module -> the names its replacement provides.
PROVIDED: dict[str, frozenset[str]] = {
    LOSSES: TOP_LEVEL_NAMES,
    METRIC_LEARNING: METRIC_LEARNING_FUNCTIONS,
    CORE_LOSSES: CORE_LOSS_NAMES,
}

#: Top-level ``tensorflow`` names that exist in TF1 (and ``tf.compat.v1``)
#: but not in TF2: a module reading one of them through ``import tensorflow``
#: is TF1 code. (``tf.contrib`` above all.)
TF1_ONLY = frozenset(
    {
        "GraphKeys",
        "InteractiveSession",
        "Session",
        "add_to_collection",
        "add_to_collections",
        "app",
        "contrib",
        "flags",
        "get_collection",
        "get_collection_ref",
        "get_default_graph",
        "get_variable",
        "get_variable_scope",
        "global_variables",
        "global_variables_initializer",
        "layers",
        "local_variables_initializer",
        "log",
        "logging",
        "placeholder",
        "placeholder_with_default",
        "to_float",
        "to_int32",
        "trainable_variables",
        "variable_scope",
    }
)
#: The same for ``tensorflow.<module>.<name>``.
TF1_ONLY_MEMBERS: dict[str, frozenset[str]] = {
    "train": frozenset(
        {
            "AdagradOptimizer",
            "AdamOptimizer",
            "GradientDescentOptimizer",
            "MomentumOptimizer",
            "MonitoredTrainingSession",
            "RMSPropOptimizer",
            "Saver",
            "exponential_decay",
            "get_global_step",
            "get_or_create_global_step",
        }
    ),
}

#: Collection functions and keys (canonical spellings).
GET_COLLECTION = "tensorflow.get_collection"
GET_COLLECTION_REF = "tensorflow.get_collection_ref"
ADD_TO_COLLECTION = "tensorflow.add_to_collection"
#: Collection key (as a GraphKeys attribute or its string value) -> which one.
COLLECTION_KEYS: dict[str, str] = {
    "tensorflow.GraphKeys.LOSSES": "losses",
    "tensorflow.GraphKeys.REGULARIZATION_LOSSES": "regularization_losses",
}

#: Top-level packages whose names are worth resolving at all.
TRACKED_ROOTS = ("tensorflow", "tf_slim")

# Namespaces that hold the same objects under another prefix. Longest first.
_V1 = "tensorflow.compat.v1."
_PREFIX_ALIASES: tuple[tuple[str, str], ...] = (
    ("tensorflow.python.framework.ops.", "tensorflow."),
    (_V1, "tensorflow."),
)

# Other spellings of the two legacy modules (slim re-exported contrib's
# losses; tf_slim is the same code; the ``python.*`` paths are where contrib
# defined them).
_MODULE_ALIASES: dict[str, str] = {
    "tensorflow.contrib.slim.losses": LOSSES,
    "tensorflow.contrib.losses.python.losses": LOSSES,
    "tensorflow.contrib.losses.python.losses.loss_ops": LOSSES,
    "tensorflow.contrib.losses.python.metric_learning": METRIC_LEARNING,
    "tensorflow.contrib.losses.python.metric_learning.metric_loss_ops": METRIC_LEARNING,
    "tf_slim.losses": LOSSES,
    "tf_slim.losses.loss_ops": LOSSES,
    "tf_slim.losses.metric_learning": METRIC_LEARNING,
    # Where TF1 defined its core ``tf.losses``.
    "tensorflow.python.ops.losses.losses": CORE_LOSSES,
}


@functools.lru_cache(maxsize=4096)
def canonical(qualname: str) -> str:
    """The canonical spelling of a fully qualified name."""
    v1 = False
    while True:  # ``tf.compat.v1.compat.v1.x`` is ``tf.compat.v1.x``
        for prefix, replacement in _PREFIX_ALIASES:
            if qualname.startswith(prefix):
                qualname = replacement + qualname[len(prefix) :]
                v1 = v1 or prefix == _V1
                break
        else:
            break
    if v1 and (qualname + ".").startswith(PLAIN_CORE_LOSSES + "."):
        return CORE_LOSSES + qualname[len(PLAIN_CORE_LOSSES) :]
    parts = qualname.split(".")
    for n in range(len(parts), 1, -1):
        target = _MODULE_ALIASES.get(".".join(parts[:n]))
        if target is not None:
            return ".".join([target, *parts[n:]])
    return qualname


def legacy_function(canon: str | None) -> str | None:
    """The function name if ``canon`` names a legacy loss function, else None.

    >>> legacy_function("tensorflow.contrib.losses.hinge_loss")
    'hinge_loss'
    >>> legacy_function("tensorflow.contrib.losses.triplet_semihard_loss")
    'triplet_semihard_loss'
    >>> legacy_function("tensorflow.contrib.losses.metric_learning.log_loss") is None
    True
    """
    if canon is None:
        return None
    module, _, name = canon.rpartition(".")
    if module == LOSSES and (name in LOSS_FUNCTIONS or name in METRIC_LEARNING_FUNCTIONS):
        return name
    if module == METRIC_LEARNING and name in METRIC_LEARNING_FUNCTIONS:
        return name
    return None
