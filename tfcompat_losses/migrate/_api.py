"""The tables: what the legacy API is called, and where each part went.

Every rule reads these; none of them spells a module path of its own. A
qualified name (``tensorflow.compat.v1.contrib.slim.losses.log_loss``) is
first brought to its *canonical* spelling (``tensorflow.contrib.losses.log_loss``)
by :func:`canonical`; the rules then compare canonical names only.

>>> canonical("tf_slim.losses.metric_learning.npairs_loss")
'tensorflow.contrib.losses.metric_learning.npairs_loss'
>>> canonical("tensorflow.compat.v1.GraphKeys.LOSSES")
'tensorflow.GraphKeys.LOSSES'
"""

from __future__ import annotations

import functools

__all__ = [
    "ADD_TO_COLLECTION",
    "COLLECTION_KEYS",
    "GET_COLLECTION",
    "GET_COLLECTION_REF",
    "LOSSES",
    "LOSS_FUNCTIONS",
    "METRIC_LEARNING",
    "METRIC_LEARNING_FUNCTIONS",
    "NEW_MODULE",
    "NEW_PACKAGE",
    "TOP_LEVEL_NAMES",
    "TRACKED_ROOTS",
    "canonical",
    "legacy_function",
]

#: The canonical names of the two legacy modules.
LOSSES = "tensorflow.contrib.losses"
METRIC_LEARNING = "tensorflow.contrib.losses.metric_learning"

#: The package that replaces them.
NEW_PACKAGE = "tfcompat_losses"

#: Legacy module -> the module that replaces it.
NEW_MODULE: dict[str, str] = {
    LOSSES: NEW_PACKAGE,
    METRIC_LEARNING: f"{NEW_PACKAGE}.metric_learning",
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
_PREFIX_ALIASES: tuple[tuple[str, str], ...] = (
    ("tensorflow.python.framework.ops.", "tensorflow."),
    ("tensorflow.compat.v1.", "tensorflow."),
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
}


@functools.lru_cache(maxsize=4096)
def canonical(qualname: str) -> str:
    """The canonical spelling of a fully qualified name."""
    for prefix, replacement in _PREFIX_ALIASES:
        if qualname.startswith(prefix):
            qualname = replacement + qualname[len(prefix) :]
            break
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
