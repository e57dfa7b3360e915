"""Only names that provably come from the legacy module are rewritten."""

from __future__ import annotations

import pytest
from _migrate_helpers import check, check_noop

NOT_TENSORFLOW = {
    "no_import": "x = tf.contrib.losses.log_loss(p, y)\n",
    "tf_is_something_else": "import mylib as tf\nx = tf.contrib.losses.log_loss(p, y)\n",
    "tf_assigned_a_call": (
        "import importlib\ntf = importlib.import_module('tensorflow')\n"
        "x = tf.contrib.losses.log_loss(p, y)\n"
    ),
    "tf_parameter": (
        "import tensorflow as tf\n\n\ndef f(tf):\n    return tf.contrib.losses.log_loss(p, y)\n"
    ),
    "tf_local_variable": (
        "import tensorflow as tf\n\n\ndef f():\n    tf = make()\n"
        "    return tf.contrib.losses.log_loss(p, y)\n"
    ),
    "tf_loop_variable": (
        "import tensorflow as tf\nfor tf in modules:\n    tf.contrib.losses.log_loss(p, y)\n"
    ),
    "tf_rebound_conditionally": (
        "import tensorflow as tf\nif fake:\n    tf = Fake()\nx = tf.contrib.losses.log_loss(p, y)\n"
    ),
    "tf_deleted": "import tensorflow as tf\ndel tf\nx = tf.contrib.losses.log_loss(p, y)\n",
    "tf_walrus": (
        "import tensorflow as tf\nx = tf.contrib.losses.log_loss(p, y) if (tf := 3) else 0\n"
    ),
    "comprehension_target": (
        "import tensorflow as tf\nx = [tf.contrib.losses.log_loss(p, y) for tf in mods]\n"
    ),
    "lambda_parameter": (
        "import tensorflow as tf\nf = lambda tf: tf.contrib.losses.log_loss(p, y)\n"
    ),
    "class_attribute_shadows_in_class_body": (
        "import tensorflow as tf\n\n\nclass C:\n    tf = None\n"
        "    x = tf.contrib.losses.log_loss(p, y)\n"
    ),
    "relative_import": "from . import tf\nx = tf.contrib.losses.log_loss(p, y)\n",
    "alias_of_unknown": "import tensorflow as tf\nL = get_losses()\nx = L.log_loss(p, targets=y)\n",
    "alias_rebound": (
        "import tensorflow as tf\nlosses = tf.losses\nlosses = other\nx = losses.log_loss(p, weight=w)\n"
    ),
    "strings_and_comments": (
        'import tensorflow as tf\ns = "tf.contrib.losses.log_loss(p, y)"  # tf.contrib.losses\n'
    ),
    "rebound_through_global": (
        "import tensorflow as tf\n\n\ndef f():\n    global tf\n    tf = make()\n\n\n"
        "def g():\n    return tf.contrib.losses.log_loss(p, y)\n"
    ),
    "rebound_through_nonlocal": (
        "def f():\n    import tensorflow as tf\n\n    def g():\n        nonlocal tf\n"
        "        tf = make()\n\n    return tf.contrib.losses.log_loss(p, y)\n"
    ),
    "global_declared_elsewhere": (
        "def f():\n    global tf\n    tf = make()\n\n\n"
        "def g():\n    return tf.contrib.losses.log_loss(p, y)\n"
    ),
}


@pytest.mark.parametrize("source", list(NOT_TENSORFLOW.values()), ids=list(NOT_TENSORFLOW))
def test_not_provably_tensorflow(source: str) -> None:
    check_noop(source)


def test_enclosing_function_binding() -> None:
    check(
        """\
        def outer():
            import tensorflow as tf

            def inner():
                return tf.contrib.losses.log_loss(p, y)

            return inner
        """,
        """\
        import tfcompat_losses
        def outer():
            import tensorflow as tf

            def inner():
                return tfcompat_losses.log_loss(p, y)

            return inner
        """,
    )


def test_method_sees_the_module_not_the_class_attribute() -> None:
    check(
        """\
        import tensorflow as tf


        class Model:
            tf = None

            def loss(self):
                return tf.contrib.losses.log_loss(p, y)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses


        class Model:
            tf = None

            def loss(self):
                return tfcompat_losses.log_loss(p, y)
        """,
    )


def test_global_and_nonlocal() -> None:
    check(
        """\
        import tensorflow as tf


        def f():
            global tf
            return tf.contrib.losses.log_loss(p, y)


        def g():
            L = tf.contrib.losses

            def h():
                nonlocal L
                return L.hinge_loss(p, target=y)

            return h
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses


        def f():
            global tf
            return tfcompat_losses.log_loss(p, y)


        def g():
            L = tfcompat_losses

            def h():
                nonlocal L
                return L.hinge_loss(p, labels=y)

            return h
        """,
    )


def test_both_branches_of_an_import_fallback() -> None:
    check(
        """\
        try:
            import tensorflow.compat.v1 as tf
        except ImportError:
            import tensorflow as tf
        x = tf.contrib.losses.log_loss(p, y, weight=w)
        """,
        """\
        import tfcompat_losses
        try:
            import tensorflow.compat.v1 as tf
        except ImportError:
            import tensorflow as tf
        x = tfcompat_losses.log_loss(p, y, weights=w)
        """,
    )


def test_tf_rebound_to_compat_v1() -> None:
    check(
        """\
        import tensorflow as tf
        tf = tf.compat.v1
        x = tf.contrib.losses.log_loss(p, y, weight=w)
        c = tf.get_collection(tf.GraphKeys.LOSSES)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        tf = tf.compat.v1
        x = tfcompat_losses.log_loss(p, y, weights=w)
        c = tfcompat_losses.get_losses()
        """,
    )


def test_alias_defined_in_both_branches() -> None:
    check(
        """\
        import tensorflow as tf
        import tf_slim
        if USE_SLIM:
            L = tf_slim.losses
        else:
            L = tf.contrib.losses
        x = L.log_loss(p, targets=y)
        """,
        """\
        import tensorflow as tf
        import tf_slim
        import tfcompat_losses
        if USE_SLIM:
            L = tfcompat_losses
        else:
            L = tfcompat_losses
        x = L.log_loss(p, labels=y)
        """,
    )


def test_alias_meaning_two_different_things_is_not_followed() -> None:
    """The module paths are still rewritten where they are spelled out (the
    module uses tf.contrib, so tf.losses is TF1's core API), but calls through
    the ambiguous alias keep their keywords (which still work)."""
    check(
        """\
        import tensorflow as tf
        L = tf.contrib.losses if OLD else tf.losses
        M = tf.contrib.losses
        M = tf.losses
        x = M.log_loss(p, weight=w)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        import tfcompat_losses.v1
        L = tfcompat_losses if OLD else tfcompat_losses.v1
        M = tfcompat_losses
        M = tfcompat_losses.v1
        x = M.log_loss(p, weight=w)
        """,
    )


def test_comprehension_sees_the_module() -> None:
    check(
        """\
        import tensorflow as tf
        xs = [tf.contrib.losses.log_loss(p, y, weight=w) for p, y in pairs]
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        xs = [tfcompat_losses.log_loss(p, y, weights=w) for p, y in pairs]
        """,
    )
