"""Rule keywords: old keyword spellings on calls to the legacy functions."""

from __future__ import annotations

import inspect

import pytest
from _migrate_helpers import check, check_noop

import tfcompat_losses
from tfcompat_losses.migrate.rules.keywords import PARAMETERS, RENAMES

CASES = [(fn, old, new) for fn, table in sorted(RENAMES.items()) for old, new in table.items()]


@pytest.mark.parametrize("fn, old, new", CASES, ids=[f"{f}-{o}" for f, o, _ in CASES])
def test_each_rename(fn: str, old: str, new: str) -> None:
    check(
        f"""\
        from tensorflow.contrib import losses
        x = losses.{fn}(a, {old}=v)
        """,
        f"""\
        import tfcompat_losses as losses
        x = losses.{fn}(a, {new}=v)
        """,
    )


@pytest.mark.parametrize("fn", sorted(PARAMETERS))
def test_parameter_table_matches_the_library(fn: str) -> None:
    """The positions the rule relies on are the library's (contrib's) own."""
    params = list(inspect.signature(getattr(tfcompat_losses, fn)).parameters)
    assert tuple(params[: len(PARAMETERS[fn])]) == PARAMETERS[fn]


def test_several_old_keywords_on_one_call() -> None:
    check(
        """\
        import tensorflow as tf
        d = tf.contrib.losses.cosine_distance(p, targets=y, dim=1, weight=w)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        d = tfcompat_losses.cosine_distance(p, labels=y, axis=1, weights=w)
        """,
        notes=["TCL103"],
    )


def test_only_the_name_changes() -> None:
    check(
        """\
        import tensorflow as tf
        m = tf.contrib.losses.log_loss(
            p,
            targets = y,  # the targets
            weight=w * 2,
        )
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        m = tfcompat_losses.log_loss(
            p,
            labels = y,  # the targets
            weights=w * 2,
        )
        """,
    )


def test_calls_through_imported_names() -> None:
    check(
        """\
        from tensorflow.contrib.losses import sum_of_squares as sos, hinge_loss
        a = sos(p, targets=y, weight=w)
        b = hinge_loss(logits, target=y)
        """,
        """\
        from tfcompat_losses import sum_of_squares as sos, hinge_loss
        a = sos(p, labels=y, weights=w)
        b = hinge_loss(logits, labels=y)
        """,
        notes=["TCL101"],
    )


def test_both_spellings_left_alone() -> None:
    result = check(
        """\
        import tensorflow as tf
        a = tf.contrib.losses.log_loss(p, y, weights=w, weight=v)
        b = tf.contrib.losses.log_loss(p, y, w, weight=v)
        c = tf.contrib.losses.cosine_distance(p, y, 1, dim=1)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        a = tfcompat_losses.log_loss(p, y, weights=w, weight=v)
        b = tfcompat_losses.log_loss(p, y, w, weight=v)
        c = tfcompat_losses.cosine_distance(p, y, 1, dim=1)
        """,
    )
    assert [(n.code, n.line) for n in result.notes] == [
        ("TCL201", 2),
        ("TCL201", 3),
        ("TCL103", 4),
        ("TCL201", 4),
    ]


def test_star_args_and_kwargs() -> None:
    check(
        """\
        import tensorflow as tf
        a = tf.contrib.losses.log_loss(*args, weight=v)
        b = tf.contrib.losses.log_loss(p, y, **options)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        a = tfcompat_losses.log_loss(*args, weight=v)
        b = tfcompat_losses.log_loss(p, y, **options)
        """,
        notes=["TCL202", "TCL203"],
    )


def test_not_contrib_not_renamed() -> None:
    check_noop(
        """\
        import tensorflow as tf
        b = tf.keras.losses.cosine_similarity(y, p, dim=1)
        c = my_losses.log_loss(p, targets=y)
        """
    )


def test_core_tf_losses_keeps_its_arguments() -> None:
    # TF1's core API is not contrib's: tfcompat_losses.v1 takes the same
    # arguments, so not even a keyword that looks like contrib's is renamed.
    check(
        """\
        import tensorflow as tf
        a = tf.losses.log_loss(y, p, weight=3)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses.v1
        a = tfcompat_losses.v1.log_loss(y, p, weight=3)
        """,
    )


def test_keywords_of_functions_without_renames_untouched() -> None:
    check(
        """\
        import tensorflow as tf
        x = tf.contrib.losses.get_losses(scope="tower", weight=1)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        x = tfcompat_losses.get_losses(scope="tower", weight=1)
        """,
    )
