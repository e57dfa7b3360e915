"""Golden vectors of ``tf.contrib.losses.metric_learning``, in every mode.

``tests/data/metric_learning_golden.json`` holds 40 cases computed by the
contrib code itself in TF1 graph mode (see ``tests/data/README.md``). Each
runs here eagerly, in ``tf.function``, under XLA (all but ``cluster_loss``,
which does not compile there) and in a TF1 graph; value and gradient must
match with the README's tolerance (2e-5 relative for float32).
"""

from __future__ import annotations

import json
import pathlib
import warnings
from typing import Any

import numpy as np
import pytest
import tensorflow as tf

from tfcompat_losses import metric_learning as ml

DATA = pathlib.Path(__file__).parent / "data" / "metric_learning_golden.json"
CASES: list[dict[str, Any]] = json.loads(DATA.read_text())["cases"]
MODES = ("eager", "function", "xla", "graph")
RTOL = 2e-5


def _id(c: dict[str, Any]) -> str:
    return f"{c['fn']}[{c['tag']}]"


def _array(spec: dict[str, Any]) -> np.ndarray:
    dtype = spec["dtype"]
    return np.array(spec["value"], dtype=np.float64 if "float" in dtype else None).astype(dtype)


def _sparse(c: dict[str, Any]) -> list[tf.SparseTensor] | None:
    if c["sparse_labels"] is None:
        return None
    return [
        tf.SparseTensor(
            np.array(s["indices"], np.int64),
            np.array(s["values"], np.float32),
            np.array(s["dense_shape"], np.int64),
        )
        for s in c["sparse_labels"]
    ]


def run(c: dict[str, Any], mode: str) -> tuple[np.ndarray, np.ndarray | None, tf.DType]:
    """The case's value, gradient (or None) and dtype in ``mode``."""
    fn = getattr(ml, c["fn"])
    arrays = [_array(a) for a in c["args"]]
    kwargs = c["kwargs"]
    d = c["diff_arg"]

    def value_and_grad(sparse: Any, args: list[tf.Tensor]) -> tuple[tf.Tensor, Any]:
        lead = [] if sparse is None else [sparse]
        if d is None:
            return fn(*lead, *args, **kwargs), None
        with tf.GradientTape() as tape:
            tape.watch(args[d])
            out = fn(*lead, *args, **kwargs)
            total = tf.reduce_sum(out)
        return out, tape.gradient(total, args[d])

    if mode == "graph":
        g = tf.Graph()
        with g.as_default():
            args = [tf.compat.v1.placeholder_with_default(a, a.shape) for a in arrays]
            lead = [] if c["sparse_labels"] is None else [_sparse(c)]
            out = fn(*lead, *args, **kwargs)
            fetch = [out]
            if d is not None:
                fetch += tf.compat.v1.gradients(tf.reduce_sum(out), [args[d]])
            with tf.compat.v1.Session(graph=g) as sess:
                got = sess.run(fetch)
        return got[0], (got[1] if d is not None else None), out.dtype
    args = [tf.constant(a) for a in arrays]
    sparse = _sparse(c)
    if mode == "eager":
        out, grad = value_and_grad(sparse, args)
    else:
        step = tf.function(value_and_grad, jit_compile=(mode == "xla"))
        out, grad = step(sparse, args)
    return out.numpy(), (None if grad is None else grad.numpy()), out.dtype


def test_case_count() -> None:
    assert len(CASES) == 40
    assert {c["fn"] for c in CASES} == {
        "pairwise_distance",
        "contrastive_loss",
        "triplet_semihard_loss",
        "lifted_struct_loss",
        "npairs_loss",
        "npairs_loss_multilabel",
        "cluster_loss",
    }


# cluster_loss does not compile under XLA (documented; it raises a clear
# ValueError there, tested below): it runs in the three other modes.
RUNS = [
    pytest.param(c, m, id=f"{_id(c)}-{m}")
    for c in CASES
    for m in MODES
    if not (m == "xla" and c["fn"] == "cluster_loss")
]


def test_run_count() -> None:
    assert len(RUNS) == 20 * 4 + 20 * 3


@pytest.mark.parametrize(("case", "mode"), RUNS)
def test_golden(case: dict[str, Any], mode: str) -> None:
    exp = case["expected"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, grad, dtype = run(case, mode)
    assert dtype.name == exp["dtype"]
    assert list(np.shape(value)) == exp["shape"]
    want = np.asarray(exp["value"], np.float64)
    np.testing.assert_allclose(value, want, rtol=RTOL, atol=RTOL * 1e-2, err_msg="value")
    if exp["grad"] is not None:
        want_g = np.asarray(exp["grad"], np.float64)
        assert grad is not None and np.all(np.isfinite(grad))
        np.testing.assert_allclose(
            grad, want_g, rtol=RTOL, atol=RTOL * float(np.max(np.abs(want_g))), err_msg="grad"
        )


def test_cluster_loss_does_not_compile_under_xla() -> None:
    case = next(c for c in CASES if c["fn"] == "cluster_loss")
    with pytest.raises(ValueError, match="does not compile under XLA"):
        run(case, "xla")
