"""The engine's safety nets: a bug in a rule never writes a broken file."""

from __future__ import annotations

import pytest

from tfcompat_losses.migrate import _engine, migrate_source
from tfcompat_losses.migrate._source import Edit, Source, apply_edits
from tfcompat_losses.migrate.rules import Context

LEGACY = "import tensorflow as tf\nx = tf.contrib.losses.log_loss(p, y, weight=w)\n"


def _replace_rule(monkeypatch: pytest.MonkeyPatch, name: str, run) -> None:  # type: ignore[no-untyped-def]
    rules = tuple((n, run if n == name else r) for n, r in _engine.RULES)
    monkeypatch.setattr(_engine, "RULES", rules)


def test_a_rule_that_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: Context) -> None:
        raise KeyError("boom")

    _replace_rule(monkeypatch, "keywords", broken)
    result = migrate_source(LEGACY, "t.py")
    assert result.status == "error"
    assert result.error == "internal error in keywords: KeyError('boom'); left unchanged"
    assert result.output == LEGACY


def test_a_rule_that_breaks_the_syntax(monkeypatch: pytest.MonkeyPatch) -> None:
    def breaks(ctx: Context) -> None:
        ctx.replace(0, 6, "imprt")

    _replace_rule(monkeypatch, "notes", breaks)
    result = migrate_source(LEGACY, "t.py")
    assert result.status == "error" and "would not parse" in (result.error or "")
    assert result.output == LEGACY


def test_overlapping_edits_are_refused() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abcdef", [Edit(0, 3, "x"), Edit(2, 4, "y")])
    assert apply_edits("abcdef", [Edit(3, 3, "+"), Edit(0, 1, "A"), Edit(3, 4, "D")]) == "Abc+Def"


def test_offsets_of_non_ascii_lines() -> None:
    src = Source("a = 'é'; b = 1\r\nc\n")
    assert src.offset(1, len("a = 'é'; ".encode())) == len("a = 'é'; ")
    assert src.offset(2, 0) == len("a = 'é'; b = 1\r\n")
    assert src.newline == "\r\n"


@pytest.mark.parametrize(
    "terms, error",
    [
        (300, None),
        (700, None),
        (3000, "cannot parse: too deeply nested"),
    ],
)
def test_deeply_nested_code_is_reported_not_crashed(terms: int, error: str | None) -> None:
    source = "import tensorflow as tf\nx = " + " + ".join(["a"] * terms) + "\n"
    source += "y = tf.contrib.losses.log_loss(p, y)\n"
    result = migrate_source(source, "deep.py")
    assert result.error == error
    assert result.output == (source if error else migrate_source(source).output)
