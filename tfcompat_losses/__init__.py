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

__version__ = "0.1.0"

# The public API, written once: home module -> the names the package takes
# from it. ``__all__``, the loader below and the typed view ``__init__.pyi``
# (generated from these tables by ``python -m tfcompat_losses._stub``; a test
# checks it is current) all come from here.
_API: dict[str, tuple[str, ...]] = {
    "_classification": (
        "hinge_loss",
        "sigmoid_cross_entropy",
        "softmax_cross_entropy",
        "sparse_softmax_cross_entropy",
    ),
    "_collection": (
        "LOSSES",
        "REGULARIZATION_LOSSES",
        "CollectionLeakWarning",
        "add_loss",
        "arg_scope",
        "collection_scope",
        "get_losses",
        "get_regularization_losses",
        "get_total_loss",
        "register_with_tf_slim",
    ),
    "_regression": (
        "absolute_difference",
        "cosine_distance",
        "log_loss",
        "mean_pairwise_squared_error",
        "mean_squared_error",
    ),
    "_weighting": ("ContribQuirkWarning", "compute_weighted_loss"),
    "distribute": ("exact_averaging",),
    "legacy": ("install", "uninstall"),
}
# TF 0.x names contrib kept as aliases -> the function they name.
_ALIASES: dict[str, str] = {
    "sum_of_squares": "mean_squared_error",
    "sum_of_pairwise_squares": "mean_pairwise_squared_error",
    "log": "log_loss",
}
# Public submodules bound as attributes when the API loads, so migrated code
# can write ``tfcompat_losses.v1.X`` after ``import tfcompat_losses``. Like
# ``keras`` and ``metric_learning`` they are not in ``__all__`` (the contrib
# surface).
_SUBMODULES: tuple[str, ...] = ("v1",)

__all__ = sorted([*(n for names in _API.values() for n in names), *_ALIASES])

# Why the API is loaded on first use (PEP 562) rather than imported here:
# the ``tfcompat-losses`` command (``tfcompat_losses.migrate``, also
# ``python -m tfcompat_losses``) lives in this package and needs none of it;
# importing TensorFlow would cost it ~6 s of start-up. The first access to
# any public name loads all of it at once, as a plain import would.


_loaded = False


def _load() -> None:
    global _loaded
    import importlib

    api = globals()
    for home, names in _API.items():
        module = importlib.import_module(f".{home}", __name__)
        for name in names:
            api[name] = getattr(module, name)
    for alias, name in _ALIASES.items():
        api[alias] = api[name]
    for sub in _SUBMODULES:
        api[sub] = importlib.import_module(f".{sub}", __name__)
    _loaded = True


def __getattr__(name: str) -> _typing.Any:
    # Only the API's own names load it: ``from tfcompat_losses import migrate``
    # (or ``_stub``) asks for other names first, and must not import TensorFlow.
    if name in _API:
        # A home module alone (``tfcompat_losses.legacy``, or ``from . import
        # _collection`` while the API itself is loading): import just it, so
        # a module importing a sibling never re-enters _load().
        import importlib

        return importlib.import_module(f".{name}", __name__)
    if not _loaded and (name in __all__ or name in _SUBMODULES):
        _load()  # also binds the home submodules (``tfcompat_losses.legacy`` ...)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
