"""The eager fast path of the losses (``_weighting.eager_gate``/``eager_mean``).

Checks that it is taken for the benchmark's inputs, and that it agrees
exactly (value bits, dtype, shape, gradient, collection entries) with the
general path on every golden case it accepts and inside every hook the
general path honours. The general path is forced with ``FAST_PATH = False``;
"taken" is proved by making the general path's entry points raise.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import numpy as np
import pytest
import tensorflow as tf
from _golden import case_id, inputs, load

import tfcompat_losses as tcl
from tfcompat_losses import _classification, _collection, _regression, _replica, _weighting

CASES = [c for c in load() if not c["expected"].get("error")]
FAST_FNS = {
    "absolute_difference",
    "compute_weighted_loss",
    "cosine_distance",
    "hinge_loss",
    "log_loss",
    "mean_squared_error",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
}


class SlowPath(AssertionError):
    """Raised by the general path's entry points while they are blocked."""


def _raiser(*args: Any, **kwargs: Any) -> Any:
    raise SlowPath("the general path ran")


@pytest.fixture
def general_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every general-path entry raises :class:`SlowPath`."""
    for mod in (_classification, _regression, _weighting):
        monkeypatch.setattr(mod, "to_tensor", _raiser)
        monkeypatch.setattr(mod, "in_scope", _raiser)
        monkeypatch.setattr(mod, "weighted_mean", _raiser)
    monkeypatch.setattr(_collection, "add_named", _raiser)


@contextlib.contextmanager
def general_only() -> Iterator[None]:
    saved = _weighting.FAST_PATH
    _weighting.FAST_PATH = False
    try:
        yield
    finally:
        _weighting.FAST_PATH = saved


def _bench_inputs(kind: str) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """benchmarks/bench_losses.py's ``make_inputs`` for the small cases."""
    rng = np.random.default_rng(0)
    b, d = 32, 10
    a = rng.normal(size=(b, d)).astype(np.float32)
    if kind == "mse":
        y = rng.normal(size=(b, d)).astype(np.float32)
    else:
        ids = rng.integers(0, d, size=b).astype(np.int32)
        y = ids if kind == "sparse" else np.eye(d, dtype=np.float32)[ids]
    w = rng.uniform(0.5, 1.5, size=b).astype(np.float32)
    w[rng.choice(b, round(0.3 * b), replace=False)] = 0.0
    return tf.constant(a), tf.constant(y), tf.constant(w)


BENCH = {
    "softmax": lambda x, y, w: tcl.softmax_cross_entropy(x, y, weights=w),
    "sparse": lambda x, y, w: tcl.sparse_softmax_cross_entropy(x, y, weights=w),
    "mse": lambda p, y, w: tcl.mean_squared_error(p, y, weights=w),
}


@pytest.mark.parametrize("kind", sorted(BENCH))
def test_benchmark_inputs_take_the_fast_path(
    kind: str, general_blocked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = _weighting.eager_mean
    monkeypatch.setattr(
        _classification if kind != "mse" else _regression,
        "eager_mean",
        lambda *a: calls.append(a) or real(*a),
    )
    args = _bench_inputs(kind)
    with tcl.collection_scope():
        value = BENCH[kind](*args)
        assert len(tcl.get_losses()) == 1
    assert len(calls) == 1
    with tf.GradientTape() as tape:  # also with a tape active
        tape.watch(args[0])
        with tcl.collection_scope():
            BENCH[kind](*args)
    assert len(calls) == 2
    with general_only(), pytest.raises(SlowPath):
        BENCH[kind](*args)
    assert value.dtype == tf.float32


def test_general_path_is_blocked_for_other_inputs(general_blocked: None) -> None:
    """The fixture really blocks the general path (so the test above means something)."""
    x, y, w = _bench_inputs("softmax")
    for call in (
        lambda: tcl.softmax_cross_entropy(x.numpy(), y, weights=w),  # NumPy logits
        lambda: tcl.softmax_cross_entropy(x, y, weights=w, label_smoothing=0.1),
        lambda: tcl.softmax_cross_entropy(tf.cast(x, tf.float64), tf.cast(y, tf.float64), w),
        lambda: tcl.softmax_cross_entropy(x, y, weights=w[:, None]),  # [B, 1]: a squeeze
        lambda: tcl.mean_squared_error(x, y, weights=True),  # bool weights
        lambda: tcl.mean_squared_error(x, y, weights=tf.ones([1])),  # [1]: a quirk
        lambda: tcl.mean_pairwise_squared_error(x, y),  # no fast path
    ):
        with pytest.raises(SlowPath), tcl.collection_scope():
            call()


# --------------------------------------------------------------------------
# Golden cases: fast == general, exactly.


def _run(c: dict[str, Any], tape: bool) -> dict[str, Any]:
    fn = getattr(tcl, c["fn"])
    args, kwargs = inputs(c)
    d = c["diff_arg"]
    assert args[d].dtype.is_floating
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with tcl.collection_scope(), tf.name_scope("outer"):
            if tape:  # the gradient w.r.t. every float input (labels too: StopGradient)
                watched = [a for a in args if a.dtype.is_floating]
                with tf.GradientTape(persistent=True) as t:
                    t.watch(watched)
                    loss = fn(*args, **kwargs)
                    total = tf.reduce_sum(tf.cast(loss, tf.float32))
                grad = [None if g is None else g.numpy() for g in t.gradient(total, watched)]
                assert grad[d] is not None
            else:
                loss = fn(*args, **kwargs)
                grad = None
            with tf.name_scope("inner"):  # a scope filter that matches nothing
                inner = tcl.get_losses(scope="outer/inner")
            entries = [
                (name, v.numpy(), v.dtype)
                for name, v in _collection._local.eager_stack[-1].get(tcl.LOSSES, [])
            ]
            filtered = len(tcl.get_losses(scope="outer/"))
    return {
        "loss": loss.numpy(),
        "dtype": loss.dtype,
        "shape": tuple(loss.shape),
        "grad": grad,
        "entries": entries,
        "filtered": filtered,
        "inner": len(inner),
    }


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["dtype"] == b["dtype"]
    assert a["shape"] == b["shape"]
    np.testing.assert_array_equal(a["loss"], b["loss"], strict=True)
    if a["grad"] is not None:
        assert [g is None for g in a["grad"]] == [g is None for g in b["grad"]]
        for ga, gb in zip(a["grad"], b["grad"], strict=True):
            if ga is not None:
                np.testing.assert_array_equal(ga, gb, strict=True)
    assert [(n, dt) for n, _, dt in a["entries"]] == [(n, dt) for n, _, dt in b["entries"]]
    for (_, va, _), (_, vb, _) in zip(a["entries"], b["entries"], strict=True):
        np.testing.assert_array_equal(va, vb, strict=True)
    assert a["filtered"] == b["filtered"] and a["inner"] == b["inner"]


def _accepted(c: dict[str, Any]) -> bool:
    """Whether the fast path takes case ``c`` (the general path blocked)."""
    with contextlib.ExitStack() as stack:
        for mod in (_classification, _regression, _weighting):
            stack.enter_context(mock.patch.object(mod, "to_tensor", _raiser))
            stack.enter_context(mock.patch.object(mod, "in_scope", _raiser))
        try:
            _run(c, tape=False)
        except SlowPath:
            return False
    return True


# Decided once, at collection: the cases the fast path takes are compared
# with the general path; the others never reach it (the coverage test below
# checks there are enough of them, of every loss that has a fast path).
ACCEPTED = [c for c in CASES if _accepted(c)]


@pytest.mark.parametrize("case", ACCEPTED, ids=case_id)
def test_golden_fast_equals_general(case: dict[str, Any]) -> None:
    for tape in (False, True):
        fast = _run(case, tape)
        with general_only():
            general = _run(case, tape)
        _same(fast, general)


def test_golden_fast_path_coverage() -> None:
    """The fast path takes float32 golden cases of every loss that has one,
    and none of another dtype or with label smoothing."""
    taken: dict[str, int] = {}
    for c in ACCEPTED:
        taken[c["fn"]] = taken.get(c["fn"], 0) + 1
        assert all(a["dtype"] in ("float32", "int32", "int64") for a in c["args"]), case_id(c)
        assert not c["kwargs"].get("label_smoothing"), case_id(c)
    assert set(taken) == FAST_FNS, taken
    assert sum(taken.values()) >= 100, taken


# --------------------------------------------------------------------------
# Hooks: the fast path must honour what the general path honours.


def _both(call: Callable[[], Any]) -> tuple[Any, Any]:
    fast = call()
    with general_only():
        general = call()
    return fast, general


ALL = {
    "softmax": lambda x, y, w: tcl.softmax_cross_entropy(x, y, weights=w),
    "sparse": lambda x, y, w: tcl.sparse_softmax_cross_entropy(
        x, tf.argmax(y, 1, output_type=tf.int32), weights=w
    ),
    "sigmoid": lambda x, y, w: tcl.sigmoid_cross_entropy(x, y, weights=w),
    "mse": lambda x, y, w: tcl.mean_squared_error(x, y, weights=w),
    "abs": lambda x, y, w: tcl.absolute_difference(x, y, weights=w),
    "log": lambda x, y, w: tcl.log_loss(tf.sigmoid(x), y, weights=w),
    "cosine": lambda x, y, w: tcl.cosine_distance(x, y, axis=1, weights=w),
    "cwl": lambda x, y, w: tcl.compute_weighted_loss(x, weights=w),
}


@pytest.mark.parametrize("kind", sorted(ALL))
def test_collection_scope_name_scope_and_reset(kind: str) -> None:
    x, y, w = _bench_inputs("softmax")
    fn = ALL[kind]

    def call() -> list[tuple[str, float]]:
        tf.compat.v1.reset_default_graph()  # drops the eager collection
        fn(x, y, 1.0)
        with tcl.collection_scope():
            with tf.name_scope("tower_0"):
                fn(x, y, w)
                fn(x, y, 0)
            fn(x, y, w)
            out = [(n, float(v)) for n, v in _collection._local.eager_stack[-1][tcl.LOSSES]]
            out.append(("tower_0 filter", len(tcl.get_losses(scope="tower_0"))))
            out.append(("total", float(tcl.get_total_loss())))
        out.append(("outer", len(tcl.get_losses())))
        return out

    fast, general = _both(call)
    assert fast == general
    assert fast[-1] == ("outer", 1)


@pytest.mark.parametrize("kind", sorted(ALL))
def test_arg_scope_and_redirect(kind: str) -> None:
    x, y, w = _bench_inputs("softmax")
    fn = ALL[kind]

    def call() -> tuple[Any, ...]:
        taken: list[tuple[float, str]] = []
        with tcl.collection_scope():
            with tcl.arg_scope([tcl.add_loss], loss_collection="mine"):
                fn(x, y, w)
            with _collection.redirect(lambda loss, coll: taken.append((float(loss), coll)) or True):
                fn(x, y, w)
            mine = [float(v) for v in tcl.get_losses(loss_collection="mine")]
            return mine, taken, len(tcl.get_losses())

    fast, general = _both(call)
    assert fast == general
    assert len(fast[0]) == 1 and len(fast[1]) == 1 and fast[2] == 0


@pytest.mark.parametrize("kind", sorted(ALL))
def test_exact_averaging_reaches_the_fast_path(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside ``exact_averaging()`` the count goes through ``global_count``."""
    x, y, w = _bench_inputs("softmax")
    seen: list[int] = []

    def doubled(present: Any) -> Any:  # a stand-in for the all-reduce of 2 replicas
        if not _replica.enabled():
            return present
        seen.append(1)
        return present * 2.0

    monkeypatch.setattr(_replica, "global_count", doubled)

    def call() -> tuple[float, float]:
        with tcl.collection_scope():
            plain = float(ALL[kind](x, y, w))
            with tcl.exact_averaging():
                exact = float(ALL[kind](x, y, w))
        return plain, exact

    fast, general = _both(call)
    assert fast == general
    assert fast[1] == pytest.approx(fast[0] / 2)
    assert len(seen) == 2


def test_unreduced_hook_defers_to_the_general_path() -> None:
    x, y, w = _bench_inputs("softmax")
    state = _weighting.unreduced
    state.active = True
    try:
        fast, general = _both(lambda: tcl.softmax_cross_entropy(x, y, weights=w).numpy())
    finally:
        state.active = False
    assert fast.shape == (32,)
    np.testing.assert_array_equal(fast, general, strict=True)


@pytest.mark.keras
def test_keras_bridge_matches() -> None:
    from tfcompat_losses import keras as tck

    x, y, w = _bench_inputs("softmax")
    for loss in (tck.SoftmaxCrossEntropy(), tck.MeanSquaredError()):
        for reduction_kw in ({}, {"reduction": "sum"}):
            obj = type(loss)(**reduction_kw)

            def call(obj: Any = obj) -> np.ndarray:
                with tcl.collection_scope():
                    value = obj(y, x, sample_weight=w).numpy()
                    assert tcl.get_losses() == []
                return value

            fast, general = _both(call)
            np.testing.assert_array_equal(fast, general, strict=True)


def test_inside_tf_function_the_fast_path_is_not_taken(general_blocked: None) -> None:
    """EagerTensors captured by a trace must not run eagerly at trace time."""
    x, y, w = _bench_inputs("softmax")

    @tf.function
    def step() -> tf.Tensor:
        return tcl.softmax_cross_entropy(x, y, weights=w)

    with pytest.raises(Exception, match="the general path ran"):  # AutoGraph wraps it
        step()


def test_leak_warning_on_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    x, y, w = _bench_inputs("mse")
    monkeypatch.setattr(_collection, "LEAK_WARNING_SIZE", 3)
    monkeypatch.setattr(_collection, "_leak_warned", False)
    tf.compat.v1.reset_default_graph()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(5):
            tcl.mean_squared_error(x, y, weights=w)
    tf.compat.v1.reset_default_graph()
    leaks = [c for c in caught if issubclass(c.category, tcl.CollectionLeakWarning)]
    assert len(leaks) == 1


@pytest.mark.tfslim
def test_tf_slim_imported_and_its_arg_scope() -> None:
    tf_slim = pytest.importorskip("tf_slim")
    x, y, w = _bench_inputs("mse")
    assert tcl.register_with_tf_slim()

    def call() -> tuple[Any, ...]:
        with tcl.collection_scope():
            tcl.mean_squared_error(x, y, weights=w)
            with tf_slim.arg_scope([tcl.add_loss], loss_collection="slim_scoped"):
                tcl.mean_squared_error(x, y, weights=w)
            with tf_slim.arg_scope([tf_slim.losses.add_loss], loss_collection="slim_own"):
                tcl.softmax_cross_entropy(x, y, weights=w)
            return tuple(
                [float(v) for v in tcl.get_losses(loss_collection=c)]
                for c in (tcl.LOSSES, "slim_scoped", "slim_own")
            )

    fast, general = _both(call)
    assert fast == general
    assert [len(v) for v in fast] == [1, 1, 1]
