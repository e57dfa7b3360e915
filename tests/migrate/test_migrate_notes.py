"""Rule notes: per-call-site semantic notes (nothing rewritten by this rule)."""

from __future__ import annotations

import pytest
from _migrate_helpers import check

from tfcompat_losses.migrate import migrate_source
from tfcompat_losses.migrate._codes import CODES
from tfcompat_losses.migrate.rules.notes import SEMANTIC


@pytest.mark.parametrize("fn, code", sorted(SEMANTIC.items()))
def test_semantic_note_per_call_site(fn: str, code: str) -> None:
    result = check(
        f"""\
        import tensorflow as tf
        a = tf.contrib.losses.{fn}(p, y)
        b = tf.contrib.losses.{fn}(p, y)
        """,
        f"""\
        import tensorflow as tf
        import tfcompat_losses
        a = tfcompat_losses.{fn}(p, y)
        b = tfcompat_losses.{fn}(p, y)
        """,
    )
    assert [(n.code, n.line, n.column, n.symbol) for n in result.notes] == [
        (code, 2, 5, fn),
        (code, 3, 5, fn),
    ]


def test_note_messages() -> None:
    result = migrate_source(
        "import tensorflow as tf\n"
        "h = tf.contrib.losses.hinge_loss(logits, y)\n"
        "m = tf.contrib.losses.mean_pairwise_squared_error(p, y)\n",
        "model.py",
    )
    hinge, pairwise = result.notes
    assert hinge.format() == (
        "model.py:2:5: TCL101 hinge_loss returns the unreduced, unweighted per-element "
        "loss and does not add it to the loss collection (as in contrib); "
        "tf.keras.losses.Hinge averages it"
    )
    assert "contrib formula kept" in pairwise.message
    assert "differs by n/(n-1)" in pairwise.message


def test_note_at_a_reference_that_is_not_called() -> None:
    result = migrate_source("import tensorflow as tf\nfn = tf.contrib.losses.hinge_loss\n")
    assert [n.code for n in result.notes] == ["TCL101"]


def test_notes_follow_aliases_and_imported_names() -> None:
    result = migrate_source(
        "import tensorflow as tf\n"
        "from tensorflow.contrib.losses import cosine_distance as cd\n"
        "L = tf.contrib.slim.losses\n"
        "a = cd(p, y, dim=1)\n"
        "b = L.sum_of_pairwise_squares(p, y)\n"
    )
    assert [(n.code, n.line) for n in result.notes] == [("TCL103", 4), ("TCL102", 5)]


def test_column_counts_characters_not_bytes() -> None:
    result = migrate_source(
        "import tensorflow as tf\nx = 'héhé'; h = tf.contrib.losses.hinge_loss(a, b)\n"
    )
    assert result.notes[0].column == len("x = 'héhé'; h = ") + 1


def test_every_code_has_a_message() -> None:
    assert all(code.startswith("TCL") and text for code, text in CODES.items())
