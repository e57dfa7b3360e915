"""Test set-up for the migration tool.

``corpus/`` and ``cases/`` hold legacy TF1 modules (inputs, not tests): they
import ``tensorflow.contrib``, so they must not be collected (the suite runs
with ``--doctest-modules``).
"""

from __future__ import annotations

import pytest

collect_ignore_glob = ["corpus/*", "cases/*"]

# Show the text difference when a before/after pair fails.
pytest.register_assert_rewrite("_migrate_helpers")
