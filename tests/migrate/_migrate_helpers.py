"""Before/after pairs: the one assertion every rule test is made of."""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize
from collections import Counter

from tfcompat_losses.migrate import Result, migrate_source


def comments(source: str) -> Counter[str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return Counter(t.string for t in tokens if t.type == tokenize.COMMENT)


def check(before: str, after: str, *, notes: list[str] | None = None) -> Result:
    """Migrating ``before`` gives exactly ``after``.

    Also checks that ``after`` parses, that no comment was lost or added,
    that migrating ``after`` again changes nothing (idempotence), and, when
    given, the codes of the notes in order.
    """
    before, after = textwrap.dedent(before), textwrap.dedent(after)
    result = migrate_source(before, "t.py")
    assert result.error is None, result.error
    assert result.output == after
    ast.parse(after)
    assert comments(after) == comments(before)
    assert migrate_source(after, "t.py").output == after, "not idempotent"
    if notes is not None:
        assert [n.code for n in result.notes] == notes
    return result


def check_noop(source: str, *, notes: list[str] | None = None) -> Result:
    """``source`` is left byte-for-byte alone."""
    source = textwrap.dedent(source)
    result = migrate_source(source, "t.py")
    assert result.error is None, result.error
    assert result.output == source
    assert not result.changed
    if notes is not None:
        assert [n.code for n in result.notes] == notes
    return result
