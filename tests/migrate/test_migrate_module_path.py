"""Rule module_path: the legacy module path in code becomes tfcompat_losses."""

from __future__ import annotations

import pytest
from _migrate_helpers import check, check_noop

from tfcompat_losses.migrate._api import LOSS_FUNCTIONS, METRIC_LEARNING_FUNCTIONS


@pytest.mark.parametrize("name", sorted(LOSS_FUNCTIONS))
def test_every_loss_function_through_tf_contrib(name: str) -> None:
    check(
        f"""\
        import tensorflow as tf
        x = tf.contrib.losses.{name}
        """,
        f"""\
        import tensorflow as tf
        import tfcompat_losses
        x = tfcompat_losses.{name}
        """,
    )


@pytest.mark.parametrize("name", sorted(METRIC_LEARNING_FUNCTIONS))
def test_every_metric_learning_function(name: str) -> None:
    check(
        f"""\
        import tensorflow as tf
        a = tf.contrib.losses.metric_learning.{name}
        b = tf.contrib.losses.{name}
        """,
        f"""\
        import tensorflow as tf
        import tfcompat_losses.metric_learning
        a = tfcompat_losses.metric_learning.{name}
        b = tfcompat_losses.metric_learning.{name}
        """,
    )


@pytest.mark.parametrize(
    "binding, prefix",
    [
        ("import tensorflow as tf", "tf.contrib.losses"),
        ("import tensorflow.compat.v1 as tf", "tf.contrib.losses"),
        ("import tensorflow as tf", "tf.compat.v1.contrib.losses"),
        ("import tensorflow as tf", "tf.contrib.slim.losses"),
        ("import tensorflow", "tensorflow.contrib.losses"),
        ("from tensorflow import contrib", "contrib.losses"),
        ("import tensorflow.contrib as tfc", "tfc.losses"),
        ("import tensorflow.contrib.slim as slim", "slim.losses"),
        ("from tensorflow.contrib import slim", "slim.losses"),
        ("import tf_slim as slim", "slim.losses"),
        ("import tf_slim", "tf_slim.losses"),
        ("import tensorflow as tf\nslim = tf.contrib.slim", "slim.losses"),
    ],
)
def test_spellings_of_the_module(binding: str, prefix: str) -> None:
    first, _, rest = binding.partition("\n")
    rest = rest + "\n" if rest else ""
    check(
        f"{first}\n{rest}loss = {prefix}.log_loss(p, y)  # keep me\n",
        f"{first}\nimport tfcompat_losses\n{rest}loss = tfcompat_losses.log_loss(p, y)  # keep me\n",
    )


def test_module_alias_assigned_in_code() -> None:
    check(
        """\
        import tensorflow as tf

        losses = tf.contrib.losses
        slim_losses = tf.contrib.slim.losses


        def f(p, y, w):
            return losses.log_loss(p, y, weight=w) + slim_losses.hinge_loss(p, target=y)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses

        losses = tfcompat_losses
        slim_losses = tfcompat_losses


        def f(p, y, w):
            return losses.log_loss(p, y, weights=w) + slim_losses.hinge_loss(p, labels=y)
        """,
        notes=["TCL101"],
    )


def test_alias_of_an_alias_and_annotated_alias() -> None:
    check(
        """\
        import tensorflow as tf
        from typing import Any
        a: Any = tf.contrib.losses
        b = a
        x = b.mean_squared_error(p, targets=y)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        from typing import Any
        a: Any = tfcompat_losses
        b = a
        x = b.mean_squared_error(p, labels=y)
        """,
    )


def test_metric_learning_through_an_alias_gains_the_submodule() -> None:
    check(
        """\
        from tensorflow.contrib import losses as L
        a = L.triplet_semihard_loss(labels, emb)
        b = L.metric_learning.npairs_loss(labels, x, y)
        ml = L.metric_learning
        """,
        """\
        import tfcompat_losses as L
        import tfcompat_losses.metric_learning
        a = L.metric_learning.triplet_semihard_loss(labels, emb)
        b = L.metric_learning.npairs_loss(labels, x, y)
        ml = L.metric_learning
        """,
    )


def test_module_object_passed_around() -> None:
    check(
        """\
        import tensorflow as tf
        fn = getattr(tf.contrib.losses, name)
        register(tf.contrib.losses, tf.contrib.losses.metric_learning)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        import tfcompat_losses.metric_learning
        fn = getattr(tfcompat_losses, name)
        register(tfcompat_losses, tfcompat_losses.metric_learning)
        """,
    )


def test_internal_module_paths() -> None:
    check(
        """\
        import tensorflow as tf
        from tensorflow.contrib.losses.python.losses import loss_ops
        a = tf.contrib.losses.python.losses.loss_ops.log_loss(p, y)
        b = loss_ops.hinge_loss(p, y)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses as loss_ops
        import tfcompat_losses
        a = tfcompat_losses.log_loss(p, y)
        b = loss_ops.hinge_loss(p, y)
        """,
    )


def test_line_continuation_inside_the_path() -> None:
    check(
        """\
        import tensorflow as tf
        x = tf.contrib \\
            .losses.log_loss(p, y)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        x = tfcompat_losses.log_loss(p, y)
        """,
    )


def test_nested_calls() -> None:
    check(
        """\
        import tensorflow as tf
        x = tf.contrib.losses.compute_weighted_loss(
            tf.contrib.losses.hinge_loss(logits, target=y),  # per element
            weight=w)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        x = tfcompat_losses.compute_weighted_loss(
            tfcompat_losses.hinge_loss(logits, labels=y),  # per element
            weights=w)
        """,
    )


def test_unknown_name_left_alone() -> None:
    check_noop(
        """\
        import tensorflow as tf
        x = tf.contrib.losses.frobnicate(p, y)
        """,
        notes=["TCL301"],
    )


def test_unknown_name_through_a_rewritten_alias_is_reported() -> None:
    result = check(
        """\
        from tensorflow.contrib import losses
        x = losses.frobnicate(p, y)
        """,
        """\
        import tfcompat_losses as losses
        x = losses.frobnicate(p, y)
        """,
    )
    assert [(n.code, n.line, n.symbol) for n in result.notes] == [
        ("TCL301", 2, "losses.frobnicate")
    ]


def test_comment_inside_the_path_left_alone() -> None:
    check_noop(
        """\
        import tensorflow as tf
        x = (tf.contrib  # contrib
             .losses.log_loss(p, y))
        y = (tf.contrib).losses.log_loss(p, y)
        """,
        notes=["TCL302", "TCL302"],
    )


def test_assignment_to_the_module_left_alone() -> None:
    check_noop(
        """\
        import tensorflow as tf
        tf.contrib.losses.log_loss = my_log_loss
        del tf.contrib.losses.hinge_loss
        """,
        notes=["TCL303", "TCL303"],
    )


def test_other_contrib_and_slim_code_untouched() -> None:
    check_noop(
        """\
        import tensorflow as tf
        import tensorflow.contrib.slim as slim
        from tensorflow.contrib import layers
        net = slim.conv2d(x, 32, [3, 3])  # slim.losses is legacy, slim is not
        y = tf.contrib.layers.fully_connected(net, 10)
        losses = slim.arg_scope
        """
    )
