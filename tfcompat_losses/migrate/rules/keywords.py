"""Rule: old keyword spellings on calls to the legacy loss functions.

Before -> after::

    L.log_loss(p, targets=y, weight=w)         L.log_loss(p, labels=y, weights=w)
    L.hinge_loss(logits, target=y)             L.hinge_loss(logits, labels=y)
    L.cosine_distance(p, y, dim=1)             L.cosine_distance(p, y, axis=1)

Only the keyword's name changes (its value, spacing and comments stay). A
call that also passes the new spelling (as a keyword, or positionally) is a
``ValueError`` in the library and is left alone; so are calls with ``*args``
in front of the old keyword. Either way the old spelling keeps working at
run time, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import ast

from .._api import legacy_function
from ._context import Context

__all__ = ["PARAMETERS", "RENAMES", "run"]

_REGRESSION = {"weight": "weights", "targets": "labels"}

#: function -> {old keyword: new keyword}
RENAMES: dict[str, dict[str, str]] = {
    "absolute_difference": _REGRESSION,
    "mean_squared_error": _REGRESSION,
    "sum_of_squares": _REGRESSION,
    "mean_pairwise_squared_error": _REGRESSION,
    "sum_of_pairwise_squares": _REGRESSION,
    "log_loss": _REGRESSION,
    "log": _REGRESSION,
    "cosine_distance": {**_REGRESSION, "dim": "axis"},
    "hinge_loss": {"target": "labels", "targets": "labels"},
    "sigmoid_cross_entropy": {"weight": "weights"},
    "softmax_cross_entropy": {"weight": "weights"},
    "sparse_softmax_cross_entropy": {"weight": "weights"},
    "compute_weighted_loss": {"weight": "weights"},
}

_REGRESSION_PARAMS = ("predictions", "labels", "weights", "scope")

#: function -> positional parameters (contrib 1.15 signatures).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "absolute_difference": _REGRESSION_PARAMS,
    "mean_squared_error": _REGRESSION_PARAMS,
    "sum_of_squares": _REGRESSION_PARAMS,
    "mean_pairwise_squared_error": _REGRESSION_PARAMS,
    "sum_of_pairwise_squares": _REGRESSION_PARAMS,
    "log_loss": ("predictions", "labels", "weights", "epsilon", "scope"),
    "log": ("predictions", "labels", "weights", "epsilon", "scope"),
    "cosine_distance": ("predictions", "labels", "axis", "weights", "scope", "dim"),
    "hinge_loss": ("logits", "labels", "scope"),
    "sigmoid_cross_entropy": (
        "logits",
        "multi_class_labels",
        "weights",
        "label_smoothing",
        "scope",
    ),
    "softmax_cross_entropy": ("logits", "onehot_labels", "weights", "label_smoothing", "scope"),
    "sparse_softmax_cross_entropy": ("logits", "labels", "weights", "scope"),
    "compute_weighted_loss": ("losses", "weights", "scope"),
}


def run(ctx: Context) -> None:
    for ref in ctx.refs:
        call = ref.call
        fn = legacy_function(ref.canon[-1]) if call is not None else None
        renames = RENAMES.get(fn) if fn else None
        if not renames or call is None or fn is None:
            continue
        starred = any(isinstance(a, ast.Starred) for a in call.args)
        given = {kw.arg for kw in call.keywords}
        for kw in call.keywords:
            new = renames.get(kw.arg) if kw.arg else None
            if new is None or kw.arg is None:
                continue
            if new in given or len(call.args) > PARAMETERS[fn].index(new):
                ctx.note(kw, "TCL201", fn, old=kw.arg, new=new)
            elif starred:
                ctx.note(kw, "TCL202", fn, old=kw.arg)
            else:
                start = ctx.source.start(kw)
                if ctx.source.text.startswith(kw.arg, start):
                    ctx.replace(start, start + len(kw.arg), new)
        if None in given:
            ctx.note(call, "TCL203", fn)
