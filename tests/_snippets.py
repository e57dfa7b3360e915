"""Helpers for running the ```python snippets of README.md and migration_guide.md."""

from __future__ import annotations

import pathlib
import re
import warnings
from typing import Any

import numpy as np
import tensorflow as tf

ROOT = pathlib.Path(__file__).resolve().parents[1]
B, C, D = 8, 3, 4


class Snippets:
    """The ```python blocks of one Markdown file of the project."""

    def __init__(self, name: str) -> None:
        self.name = name
        text = (ROOT / name).read_text(encoding="utf-8")
        self.blocks: list[str] = re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)

    def block(self, start: str) -> str:
        """The one block whose text starts with ``start``."""
        found = [b for b in self.blocks if b.startswith(start)]
        assert len(found) == 1, f"{self.name} blocks starting with {start!r}: {len(found)}"
        return found[0]

    def check_all_tested(self, starts: list[str]) -> None:
        """Every block is one of ``starts`` (so a new block needs a test)."""
        assert len(self.blocks) == len(starts), [b.splitlines()[0] for b in self.blocks]
        for start in starts:
            self.block(start)

    def run(
        self, start: str, ns: dict[str, Any], replace: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        """Executes the block starting with ``start`` in ``ns`` (returned).

        ``replace``: one ``(old, new)`` substitution, for what a test cannot
        supply as a name (the distributed snippets' strategy).
        """
        code = self.block(start)
        if replace is not None:
            assert replace[0] in code, replace
            code = code.replace(*replace, 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # old keywords, on purpose
            exec(compile(code, self.name, "exec"), ns)
        return ns


def data(seed: int = 0) -> dict[str, Any]:
    """x [B, D], one-hot [B, C] and [B] weights with three zeros."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, C, size=B)
    w = rng.uniform(0.5, 2.0, size=B).astype(np.float32)
    w[[1, 4, 6]] = 0.0
    return {
        "x": tf.constant(rng.normal(size=(B, D)), tf.float32),
        "onehot": tf.one_hot(ids, C),
        "w": tf.constant(w),
    }


def contrib_softmax(logits: np.ndarray, onehot: np.ndarray, w: np.ndarray) -> float:
    """contrib's weighted softmax cross-entropy, NumPy: sum(w * ce) / nonzero(w)."""
    z = logits - logits.max(1, keepdims=True)
    ce = -(onehot * (z - np.log(np.exp(z).sum(1, keepdims=True)))).sum(1)
    return float((w * ce).sum() / np.count_nonzero(w))


def model_softmax(model: Any, d: dict[str, Any], l2: float = 0.0) -> float:
    """contrib's softmax cross-entropy of ``model`` on ``data()`` ``d``, plus
    ``l2 * sum(kernel ** 2)`` of its (single Dense) layer's L2 regularizer."""
    want = contrib_softmax(model(d["x"]).numpy(), d["onehot"].numpy(), d["w"].numpy())
    if l2:
        want += l2 * float((model.layers[0].kernel.numpy() ** 2).sum())
    return want


def contrib_softmax_grad(logits: np.ndarray, onehot: np.ndarray, w: np.ndarray) -> np.ndarray:
    """d contrib_softmax / d logits, NumPy: w_i * (softmax_i - onehot_i) / nonzero(w)."""
    z = logits - logits.max(1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    return w[:, None] * (p - onehot) / np.count_nonzero(w)


def dense_softmax(
    x: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray,
    onehot: np.ndarray,
    w: np.ndarray,
    l2: float = 0.0,
) -> tuple[float, np.ndarray, np.ndarray]:
    """contrib's softmax cross-entropy of a Dense layer ``x @ kernel + bias``
    plus ``l2 * sum(kernel ** 2)``, and its gradients w.r.t. kernel and bias;
    NumPy, float64."""
    x, kernel, bias, onehot, w = (np.asarray(a, np.float64) for a in (x, kernel, bias, onehot, w))
    logits = x @ kernel + bias
    loss = contrib_softmax(logits, onehot, w) + l2 * float((kernel**2).sum())
    g = contrib_softmax_grad(logits, onehot, w)
    return loss, x.T @ g + 2.0 * l2 * kernel, g.sum(0)
