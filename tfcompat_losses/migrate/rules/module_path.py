"""Rule: the legacy module path in code becomes ``tfcompat_losses``.

Before -> after (``tf`` bound by ``import tensorflow as tf``)::

    tf.contrib.losses.log_loss(p, y)           tfcompat_losses.log_loss(p, y)
    tf.contrib.slim.losses.hinge_loss(x, y)    tfcompat_losses.hinge_loss(x, y)
    slim.losses.mean_squared_error(p, y)       tfcompat_losses.mean_squared_error(p, y)
    tf.contrib.losses.metric_learning.npairs_loss(...)
                                               tfcompat_losses.metric_learning.npairs_loss(...)
    tf.contrib.losses.npairs_loss(...)         tfcompat_losses.metric_learning.npairs_loss(...)
    losses = tf.contrib.losses                 losses = tfcompat_losses
    L.contrastive_loss(...)                    L.metric_learning.contrastive_loss(...)

A chain whose *root* name is itself the legacy module (an import alias or an
assigned alias) keeps its text: its binding is what gets rewritten (by the
imports rule, or by this rule on the assignment's right-hand side). Names the
library does not provide, attribute assignments, and chains with a comment
inside are left alone and reported.
"""

from __future__ import annotations

from .._api import METRIC_LEARNING, METRIC_LEARNING_FUNCTIONS, NEW_MODULE, TOP_LEVEL_NAMES
from ._context import Context

__all__ = ["run"]

_ML = NEW_MODULE[METRIC_LEARNING]


def run(ctx: Context) -> None:
    for ref in ctx.refs:
        legacy = [i for i, c in enumerate(ref.canon) if c in NEW_MODULE]
        if not legacy:
            continue
        k, k0 = legacy[-1], legacy[0]  # deepest and shallowest module prefix
        module = ref.canon[k]
        member = ref.names[k + 1] if k + 1 < len(ref.names) else None
        moved = False  # metric-learning name reached through the top-level module
        if member is not None:
            if module != METRIC_LEARNING and member in METRIC_LEARNING_FUNCTIONS:
                moved = True
            elif member not in (
                METRIC_LEARNING_FUNCTIONS if module == METRIC_LEARNING else TOP_LEVEL_NAMES
            ):
                ctx.note(ref.node, "TCL301", ".".join(ref.names[: k + 2]))
                if k0 > 0:
                    continue
        if ref.store:
            ctx.note(ref.node, "TCL303", ref.dotted)
            continue
        if k0 == 0:
            # The root name is the module; its binding is rewritten elsewhere.
            if moved:
                ctx.replace(*_at_end(ctx, ref.parts[k]), ".metric_learning")
                ctx.needs.add(_ML)
            elif k > 0 and module == METRIC_LEARNING:
                ctx.needs.add(_ML)  # ``L.metric_learning.x`` needs the submodule loaded
            continue
        start, end = ctx.source.span(ref.parts[k])
        if _unusual(ctx.source.text[start:end]):
            ctx.note(ref.node, "TCL302", ref.dotted)
            continue
        target = _ML if moved else NEW_MODULE[module]
        ctx.replace(start, end, target)
        ctx.needs.add(target)
        ref.rewritten = True


def _at_end(ctx: Context, node: object) -> tuple[int, int]:
    end = ctx.source.end(node)  # type: ignore[arg-type]
    return end, end


def _unusual(text: str) -> bool:
    """A comment or parenthesis inside the span would be lost by replacing it."""
    return "#" in text or "(" in text or ")" in text
