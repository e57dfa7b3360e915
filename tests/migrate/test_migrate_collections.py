"""Rule collections: TF1 loss-collection calls become tfcompat_losses calls."""

from __future__ import annotations

import pytest
from _migrate_helpers import check, check_noop

from tfcompat_losses.migrate import migrate_source

HEAD = "import tensorflow as tf\n"
NEW_HEAD = "import tensorflow as tf\nimport tfcompat_losses\n"

PAIRS = {
    "get_losses": (
        "x = tf.get_collection(tf.GraphKeys.LOSSES)",
        "x = tfcompat_losses.get_losses()",
    ),
    "get_losses_scope": (
        "x = tf.get_collection(tf.GraphKeys.LOSSES, 'tower_0')",
        "x = tfcompat_losses.get_losses(scope='tower_0')",
    ),
    "get_losses_scope_keyword": (
        "x = tf.get_collection(tf.GraphKeys.LOSSES, scope=s)",
        "x = tfcompat_losses.get_losses(scope=s)",
    ),
    "key_keyword": (
        "x = tf.get_collection(key=tf.GraphKeys.LOSSES)",
        "x = tfcompat_losses.get_losses()",
    ),
    "key_keyword_last": (
        "x = tf.get_collection(scope=s, key=tf.GraphKeys.LOSSES)",
        "x = tfcompat_losses.get_losses(scope=s)",
    ),
    "string_key": (
        "x = tf.get_collection('losses')",
        "x = tfcompat_losses.get_losses()",
    ),
    "compat_v1": (
        "x = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES)",
        "x = tfcompat_losses.get_losses()",
    ),
    "regularization": (
        "x = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)",
        "x = tfcompat_losses.get_regularization_losses()",
    ),
    "regularization_scope": (
        "x = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES, 'net')",
        "x = tfcompat_losses.get_regularization_losses(scope='net')",
    ),
    "regularization_string": (
        "x = tf.get_collection('regularization_losses')",
        "x = tfcompat_losses.get_regularization_losses()",
    ),
    "add_loss": (
        "tf.add_to_collection(tf.GraphKeys.LOSSES, loss)",
        "tfcompat_losses.add_loss(loss)",
    ),
    "add_loss_keywords": (
        "tf.add_to_collection(name=tf.GraphKeys.LOSSES, value=loss)",
        "tfcompat_losses.add_loss(loss=loss)",
    ),
    "add_regularization": (
        "tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, penalty * factor)",
        "tfcompat_losses.add_loss(penalty * factor, tfcompat_losses.REGULARIZATION_LOSSES)",
    ),
    "add_regularization_string_compat_v1": (
        "tf.compat.v1.add_to_collection('regularization_losses', r)",
        "tfcompat_losses.add_loss(r, tfcompat_losses.REGULARIZATION_LOSSES)",
    ),
    "add_loss_string": (
        "tf.compat.v1.add_to_collection('losses', x)",
        "tfcompat_losses.add_loss(x)",
    ),
    "add_regularization_keywords": (
        "tf.add_to_collection(value=r, name=tf.GraphKeys.REGULARIZATION_LOSSES)",
        "tfcompat_losses.add_loss(loss=r, loss_collection=tfcompat_losses.REGULARIZATION_LOSSES)",
    ),
    "add_regularization_multiline_comment": (
        "tf.add_to_collection(\n    tf.GraphKeys.REGULARIZATION_LOSSES,\n    r,  # the penalty\n)",
        "tfcompat_losses.add_loss(\n"
        "    r, tfcompat_losses.REGULARIZATION_LOSSES,  # the penalty\n"
        ")",
    ),
    "inside_an_expression": (
        "total = tf.add_n(tf.get_collection(tf.GraphKeys.LOSSES)) + 1.0",
        "total = tf.add_n(tfcompat_losses.get_losses()) + 1.0",
    ),
    "for_loop_header": (
        "for l in tf.get_collection(tf.GraphKeys.LOSSES):\n    print(l)",
        "for l in tfcompat_losses.get_losses():\n    print(l)",
    ),
    "multiline_trailing_comma": (
        "x = tf.get_collection(\n    tf.GraphKeys.LOSSES,\n    scope,\n)",
        "x = tfcompat_losses.get_losses(\n    scope=scope,\n)",
    ),
    "comment_after_key_moves_up": (
        "x = tf.get_collection(\n    tf.GraphKeys.LOSSES,  # all of them\n    scope)",
        "x = tfcompat_losses.get_losses(  # all of them\n    scope=scope)",
    ),
    "comment_after_only_argument": (
        "x = tf.get_collection(\n    tf.GraphKeys.LOSSES,  # all of them\n)",
        "x = tfcompat_losses.get_losses(  # all of them\n)",
    ),
    "only_argument_multiline": (
        "x = tf.get_collection(\n    tf.GraphKeys.LOSSES\n)",
        "x = tfcompat_losses.get_losses()",
    ),
    "legacy_call_inside_scope_argument": (
        "x = tf.get_collection(tf.GraphKeys.LOSSES, scope=tf.contrib.losses.log_loss.__name__)",
        "x = tfcompat_losses.get_losses(scope=tfcompat_losses.log_loss.__name__)",
    ),
}


@pytest.mark.parametrize("before, after", list(PAIRS.values()), ids=list(PAIRS))
def test_collection_calls(before: str, after: str) -> None:
    check(HEAD + before + "\n", NEW_HEAD + after + "\n")


def test_other_spellings_of_the_graph_keys() -> None:
    check(
        """\
        import tensorflow.compat.v1 as tf
        from tensorflow.python.framework import ops
        from tensorflow import GraphKeys
        a = tf.get_collection(tf.GraphKeys.LOSSES)
        b = ops.get_collection(ops.GraphKeys.LOSSES)
        c = ops.get_collection(GraphKeys.REGULARIZATION_LOSSES)
        """,
        """\
        import tensorflow.compat.v1 as tf
        from tensorflow.python.framework import ops
        from tensorflow import GraphKeys
        import tfcompat_losses
        a = tfcompat_losses.get_losses()
        b = tfcompat_losses.get_losses()
        c = tfcompat_losses.get_regularization_losses()
        """,
        notes=["TCL401", "TCL401", "TCL401"],
    )


def test_left_alone_with_a_note() -> None:
    check_noop(
        """\
        import tensorflow as tf
        a = tf.get_collection_ref(tf.GraphKeys.LOSSES)
        tf.add_to_collection(tf.GraphKeys.LOSSES, *values)
        b = tf.get_collection(  # before
            tf.GraphKeys.LOSSES,  # after
            scope)
        """,
        notes=["TCL403", "TCL403", "TCL403"],
    )


def test_other_uses_of_the_loss_keys_get_a_note_saying_what_is_lost() -> None:
    result = check_noop(
        """\
        import tensorflow as tf
        d = graph.get_collection(tf.GraphKeys.LOSSES)
        tf.add_to_collections([tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES, 'mine'], r)
        tf.compat.v1.get_default_graph().clear_collection(name=tf.GraphKeys.LOSSES)
        """,
        notes=["TCL402", "TCL402", "TCL402"],
    )
    first = result.notes[0]
    assert (first.line, first.column, first.symbol) == (2, 26, "tf.GraphKeys.LOSSES")
    assert "TensorFlow's own LOSSES collection" in first.message
    assert "missing from tfcompat_losses.get_total_loss()" in first.message
    assert "REGULARIZATION_LOSSES collection" in result.notes[1].message


def test_a_loss_key_passed_to_a_loss_function_is_fine() -> None:
    # The key is the string tfcompat_losses uses too.
    check(
        """\
        import tensorflow as tf
        tf.contrib.losses.add_loss(r, loss_collection=tf.GraphKeys.REGULARIZATION_LOSSES)
        tf.losses.log_loss(y, p, loss_collection=tf.GraphKeys.LOSSES)
        KEY = tf.GraphKeys.LOSSES
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        import tfcompat_losses.v1
        tfcompat_losses.add_loss(r, loss_collection=tf.GraphKeys.REGULARIZATION_LOSSES)
        tfcompat_losses.v1.log_loss(y, p, loss_collection=tf.GraphKeys.LOSSES)
        KEY = tf.GraphKeys.LOSSES
        """,
        notes=[],
    )
    assert (
        migrate_source(
            "import tensorflow as tf\n"
            "import tfcompat_losses\n"
            "tfcompat_losses.add_loss(r, loss_collection=tf.GraphKeys.REGULARIZATION_LOSSES)\n"
        ).notes
        == []
    )


def test_other_collections_and_lookalikes_untouched() -> None:
    check_noop(
        """\
        import tensorflow as tf
        a = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)
        b = tf.get_collection('my_losses')
        c = tf.get_collection(KEY)
        tf.add_to_collection('outputs', y)
        tf.add_to_collection('my_losses', y)


        def f(tf):
            return tf.get_collection(tf.GraphKeys.LOSSES)
        """,
        notes=[],
    )


def test_tf_losses_collection_helpers_become_tfcompat_losses_v1() -> None:
    # TF1's core collection helpers (not contrib, same API in tfcompat_losses.v1).
    check(
        """\
        import tensorflow as tf
        total = tf.losses.get_total_loss()
        reg = tf.compat.v1.losses.get_regularization_loss()
        tf.losses.add_loss(x)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses.v1
        total = tfcompat_losses.v1.get_total_loss()
        reg = tfcompat_losses.v1.get_regularization_loss()
        tfcompat_losses.v1.add_loss(x)
        """,
        notes=[],
    )
