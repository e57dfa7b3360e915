"""Rule add_import: ``import tfcompat_losses`` added once, in a sensible place."""

from __future__ import annotations

from _migrate_helpers import check

from tfcompat_losses.migrate import migrate_source


def test_added_once_after_the_tensorflow_import() -> None:
    check(
        """\
        \"\"\"Model.\"\"\"
        from __future__ import division

        import numpy as np
        import tensorflow as tf
        import yaml

        a = tf.contrib.losses.log_loss(p, y)
        b = tf.contrib.losses.hinge_loss(p, y)
        """,
        """\
        \"\"\"Model.\"\"\"
        from __future__ import division

        import numpy as np
        import tensorflow as tf
        import tfcompat_losses
        import yaml

        a = tfcompat_losses.log_loss(p, y)
        b = tfcompat_losses.hinge_loss(p, y)
        """,
    )


def test_not_added_when_already_imported() -> None:
    check(
        """\
        import tensorflow as tf
        import tfcompat_losses
        a = tf.contrib.losses.log_loss(p, y)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        a = tfcompat_losses.log_loss(p, y)
        """,
    )


def test_not_added_when_the_rewritten_import_provides_it() -> None:
    check(
        """\
        import tensorflow.contrib.losses
        from tensorflow.contrib import losses as tfcompat_losses
        a = tensorflow.contrib.losses.log_loss(p, y)
        """,
        """\
        import tfcompat_losses
        import tfcompat_losses
        a = tfcompat_losses.log_loss(p, y)
        """,
    )


def test_not_added_when_nothing_needs_it() -> None:
    check(
        """\
        from tensorflow.contrib import losses
        a = losses.log_loss(p, y)
        """,
        """\
        import tfcompat_losses as losses
        a = losses.log_loss(p, y)
        """,
    )


def test_metric_learning_submodule() -> None:
    check(
        """\
        import tensorflow as tf
        a = tf.contrib.losses.log_loss(p, y)
        b = tf.contrib.losses.metric_learning.npairs_loss(l, x, y)
        """,
        """\
        import tensorflow as tf
        import tfcompat_losses
        import tfcompat_losses.metric_learning
        a = tfcompat_losses.log_loss(p, y)
        b = tfcompat_losses.metric_learning.npairs_loss(l, x, y)
        """,
    )


def test_before_a_try_block_holding_the_import() -> None:
    check(
        """\
        try:
            import tensorflow.compat.v1 as tf
            L = tf.contrib.losses
        except ImportError:
            L = None
        """,
        """\
        import tfcompat_losses
        try:
            import tensorflow.compat.v1 as tf
            L = tfcompat_losses
        except ImportError:
            L = None
        """,
    )


def test_after_docstring_and_future_when_tensorflow_is_imported_locally() -> None:
    check(
        """\
        #!/usr/bin/env python
        \"\"\"Doc.\"\"\"
        from __future__ import print_function
        # Local imports only.


        @decorator
        def f():
            import tensorflow as tf
            return tf.contrib.losses.log_loss(p, y)
        """,
        """\
        #!/usr/bin/env python
        \"\"\"Doc.\"\"\"
        from __future__ import print_function
        # Local imports only.


        import tfcompat_losses
        @decorator
        def f():
            import tensorflow as tf
            return tfcompat_losses.log_loss(p, y)
        """,
    )


def test_file_without_final_newline() -> None:
    result = migrate_source("import tensorflow as tf")
    assert result.output == "import tensorflow as tf"
    result = migrate_source("import tensorflow as tf\nx = tf.contrib.losses.log_loss(p, y)")
    assert (
        result.output
        == "import tensorflow as tf\nimport tfcompat_losses\nx = tfcompat_losses.log_loss(p, y)"
    )
    result = migrate_source("import tensorflow as tf; x = tf.contrib.losses.log_loss(p, y)")
    assert result.output == (
        "import tfcompat_losses\nimport tensorflow as tf; x = tfcompat_losses.log_loss(p, y)"
    )


def test_uses_the_file_newlines() -> None:
    result = migrate_source("import tensorflow as tf\r\nx = tf.contrib.losses.log_loss(p, y)\r\n")
    assert result.output == (
        "import tensorflow as tf\r\nimport tfcompat_losses\r\nx = tfcompat_losses.log_loss(p, y)\r\n"
    )


def test_after_the_run_of_tensorflow_imports() -> None:
    check(
        """\
        import tensorflow as tf
        from tensorflow.contrib import layers

        import tf_slim as slim
        from mypkg import thing
        a = tf.contrib.losses.log_loss(p, y)
        """,
        """\
        import tensorflow as tf
        from tensorflow.contrib import layers
        import tfcompat_losses

        import tf_slim as slim
        from mypkg import thing
        a = tfcompat_losses.log_loss(p, y)
        """,
    )
