"""Loss names for ``model.compile(loss="tfcompat_losses>...")`` under Keras 3.

Keras 3's ``keras.losses.get`` resolves a string only in its private table
of built-in losses (``keras.src.losses.ALL_OBJECTS_DICT``); no public API
adds to it. The classes are registered with
``keras.saving.register_keras_serializable`` (public), which is all that
``.keras`` save/load and config round trips need; this module adds the
package-qualified names, which cannot clash with a Keras name, to that
table as well, so that a string names them in ``compile``.

Fallback: if a Keras release moves the table, string names in ``compile``
are unavailable (Keras then raises "Could not interpret loss identifier"),
while instances, serialization and ``.keras`` reloads work as before, and
so does the public way to name a class in ``compile``: a config dict,
``{"class_name": "tfcompat_losses>SoftmaxCrossEntropy", "config": {}}``.
The write only adds package-qualified names (``setdefault``), so it can
never shadow a Keras loss.
tf_keras resolves registered names itself and needs none of this.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["add_string_names"]


def _builtin_loss_table() -> dict[str, Any] | None:
    try:
        from keras.src import losses as keras_losses

        table = keras_losses.ALL_OBJECTS_DICT
    except (ImportError, AttributeError):
        return None
    return table if isinstance(table, dict) else None


def add_string_names(package: str, classes: Iterable[type]) -> bool:
    """Makes ``"<package>>ClassName"`` a loss string; returns whether it could."""
    table = _builtin_loss_table()
    if table is None:
        return False
    for cls in classes:
        table.setdefault(f"{package}>{cls.__name__}", cls)
    return True
