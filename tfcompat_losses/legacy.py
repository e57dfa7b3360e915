"""``install()``: make ``tf.contrib.losses`` importable again, unchanged.

After :func:`install`, unmodified TF1 code runs on this library:

* ``tf.contrib.losses.softmax_cross_entropy(...)`` (also where ``tf`` is
  ``tensorflow.compat.v1``),
* ``from tensorflow.contrib import losses``,
* ``import tensorflow.contrib.losses as L``,
* ``tf.contrib.losses.metric_learning.*`` (when that module is available),
* with ``install(core_losses=True)``, also TF1's core ``tf.losses.*`` as
  TF1-style code reaches it (``import tensorflow.compat.v1 as tf`` then
  ``tf.losses.X``): ``tf.compat.v1.losses`` becomes
  :mod:`tfcompat_losses.v1`, the same functions that also collect in eager
  mode. Opt-in: it changes a module of TensorFlow's for the whole process.

Any other ``tf.contrib.*`` attribute or import raises an error that says
only ``tf.contrib.losses`` is provided and where the rest went. Nothing
is installed by importing the package; :func:`uninstall` restores
TensorFlow as it was. Both are idempotent.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from typing import Any

import tensorflow as tf

__all__ = ["install", "installed", "uninstall"]

# Where the rest of tf.contrib went (for the AttributeError message).
_MOVED: dict[str, str] = {
    "slim": "tf_slim (pip install tf-slim)",
    "layers": "tf.keras.layers, or tf_slim.layers",
    "framework": "tf_slim (arg_scope, variables) or tfcompat_losses.arg_scope for add_loss",
    "metrics": "tf.compat.v1.metrics or keras.metrics",
    "rnn": "tf.keras.layers (LSTMCell, GRUCell, RNN)",
    "seq2seq": "TensorFlow Addons (archived) or keras_nlp / keras_hub",
    "learn": "tf.estimator (removed in TF 2.16) or Keras",
    "data": "tf.data",
    "distribute": "tf.distribute",
    "opt": "tf.keras.optimizers",
    "training": "tf.compat.v1.train",
    "image": "tf.image",
    "crf": "TensorFlow Addons (archived)",
    "tpu": "tf.distribute.TPUStrategy",
    "summary": "tf.summary",
    "keras": "tf.keras",
    "lookup": "tf.lookup",
    "quantize": "the TensorFlow Model Optimization Toolkit",
    "estimator": "tf.estimator (removed in TF 2.16) or Keras",
}

_CONTRIB = "tensorflow.contrib"
_LOSSES = "tensorflow.contrib.losses"
_METRIC = "tensorflow.contrib.losses.metric_learning"


def _moved_message(name: str) -> str:
    where = _MOVED.get(name, "the TF2 API (see the TensorFlow migration guide)")
    return (
        f"tf.contrib.{name} is not available: tfcompat_losses.install() provides "
        f"only tf.contrib.losses (tf.contrib was removed in TensorFlow 2). "
        f"tf.contrib.{name} moved to {where}."
    )


class _ContribModule(types.ModuleType):
    """``tf.contrib``: only ``losses``; a helpful error for everything else."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(_moved_message(name))


class _MovedFinder(importlib.abc.MetaPathFinder):
    """``import tensorflow.contrib.X`` / ``from tensorflow.contrib import X``: the hint.

    Raises an ``ImportError`` saying where ``tf.contrib.X`` went, for every
    ``X`` but ``losses`` (which ``sys.modules`` serves).
    """

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        prefix = _CONTRIB + "."
        if not fullname.startswith(prefix) or fullname.startswith(_LOSSES):
            return None
        raise ImportError(_moved_message(fullname[len(prefix) :].split(".")[0]), name=fullname)


class _LossesModule(types.ModuleType):
    """``tf.contrib.losses``: the tfcompat_losses functional API."""

    def __getattr__(self, name: str) -> Any:
        if name == "metric_learning":
            module = _metric_learning()
            setattr(self, name, module)
            return module
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            f"tf.contrib.losses has no attribute {name!r} (tfcompat_losses provides "
            "contrib's loss API: see tfcompat_losses.__all__)."
        )


def _metric_learning() -> types.ModuleType:
    try:
        return importlib.import_module("tfcompat_losses.metric_learning")
    except ImportError as e:
        raise AttributeError(
            "tf.contrib.losses.metric_learning is not available in this installation "
            f"of tfcompat_losses ({e}); it was part of tf.contrib in TF 1.4-1.15."
        ) from None


_state: dict[str, Any] = {}


def installed() -> bool:
    """Whether :func:`install` is in effect."""
    return bool(_state)


def _package_module(cls: type[types.ModuleType], name: str, doc: str) -> Any:
    """A module object for ``sys.modules`` that ``importlib`` can look up."""
    module = cls(name, doc)
    module.__path__ = []  # a package, so `import tensorflow.contrib.losses` works
    module.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
    return module


def install(*, core_losses: bool = False) -> None:
    """Makes ``tf.contrib.losses`` (and its import forms) resolve to this library.

    Idempotent. Raises RuntimeError if ``tf.contrib`` exists already and is
    not ours (e.g. TensorFlow 1.x).

    Args:
      core_losses: also make ``tf.compat.v1.losses`` (TF1's core ``tf.losses``
        as ``import tensorflow.compat.v1 as tf`` code sees it) collect in
        every context, by pointing it at :mod:`tfcompat_losses.v1`. The
        numbers stay ``tf.compat.v1.losses``' own.

    >>> import tfcompat_losses
    >>> tfcompat_losses.install()
    >>> import tensorflow as tf
    >>> float(tf.contrib.losses.mean_squared_error([[1.0]], [[0.0]], weight=2.0))
    2.0
    >>> tfcompat_losses.uninstall()
    """
    if core_losses:
        _install_core_losses()
    if "contrib" in _state:
        return
    import tfcompat_losses as pkg

    existing = getattr(tf, "contrib", None)
    if existing is not None:
        raise RuntimeError(
            "tfcompat_losses.install(): tf.contrib already exists (TensorFlow 1.x?); "
            "there is nothing to replace."
        )
    contrib = _package_module(
        _ContribModule, _CONTRIB, "tf.contrib, provided by tfcompat_losses.install()"
    )
    losses = _package_module(
        _LossesModule, _LOSSES, "tf.contrib.losses, provided by tfcompat_losses"
    )
    for name in pkg.__all__:
        value = getattr(pkg, name)
        if not isinstance(value, types.ModuleType):  # v1 is ours, not contrib's
            setattr(losses, name, value)
    contrib.losses = losses
    _state["previous_modules"] = {k: sys.modules.get(k) for k in (_CONTRIB, _LOSSES, _METRIC)}
    sys.modules[_CONTRIB] = contrib
    sys.modules[_LOSSES] = losses
    try:
        sys.modules[_METRIC] = _metric_learning()
    except AttributeError:
        pass
    tf.contrib = contrib  # type: ignore[attr-defined]
    # TF2's migration guide starts with `import tensorflow.compat.v1 as tf`:
    # `tf.contrib.losses` must resolve there too.
    compat_v1 = _compat_v1()
    _state["compat_v1_contrib"] = getattr(compat_v1, "contrib", None)
    compat_v1.contrib = contrib
    _state["contrib"] = contrib
    _state["finder"] = _MovedFinder()
    sys.meta_path.insert(0, _state["finder"])


def _compat_v1() -> Any:
    """``tensorflow.compat.v1`` as ``import tensorflow.compat.v1 as tf`` binds it.

    Imported once here: the first such import statement would otherwise
    replace the module object this function patches.
    """
    return importlib.import_module("tensorflow.compat.v1")


def _install_core_losses() -> None:
    if "core_losses" in _state:
        return
    from . import v1

    compat_v1 = _compat_v1()
    _state["core_losses"] = compat_v1.losses
    compat_v1.losses = v1


def uninstall() -> None:
    """Undoes :func:`install`; a no-op when not installed."""
    if not _state:
        return
    if "core_losses" in _state:
        _compat_v1().losses = _state["core_losses"]
    if "contrib" in _state:
        if getattr(tf, "contrib", None) is _state["contrib"]:
            del tf.contrib  # type: ignore[attr-defined]
        compat_v1 = _compat_v1()
        if getattr(compat_v1, "contrib", None) is _state["contrib"]:
            if _state["compat_v1_contrib"] is None:
                del compat_v1.contrib
            else:
                compat_v1.contrib = _state["compat_v1_contrib"]
        for key, previous in _state["previous_modules"].items():
            if previous is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = previous
        if _state["finder"] in sys.meta_path:
            sys.meta_path.remove(_state["finder"])
    _state.clear()
