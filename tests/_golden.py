"""Runs the golden vectors (tests/data/contrib_golden.json) in each mode.

The vectors were produced by running the contrib loss code itself in TF1
graph mode (see tests/data/README.md); they are the oracle, never an input
of the library.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

import tfcompat_losses as tcl

DATA = pathlib.Path(__file__).parent / "data"
MODES = ("eager", "function", "xla", "graph")

# README of the vectors: 2e-5 relative for float32/float64, 2e-2 for
# float16, 6e-2 for bfloat16.
RTOL = {"float32": 2e-5, "float64": 2e-5, "float16": 2e-2, "bfloat16": 6e-2}


def load(name: str = "contrib_golden.json") -> list[dict[str, Any]]:
    return json.loads((DATA / name).read_text())["cases"]


def case_id(c: dict[str, Any]) -> str:
    return f"{c['fn']}[{c['tag']}]"


def tensor(spec: dict[str, Any]) -> tf.Tensor:
    return tf.constant(
        np.array(spec["value"], dtype=np.float64 if "float" in spec["dtype"] else None),
        dtype=spec["dtype"],
    )


def inputs(c: dict[str, Any]) -> tuple[list[tf.Tensor], dict[str, Any]]:
    args = [tensor(a) for a in c["args"]]
    kwargs = {
        k: tensor(v) if isinstance(v, dict) and "value" in v else v for k, v in c["kwargs"].items()
    }
    return args, kwargs


def _value_and_grad(
    fn: Callable[..., tf.Tensor], args: list[tf.Tensor], kwargs: dict[str, Any], diff_arg: int
) -> tuple[tf.Tensor, tf.Tensor]:
    with tf.GradientTape() as tape:
        tape.watch(args[diff_arg])
        loss = fn(*args, **kwargs)
        total = tf.reduce_sum(tf.cast(loss, tf.float32))
    return loss, tape.gradient(total, args[diff_arg])


def run(c: dict[str, Any], mode: str) -> dict[str, Any]:
    """Runs one case; returns loss, dtype, shape, grad, op_name (graph)."""
    fn = getattr(tcl, c["fn"])
    args, kwargs = inputs(c)
    d = c["diff_arg"]
    if mode == "eager":
        loss, grad = _value_and_grad(fn, args, kwargs, d)
        return {
            "loss": loss.numpy(),
            "dtype": loss.dtype.name,
            "shape": list(loss.shape),
            "grad": grad.numpy(),
        }
    if mode in ("function", "xla"):
        tensor_kw = {k: v for k, v in kwargs.items() if isinstance(v, tf.Tensor)}
        static_kw = {k: v for k, v in kwargs.items() if not isinstance(v, tf.Tensor)}

        @tf.function(jit_compile=(mode == "xla"), reduce_retracing=False)
        def step(args: list[tf.Tensor], tkw: dict[str, tf.Tensor]) -> tuple[tf.Tensor, tf.Tensor]:
            return _value_and_grad(fn, list(args), {**tkw, **static_kw}, d)

        loss, grad = step(args, tensor_kw)
        return {
            "loss": loss.numpy(),
            "dtype": loss.dtype.name,
            "shape": list(loss.shape),
            "grad": grad.numpy(),
        }
    assert mode == "graph"
    g = tf.Graph()
    with g.as_default():
        gargs = [tf.compat.v1.placeholder_with_default(a.numpy(), a.shape) for a in args]
        gkw = {
            k: tf.constant(v.numpy(), v.dtype) if isinstance(v, tf.Tensor) else v
            for k, v in kwargs.items()
        }
        loss = fn(*gargs, **gkw)
        total = tf.reduce_sum(tf.cast(loss, tf.float32))
        (grad,) = tf.compat.v1.gradients(total, [gargs[d]])
        with tf.compat.v1.Session(graph=g) as sess:
            lv, gv = sess.run([loss, grad])
        collected = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES)
    return {
        "loss": lv,
        "dtype": loss.dtype.name,
        "shape": list(loss.shape),
        "grad": gv,
        "op_name": loss.op.name,
        "collected": collected,
        "tensor": loss,
    }


def check(c: dict[str, Any], got: dict[str, Any], mode: str) -> None:
    exp = c["expected"]
    dtype = exp["loss_dtype"]
    rtol = RTOL[c["args"][0]["dtype"]] if c["args"][0]["dtype"] in RTOL else RTOL[dtype]
    atol = rtol * 1e-2
    assert got["dtype"] == dtype, (got["dtype"], dtype)
    assert got["shape"] == exp["loss_shape"], (got["shape"], exp["loss_shape"])
    np.testing.assert_allclose(
        np.asarray(got["loss"], np.float64),
        np.asarray(exp["loss"], np.float64),
        rtol=rtol,
        atol=atol,
        err_msg="loss",
    )
    g = np.asarray(got["grad"], np.float64)
    assert np.all(np.isfinite(g)), "non-finite gradient"
    np.testing.assert_allclose(
        g,
        np.asarray(exp["grad"], np.float64),
        rtol=rtol,
        atol=max(atol, rtol * float(np.max(np.abs(exp["grad"])) if np.size(exp["grad"]) else 0.0)),
        err_msg="grad",
    )
    if mode == "graph":
        assert got["op_name"] == exp["op_name"], (got["op_name"], exp["op_name"])
