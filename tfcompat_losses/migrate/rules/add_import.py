"""Rule: add ``import tfcompat_losses`` once, if rewritten code needs it.

It goes after the first module-level import from TensorFlow or tf_slim (it
bound the names being rewritten, so this precedes every use) and the imports
from them that directly follow it; before that import when it shares its
line with other code; before the compound statement (``try:``/``if``)
holding it.
With no such import at module level it goes after the docstring and
``__future__`` imports. It is not added when the module already imports
``tfcompat_losses`` (unaliased) at module level.
"""

from __future__ import annotations

import ast

from .._api import NEW_MODULE, NEW_PACKAGE, TRACKED_ROOTS
from ._context import Context

__all__ = ["run"]

#: What may be needed, in the order the import lines are added.
_MODULES = (NEW_PACKAGE, *sorted(m for m in set(NEW_MODULE.values()) if m != NEW_PACKAGE))
_ROOTS = (*TRACKED_ROOTS, NEW_PACKAGE)


def run(ctx: Context) -> None:
    provides = set(ctx.provides)
    for site in ctx.analysis.imports:
        if site.scope is ctx.analysis.module and isinstance(site.node, ast.Import):
            for alias in site.node.names:
                if alias.asname is None and alias.name in _MODULES:
                    provides.update({alias.name, NEW_PACKAGE})
    missing = [m for m in _MODULES if m in ctx.needs and m not in provides]
    if not missing:
        return
    lines = "".join(f"import {m}{ctx.source.newline}" for m in missing)
    offset, after = _anchor(ctx)
    if after and offset == len(ctx.source.text) and not ctx.source.text.endswith(("\n", "\r")):
        lines = ctx.source.newline + lines.removesuffix(ctx.source.newline)
    ctx.replace(offset, offset, lines)


def _imports_tracked(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Import):
        return any(a.name.split(".", 1)[0] in _ROOTS for a in stmt.names)
    if isinstance(stmt, ast.ImportFrom):
        return not stmt.level and (stmt.module or "").split(".", 1)[0] in _ROOTS
    return False


def _contains_tracked_import(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    if _imports_tracked(stmt):
        return True
    return any(
        _contains_tracked_import(child)
        for child in ast.iter_child_nodes(stmt)
        if isinstance(child, ast.stmt)
    ) or any(_contains_tracked_import(s) for h in getattr(stmt, "handlers", ()) for s in h.body)


def _anchor(ctx: Context) -> tuple[int, bool]:
    """``(offset, after_a_statement)`` where the new import lines go."""
    src, body = ctx.source, ctx.tree.body
    for i, stmt in enumerate(body):
        if _imports_tracked(stmt) and src.alone_on_line(*src.span(stmt)):
            # After the run of TensorFlow imports this one starts (no blank line).
            last = stmt
            for nxt in body[i + 1 :]:
                if not (
                    _imports_tracked(nxt)
                    and nxt.lineno == (last.end_lineno or last.lineno) + 1
                    and src.alone_on_line(*src.span(nxt))
                ):
                    break
                last = nxt
            return src.next_line(last.end_lineno or last.lineno), True
        if _contains_tracked_import(stmt):  # (also ``import tensorflow as tf; ...``)
            return src.line_start(stmt.lineno), False
    for i, stmt in enumerate(body):
        docstring = (
            i == 0
            and isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        )
        future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        if not (docstring or future):
            decorators = getattr(stmt, "decorator_list", None)
            first = decorators[0].lineno if decorators else stmt.lineno
            return src.line_start(first), False
    if body:
        return src.next_line(body[-1].end_lineno or body[-1].lineno), True
    return len(src.text), True
