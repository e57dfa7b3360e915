"""Rule collections: TF1 loss-collection calls become tfcompat_losses calls."""

from __future__ import annotations

import pytest
from _migrate_helpers import check, check_noop

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
        tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, r)
        tf.add_to_collection(tf.GraphKeys.LOSSES, *values)
        b = tf.get_collection(  # before
            tf.GraphKeys.LOSSES,  # after
            scope)
        """,
        notes=["TCL403", "TCL402", "TCL403", "TCL403"],
    )


def test_other_collections_and_lookalikes_untouched() -> None:
    check_noop(
        """\
        import tensorflow as tf
        a = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)
        b = tf.get_collection('my_losses')
        c = tf.get_collection(KEY)
        tf.add_to_collection('outputs', y)
        d = graph.get_collection(tf.GraphKeys.LOSSES)


        def f(tf):
            return tf.get_collection(tf.GraphKeys.LOSSES)
        """,
        notes=[],
    )


def test_get_total_loss_of_tf_losses_is_not_contrib() -> None:
    check_noop(
        """\
        import tensorflow as tf
        total = tf.losses.get_total_loss()
        reg = tf.compat.v1.losses.get_regularization_loss()
        """,
        notes=["TCL501", "TCL501"],
    )
