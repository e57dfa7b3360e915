"""Every golden case, in eager, tf.function, XLA and TF1 graph mode."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest
from _golden import MODES, case_id, check, load, run

CASES = load()
OK = [c for c in CASES if not c["expected"].get("error")]
ERR = [c for c in CASES if c["expected"].get("error")]


def test_vector_count() -> None:
    assert len(CASES) == 301 and len(ERR) == 10


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", OK, ids=case_id)
def test_golden_value(case: dict, mode: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = run(case, mode)
    check(case, got, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ERR, ids=case_id)
def test_golden_error(case: dict, mode: str) -> None:
    """Contrib raised a ValueError here; so must we, with a message that names
    the function, the offending argument and the shapes involved
    (docs/contrib_semantics.md, "Errors"), all derived from the case's inputs."""
    with pytest.raises(ValueError) as info:
        run(case, mode)
    message = own_message(info.value)
    promised = promised_in_message(case)
    missing = [what for what, pattern in promised if not re.search(pattern, message)]
    assert not missing, f"the message lacks {missing}: {message}"


def own_message(error: BaseException) -> str:
    """The error's own message, without the traced frames tf.function puts
    before it ("in user code: File ... ValueError: <message>"): their source
    lines name the function and its arguments whatever the message says."""
    text = str(error)
    if text.startswith("in user code:"):
        _, sep, text = text.rpartition(f"{type(error).__name__}: ")
        assert sep, str(error)
    return text


# contrib's names of each function's first two arguments (docs/contrib_semantics.md,
# "Public surface").
ARG_NAMES = {
    "absolute_difference": ("predictions", "labels"),
    "mean_squared_error": ("predictions", "labels"),
    "mean_pairwise_squared_error": ("predictions", "labels"),
    "log_loss": ("predictions", "labels"),
    "cosine_distance": ("predictions", "labels"),
    "hinge_loss": ("logits", "labels"),
    "sigmoid_cross_entropy": ("logits", "multi_class_labels"),
    "softmax_cross_entropy": ("logits", "onehot_labels"),
    "sparse_softmax_cross_entropy": ("logits", "labels"),
    "compute_weighted_loss": ("losses",),
}


def shape_pattern(shape: tuple[int, ...]) -> str:
    """A shape written as a tuple or a list: (4, 3) / [4, 3], (3,) / [3]."""
    dims = ", ".join(str(d) for d in shape)
    return rf"[(\[]{dims},?[)\]]"


def word(name: str) -> str:
    return rf"\b{re.escape(name)}\b"


def loss_shape(case: dict[str, Any]) -> tuple[int, ...]:
    """The shape of the per-element losses the weights must apply to
    (docs/contrib_semantics.md, "Per-function notes")."""
    shape = np.shape(case["args"][0]["value"])
    if case["fn"] in ("softmax_cross_entropy", "sparse_softmax_cross_entropy"):
        return shape[:1]
    if case["fn"] == "cosine_distance":
        axis = case["kwargs"].get("axis", case["kwargs"].get("dim"))
        return tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
    return shape


def promised_in_message(case: dict[str, Any]) -> list[tuple[str, str]]:
    """(what, regex) pairs the error message of ``case`` must contain."""
    fn, kwargs = case["fn"], case["kwargs"]
    shapes = [np.shape(a["value"]) for a in case["args"]]
    promised = [(f"the function {fn}", word(fn))]
    if "weights" in kwargs and kwargs["weights"] is None:
        promised += [("the argument weights", word("weights")), ("None", word("None"))]
    elif fn == "cosine_distance" and "axis" not in kwargs and "dim" not in kwargs:
        promised += [("the argument axis", word("axis"))]
    elif len(shapes) > 1 and shapes[0] != shapes[1]:
        for name, shape in zip(ARG_NAMES[fn], shapes, strict=True):
            promised += [(f"the argument {name}", word(name))]
            promised += [(f"{name}'s shape {shape}", shape_pattern(shape))]
    elif isinstance(kwargs.get("weights"), dict):
        w_shape = np.shape(kwargs["weights"]["value"])
        l_shape = loss_shape(case)
        promised += [("the argument weights", word("weights"))]
        promised += [(f"the weights' shape {w_shape}", shape_pattern(w_shape))]
        promised += [(f"the losses' shape {l_shape}", shape_pattern(l_shape))]
    else:
        raise AssertionError(f"no rule says what {case_id(case)}'s error must name")
    return promised
