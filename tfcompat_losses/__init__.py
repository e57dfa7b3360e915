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

import typing as _typing

if _typing.TYPE_CHECKING:
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

    # TF 0.x names kept by contrib as aliases.
    sum_of_squares = mean_squared_error
    sum_of_pairwise_squares = mean_pairwise_squared_error
    log = log_loss

__version__ = "0.1.0"

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

# The API (and TensorFlow with it) is imported on first use (PEP 562), all of
# it at once as a plain import would: ``tfcompat-losses migrate`` needs none
# of it and starts ~6 s sooner.
_HOME: dict[str, str] = {
    "hinge_loss": "_classification",
    "sigmoid_cross_entropy": "_classification",
    "softmax_cross_entropy": "_classification",
    "sparse_softmax_cross_entropy": "_classification",
    "LOSSES": "_collection",
    "REGULARIZATION_LOSSES": "_collection",
    "CollectionLeakWarning": "_collection",
    "add_loss": "_collection",
    "arg_scope": "_collection",
    "collection_scope": "_collection",
    "get_losses": "_collection",
    "get_regularization_losses": "_collection",
    "get_total_loss": "_collection",
    "register_with_tf_slim": "_collection",
    "absolute_difference": "_regression",
    "cosine_distance": "_regression",
    "log_loss": "_regression",
    "mean_pairwise_squared_error": "_regression",
    "mean_squared_error": "_regression",
    "ContribQuirkWarning": "_weighting",
    "compute_weighted_loss": "_weighting",
    "exact_averaging": "distribute",
    "install": "legacy",
    "uninstall": "legacy",
}
_ALIASES = {
    "sum_of_squares": "mean_squared_error",
    "sum_of_pairwise_squares": "mean_pairwise_squared_error",
    "log": "log_loss",
}


def _load() -> None:
    import importlib

    api = globals()
    for name, home in _HOME.items():
        api[name] = getattr(importlib.import_module(f".{home}", __name__), name)
    for alias, name in _ALIASES.items():
        api[alias] = api[name]


def __getattr__(name: str) -> _typing.Any:
    if not name.startswith("__") and "log_loss" not in globals():
        _load()  # also binds the submodules (``tfcompat_losses.legacy`` ...)
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
