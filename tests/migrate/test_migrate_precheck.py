"""The textual pre-check never skips a module a rule would change or note."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_migrate_generated import bench

from tfcompat_losses.migrate import _engine, may_need_migration, migrate_source

HERE = Path(__file__).parent
CORPUS = sorted(
    [
        *HERE.glob("cases/*/*.py"),
        *HERE.glob("corpus/*.py"),
        *HERE.glob("*.py"),
        *HERE.parents[1].glob("examples/*.py"),
    ]
)


def _unfiltered(monkeypatch: pytest.MonkeyPatch, text: str):  # type: ignore[no-untyped-def]
    with monkeypatch.context() as m:
        m.setattr(_engine, "may_need_migration", lambda text: True)
        return migrate_source(text, "t.py")


def _check(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    filtered = migrate_source(text, "t.py")
    full = _unfiltered(monkeypatch, text)
    if filtered.skipped:
        # Nothing to change and nothing to say (a file that does not parse is
        # not reported when skipped: documented).
        assert full.output == text and full.notes == []
    else:
        assert (filtered.output, filtered.notes, filtered.error) == (
            full.output,
            full.notes,
            full.error,
        )


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    _check(monkeypatch, path.read_text(encoding="utf-8"))


def test_generated_trees(monkeypatch: pytest.MonkeyPatch) -> None:
    for seed in range(5):
        assert may_need_migration(bench.legacy_module(seed))
        _check(monkeypatch, bench.clean_module(seed))


def test_identifiers_are_read_nfkc_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    # Python reads "contrib" in fullwidth letters as "contrib": so must the pre-check.
    text = "import tensorflow as tf\nx = tf.\uff43\uff4f\uff4e\uff54\uff52\uff49\uff42.losses.log_loss(p, y)\n"
    assert may_need_migration(text)
    result = migrate_source(text)
    assert result.changed and "tfcompat_losses.log_loss(p, y)" in result.output
    _check(monkeypatch, text)
    assert not may_need_migration("import tensorflow as tf\nx = 'caf\u00e9'\n")


# Legacy-looking modules built from everything but the words the pre-check
# looks for: the engine must find nothing in them either.
_WORDS = [
    "tf",
    "tensorflow",
    "compat",
    "v1",
    "LOSSES",
    "REGULARIZATION_LOSSES",
    "log_loss",
    "hinge_loss",
    "metric_learning",
    "npairs_loss",
    "python",
    "loss_ops",
    "framework",
    "ops",
    "L",
    "x",
]
_dotted = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=5).map(".".join)
_line = st.one_of(
    _dotted.map(lambda d: f"import {d}"),
    st.tuples(_dotted, _dotted).map(lambda t: f"import {t[0]} as {t[1].split('.')[0]}"),
    st.tuples(_dotted, st.sampled_from(_WORDS)).map(lambda t: f"from {t[0]} import {t[1]}"),
    _dotted.map(lambda d: f"from {d} import *"),
    st.tuples(st.sampled_from(_WORDS), _dotted).map(lambda t: f"{t[0]} = {t[1]}"),
    st.tuples(_dotted, st.sampled_from(["weight", "targets", "dim", "scope"])).map(
        lambda t: f"y = {t[0]}(p, {t[1]}=w)"
    ),
    _dotted.map(lambda d: f"z = {d}({d}, 'LOSSES')"),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_line, min_size=1, max_size=12))
def test_modules_without_the_words(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    assert not may_need_migration(text)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_engine, "may_need_migration", lambda text: True)
        result = migrate_source(text, "t.py")
    assert result.error is None
    assert result.output == text and result.notes == []
