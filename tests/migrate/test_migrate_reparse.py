"""The output check re-parses only what an edit could break: it must decide
exactly as ``ast.parse(output)`` would, error message included."""

from __future__ import annotations

import ast
import keyword
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_migrate_generated import bench

from tfcompat_losses.migrate import migrate_source
from tfcompat_losses.migrate._reparse import check_output
from tfcompat_losses.migrate._source import Edit, Source, apply_edits

HERE = Path(__file__).parent
CORPUS = sorted(
    [*HERE.glob("cases/*/*.py"), *HERE.glob("corpus/*.py"), *HERE.parents[1].glob("examples/*.py")]
)
SOURCES = [p.read_text(encoding="utf-8") for p in CORPUS] + [
    bench.legacy_module(seed) for seed in range(4)
]


def _outcome(f) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    try:
        f()
    except Exception as e:
        return type(e).__name__, str(e)
    return None


def _same_decision(text: str, edits: list[Edit]) -> None:
    source, tree = Source(text), ast.parse(text)
    output = apply_edits(text, edits)
    quick = _outcome(lambda: check_output(source, tree, edits, output, "t.py"))
    full = _outcome(lambda: ast.parse(output, filename="t.py"))
    assert quick == full, (edits, output)


@pytest.mark.parametrize(
    "text, edits",
    [
        # A dotted name for a name in a mapping pattern key: a syntax error.
        (
            "import tensorflow as tf\nmatch x:\n    case {tf.contrib.losses: 1}:\n        pass\n",
            [("tf.contrib.losses", "tfcompat_losses")],
        ),
        # A name before a number, a keyword, a soft keyword, __debug__.
        ("x = 1\ny = f(a=2)\n", [("a", "if")]),
        ("x = 1\ny = f(a=2)\n", [("a", "__debug__")]),
        ("match = 1\ny = match\n", [("match", "m")]),
        ("def f(a):\n    return a\n", [("a", "a.b")]),
        ('x = f"{a!r}"\ny = 1\n', [("r", "labels")]),
        ("import a as b\n", [("b", "c.d")]),
        # Inserted after a number, or where no "." follows.
        ("x = 1 .real\n", [("", ".y", 5)]),
        ("x = 1.e5.real\n", [("", ".y", 8)]),
        ("def f():\n    pass\n", [("", ".y", 5)]),
        # A statement that no longer ends its line / glued to the next one.
        ("import a\nimport b\nx = 1\n", [("import a\n", "import c; ")]),
        ("import a\nimport b\nx = 1\n", [("import a\n", "import c \\\n")]),
        # Backslash continuations and decorators at the cut points.
        ("x = 1; \\\ny = 2\nz = 3\n", [("y = 2", "def f(): pass")]),
        ("@dec\ndef f():\n    pass\nx = 1\n", [("@dec\n", "@dec\nclass")]),
        ("import a\n@ dec\ndef f():\n    pass\n", [("import a", "import (")]),
        # A grammar switch for the rest of the module.
        ("from __future__ import barry_as_FLUFL\nx = 1\ny = 1 != 2\n", [("x", "import z")]),
        ("x = 1\ny = 2\n", [("x = 1", "from __future__ import barry_as_FLUFL\nz = 1 <> 2")]),
        # Good rewrites.
        ("import a.b as c\nx = a.b.f(w=1)\n", [("import a.b as c", "import z as c"), ("w", "v")]),
        (
            "x = L.npairs_loss(a)\nimport q\n",
            [("", ".metric_learning", 5), ("import q", "import r")],
        ),
        ("x = 1\n\n\ndef f():\n    return 2\n", [("return 2", "return (\n  3)")]),
        ("x = '''\nimport a\n'''\ny = 2\n", [("y = 2", "y = (")]),
        ("if x:\n    y = 1\nelse:\n    y = 2\nz = 3\n", [("y = 2", "y = 2 +")]),
    ],
)
def test_edge_cases(text: str, edits: list[tuple[str, ...]]) -> None:
    found = []
    for e in edits:
        if len(e) == 3:
            found.append(Edit(int(e[2]), int(e[2]), e[1]))
        else:
            start = text.index(e[0])
            found.append(Edit(start, start + len(e[0]), e[1]))
    _same_decision(text, found)


_NAMES = st.sampled_from(["x", "tfcompat_losses", "weights", "a.b", "if", "match", "_", "1x", ""])
_JUNK = st.sampled_from(["(", ")", ":", "\n", "\\\n", " ", "    ", "import q\n", "@d\n", "'", "#"])


@st.composite
def _edits(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    text = draw(st.sampled_from(SOURCES))
    source, tree = Source(text), ast.parse(text)
    nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Name, ast.Attribute, ast.stmt))]
    edits: list[Edit] = []
    for _ in range(draw(st.integers(1, 6))):
        node = draw(st.sampled_from(nodes))
        start, end = source.span(node)
        kind = draw(st.integers(0, 3))
        if kind == 0:  # replace the node
            edits.append(Edit(start, end, draw(_NAMES)))
        elif kind == 1:  # insert a member after it
            edits.append(
                Edit(end, end, "." + draw(st.sampled_from(["y", "metric_learning", "if"])))
            )
        elif kind == 2:  # junk before it
            edits.append(Edit(start, start, draw(_JUNK)))
        else:  # the statement replaced by junk-bearing text
            edits.append(Edit(start, end, draw(_NAMES) + draw(_JUNK)))
    edits.sort(key=lambda e: (e.start, e.end))
    disjoint: list[Edit] = []
    for e in edits:
        if not disjoint or (e.start >= disjoint[-1].end and e.start > disjoint[-1].start):
            disjoint.append(e)
    return text, disjoint


@settings(max_examples=300, deadline=None)
@given(_edits())
def test_random_edits_decided_as_a_full_parse_would(case: tuple[str, list[Edit]]) -> None:
    _same_decision(*case)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SOURCES), st.sampled_from(sorted(keyword.kwlist)))
def test_a_keyword_swapped_in_for_a_name(text: str, word: str) -> None:
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            start = Source(text).start(node)
            _same_decision(text, [Edit(start, start + len(node.id), word)])
            break


@pytest.mark.parametrize("text", SOURCES[:-4], ids=[p.name for p in CORPUS])
def test_corpus_outputs_parse(text: str) -> None:
    result = migrate_source(text)
    assert result.error is None
    ast.parse(result.output)
