"""One module in, the migrated module and its report out.

Pipeline: a textual pre-check (most files of a tree never mention the legacy
API and are skipped in microseconds) -> ``ast.parse`` (a file that does not
parse is reported and left untouched) -> binding analysis -> the rules, each
adding edits and notes -> the edits applied in one pass -> the result checked
to parse (a rewrite that does not parse is a bug: reported, file untouched;
only the statements an edit could have broken are parsed again, see
:mod:`._reparse`).
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass, field

from ._analysis import analyze
from ._reparse import check_output
from ._source import Source, decode, encode
from .rules import RULES, Context, Note

__all__ = ["Result", "may_need_migration", "migrate_bytes", "migrate_source"]

# Every rewrite or note starts from one of these words in the source (TF1's
# core API is always reached through a ``losses`` module or import).
_CANDIDATE = re.compile(
    r"contrib|slim|losses|get_collection|add_to_collection|get_total_loss|get_losses"
    r"|get_regularization_loss|add_loss|GraphKeys"
)


@dataclass
class Result:
    """The outcome for one module."""

    path: str
    source: str
    output: str
    notes: list[Note] = field(default_factory=list)
    #: Why the module was left untouched, when it could not be processed.
    error: str | None = None
    #: True when the pre-check found nothing to look at (the module was not parsed).
    skipped: bool = False
    encoding: str = "utf-8"

    @property
    def changed(self) -> bool:
        return self.error is None and self.output != self.source

    @property
    def status(self) -> str:
        return "error" if self.error else "changed" if self.changed else "unchanged"

    def output_bytes(self) -> bytes:
        return encode(self.output, self.encoding)


def may_need_migration(text: str) -> bool:
    """False when ``text`` cannot mention the legacy API (no parse needed).

    Every name a rule acts on is spelled out in the module (an import path,
    an attribute, a called function), so it holds one of the words; Python
    reads identifiers NFKC-normalised (``tf.\uff43ontrib`` is ``tf.contrib``),
    so a module that is not ASCII is searched normalised too.
    """
    if _CANDIDATE.search(text) is not None:
        return True
    return not text.isascii() and _CANDIDATE.search(unicodedata.normalize("NFKC", text)) is not None


def _cannot_parse(e: Exception) -> str:
    if isinstance(e, (RecursionError, MemoryError)):
        return "cannot parse: too deeply nested"
    if isinstance(e, SyntaxError):
        where = f" (line {e.lineno}, column {e.offset})" if e.lineno else ""
        return f"cannot parse: {e.msg}{where}"
    return f"cannot parse: {e}"


def migrate_source(text: str, path: str = "<string>") -> Result:
    """Migrates the text of one module.

    >>> r = migrate_source("import tensorflow as tf\\nl = tf.contrib.losses.log_loss(p, y, weight=w)\\n")
    >>> print(r.output, end="")
    import tensorflow as tf
    import tfcompat_losses
    l = tfcompat_losses.log_loss(p, y, weights=w)
    """
    if not may_need_migration(text):
        return Result(path, text, text, skipped=True)
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        return Result(path, text, text, error=_cannot_parse(e))
    source = Source(text)
    step = "analysis"
    try:
        ctx = Context(path, source, tree, analyze(tree))
        for name, run in RULES:
            step = name
            run(ctx)
        step = "apply"
        output = source.apply(ctx.edits)
    except RecursionError:
        return Result(path, text, text, error="cannot analyse: too deeply nested; left unchanged")
    except Exception as e:  # a bug in a rule: never write a half-migrated file
        return Result(path, text, text, error=f"internal error in {step}: {e!r}; left unchanged")
    if output != text:
        try:
            check_output(source, tree, ctx.edits, output, path)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
            return Result(
                path,
                text,
                text,
                error=f"internal error: the rewrite would not parse ({_cannot_parse(e)}); "
                "left unchanged",
            )
    notes = sorted(ctx.notes, key=lambda n: (n.line, n.column, n.code))
    return Result(path, text, output, notes)


def migrate_bytes(data: bytes, path: str = "<bytes>") -> Result:
    """Like :func:`migrate_source` on a file's bytes (PEP 263 encoding, BOM)."""
    try:
        text, encoding = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as e:
        return Result(path, "", "", error=f"cannot decode: {e}")
    result = migrate_source(text, path)
    result.encoding = encoding
    return result
