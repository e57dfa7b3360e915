"""Rule imports: every import form of the legacy modules."""

from __future__ import annotations

import pytest
from _migrate_helpers import check, check_noop

PAIRS = {
    "import_as": (
        "import tensorflow.contrib.losses as L\n",
        "import tfcompat_losses as L\n",
    ),
    "import_compat_v1_as": (
        "import tensorflow.compat.v1.contrib.losses as L\n",
        "import tfcompat_losses as L\n",
    ),
    "import_slim_losses_as": (
        "import tensorflow.contrib.slim.losses as L\n",
        "import tfcompat_losses as L\n",
    ),
    "import_tf_slim_losses_as": (
        "import tf_slim.losses as L\n",
        "import tfcompat_losses as L\n",
    ),
    "import_metric_learning_as": (
        "import tensorflow.contrib.losses.metric_learning as ml\n",
        "import tfcompat_losses.metric_learning as ml\n",
    ),
    "import_several": (
        "import numpy as np, tensorflow.contrib.losses as L, os\n",
        "import numpy as np, tfcompat_losses as L, os\n",
    ),
    "from_contrib": (
        "from tensorflow.contrib import losses\n",
        "import tfcompat_losses as losses\n",
    ),
    "from_contrib_as": (
        "from tensorflow.contrib import losses as L\n",
        "import tfcompat_losses as L\n",
    ),
    "from_contrib_as_tfcompat_losses": (
        "from tensorflow.contrib import losses as tfcompat_losses\n",
        "import tfcompat_losses\n",
    ),
    "from_compat_v1_contrib": (
        "from tensorflow.compat.v1.contrib import losses\n",
        "import tfcompat_losses as losses\n",
    ),
    "from_slim": (
        "from tensorflow.contrib.slim import losses as slim_losses\n",
        "import tfcompat_losses as slim_losses\n",
    ),
    "from_tf_slim": (
        "from tf_slim import losses\n",
        "import tfcompat_losses as losses\n",
    ),
    "from_contrib_other_names_stay": (
        "from tensorflow.contrib import layers, losses, slim\n",
        "from tensorflow.contrib import layers, slim\nimport tfcompat_losses as losses\n",
    ),
    "from_contrib_last_name_moves": (
        "from tensorflow.contrib import layers, losses\n",
        "from tensorflow.contrib import layers\nimport tfcompat_losses as losses\n",
    ),
    "from_losses_names": (
        "from tensorflow.contrib.losses import log_loss, hinge_loss as hl\n",
        "from tfcompat_losses import log_loss, hinge_loss as hl\n",
    ),
    "from_tf_slim_losses_names": (
        "from tf_slim.losses import sum_of_squares\n",
        "from tfcompat_losses import sum_of_squares\n",
    ),
    "from_losses_metric_learning_module": (
        "from tensorflow.contrib.losses import metric_learning as ml, log_loss\n",
        "from tfcompat_losses import metric_learning as ml, log_loss\n",
    ),
    "from_losses_reexported_metric_learning_names": (
        "from tensorflow.contrib.losses import log_loss, npairs_loss, hinge_loss\n",
        "from tfcompat_losses import log_loss, hinge_loss\n"
        "from tfcompat_losses.metric_learning import npairs_loss\n",
    ),
    "from_metric_learning_names": (
        "from tensorflow.contrib.losses.metric_learning import contrastive_loss as cl\n",
        "from tfcompat_losses.metric_learning import contrastive_loss as cl\n",
    ),
    "from_tf_slim_metric_learning": (
        "from tf_slim.losses import metric_learning\n",
        "from tfcompat_losses import metric_learning\n",
    ),
    "from_internal_module": (
        "from tensorflow.contrib.losses.python.metric_learning import metric_loss_ops as m\n",
        "from tfcompat_losses import metric_learning as m\n",
    ),
    "indented_in_function": (
        "def f():\n    from tensorflow.contrib import losses\n    return losses\n",
        "def f():\n    import tfcompat_losses as losses\n    return losses\n",
    ),
    "split_keeps_indentation": (
        "def f():\n    from tensorflow.contrib import layers, losses\n",
        "def f():\n    from tensorflow.contrib import layers\n    import tfcompat_losses as losses\n",
    ),
    "split_on_a_shared_line": (
        "if x: from tensorflow.contrib import layers, losses; y = 1\n",
        "if x: from tensorflow.contrib import layers; import tfcompat_losses as losses; y = 1\n",
    ),
    "try_except_fallback": (
        "try:\n    from tensorflow.contrib import losses\nexcept ImportError:\n"
        "    from tf_slim import losses\n",
        "try:\n    import tfcompat_losses as losses\nexcept ImportError:\n"
        "    import tfcompat_losses as losses\n",
    ),
    "trailing_comment_kept": (
        "from tensorflow.contrib import losses  # contrib losses\n",
        "import tfcompat_losses as losses  # contrib losses\n",
    ),
}


@pytest.mark.parametrize("before, after", list(PAIRS.values()), ids=list(PAIRS))
def test_import_forms(before: str, after: str) -> None:
    check(before, after)


def test_dotted_import_without_alias() -> None:
    check(
        """\
        import tensorflow.contrib.losses
        x = tensorflow.contrib.losses.log_loss(p, y)
        """,
        """\
        import tfcompat_losses
        x = tfcompat_losses.log_loss(p, y)
        """,
    )


def test_dotted_import_without_alias_keeps_tensorflow_when_used() -> None:
    check(
        """\
        import tensorflow.contrib.losses
        x = tensorflow.contrib.losses.log_loss(p, y)
        z = tensorflow.reduce_sum(x)
        """,
        """\
        import tensorflow
        import tfcompat_losses
        x = tfcompat_losses.log_loss(p, y)
        z = tensorflow.reduce_sum(x)
        """,
    )


def test_dotted_import_of_metric_learning() -> None:
    check(
        """\
        import tensorflow.contrib.losses.metric_learning
        x = tensorflow.contrib.losses.metric_learning.npairs_loss(a, b, c)
        """,
        """\
        import tfcompat_losses.metric_learning
        x = tfcompat_losses.metric_learning.npairs_loss(a, b, c)
        """,
    )


def test_parenthesised_import_keeps_layout_and_comments() -> None:
    check(
        """\
        from tensorflow.contrib.losses import (  # the old API
            log_loss,  # binary
            hinge_loss,
        )
        """,
        """\
        from tfcompat_losses import (  # the old API
            log_loss,  # binary
            hinge_loss,
        )
        """,
    )


def test_parenthesised_split_keeps_each_comment_with_its_name() -> None:
    check(
        """\
        from tensorflow.contrib.losses import (
            log_loss,  # a
            npairs_loss,  # b
            hinge_loss,
        )
        from tensorflow.contrib import (
            layers,  # layers
            losses,  # the losses
        )
        from tensorflow.contrib import (
            slim,
            losses
        )
        """,
        """\
        from tfcompat_losses import (
            log_loss,  # a
            hinge_loss,
        )
        from tfcompat_losses.metric_learning import (
            npairs_loss,  # b
        )
        from tensorflow.contrib import (
            layers,  # layers
        )
        import tfcompat_losses as losses  # the losses
        from tensorflow.contrib import (
            slim
        )
        import tfcompat_losses as losses
        """,
    )


def test_comments_of_a_removed_statement_are_kept() -> None:
    check(
        """\
        from tensorflow.contrib import (  # contrib
            losses,  # the losses
        )
        """,
        """\
        # contrib
        import tfcompat_losses as losses  # the losses
        """,
    )


def test_star_import() -> None:
    check(
        """\
        from tensorflow.contrib.losses import *
        x = log_loss(p, targets=y)
        """,
        """\
        from tfcompat_losses import *
        x = log_loss(p, labels=y)
        """,
        notes=["TCL304"],
    )


def test_unknown_names_stay_behind() -> None:
    check(
        """\
        from tensorflow.contrib.losses import log_loss, _private_helper
        """,
        """\
        from tfcompat_losses import log_loss
        from tensorflow.contrib.losses import _private_helper
        """,
        notes=["TCL301"],
    )


@pytest.mark.parametrize(
    "source",
    [
        "import tensorflow as tf\n",
        "import tensorflow.contrib.slim as slim\n",
        "import tf_slim as slim\n",
        "from tensorflow.contrib import layers, slim\n",
        "from tensorflow.contrib.layers import fully_connected\n",
        "from . import losses\n",
        "from .contrib import losses\n",
        "from tensorflow.keras import losses\n",
        "import tfcompat_losses as losses\n",
    ],
)
def test_other_imports_untouched(source: str) -> None:
    check_noop(source)
