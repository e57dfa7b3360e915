"""Rule: semantic notes at each reference to a contrib function whose numbers
differ from native TF2 / Keras.

Nothing is rewritten here; the notes go to the report. The message texts live
in :mod:`.._codes`.
"""

from __future__ import annotations

from .._api import legacy_function
from ._context import Context

__all__ = ["SEMANTIC", "run"]

#: legacy function -> note code
SEMANTIC: dict[str, str] = {
    "hinge_loss": "TCL101",
    "mean_pairwise_squared_error": "TCL102",
    "sum_of_pairwise_squares": "TCL102",
    "cosine_distance": "TCL103",
}


def run(ctx: Context) -> None:
    for ref in ctx.refs:
        if ref.store:
            continue
        canon = ref.canon[-1]
        fn = legacy_function(canon)
        if fn in SEMANTIC:
            ctx.note(ref.node, SEMANTIC[fn], fn)  # type: ignore[index]
