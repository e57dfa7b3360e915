"""Rule: semantic notes at each reference to a function whose numbers differ
from native TF2 / Keras, and at TF1 collection helpers that are not contrib.

Nothing is rewritten here; the notes go to the report. The message texts live
in :mod:`.._codes`.
"""

from __future__ import annotations

from .._api import legacy_function
from ._context import Context

__all__ = ["NOT_CONTRIB", "SEMANTIC", "run"]

#: legacy function -> note code
SEMANTIC: dict[str, str] = {
    "hinge_loss": "TCL101",
    "mean_pairwise_squared_error": "TCL102",
    "sum_of_pairwise_squares": "TCL102",
    "cosine_distance": "TCL103",
}

#: ``tf.losses`` / ``tf.compat.v1.losses`` collection helpers (canonical name)
#: -> the ``tfcompat_losses`` function to consider instead.
NOT_CONTRIB: dict[str, str] = {
    "tensorflow.losses.get_total_loss": "get_total_loss",
    "tensorflow.losses.get_losses": "get_losses",
    "tensorflow.losses.get_regularization_losses": "get_regularization_losses",
    "tensorflow.losses.get_regularization_loss": "get_regularization_losses",
    "tensorflow.losses.add_loss": "add_loss",
}


def run(ctx: Context) -> None:
    for ref in ctx.refs:
        if ref.store:
            continue
        canon = ref.canon[-1]
        fn = legacy_function(canon)
        if fn in SEMANTIC:
            ctx.note(ref.node, SEMANTIC[fn], fn)  # type: ignore[index]
        elif canon in NOT_CONTRIB:
            ctx.note(ref.node, "TCL501", ref.dotted, name=NOT_CONTRIB[canon])
