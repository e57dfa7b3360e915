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
    tf.compat.v1.losses.log_loss(y, p)         tfcompat_losses.v1.log_loss(y, p)
    tf.losses.log_loss(y, p)  (TF1 code)       tfcompat_losses.v1.log_loss(y, p)

(``tf.losses`` counts as TF1's core module where :mod:`.core_losses` says
so.) When the new prefix is shorter or longer than the old one, the lines of
a multi-line call that were aligned past it (to its opening parenthesis,
typically) move by the difference, so they stay aligned.

A chain whose *root* name is itself the legacy module (an import alias or an
assigned alias) keeps its text: its binding is what gets rewritten (by the
imports rule, or by this rule on the assignment's right-hand side). Names the
library does not provide, attribute assignments, and chains with a comment
inside are left alone and reported.
"""

from __future__ import annotations

import ast

from .._api import LOSSES, METRIC_LEARNING, METRIC_LEARNING_FUNCTIONS, NEW_MODULE, PROVIDED
from .._source import Edit
from ._context import Context, aligned, string_lines

__all__ = ["run"]

_ML = NEW_MODULE[METRIC_LEARNING]
_SUBMODULE = ".metric_learning"


def run(ctx: Context) -> None:
    shifts: list[tuple[ast.Call, int, int, int]] = []
    for ref in ctx.refs:
        legacy = [i for i, c in enumerate(ref.canon) if c in NEW_MODULE]
        if not legacy:
            continue
        k, k0 = legacy[-1], legacy[0]  # deepest and shallowest module prefix
        module: str = ref.canon[k]  # type: ignore[assignment]  # (in NEW_MODULE: not None)
        member = ref.names[k + 1] if k + 1 < len(ref.names) else None
        moved = False  # metric-learning name reached through the top-level module
        if member is not None:
            if module == LOSSES and member in METRIC_LEARNING_FUNCTIONS:
                moved = True
            elif member not in PROVIDED[module]:
                ctx.note(ref.node, "TCL301", ".".join(ref.names[: k + 2]))
                if k0 > 0:
                    continue
        if ref.store:
            ctx.note(ref.node, "TCL303", ref.dotted)
            continue
        if k0 == 0:
            # The root name is the module; its binding is rewritten elsewhere.
            if moved:
                at, _ = _at_end(ctx, ref.parts[k])
                ctx.replace(at, at, _SUBMODULE)
                ctx.needs.add(_ML)
                if ref.call is not None:
                    line = ref.parts[k].end_lineno or ref.parts[k].lineno
                    shifts.append((ref.call, line, at, len(_SUBMODULE)))
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
        if ref.call is not None and len(target) != end - start:
            line = ref.parts[k].end_lineno or ref.parts[k].lineno
            shifts.append((ref.call, line, end, len(target) - (end - start)))
    ctx.edits.extend(_realign(ctx, shifts))


def _realign(ctx: Context, shifts: list[tuple[ast.Call, int, int, int]]) -> list[Edit]:
    """Keeps the continuation lines of rewritten multi-line calls aligned.

    ``shifts`` holds, per rewritten call prefix, the call, the line and
    offset where the old prefix ended and the change in length. A later line of the call
    indented at or past that column (aligned to the opening parenthesis or
    to something after it) moves by the change; lines with a hanging
    indent, lines inside a multi-line string and lines indented with tabs
    stay as they are.
    """
    src = ctx.source
    by_line: dict[int, int] = {}
    for call, first, end, delta in shifts:
        last = call.end_lineno or first
        if last == first:
            continue
        column = end - src.line_start(first)
        inside_strings = string_lines(call)
        for line in range(first + 1, last + 1):
            start = src.line_start(line)
            if line not in inside_strings and aligned(
                src.text[start : src.line_end(start)], column
            ):
                by_line[line] = by_line.get(line, 0) + delta
    edits = []
    for line, delta in sorted(by_line.items()):
        start = src.line_start(line)
        if delta > 0:
            edits.append(Edit(start, start, " " * delta))
        elif delta < 0:
            edits.append(Edit(start, start - delta, ""))
    return edits


def _at_end(ctx: Context, node: object) -> tuple[int, int]:
    end = ctx.source.end(node)  # type: ignore[arg-type]
    return end, end


def _unusual(text: str) -> bool:
    """A comment or parenthesis inside the span would be lost by replacing it."""
    return "#" in text or "(" in text or ")" in text
