"""The public surface: old keyword spellings, aliases, __all__, signatures.

docs/contrib_semantics.md ("Public surface"): contrib's argument order, the
TF 0.x keywords (``weight=``, ``targets=``, ``target=``, ``dim=``) accepted with a
``DeprecationWarning`` naming the new spelling, both spellings at once a
``ValueError``, and the 0.x names ``sum_of_squares``,
``sum_of_pairwise_squares`` and ``log``.
"""

from __future__ import annotations
import __future__

import inspect
import types
import warnings
from typing import Any

import numpy as np
import pytest
import tensorflow as tf

import tfcompat_losses as tcl

P = tf.constant([[0.2, 0.7, 0.1], [0.6, 0.3, 0.9]])
Y = tf.constant([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
W = tf.constant([2.0, 0.5])
UNIT = tf.math.l2_normalize(P, axis=1)
UNIT_Y = tf.math.l2_normalize(Y + 0.1, axis=1)

# fn -> (positional args, extra keyword args)
INPUTS: dict[str, tuple[list[Any], dict[str, Any]]] = {
    "absolute_difference": ([P, Y], {}),
    "mean_squared_error": ([P, Y], {}),
    "mean_pairwise_squared_error": ([P, Y], {}),
    "log_loss": ([P, Y], {}),
    "cosine_distance": ([UNIT, UNIT_Y], {"axis": 1}),
    "sigmoid_cross_entropy": ([P, Y], {}),
    "softmax_cross_entropy": ([P, tf.one_hot([1, 0], 3)], {}),
    "sparse_softmax_cross_entropy": ([P, tf.constant([1, 0])], {}),
    "compute_weighted_loss": ([P], {}),
}
WEIGHT_FNS = sorted(INPUTS)
TARGET_FNS = [
    "absolute_difference",
    "mean_squared_error",
    "mean_pairwise_squared_error",
    "log_loss",
    "cosine_distance",
]


def _no_deprecation(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Calls ``fn`` and fails on any DeprecationWarning from the library."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        return fn(*args, **kwargs)


def _same(a: tf.Tensor, b: tf.Tensor) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# --------------------------------------------------------------------------
# Old spellings alone: same value, a DeprecationWarning naming the new one.


@pytest.mark.parametrize("fn", WEIGHT_FNS)
def test_weight_keyword(fn: str) -> None:
    args, kw = INPUTS[fn]
    f = getattr(tcl, fn)
    new = _no_deprecation(f, *args, weights=W, **kw)
    with pytest.warns(
        DeprecationWarning, match=rf"{fn}: the keyword weight= .*use weights="
    ) as rec:
        old = f(*args, weight=W, **kw)
    _same(old, new)
    assert rec[0].filename == __file__, "the warning must point at the caller's line"


@pytest.mark.parametrize("fn", TARGET_FNS)
def test_targets_keyword(fn: str) -> None:
    (p, y), kw = INPUTS[fn]
    f = getattr(tcl, fn)
    new = _no_deprecation(f, p, labels=y, **kw)
    with pytest.warns(DeprecationWarning, match=rf"{fn}: the keyword targets= .*use labels="):
        old = f(p, targets=y, **kw)
    _same(old, new)


@pytest.mark.parametrize("old_kw", ["target", "targets"])
def test_hinge_loss_target_keyword(old_kw: str) -> None:
    new = _no_deprecation(tcl.hinge_loss, P, labels=Y)
    with pytest.warns(
        DeprecationWarning, match=rf"hinge_loss: the keyword {old_kw}= .*use labels="
    ):
        old = tcl.hinge_loss(P, **{old_kw: Y})
    _same(old, new)
    _same(_no_deprecation(tcl.hinge_loss, P, Y), new)


def test_cosine_distance_dim_keyword() -> None:
    new = _no_deprecation(tcl.cosine_distance, UNIT, UNIT_Y, axis=1)
    with pytest.warns(DeprecationWarning, match=r"cosine_distance: .*dim.*use axis="):
        old = tcl.cosine_distance(UNIT, UNIT_Y, dim=1)
    _same(old, new)
    # TF 0.x: the third positional argument was dim; it is axis now.
    _same(_no_deprecation(tcl.cosine_distance, UNIT, UNIT_Y, 1), new)


def test_cosine_distance_dim_positional() -> None:
    """contrib's signature ends in dim=None: a sixth positional argument."""
    new = _no_deprecation(tcl.cosine_distance, UNIT, UNIT_Y, axis=0)
    with pytest.warns(DeprecationWarning, match=r"cosine_distance: .*dim.*use axis="):
        old = tcl.cosine_distance(UNIT, UNIT_Y, None, 1.0, None, 0)
    _same(old, new)


def test_every_old_keyword_at_once() -> None:
    new = _no_deprecation(tcl.cosine_distance, UNIT, labels=UNIT_Y, axis=1, weights=W)
    with pytest.warns(DeprecationWarning) as rec:
        old = tcl.cosine_distance(UNIT, targets=UNIT_Y, dim=1, weight=W)
    _same(old, new)
    messages = " ".join(str(r.message) for r in rec)
    for spelling in ("use labels=", "use axis=", "use weights="):
        assert spelling in messages


def test_old_keywords_inside_tf_function() -> None:
    (p, y), _ = INPUTS["mean_squared_error"]

    @tf.function(jit_compile=True)
    def step(p: tf.Tensor, y: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
        return tcl.sum_of_squares(p, targets=y, weight=w)

    with pytest.warns(DeprecationWarning) as rec:
        got = step(p, y, W)
    assert {str(r.message).rsplit("use ", 1)[1] for r in rec} == {
        "labels= instead.",
        "weights= instead.",
    }
    _same(got, tcl.mean_squared_error(p, y, W))
    # attributed to this module (AutoGraph runs `step` in its globals), not
    # to TensorFlow, whose DeprecationWarnings are commonly filtered out
    for r in rec:
        assert "/tensorflow/" not in r.filename, r.filename


def test_old_keyword_warning_not_hidden_by_tensorflow_filters() -> None:
    """A user silencing TF's own deprecations still sees ours in tf.function."""
    (p, y), _ = INPUTS["mean_squared_error"]

    @tf.function
    def step(p: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        return tcl.mean_squared_error(p, y, weight=W)

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="tensorflow")
        step(p, y)
    assert any("use weights=" in str(r.message) for r in rec)


def test_warns_once_per_call_site() -> None:
    args, _ = INPUTS["mean_squared_error"]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("default")  # Python's default: once per location
        for _ in range(3):
            tcl.mean_squared_error(*args, weight=W)  # one call site
        tcl.mean_squared_error(*args, weight=W)  # another
    deprecations = [r for r in rec if issubclass(r.category, DeprecationWarning)]
    assert len(deprecations) == 2, [str(r.message) for r in deprecations]
    assert len({r.lineno for r in deprecations}) == 2


# --------------------------------------------------------------------------
# Both spellings at once: ValueError.


@pytest.mark.parametrize("fn", WEIGHT_FNS)
@pytest.mark.parametrize("positional", [False, True], ids=["keyword", "positional"])
def test_weight_and_weights(fn: str, positional: bool) -> None:
    args, kw = INPUTS[fn]
    f = getattr(tcl, fn)
    match = rf"{fn}: got both weights= and its deprecated spelling weight="
    with pytest.raises(ValueError, match=match):
        if positional:
            if fn == "cosine_distance":  # (predictions, labels, axis, weights)
                f(*args, 1, W, weight=W)
            else:
                f(*args, W, weight=W)
        else:
            f(*args, weights=W, weight=W, **kw)


@pytest.mark.parametrize("fn", [*TARGET_FNS, "hinge_loss"])
@pytest.mark.parametrize("positional", [False, True], ids=["keyword", "positional"])
def test_targets_and_labels(fn: str, positional: bool) -> None:
    p, y = (UNIT, UNIT_Y) if fn == "cosine_distance" else (P, Y)
    kw = {"axis": 1} if fn == "cosine_distance" else {}
    old = "target" if fn == "hinge_loss" else "targets"
    f = getattr(tcl, fn)
    with pytest.raises(
        ValueError, match=rf"{fn}: got both labels= and its deprecated spelling {old}="
    ):
        if positional:
            f(p, y, **{old: y}, **kw)
        else:
            f(p, labels=y, **{old: y}, **kw)


@pytest.mark.parametrize(
    "call",
    [
        lambda: tcl.cosine_distance(UNIT, UNIT_Y, axis=1, dim=1),
        lambda: tcl.cosine_distance(UNIT, UNIT_Y, 1, dim=1),
        lambda: tcl.cosine_distance(UNIT, UNIT_Y, 1, 1.0, None, 1),
        lambda: tcl.cosine_distance(UNIT, UNIT_Y, axis=1, weights=1.0, scope=None, dim=1),
    ],
    ids=["keywords", "axis-positional", "both-positional", "dim-keyword-rest-keywords"],
)
def test_axis_and_dim(call: Any) -> None:
    with pytest.raises(
        ValueError, match=r"cosine_distance: got both axis= and its deprecated spelling dim="
    ):
        call()


def test_unknown_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        tcl.mean_squared_error(P, Y, wieghts=W)


# --------------------------------------------------------------------------
# Aliases, __all__, docstrings, signatures.


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("sum_of_squares", "mean_squared_error"),
        ("sum_of_pairwise_squares", "mean_pairwise_squared_error"),
        ("log", "log_loss"),
    ],
)
def test_aliases_are_the_same_functions(alias: str, name: str) -> None:
    assert getattr(tcl, alias) is getattr(tcl, name)
    assert alias in tcl.__all__ and name in tcl.__all__
    # the TF 0.x call form: (predictions, targets, weight)
    with pytest.warns(DeprecationWarning) as rec:
        old = getattr(tcl, alias)(P, targets=Y, weight=W)
    _same(old, getattr(tcl, name)(P, Y, W))
    assert sorted(str(r.message).rsplit("use ", 1)[1] for r in rec) == [
        "labels= instead.",
        "weights= instead.",
    ]


# docs/contrib_semantics.md's "Public surface": the contrib names plus the 0.x aliases.
CONTRIB_SURFACE = {
    "absolute_difference",
    "mean_squared_error",
    "mean_pairwise_squared_error",
    "log_loss",
    "hinge_loss",
    "cosine_distance",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
    "compute_weighted_loss",
    "add_loss",
    "get_losses",
    "get_regularization_losses",
    "get_total_loss",
    "sum_of_squares",
    "sum_of_pairwise_squares",
    "log",
}


def _public_names() -> set[str]:
    # The package imports its API on first attribute use (PEP 562): make sure
    # it has, whatever ran before this test.
    assert callable(tcl.absolute_difference)
    return {
        n
        for n, v in vars(tcl).items()
        if not n.startswith("_")
        and not isinstance(v, types.ModuleType)  # submodules
        and not isinstance(v, __future__._Feature)  # `from __future__ import annotations`
    }


def test_all_lists_exactly_the_public_names() -> None:
    assert len(tcl.__all__) == len(set(tcl.__all__)), "duplicates in __all__"
    assert set(tcl.__all__) == _public_names()
    assert set(tcl.__all__) >= CONTRIB_SURFACE
    for name in tcl.__all__:
        assert hasattr(tcl, name), name


def test_star_import_gives_all() -> None:
    ns: dict[str, Any] = {}
    exec("from tfcompat_losses import *", ns)
    assert set(ns) - {"__builtins__"} == set(tcl.__all__)


@pytest.mark.parametrize("name", sorted(tcl.__all__))
def test_public_names_have_docstrings(name: str) -> None:
    obj = getattr(tcl, name)
    if isinstance(obj, (str, int, float)):  # constants such as LOSSES
        return
    doc = obj.__doc__
    assert doc and doc.strip(), f"{name} has no docstring"
    if isinstance(obj, type):  # its own, not inherited from a base class
        assert "__doc__" in vars(obj) and vars(obj)["__doc__"], name
    assert len(doc.strip().splitlines()[0]) > 10, f"{name}: a one-word docstring"


# docs/contrib_semantics.md's signature table, as (name, default) pairs; `_` = no default.
_ = inspect.Parameter.empty
SPEC_SIGNATURES: dict[str, list[tuple[str, Any]]] = {
    "absolute_difference": [
        ("predictions", _),
        ("labels", None),
        ("weights", 1.0),
        ("scope", None),
    ],
    "mean_squared_error": [("predictions", _), ("labels", None), ("weights", 1.0), ("scope", None)],
    "mean_pairwise_squared_error": [
        ("predictions", _),
        ("labels", None),
        ("weights", 1.0),
        ("scope", None),
    ],
    "log_loss": [
        ("predictions", _),
        ("labels", None),
        ("weights", 1.0),
        ("epsilon", 1e-7),
        ("scope", None),
    ],
    "hinge_loss": [("logits", _), ("labels", None), ("scope", None)],
    "cosine_distance": [
        ("predictions", _),
        ("labels", None),
        ("axis", None),
        ("weights", 1.0),
        ("scope", None),
        ("dim", None),
    ],
    "sigmoid_cross_entropy": [
        ("logits", _),
        ("multi_class_labels", _),
        ("weights", 1.0),
        ("label_smoothing", 0),
        ("scope", None),
    ],
    "softmax_cross_entropy": [
        ("logits", _),
        ("onehot_labels", _),
        ("weights", 1.0),
        ("label_smoothing", 0),
        ("scope", None),
    ],
    "sparse_softmax_cross_entropy": [
        ("logits", _),
        ("labels", _),
        ("weights", 1.0),
        ("scope", None),
    ],
    "compute_weighted_loss": [("losses", _), ("weights", 1.0), ("scope", None)],
    "add_loss": [("loss", _), ("loss_collection", "losses")],
    "get_losses": [("scope", None), ("loss_collection", "losses")],
    "get_regularization_losses": [("scope", None)],
    "get_total_loss": [("add_regularization_losses", True), ("name", "total_loss")],
}


def _params(f: Any) -> list[inspect.Parameter]:
    return list(inspect.signature(f).parameters.values())


@pytest.mark.parametrize("name", sorted(SPEC_SIGNATURES))
def test_signature_matches_spec(name: str) -> None:
    params = _params(getattr(tcl, name))
    assert [p.name for p in params] == [n for n, _ in SPEC_SIGNATURES[name]]
    assert all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY) for p in params), (
        "contrib's arguments are all positional-or-keyword"
    )
    if name == "add_loss":  # its default is a sentinel for arg_scope; see below
        return
    assert [p.default for p in params] == [d for _, d in SPEC_SIGNATURES[name]]


@pytest.mark.parametrize("name", sorted(SPEC_SIGNATURES))
def test_signature_matches_contrib_code(name: str) -> None:
    """The same check against tf_slim.losses, the contrib code itself."""
    slim = pytest.importorskip("tf_slim.losses.loss_ops")
    theirs = _params(getattr(slim, name))
    ours = _params(getattr(tcl, name))
    assert [p.name for p in ours] == [p.name for p in theirs]
    assert [p.default is _ for p in ours] == [p.default is _ for p in theirs]


def test_add_loss_default_collection_is_losses() -> None:
    """add_loss' default goes to GraphKeys.LOSSES (whatever the sentinel)."""
    g = tf.Graph()
    with g.as_default():
        t = tf.constant(1.0)
        tcl.add_loss(t)
        assert t in tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.LOSSES)
