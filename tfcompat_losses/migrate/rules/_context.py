"""What a rule sees (the analysis, the source) and what it can do (edit, note)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .._analysis import Analysis, Ref
from .._api import CORE_LOSSES, PLAIN_CORE_LOSSES, canonical
from .._codes import message
from .._source import Edit, Source, apply_edits

__all__ = ["Context", "Note", "aligned", "shift_aligned_lines", "string_lines"]


@dataclass(frozen=True)
class Note:
    """One remark of the per-call-site report."""

    path: str
    line: int
    column: int
    code: str
    symbol: str
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "symbol": self.symbol,
            "message": self.message,
        }


@dataclass(eq=False)
class Context:
    path: str
    source: Source
    tree: ast.Module
    analysis: Analysis
    edits: list[Edit] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    #: Imports the rewritten code relies on (``"tfcompat_losses"``,
    #: ``"tfcompat_losses.metric_learning"``) and those present at module level.
    needs: set[str] = field(default_factory=set)
    provides: set[str] = field(default_factory=set)
    #: Set by the core-losses rule when the module is provably TF1 code: its
    #: plain ``tf.losses`` is then TF1's core module.
    tf1: bool = False

    def canonical(self, qualname: str) -> str:
        """:func:`.._api.canonical`, with ``tensorflow.losses`` read as TF1's
        core module in TF1 code."""
        canon = canonical(qualname)
        if self.tf1 and (canon + ".").startswith(PLAIN_CORE_LOSSES + "."):
            return CORE_LOSSES + canon[len(PLAIN_CORE_LOSSES) :]
        return canon

    @property
    def refs(self) -> list[Ref]:
        return self.analysis.refs

    def text(self, node: ast.AST) -> str:
        start, end = self.source.span(node)
        return self.source.text[start:end]

    def replace(self, start: int, end: int, text: str) -> None:
        self.edits.append(Edit(start, end, text))

    def replace_node(self, node: ast.AST, text: str) -> None:
        self.replace(*self.source.span(node), text)

    def take_edits_within(self, start: int, end: int) -> list[Edit]:
        """Removes and returns the edits inside ``[start, end)``."""
        inner = [e for e in self.edits if start <= e.start and e.end <= end]
        if inner:
            self.edits = [e for e in self.edits if not (start <= e.start and e.end <= end)]
        return inner

    def snippet(self, node: ast.AST) -> tuple[int, int, str, list[Edit]]:
        """``node``'s span and text with the edits already made inside it applied.

        The inner edits are taken out of :attr:`edits`; a rule that replaces
        the whole span folds them in, one that gives up puts them back.
        """
        start, end = self.source.span(node)
        inner = self.take_edits_within(start, end)
        return start, end, apply_edits(self.source.text[start:end], inner, base=start), inner

    def note(self, node: ast.AST, code: str, symbol: str, **fields: str) -> None:
        self.notes.append(
            Note(
                self.path,
                node.lineno,  # type: ignore[attr-defined]
                self.source.column(node),
                code,
                symbol,
                message(code, symbol=symbol, **fields),
            )
        )


def string_lines(node: ast.AST) -> set[int]:
    """Lines that start inside a multi-line string literal of ``node``: their
    leading whitespace is part of the string."""
    lines: set[int] = set()
    for n in ast.walk(node):
        if isinstance(n, (ast.Constant, ast.JoinedStr)) and (n.end_lineno or 0) > n.lineno:
            if isinstance(n, ast.JoinedStr) or isinstance(n.value, (str, bytes)):
                lines.update(range(n.lineno + 1, (n.end_lineno or 0) + 1))
    return lines


def shift_aligned_lines(
    text: str,
    column: int,
    delta: int,
    skip: set[int] = frozenset(),  # type: ignore[assignment]
) -> str:
    """``text`` (a multi-line expression) with each line after the first that
    is indented with spaces to ``column`` or further moved by ``delta``
    columns, except the lines numbered (from 0) in ``skip``. The first line
    is taken to start at column 0 of the original line."""
    lines = text.splitlines(keepends=True)
    for i in range(1, len(lines)):
        line = lines[i]
        if i not in skip and aligned(line, column):
            indent = len(line) - len(line.lstrip(" "))
            lines[i] = " " * max(0, indent + delta) + line[indent:]
    return "".join(lines)


def aligned(line: str, column: int) -> bool:
    """Whether ``line`` (a continuation line) is indented with spaces only to
    ``column`` or further: aligned to something at or after that column of
    the line above, rather than a hanging indent."""
    indent = len(line) - len(line.lstrip(" \t"))
    return bool(line.strip()) and indent >= column and "\t" not in line[:indent]
