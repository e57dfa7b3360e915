"""Does the migrated module still parse? Checked without re-parsing all of it.

The engine refuses a rewrite that does not parse (a bug in a rule). Parsing
the whole output again costs as much as the first parse, so the check
re-parses only what an edit could have broken:

- An edit that swaps one name for another (``weight`` -> ``weights``), a
  dotted name for another (``tf.contrib.losses`` -> ``tfcompat_losses``) or
  inserts ``.metric_learning`` into a dotted name keeps the token kinds, so
  it cannot break the syntax; it needs no check. The conditions are narrow
  (see :func:`_harmless`): ASCII names, no keyword, word boundaries on both
  sides, no ``match`` statement in the module (where ``case a.b:`` and
  ``case c:`` are different patterns).
- Every other edit is checked by parsing, on its own, the run of top-level
  statements that holds it. The module is cut at lines where a top-level
  statement starts in column 0 after a line that does not end in a
  backslash: there the tokenizer is at a fresh logical line, so a module
  whose pieces each parse on their own parses as a whole (the input parsed,
  so the pieces without edits do).

Whenever this is not enough to decide (a piece does not parse on its own, a
piece no longer ends with a newline, ``from __future__ import
barry_as_FLUFL``, which changes the grammar for the rest of the module), the
whole output is parsed, so the outcome, and the error message, is exactly
what ``ast.parse(output)`` gives.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import re

from ._source import Edit, Source, apply_edits

__all__ = ["check_output"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_MEMBERS = re.compile(r"(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_WORD = re.compile(r"[A-Za-z0-9_]|[^\x00-\x7f]")
_MATCH = re.compile(r"\bmatch\b")
_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"__debug__"}


def _plain(dotted: str) -> bool:
    return not any(part in _RESERVED for part in dotted.split("."))


def _word_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and _WORD.match(text, i) is not None


def _harmless(text: str, e: Edit, has_match: bool) -> bool:
    """True when ``e`` provably keeps ``text`` parsing (see the module doc)."""
    old = text[e.start : e.end]
    if old:
        # ``!`` before: the conversion of an f-string field (``{x!r}``), where
        # only a few names are allowed.
        if (
            _word_at(text, e.start - 1)
            or _word_at(text, e.end)
            or text[e.start - 1 : e.start] == "!"
        ):
            return False
        if _NAME.fullmatch(old) and _NAME.fullmatch(e.text):  # a name for a name
            return _plain(old) and _plain(e.text)
        # A dotted name for a (dotted) name: the same in every position where a
        # dotted name can stand, except a ``case`` pattern.
        return (
            not has_match
            and "." in old
            and _DOTTED.fullmatch(old) is not None
            and _DOTTED.fullmatch(e.text) is not None
            and _plain(old)
            and _plain(e.text)
        )
    # ``.member`` inserted between a name and the ``.`` that follows it.
    if not (_MEMBERS.fullmatch(e.text) and _plain(e.text[1:])):
        return False
    if not text.startswith(".", e.start) or not _word_at(text, e.start - 1):
        return False
    i = e.start
    while i > 0 and _word_at(text, i - 1):
        i -= 1
    before = text[i : e.start]
    return _NAME.fullmatch(before) is not None and _plain(before)


def _cuts(source: Source, tree: ast.Module) -> list[int]:
    """Offsets where a top-level statement starts a fresh logical line."""
    text = source.text
    cuts = [0]
    previous_end = 0
    for stmt in tree.body:
        first = stmt.decorator_list[0] if getattr(stmt, "decorator_list", None) else stmt  # type: ignore[attr-defined]
        lineno = first.lineno
        if lineno > previous_end:
            start = source.line_start(lineno)
            head = text[start : source.start(first)]
            fresh = head == "" if first is stmt else head == "@"
            before = text[max(0, start - 3) : start].rstrip("\r\n")
            if fresh and start > 0 and not before.endswith("\\"):
                cuts.append(start)
        previous_end = stmt.end_lineno or lineno
    return cuts


def check_output(
    source: Source, tree: ast.Module, edits: list[Edit], output: str, path: str
) -> None:
    """Raises what ``ast.parse(output, filename=path)`` raises, if anything.

    ``output`` is ``source.text`` with ``edits`` applied and ``tree`` the
    module ``source.text`` parses to.
    """
    text = source.text
    has_match = "match" in text and _MATCH.search(text) is not None
    harmless = [_harmless(text, e, has_match) for e in edits]
    if all(harmless):
        return
    if "barry_as_FLUFL" in output:
        ast.parse(output, filename=path)
        return
    cuts = _cuts(source, tree)
    for e in edits:  # never cut inside an edit
        if bisect.bisect_right(cuts, e.start) != bisect.bisect_left(cuts, e.end):
            cuts = [c for c in cuts if not e.start < c < e.end]
    bounds = [*cuts, len(text)]
    pieces: dict[int, list[Edit]] = {}
    checked: set[int] = set()
    for e, ok in zip(edits, harmless, strict=True):
        i = bisect.bisect_right(cuts, e.start) - 1
        pieces.setdefault(i, []).append(e)
        if not ok:
            checked.add(i)
    runs: list[list[int]] = []  # consecutive pieces are parsed together
    for i in sorted(checked):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    try:
        for run in runs:
            start, end = bounds[run[0]], bounds[run[-1] + 1]
            inner = [e for i in run for e in pieces[i]]
            piece = apply_edits(text[start:end], inner, base=start)
            if end < len(text) and (
                not piece.endswith(("\n", "\r")) or piece.rstrip("\r\n").endswith("\\")
            ):
                raise SyntaxError("the piece no longer ends its last line")
            ast.parse(piece, filename=path)
    except Exception:  # undecided: parse the whole output
        ast.parse(output, filename=path)
