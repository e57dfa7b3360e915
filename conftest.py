"""Test set-up shared by the whole suite.

Two logical CPU devices are configured before TensorFlow initialises, so
the MirroredStrategy tests can run replicas on one machine. Without
TensorFlow installed there is nothing to set up: the migration tool's tests
(``tests/migrate``) need none (``test_migrate_independence.py`` checks it).
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

try:
    import tensorflow as tf
except ImportError:  # the migration tool is tested without TensorFlow too
    tf = None

if tf is not None:
    _cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
        )
    except RuntimeError:  # already initialised (e.g. by a doctest import order)
        pass

LEGACY_KERAS = os.environ.get("TF_USE_LEGACY_KERAS") == "1"


@pytest.fixture(scope="session")
def mirrored_strategy() -> tf.distribute.Strategy:
    """One MirroredStrategy over the 2 logical CPUs for the whole session.

    Several strategies with collective all-reduce in one process can clash
    ("Shape mismatch in the collective instance"), so tests share this one,
    which reduces through one device.
    """
    return tf.distribute.MirroredStrategy(
        ["/cpu:0", "/cpu:1"], cross_device_ops=tf.distribute.ReductionToOneDevice()
    )
