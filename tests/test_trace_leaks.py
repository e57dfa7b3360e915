"""Issue 13, defect 3: a dropped tf.function trace that added a loss is freed.

Before the fix the collection store was keyed by graph in a module-level
table whose values held the graph's tensors, so every trace that added a
loss stayed alive (2,000 functions: +147 MB; 80 functions capturing an
8 MB constant: +710 MB). Now the store is an attribute of the FuncGraph.
"""

from __future__ import annotations

import gc
import os
import weakref
from collections.abc import Callable

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl

X = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
MB = 2**20


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _make(graphs: list[weakref.ref], body: Callable[[tf.Tensor], tf.Tensor]) -> Callable:
    @tf.function
    def step(p: tf.Tensor) -> tf.Tensor:
        graphs.append(weakref.ref(tf.compat.v1.get_default_graph()))
        return body(p)

    return step


def _adds_and_reads(p: tf.Tensor) -> tf.Tensor:
    tcl.mean_squared_error(p, tf.zeros_like(p))
    tcl.add_loss(tf.constant(0.5), tcl.REGULARIZATION_LOSSES)
    with tcl.collection_scope():
        tcl.absolute_difference(p, tf.zeros_like(p))
    return tcl.get_total_loss()


def _adds_in_a_cond(p: tf.Tensor) -> tf.Tensor:
    tcl.absolute_difference(p, tf.zeros_like(p))
    tf.cond(
        tf.reduce_sum(p) > 0,
        lambda: tcl.mean_squared_error(p, tf.zeros_like(p)),
        lambda: tf.constant(0.0),
    )
    return tf.add_n([tf.constant(0.0), *tcl.get_regularization_losses()])


def _run_and_drop(n: int, body: Callable[[tf.Tensor], tf.Tensor]) -> list[weakref.ref]:
    graphs: list[weakref.ref] = []
    for _ in range(n):
        fn = _make(graphs, body)
        fn(tf.constant(X))
        del fn
    gc.collect()
    return graphs


@pytest.mark.parametrize(
    ("body", "n"),
    [
        pytest.param(_adds_and_reads, 300, id="300-plain", marks=pytest.mark.slow),
        pytest.param(_adds_in_a_cond, 40, id="40-cond"),
    ],
)
def test_dropped_traces_are_freed(body: Callable[[tf.Tensor], tf.Tensor], n: int) -> None:
    graphs = _run_and_drop(n, body)
    assert len(graphs) >= n  # the outer traces (and the cond branches)
    alive = sum(ref() is not None for ref in graphs)
    assert alive == 0, f"{alive} of {n} FuncGraphs survive gc"  # all of them before the fix


def test_plain_tensorflow_keeps_none_either() -> None:
    """The baseline the test above compares with: no loss added, nothing kept."""
    graphs = _run_and_drop(50, lambda p: tf.reduce_sum(p * p))
    assert sum(ref() is not None for ref in graphs) == 0


@pytest.mark.slow
def test_rss_growth_is_small_with_large_captured_constants() -> None:
    big = np.ones(2 * MB, np.float32)  # 8 MB, captured as a constant of each trace

    def body(p: tf.Tensor) -> tf.Tensor:
        tcl.mean_squared_error(p + tf.reduce_sum(tf.constant(big)), tf.zeros_like(p))
        return tcl.get_total_loss()

    _run_and_drop(4, body)  # warm up allocator and caches
    before = _rss()
    graphs = _run_and_drop(24, body)
    grown = (_rss() - before) / MB
    alive = sum(ref() is not None for ref in graphs)
    # 24 leaked traces would hold >= 24 * 8 MB = 192 MB.
    assert grown < 64, f"RSS grew by {grown:.0f} MB over 24 dropped 8 MB traces ({alive} alive)"
    assert alive == 0
