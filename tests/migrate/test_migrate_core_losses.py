"""Rule core_losses: TF1's core ``tf.losses`` -> ``tfcompat_losses.v1``, where provable."""

from __future__ import annotations

import pytest
from _migrate_helpers import check, check_noop

from tfcompat_losses.migrate import migrate_source
from tfcompat_losses.migrate._api import AMBIGUOUS_CORE_NAMES, CORE_LOSS_NAMES

V1_CALLS = sorted(CORE_LOSS_NAMES - {"Reduction"})


def test_every_tf_1_15_name_is_known() -> None:
    # TF 1.15's tf.losses, as tf.compat.v1.losses still lists it.
    assert CORE_LOSS_NAMES == {
        "Reduction",
        "absolute_difference",
        "add_loss",
        "compute_weighted_loss",
        "cosine_distance",
        "get_losses",
        "get_regularization_loss",
        "get_regularization_losses",
        "get_total_loss",
        "hinge_loss",
        "huber_loss",
        "log_loss",
        "mean_pairwise_squared_error",
        "mean_squared_error",
        "sigmoid_cross_entropy",
        "softmax_cross_entropy",
        "sparse_softmax_cross_entropy",
    }


@pytest.mark.parametrize("name", V1_CALLS)
def test_compat_v1_spelling_is_always_rewritten(name: str) -> None:
    check(
        f"""\
        import tensorflow as tf
        x = tf.compat.v1.losses.{name}(a, b, weights=w, scope='s')
        """,
        f"""\
        import tensorflow as tf
        import tfcompat_losses.v1
        x = tfcompat_losses.v1.{name}(a, b, weights=w, scope='s')
        """,
        notes=[],
    )


@pytest.mark.parametrize("name", sorted(CORE_LOSS_NAMES - AMBIGUOUS_CORE_NAMES))
def test_a_tf1_only_name_proves_tf1_code(name: str) -> None:
    # ``tf.losses.<name>`` does not exist in TF2 (tf.keras.losses): the
    # module is TF1 code, and so is its ``tf.losses.mean_squared_error``.
    check(
        f"""\
        import tensorflow as tf
        x = tf.losses.{name}(labels, logits)
        m = tf.losses.mean_squared_error(y, p, reduction=tf.losses.Reduction.SUM)
        """,
        f"""\
        import tensorflow as tf
        import tfcompat_losses.v1
        x = tfcompat_losses.v1.{name}(labels, logits)
        m = tfcompat_losses.v1.mean_squared_error(y, p, reduction=tfcompat_losses.v1.Reduction.SUM)
        """,
        notes=[],
    )


def test_tf_bound_to_compat_v1() -> None:
    check(
        """\
        import tensorflow.compat.v1 as tf
        m = tf.losses.mean_squared_error(y, p)
        r = tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS
        """,
        """\
        import tensorflow.compat.v1 as tf
        import tfcompat_losses.v1
        m = tfcompat_losses.v1.mean_squared_error(y, p)
        r = tfcompat_losses.v1.Reduction.SUM_BY_NONZERO_WEIGHTS
        """,
        notes=[],
    )


@pytest.mark.parametrize(
    "evidence",
    [
        "import tensorflow.contrib.slim as slim",
        "x = tf.placeholder(tf.float32, [None, 3])",
        "with tf.Session() as sess:\n    pass",
        "tf.add_to_collection('outputs', y)",
        "with tf.variable_scope('net'):\n    pass",
        "r = tf.losses.Reduction.MEAN",
        "from tensorflow.contrib import layers",
        "opt = tf.train.AdamOptimizer(1e-3)",
        "tf.logging.set_verbosity(tf.logging.INFO)",
    ],
)
def test_tf1_only_names_prove_tf1_code(evidence: str) -> None:
    result = migrate_source(
        f"import tensorflow as tf\n{evidence}\nm = tf.losses.mean_squared_error(y, p)\n"
    )
    assert "m = tfcompat_losses.v1.mean_squared_error(y, p)\n" in result.output
    assert "TCL501" not in [n.code for n in result.notes]


def test_ambiguous_tf2_names_are_left_with_a_note() -> None:
    # In TF2 (tf_keras, TF <= 2.15) tf.losses.mean_squared_error is Keras'
    # function; nothing in the module says it is TF1 code.
    result = check_noop(
        """\
        import tensorflow as tf
        m = tf.losses.mean_squared_error(y, p)
        r = tf.losses.Reduction.SUM
        h = tf.losses.Huber(delta=2.0)
        k = tf.keras.losses.mean_squared_error(y, p)
        n = tf.compat.v1.GraphKeys
        opt = tf.compat.v1.train.AdamOptimizer(1e-3)
        opt2 = tf.train.Adam(1e-3)
        """,
        notes=["TCL501"],
    )
    note = result.notes[0]
    assert (note.line, note.column, note.symbol) == (2, 5, "tf.losses.mean_squared_error")
    assert "this is Keras' mean_squared_error" in note.message
    assert "tfcompat_losses.get_total_loss() would miss it" in note.message
    assert "spell it tf.compat.v1.losses.mean_squared_error" in note.message


def test_imports_of_the_core_module() -> None:
    check(
        """\
        import tensorflow.compat.v1 as tf
        from tensorflow.compat.v1 import losses
        from tensorflow.compat.v1 import losses as core_losses, layers
        from tensorflow.compat.v1.losses import log_loss, huber_loss as hl  # core
        import tensorflow.compat.v1.losses as tl
        a = losses.absolute_difference(y, p)
        """,
        """\
        import tensorflow.compat.v1 as tf
        from tfcompat_losses import v1 as losses
        from tensorflow.compat.v1 import layers
        from tfcompat_losses import v1 as core_losses
        from tfcompat_losses.v1 import log_loss, huber_loss as hl  # core
        import tfcompat_losses.v1 as tl
        a = losses.absolute_difference(y, p)
        """,
        notes=[],
    )


def test_star_import_and_module_alias() -> None:
    check(
        """\
        import tensorflow as tf
        from tensorflow.compat.v1.losses import *
        losses = tf.compat.v1.losses
        y = losses.log_loss(a, b)
        """,
        """\
        import tensorflow as tf
        from tfcompat_losses.v1 import *
        import tfcompat_losses.v1
        losses = tfcompat_losses.v1
        y = losses.log_loss(a, b)
        """,
        notes=[],
    )


def test_plain_tensorflow_import_in_tf1_code() -> None:
    check(
        """\
        import tensorflow as tf
        from tensorflow import losses
        t = losses.get_total_loss()
        """,
        """\
        import tensorflow as tf
        from tfcompat_losses import v1 as losses
        t = losses.get_total_loss()
        """,
    )


def test_unknown_name_of_the_core_module() -> None:
    check_noop(
        """\
        import tensorflow as tf
        x = tf.compat.v1.losses.not_a_loss(y, p)
        """,
        notes=["TCL301"],
    )


def test_core_and_contrib_side_by_side() -> None:
    # The second pattern of issue 11: core tf.losses next to slim.losses.
    check(
        """\
        import tensorflow as tf
        slim = tf.contrib.slim
        cls = tf.losses.softmax_cross_entropy(onehot, logits)
        dom = slim.losses.sigmoid_cross_entropy(d_logits, d_labels)
        total = slim.losses.get_total_loss()
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        import tfcompat_losses.v1
        slim = tf.contrib.slim
        cls = tfcompat_losses.v1.softmax_cross_entropy(onehot, logits)
        dom = tfcompat_losses.sigmoid_cross_entropy(d_logits, d_labels)
        total = tfcompat_losses.get_total_loss()
        """,
        notes=[],
    )


def test_names_bound_to_something_else_are_not_core() -> None:
    check_noop(
        """\
        import tensorflow as tf


        def f(tf):
            return tf.losses.softmax_cross_entropy(a, b)


        losses = object()
        x = losses.log_loss(a, b)
        """,
        notes=[],
    )
