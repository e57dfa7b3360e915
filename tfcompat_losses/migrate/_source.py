"""Source text: bytes <-> text, ``ast`` positions -> offsets, and edits.

A migration is a list of :class:`Edit` (replace ``text[start:end]``) applied
in one pass; everything outside the edited spans is copied through, so the
rest of the file stays byte-for-byte identical (newlines, encoding, BOM,
tabs, trailing whitespace included).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

__all__ = ["Edit", "Source", "decode", "encode"]

# The newlines CPython's tokenizer counts (``str.splitlines`` counts more).
_NEWLINE = re.compile(r"\r\n|\r|\n")


def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` as Python itself would read the file (PEP 263, BOM).

    Raises:
      SyntaxError: bad coding cookie; UnicodeDecodeError: undecodable bytes.
    """
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` (character offsets) with ``text``."""

    start: int
    end: int
    text: str


class Source:
    """A module's text with the ``(lineno, col_offset)`` -> offset mapping."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        starts.extend(m.end() for m in _NEWLINE.finditer(text))
        self._starts = starts
        self._ascii = text.isascii()
        m = _NEWLINE.search(text)
        #: The file's newline convention, for lines we insert.
        self.newline = m.group() if m else "\n"

    def offset(self, lineno: int, col: int) -> int:
        """Character offset of an ``ast`` position (``col`` in UTF-8 bytes)."""
        start = self._starts[lineno - 1]
        if self._ascii or col == 0:
            return start + col
        # ``col`` characters always encode to at least ``col`` bytes.
        head = self.text[start : start + col].encode("utf-8")[:col]
        return start + len(head.decode("utf-8", "ignore"))

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.start(node), self.end(node)

    def column(self, node: ast.AST) -> int:
        """1-based character column of ``node`` (for reports)."""
        return self.start(node) - self._starts[node.lineno - 1] + 1  # type: ignore[attr-defined]

    def line_start(self, lineno: int) -> int:
        return self._starts[lineno - 1] if lineno <= len(self._starts) else len(self.text)

    def line_end(self, offset: int) -> int:
        """Offset of the newline ending the line that contains ``offset``."""
        m = _NEWLINE.search(self.text, offset)
        return m.start() if m else len(self.text)

    def next_line(self, lineno: int) -> int:
        """Offset where line ``lineno + 1`` starts (``len(text)`` past the end)."""
        return self._starts[lineno] if lineno < len(self._starts) else len(self.text)

    def alone_on_line(self, start: int, end: int) -> bool:
        """True when ``text[start:end]`` has only indentation before it on its
        first line and at most a comment after it on its last line."""
        before = self.text[self.text.rfind("\n", 0, start) + 1 : start]
        before = before[before.rfind("\r") + 1 :]
        after = self.text[end : self.line_end(end)].strip()
        return (not before or before.isspace()) and (not after or after.startswith("#"))

    def indent_at(self, start: int) -> str:
        line_start = max(self.text.rfind("\n", 0, start), self.text.rfind("\r", 0, start)) + 1
        return self.text[line_start:start]

    def apply(self, edits: list[Edit]) -> str:
        return apply_edits(self.text, edits)


def _position(e: Edit) -> tuple[int, int]:
    return e.start, e.end


def apply_edits(text: str, edits: list[Edit], base: int = 0) -> str:
    """``text`` with ``edits`` applied; offsets are relative to ``base``.

    Raises:
      ValueError: two edits overlap (a bug in a rule, never user input).
    """
    out: list[str] = []
    pos = 0
    for e in sorted(edits, key=_position):
        start, end = e.start - base, e.end - base
        if start < pos or end < start or end > len(text):
            raise ValueError(f"overlapping or out-of-range edit {e!r}")
        out.append(text[pos:start])
        out.append(e.text)
        pos = end
    out.append(text[pos:])
    return "".join(out)
