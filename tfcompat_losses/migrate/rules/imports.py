"""Rule: imports of the legacy modules import ``tfcompat_losses`` instead.

Before -> after::

    import tensorflow.contrib.losses as L            import tfcompat_losses as L
    import tf_slim.losses as L                       import tfcompat_losses as L
    from tensorflow.contrib import losses            import tfcompat_losses as losses
    from tensorflow.contrib import layers, losses    from tensorflow.contrib import layers
                                                     import tfcompat_losses as losses
    from tensorflow.contrib.slim import losses as sl import tfcompat_losses as sl
    from tensorflow.contrib.losses import log_loss   from tfcompat_losses import log_loss
    from tensorflow.contrib.losses import metric_learning as ml
                                                     from tfcompat_losses import metric_learning as ml
    from tensorflow.contrib.losses import npairs_loss
                                                     from tfcompat_losses.metric_learning import npairs_loss
    from tensorflow.compat.v1 import losses          from tfcompat_losses import v1 as losses
    from tensorflow.compat.v1.losses import log_loss from tfcompat_losses.v1 import log_loss
    import tensorflow.compat.v1.losses as tl         import tfcompat_losses.v1 as tl
    import tensorflow.contrib.losses                 import tfcompat_losses
                                                     (``import tensorflow`` kept if still used)

The bound name never changes, so the code using it needs no edit. Statements
are rebuilt with libcst: a parenthesised, commented import keeps its layout;
names that stay behind keep their statement; comments of names that move go
with them. Imports of ``slim`` itself (``import tf_slim as slim``) are not
touched: only ``slim.losses`` is legacy.
"""

from __future__ import annotations

import ast
import functools
import re
from typing import Any

import libcst as cst

from .._analysis import ImportSite
from .._api import (
    CORE_LOSSES,
    LOSSES,
    METRIC_LEARNING,
    METRIC_LEARNING_FUNCTIONS,
    NEW_MODULE,
    NEW_PACKAGE,
    PROVIDED,
)
from ._context import Context

__all__ = ["run"]

_ML = NEW_MODULE[METRIC_LEARNING]
#: Submodules of the new package (``import tfcompat_losses.v1`` binds the package too).
_SUBMODULES = frozenset(m for m in NEW_MODULE.values() if m != NEW_PACKAGE)
_CODE = cst.Module([])
_COMMENT = re.compile(r"#[^\r\n]*")


def run(ctx: Context) -> None:
    for site in ctx.analysis.imports:
        node = site.node
        if isinstance(node, ast.Import):
            _import(ctx, site, node)
        elif not node.level and node.module:
            _from(ctx, site, node)


# libcst nodes are immutable, so parses can be shared: the same few import
# statements come back in file after file.
@functools.lru_cache(maxsize=256)
def _dotted(name: str) -> cst.Attribute | cst.Name:
    return cst.parse_expression(name)  # type: ignore[return-value]


def _parse(ctx: Context, node: ast.stmt) -> cst.Import | cst.ImportFrom:
    return _parse_statement(ctx.text(node))


@functools.lru_cache(maxsize=256)
def _parse_statement(text: str) -> cst.Import | cst.ImportFrom:
    stmt = cst.parse_statement(text)
    assert isinstance(stmt, cst.SimpleStatementLine)  # the text of one import statement
    node = stmt.body[0]
    assert isinstance(node, (cst.Import, cst.ImportFrom))
    return node


def _provide(ctx: Context, site: ImportSite, module: str) -> None:
    """Records a module-level ``import <module>`` (no alias)."""
    if site.scope is ctx.analysis.module:
        ctx.provides.add(module)
        if module in _SUBMODULES:
            ctx.provides.add(NEW_PACKAGE)


def _import(ctx: Context, site: ImportSite, node: ast.Import) -> None:
    targets = [NEW_MODULE.get(ctx.canonical(a.name)) for a in node.names]
    if not any(targets):
        return
    imp = _parse(ctx, node)
    assert isinstance(imp, cst.Import)
    names = list(imp.names)
    before: list[str] = []
    for i, (alias, target) in enumerate(zip(node.names, targets, strict=True)):
        if target is None:
            continue
        names[i] = names[i].with_changes(name=_dotted(target))
        if alias.asname is None:
            _provide(ctx, site, target)
            root = alias.name.split(".", 1)[0]
            if _root_still_needed(ctx, site, root) and f"import {root}" not in before:
                before.append(f"import {root}")
    _emit(ctx, node, [*before, _CODE.code_for_node(imp.with_changes(names=names))], [])


def _root_still_needed(ctx: Context, site: ImportSite, root: str) -> bool:
    """``import tensorflow.contrib.losses`` also bound ``tensorflow``: is that
    name still read by code this migration did not rewrite, with nothing else
    binding it?"""
    for other in ctx.analysis.imports:
        if other is site or other.scope is not site.scope or not isinstance(other.node, ast.Import):
            continue
        for alias in other.node.names:
            if (
                alias.asname is None
                and alias.name.split(".", 1)[0] == root
                and ctx.canonical(alias.name) not in NEW_MODULE
            ):
                return False
    return any(ref.names[0] == root and root in ref.roots and not ref.rewritten for ref in ctx.refs)


def _from(ctx: Context, site: ImportSite, node: ast.ImportFrom) -> None:
    """``from <module> import ...``: each name either joins a group of names
    imported from one module (the old one when it stays, a new one when the
    module was legacy), or becomes a statement of its own (when the name is
    itself a legacy module: ``from tensorflow.contrib import losses``)."""
    module = node.module or ""
    canon = ctx.canonical(module)
    legacy = canon in NEW_MODULE
    groups: list[str | None] = []  # per name: the module it is imported from now
    own: list[str | None] = []  # per name: the statement replacing it
    for alias in node.names:
        target: str | None = None
        statement: str | None = None
        sub = NEW_MODULE.get(ctx.canonical(f"{module}.{alias.name}"))
        bound = alias.asname or alias.name
        if alias.name == "*" and legacy:
            target = NEW_MODULE[canon]
            if canon != CORE_LOSSES:  # (the core API keeps its names and keywords)
                ctx.note(node, "TCL304", "*", module=module)
        elif legacy and canon != METRIC_LEARNING and alias.name in PROVIDED[canon]:
            target = NEW_MODULE[canon]
        elif (
            legacy
            and canon in (LOSSES, METRIC_LEARNING)
            and alias.name in METRIC_LEARNING_FUNCTIONS
        ):
            target = _ML
        elif sub == NEW_PACKAGE:
            statement = f"import {NEW_PACKAGE}" + ("" if bound == NEW_PACKAGE else f" as {bound}")
            if bound == NEW_PACKAGE:
                _provide(ctx, site, NEW_PACKAGE)
        elif sub in _SUBMODULES:
            name = sub.rpartition(".")[2]  # type: ignore[union-attr]
            statement = f"from {NEW_PACKAGE} import {name}" + (
                "" if bound == name else f" as {bound}"
            )
        elif legacy:
            ctx.note(node, "TCL301", f"{module}.{alias.name}")
        groups.append(target)
        own.append(statement)
    if not any(groups) and not any(own):
        return
    imp = _parse(ctx, node)
    assert isinstance(imp, cst.ImportFrom)
    if isinstance(imp.names, cst.ImportStar):
        _emit(ctx, node, [_CODE.code_for_node(imp.with_changes(module=_dotted(groups[0])))], [])  # type: ignore[arg-type]
        return
    by_module: dict[str | None, list[cst.ImportAlias]] = {}
    comments: list[str] = []
    for cst_alias, target, statement in zip(imp.names, groups, own, strict=True):
        if statement is None:
            by_module.setdefault(target, []).append(cst_alias)
        else:
            comments.extend(_COMMENT.findall(_CODE.code_for_node(cst_alias)))
    if not by_module:  # every name became a statement: keep all the comments
        comments = _COMMENT.findall(_CODE.code_for_node(imp))
    statements = [
        _CODE.code_for_node(_group(imp, aliases, imp.module if target is None else _dotted(target)))
        for target, aliases in by_module.items()
    ]
    statements.extend(s for s in own if s is not None)
    _emit(ctx, node, statements, comments)


def _group(imp: cst.ImportFrom, aliases: list[cst.ImportAlias], module: Any) -> cst.ImportFrom:
    """``imp`` reduced to ``aliases`` (a subset of its names, in order) from
    ``module``, with the last alias made to end the statement the way the
    original ended: trailing comma kept in a multi-line parenthesised import
    that had one, a comment after the last comma kept, else no comma."""
    node = imp.with_changes(module=module, names=aliases)
    last, old_last = aliases[-1], imp.names[-1]  # type: ignore[index]
    if last is old_last:
        return node
    comma = last.comma
    ws = comma.whitespace_after if isinstance(comma, cst.Comma) else None
    trailing = isinstance(old_last.comma, cst.Comma)
    if imp.lpar is None or not isinstance(ws, cst.ParenthesizedWhitespace):
        keep = False
    else:
        keep = trailing or _COMMENT.search(_CODE.code_for_node(ws)) is not None
    if not keep:
        return node.with_changes(
            names=[*aliases[:-1], last.with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        )
    closing = ws.with_changes(last_line=_closing_indent(imp))  # type: ignore[union-attr]
    node = node.with_changes(
        names=[*aliases[:-1], last.with_changes(comma=comma.with_changes(whitespace_after=closing))]  # type: ignore[union-attr]
    )
    if not trailing and imp.rpar is not None:  # the comma's newline now closes the list
        node = node.with_changes(
            rpar=imp.rpar.with_changes(whitespace_before=cst.SimpleWhitespace(""))
        )
    return node


def _closing_indent(imp: cst.ImportFrom) -> cst.SimpleWhitespace:
    """The indentation of the line holding ``imp``'s closing parenthesis."""
    comma = imp.names[-1].comma  # type: ignore[index]
    for ws in (
        comma.whitespace_after if isinstance(comma, cst.Comma) else None,
        imp.rpar.whitespace_before if imp.rpar is not None else None,
    ):
        if isinstance(ws, cst.ParenthesizedWhitespace):
            return ws.last_line
    return cst.SimpleWhitespace("")


def _emit(ctx: Context, node: ast.stmt, statements: list[str], comments: list[str]) -> None:
    """Replaces ``node`` by ``statements``, one per line when it had a line of
    its own (else joined by ``;``); ``comments`` from the old text are kept:
    the last one trails the last statement, any others go on lines above."""
    start, end = ctx.source.span(node)
    alone = ctx.source.alone_on_line(start, end)
    if comments and not alone:  # nowhere to put them
        symbol = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name  # type: ignore[attr-defined]
        ctx.note(node, "TCL302", symbol or "import")
        return
    if alone:
        newline = ctx.source.newline + ctx.source.indent_at(start)
        lines = [*comments[:-1], statements[0]] if comments else [statements[0]]
        lines.extend(statements[1:])
        if comments:
            lines[-1] += "  " + comments[-1]
        text = newline.join(lines)
    else:
        text = "; ".join(statements)
    if text != ctx.source.text[start:end]:
        ctx.replace(start, end, text)
