"""Issue 13, defect 6: an unscoped eager loop is flagged at its second step.

Without ``collection_scope()`` an eager training loop's collection grows and
its total is wrong from step 2 on. Before the fix ``CollectionLeakWarning``
came only past 10,000 entries; now it comes once, when a call site adds a
loss again after the collection was read. Several losses from one line
before a single read (one per tower) are not a leak, nor is a scoped loop.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl
from tfcompat_losses import _collection

X = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch):
    """Empty eager collection, and the once-per-process warning not yet given."""
    monkeypatch.setattr(_collection, "_leak_warned", False)
    tf.compat.v1.reset_default_graph()
    yield
    tf.compat.v1.reset_default_graph()


def _leaks(caught: list[warnings.WarningMessage]) -> list[warnings.WarningMessage]:
    return [w for w in caught if issubclass(w.category, tcl.CollectionLeakWarning)]


def _step(scale: float) -> None:
    tcl.mean_squared_error(X * scale, np.zeros_like(X))  # one call site


def test_unscoped_loop_warns_at_step_two_once() -> None:
    first_warning_step = []
    totals = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(6):
            _step(1.0)
            totals.append(float(tcl.get_total_loss()))
            if _leaks(caught) and not first_warning_step:
                first_warning_step.append(step + 1)
    leaks = _leaks(caught)
    assert first_warning_step == [2]  # before the fix: none below 10,000 entries
    assert len(leaks) == 1
    message = str(leaks[0].message)
    assert "collection_scope" in message
    assert leaks[0].filename == __file__  # points at the user's code
    # What it warns about: the total counts every earlier step.
    np.testing.assert_allclose(totals, [7.5 * (i + 1) for i in range(6)], rtol=1e-6)


def test_unscoped_loop_with_the_functional_api_and_add_loss() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            tcl.add_loss(tf.constant(1.0))
            tcl.get_losses()
    assert len(_leaks(caught)) == 1


def test_per_tower_losses_from_one_line_before_one_read_do_not_warn() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for tower in range(4):
            with tf.name_scope(f"tower_{tower}"):
                _step(float(tower))
        total = float(tcl.get_total_loss())
        per_tower = [len(tcl.get_losses(scope=f"tower_{t}")) for t in range(4)]
    assert _leaks(caught) == []
    np.testing.assert_allclose(total, 7.5 * (0 + 1 + 4 + 9), rtol=1e-6)
    assert per_tower == [1, 1, 1, 1]


def test_scoped_loop_never_warns() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(30):
            with tcl.collection_scope():
                for _ in range(2):  # two towers from one line, still fine
                    _step(1.0)
                assert float(tcl.get_total_loss()) == 15.0
    assert _leaks(caught) == []
    assert tcl.get_losses() == []


def test_reset_default_graph_between_runs_does_not_warn() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            _step(1.0)
            assert float(tcl.get_total_loss()) == 7.5
            tf.compat.v1.reset_default_graph()
    assert _leaks(caught) == []


def test_tf_function_loop_never_warns() -> None:
    @tf.function
    def train_step() -> tf.Tensor:
        _step(1.0)
        return tcl.get_total_loss()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            assert float(train_step()) == 7.5
    assert _leaks(caught) == []


def test_size_warning_still_fires_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_collection, "LEAK_WARNING_SIZE", 20)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(40):  # never read: only the size can tell
            tcl.compute_weighted_loss([1.0])
    leaks = _leaks(caught)
    assert len(leaks) == 1
    assert "collection_scope" in str(leaks[0].message)
    assert "holds 21 losses" in str(leaks[0].message)
    assert len(tcl.get_losses()) == 40
