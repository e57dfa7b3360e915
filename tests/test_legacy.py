"""install(): unmodified legacy code runs on the library."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl


@pytest.fixture
def installed():
    tcl.install()
    yield
    tcl.uninstall()


def test_not_installed_by_import() -> None:
    code = "import tfcompat_losses, tensorflow as tf; print(hasattr(tf, 'contrib'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_attribute_and_import_forms(installed: None) -> None:
    p = np.array([[1.0, 2.0], [3.0, 5.0]], np.float32)
    y = np.zeros_like(p)
    w = np.array([1.0, 0.0], np.float32)
    want = float(tcl.mean_squared_error(p, y, weights=w))
    assert float(tf.contrib.losses.mean_squared_error(p, y, weights=w)) == want
    from tensorflow.contrib import losses

    assert float(losses.sum_of_squares(p, targets=y, weight=w)) == want
    import tensorflow.contrib.losses as L

    assert L is losses and L.get_total_loss is tcl.get_total_loss
    with tcl.collection_scope():
        L.softmax_cross_entropy(p, np.eye(2, dtype=np.float32))
        assert len(L.get_losses()) == 1


def test_other_contrib_attributes_explain(installed: None) -> None:
    with pytest.raises(AttributeError, match=r"only tf\.contrib\.losses.*tf_slim"):
        tf.contrib.slim  # noqa: B018
    with pytest.raises(AttributeError, match=r"tf\.contrib\.foo is not available"):
        tf.contrib.foo  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        tf.contrib.losses.nope  # noqa: B018


def test_idempotent_and_uninstall() -> None:
    tcl.install()
    first = tf.contrib
    tcl.install()
    assert tf.contrib is first and tcl.legacy.installed()
    tcl.uninstall()
    tcl.uninstall()
    assert not hasattr(tf, "contrib")
    assert "tensorflow.contrib" not in sys.modules
    with pytest.raises(ImportError):
        import tensorflow.contrib.losses  # noqa: F401


def test_unmodified_legacy_script_in_subprocess() -> None:
    script = textwrap.dedent(
        """
        import tfcompat_losses
        tfcompat_losses.install()
        import numpy as np
        import tensorflow as tf
        from tensorflow.contrib import losses
        logits = tf.constant([[2.0, 0.0], [0.0, 2.0]])
        labels = tf.constant([[1.0, 0.0], [1.0, 0.0]])
        losses.softmax_cross_entropy(logits, labels, weight=tf.constant([0.0, 1.0]))
        tf.contrib.losses.add_loss(tf.constant(1.0))
        print(round(float(tf.contrib.losses.get_total_loss()), 5))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "3.12693"


def test_metric_learning_exposed(installed: None) -> None:
    from tfcompat_losses import metric_learning

    assert tf.contrib.losses.metric_learning is metric_learning
    import tensorflow.contrib.losses.metric_learning as ml

    assert ml.triplet_semihard_loss is metric_learning.triplet_semihard_loss
