"""Rule: TF1 loss-collection calls become ``tfcompat_losses`` calls.

Before -> after (``tf`` bound to ``tensorflow`` or ``tensorflow.compat.v1``)::

    tf.get_collection(tf.GraphKeys.LOSSES)            tfcompat_losses.get_losses()
    tf.get_collection(tf.GraphKeys.LOSSES, "tower")   tfcompat_losses.get_losses(scope="tower")
    tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
                                                      tfcompat_losses.get_regularization_losses()
    tf.add_to_collection(tf.GraphKeys.LOSSES, x)      tfcompat_losses.add_loss(x)
    tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, x)
                    tfcompat_losses.add_loss(x, tfcompat_losses.REGULARIZATION_LOSSES)

The key may also be spelled ``tf.compat.v1.GraphKeys.LOSSES``, ``ops.GraphKeys``
or the string ``"losses"`` / ``"regularization_losses"``. Other collections
are not looked at. ``get_collection_ref`` (the mutable list) and any other
use of the two loss keys with TensorFlow's collection API
(``graph.get_collection(tf.GraphKeys.LOSSES)``, ``tf.add_to_collections([...],
x)``) are left alone with a note saying what the tfcompat_losses collection
will not see there. The call is
rebuilt with libcst, so the remaining arguments keep their formatting; a
comment that sat after the removed key moves next to the opening
parenthesis, and a call whose comments could not be kept is left alone.
"""

from __future__ import annotations

import ast
import functools

import libcst as cst

from .._api import (
    ADD_TO_COLLECTION,
    COLLECTION_KEYS,
    GET_COLLECTION,
    GET_COLLECTION_REF,
    NEW_PACKAGE,
)
from ._context import Context, shift_aligned_lines, string_lines

__all__ = ["EXTRA_ARGUMENT", "NEW_FUNCTION", "TF_COLLECTION_METHODS", "run"]

#: (collection function, key) -> the tfcompat_losses function replacing the call
NEW_FUNCTION: dict[tuple[str, str], str] = {
    (GET_COLLECTION, "losses"): "get_losses",
    (GET_COLLECTION, "regularization_losses"): "get_regularization_losses",
    (ADD_TO_COLLECTION, "losses"): "add_loss",
    (ADD_TO_COLLECTION, "regularization_losses"): "add_loss",
}

#: Names of TensorFlow's collection functions and ``Graph`` methods: a loss key
#: passed to one of them (other than in a call rewritten here) gets a note.
TF_COLLECTION_METHODS = frozenset(
    {
        "add_to_collection",
        "add_to_collections",
        "clear_collection",
        "get_collection",
        "get_collection_ref",
    }
)

#: (collection function, key) -> the argument the new call takes in addition
#: (its keyword, and its value as code).
EXTRA_ARGUMENT: dict[tuple[str, str], tuple[str, str]] = {
    (ADD_TO_COLLECTION, "regularization_losses"): (
        "loss_collection",
        f"{NEW_PACKAGE}.REGULARIZATION_LOSSES",
    ),
}

#: collection function -> (key parameter, other parameter, its name in the new
#: call, whether the new call spells it as a keyword)
_SIGNATURE: dict[str, tuple[str, str, str, bool]] = {
    GET_COLLECTION: ("key", "scope", "scope", True),
    GET_COLLECTION_REF: ("key", "scope", "scope", True),
    ADD_TO_COLLECTION: ("name", "value", "loss", False),
}

_KEY_STRINGS = frozenset(COLLECTION_KEYS.values())
_KEY_NAMES = frozenset(k.rpartition(".")[2] for k in COLLECTION_KEYS)
_EMPTY = cst.SimpleWhitespace("")
_SPACE = cst.SimpleWhitespace(" ")
_CODE = cst.Module([])


def run(ctx: Context) -> None:
    sites: list[tuple[ast.Call, str, str, str, str]] = []
    seen: set[int] = set()  # the key arguments of the calls looked at
    for ref in ctx.refs:
        call, canon = ref.call, ref.canon[-1]
        if call is None or ref.store or canon not in _SIGNATURE:
            continue
        key_param, other, _, _ = _SIGNATURE[canon]
        key_node = _argument(call, 0, key_param)
        key = _key(ctx, key_node)
        if key is None or key_node is None:
            continue
        seen.add(id(key_node))
        key_text = ctx.text(key_node)
        new = NEW_FUNCTION.get((canon, key))
        if canon == GET_COLLECTION_REF:
            reason = "returns the mutable collection list, which tfcompat_losses does not expose"
            ctx.note(call, "TCL403", ref.dotted, key=key_text, reason=reason)
        elif new is None:
            ctx.note(call, "TCL402", ref.dotted, key=key_text)
        elif not _plain_arguments(call, (key_param, other)):
            reason = "unpacked or unexpected arguments"
            ctx.note(call, "TCL403", ref.dotted, key=key_text, reason=reason)
        else:
            sites.append((call, canon, new, ref.dotted, key))
    _note_other_uses(ctx, seen)
    # Innermost first, so an outer call folds in the inner rewrite.
    sites.sort(key=lambda s: ctx.source.end(s[0]) - ctx.source.start(s[0]))
    for call, canon, new, symbol, key in sites:
        start, end, text, inner = ctx.snippet(call)
        extra = EXTRA_ARGUMENT.get((canon, key))
        out, reason = _rewrite(text, canon, f"{NEW_PACKAGE}.{new}", extra)
        key_text = ctx.text(_argument(call, 0, _SIGNATURE[canon][0]))  # type: ignore[arg-type]
        if out is None:
            ctx.edits.extend(inner)
            ctx.note(call, "TCL403", symbol, key=key_text, reason=reason)
            continue
        ctx.replace(start, end, _realign(ctx, call, start, text, out))
        ctx.needs.add(NEW_PACKAGE)
        ctx.note(call, "TCL401", f"{symbol}({key_text})", new=f"{NEW_PACKAGE}.{new}()")


def _realign(ctx: Context, call: ast.Call, start: int, before: str, after: str) -> str:
    """``after`` with the continuation lines that were aligned to the rest of
    the first line (an argument's parenthesis, typically) moved by as much as
    that rest moved. Only when the rebuilt call keeps its line structure."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    if len(old) < 2 or len(old) != len(new):
        return after
    first_old, first_new = old[0].rstrip("\r\n"), new[0].rstrip("\r\n")
    common = 0  # the unchanged end of the first line
    while common < min(len(first_old), len(first_new)) and (
        first_old[-1 - common] == first_new[-1 - common]
    ):
        common += 1
    delta = len(first_new) - len(first_old)
    if not common or not delta:
        return after
    offset = start - ctx.source.line_start(call.lineno)  # where the call starts on its line
    skip = {n - call.lineno for n in string_lines(call)}
    realigned = shift_aligned_lines(
        ("\0" * offset) + after, offset + len(first_old) - common, delta, skip
    )
    return realigned[offset:]


def _note_other_uses(ctx: Context, seen: set[int]) -> None:
    """TCL402 at a loss key passed to TensorFlow's collection API elsewhere:
    ``graph.get_collection(tf.GraphKeys.LOSSES)``, ``tf.add_to_collections([...], x)``.

    (Passed to a loss function, ``loss_collection=tf.GraphKeys.LOSSES``, the key
    is just the string the library uses too: nothing to say.)
    """
    keys = [
        (ref, key)
        for ref in ctx.refs
        if ref.names[-1] in _KEY_NAMES  # (a cheap test first: most chains are not keys)
        and not ref.store
        and id(ref.node) not in seen
        and (key := COLLECTION_KEYS.get(ref.canon[-1] or "")) is not None
    ]
    if not keys:
        return
    passed: set[int] = set()  # nodes inside the arguments of a TF collection call
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Call) and _callee(node) in TF_COLLECTION_METHODS:
            for arg in (*node.args, *(kw.value for kw in node.keywords)):
                passed.update(id(n) for n in ast.walk(arg))
    for ref, key in keys:
        if id(ref.node) in passed:
            ctx.note(ref.node, "TCL402", ref.dotted, key=key.upper())


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _key(ctx: Context, node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and node.value in _KEY_STRINGS:
        return node.value  # type: ignore[no-any-return]
    ref = ctx.analysis.ref_by_node.get(id(node))
    return COLLECTION_KEYS.get(ref.canon[-1] or "") if ref is not None else None


def _plain_arguments(call: ast.Call, params: tuple[str, str]) -> bool:
    if len(call.args) > 2 or any(isinstance(a, ast.Starred) for a in call.args):
        return False
    names = [kw.arg for kw in call.keywords]
    taken = set(params[: len(call.args)])
    return all(n in params and n not in taken for n in names) and len(set(names)) == len(names)


# A pure function of its arguments, and the same calls come back in file
# after file (``tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)``).
@functools.lru_cache(maxsize=1024)
def _rewrite(
    text: str, canon: str, new_func: str, extra: tuple[str, str] | None = None
) -> tuple[str | None, str]:
    """The call rebuilt for ``new_func``, or ``(None, reason)``."""
    try:
        call = cst.parse_expression(text)
    except cst.ParserSyntaxError:
        return None, "libcst cannot parse this call"
    if not isinstance(call, cst.Call):
        return None, "not a plain call"
    # Without a "#" anywhere in the call there is no comment to look after.
    any_hash = "#" in text

    def _has_comment(node: cst.CSTNode) -> bool:
        return any_hash and "#" in _CODE.code_for_node(node)

    key_param, other, new_name, as_keyword = _SIGNATURE[canon]
    args = list(call.args)
    key_i = next(
        i
        for i, a in enumerate(args)
        if (a.keyword is None and i == 0) or (a.keyword and a.keyword.value == key_param)
    )
    removed = args.pop(key_i)
    before_args = call.whitespace_before_args
    if _has_comment(removed.with_changes(comma=cst.MaybeSentinel.DEFAULT)):
        return None, "a comment inside the key argument"
    comma = removed.comma
    comma_comment = isinstance(comma, cst.Comma) and _has_comment(comma)
    if key_i == 0:
        if comma_comment:
            if _has_comment(before_args):
                return None, "comments on both sides of the key argument"
            before_args = comma.whitespace_after  # type: ignore[union-attr]
        elif not args and not _has_comment(before_args):
            before_args = _EMPTY
    elif key_i == len(args):  # the key was last: the one before takes its comma
        prev = args[-1]
        if isinstance(prev.comma, cst.Comma) and _has_comment(prev.comma):
            return None, "a comment before the key argument"
        args[-1] = prev.with_changes(comma=comma)
    elif comma_comment:
        return None, "a comment after the key argument"
    for i, a in enumerate(args):
        if a.keyword is None and as_keyword:
            args[i] = a.with_changes(
                keyword=cst.Name(new_name), equal=cst.AssignEqual(_EMPTY, _EMPTY)
            )
        elif a.keyword is not None and a.keyword.value == other != new_name:
            args[i] = a.with_changes(keyword=cst.Name(new_name))
    if extra is not None:
        args = _append(args, *extra)
    new = call.with_changes(
        func=cst.parse_expression(new_func), args=args, whitespace_before_args=before_args
    )
    return _CODE.code_for_node(new), ""


def _append(args: list[cst.Arg], keyword: str, value: str) -> list[cst.Arg]:
    """``args`` and one more argument (a keyword one if the last is). The
    last argument's comma, with whatever follows it (a comment, the newline
    before the closing parenthesis), moves to the new one."""
    last = args[-1]
    new = cst.Arg(value=cst.parse_expression(value), comma=last.comma)
    if last.keyword is not None:
        new = new.with_changes(keyword=cst.Name(keyword), equal=cst.AssignEqual(_EMPTY, _EMPTY))
    return [*args[:-1], last.with_changes(comma=cst.Comma(whitespace_after=_SPACE)), new]
