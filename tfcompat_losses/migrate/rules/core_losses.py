"""Rule: TF1's core ``tf.losses`` is ``tfcompat_losses.v1`` where it provably is TF1's.

Before -> after (arguments untouched: ``tfcompat_losses.v1`` has TF1's
signatures, labels first, ``reduction=`` and all)::

    tf.compat.v1.losses.softmax_cross_entropy(y, logits)
                                        tfcompat_losses.v1.softmax_cross_entropy(y, logits)
    tf.losses.softmax_cross_entropy(y, logits)     (``import tensorflow.compat.v1 as tf``,
                                        or TF1 code, see below) the same
    tf.losses.Reduction.MEAN            tfcompat_losses.v1.Reduction.MEAN
    from tensorflow.compat.v1 import losses       from tfcompat_losses import v1 as losses
    from tensorflow.compat.v1.losses import log_loss
                                        from tfcompat_losses.v1 import log_loss

Why it matters: ``tf.compat.v1.losses`` adds each loss to the graph's
``LOSSES`` collection, which ``tfcompat_losses.get_total_loss()`` does not
read in eager mode or inside ``tf.function``; ``tfcompat_losses.v1`` adds it
to the library's collection in every mode. TF1 code that mixes core
``tf.losses`` with contrib / slim losses then totals all of them again.

**The rule.** In TF2, ``tf.losses`` (with ``import tensorflow as tf``) is
``tf.keras.losses``, so ``tf.losses.X`` is rewritten only where it is
provably TF1's core API:

1. spelled through ``tensorflow.compat.v1`` (``tf.compat.v1.losses.X``,
   ``tf`` bound to ``tensorflow.compat.v1``, imports from
   ``tensorflow.compat.v1[.losses]``): always;
2. spelled ``tensorflow.losses`` (``import tensorflow as tf``): when the
   module is TF1 code, that is, it reads a name only TF1 has: anything under
   ``tf.contrib`` (or imports it), one of :data:`.._api.TF1_ONLY`
   (``tf.GraphKeys``, ``tf.get_collection``, ``tf.Session``,
   ``tf.placeholder``, ``tf.variable_scope`` ...) or
   :data:`.._api.TF1_ONLY_MEMBERS` (``tf.train.AdamOptimizer``,
   ``tf.train.Saver`` ...), a ``tf.losses`` name
   Keras does not have (every TF1 name but ``mean_squared_error`` and
   ``Reduction``), or a TF1-only ``Reduction`` member (``MEAN``,
   ``SUM_BY_NONZERO_WEIGHTS``, ``SUM_OVER_NONZERO_WEIGHTS``).

Otherwise ``tf.losses.mean_squared_error`` is left alone with note TCL501
(in TF2 it is Keras' function; if the code is TF1's, its loss would not
reach ``get_total_loss()`` in eager mode and inside ``tf.function``), and
``tf.losses.Reduction`` silently (the members both APIs have are the same
strings). Names TF1's ``tf.losses`` never had (``tf.losses.Huber``)
are Keras' and are not looked at.

This rule only decides (it marks the references and sets
``Context.tf1``); :mod:`.module_path` and :mod:`.imports` rewrite.
"""

from __future__ import annotations

import ast
import functools

from .._api import (
    AMBIGUOUS_CORE_NAMES,
    CORE_LOSS_NAMES,
    PLAIN_CORE_LOSSES,
    TF1_ONLY,
    TF1_ONLY_MEMBERS,
    TF1_ONLY_REDUCTIONS,
)
from ._context import Context

__all__ = ["run"]

_TF1_CORE_NAMES = CORE_LOSS_NAMES - AMBIGUOUS_CORE_NAMES
# Ambiguous names worth a note. ``Reduction``'s members that Keras' has too
# (``SUM``, ``NONE``, ``SUM_OVER_BATCH_SIZE``) are the same strings in both
# APIs: leaving them as they are loses nothing.
_NOTED = AMBIGUOUS_CORE_NAMES - {"Reduction"}


def run(ctx: Context) -> None:
    plain = [(ref, ref.canon.index(PLAIN_CORE_LOSSES)) for ref in ctx.refs if _plain(ref.canon)]
    if not plain:
        return
    ctx.tf1 = _is_tf1(ctx)
    for ref, i in plain:
        if ctx.tf1:
            ref.canon[i:] = [None if c is None else ctx.canonical(c) for c in ref.canon[i:]]
            continue
        member = ref.names[i + 1] if i + 1 < len(ref.names) else None
        if member in _NOTED and not ref.store:
            symbol = ".".join(ref.names[: i + 2])
            ctx.note(ref.parts[i + 1], "TCL501", symbol, name=member)  # type: ignore[arg-type]


def _plain(canon: list[str | None]) -> bool:
    return PLAIN_CORE_LOSSES in canon


def _is_tf1(ctx: Context) -> bool:
    """True when the module reads (or imports) something only TF1 has."""
    for site in ctx.analysis.imports:
        node = site.node
        if isinstance(node, ast.Import):
            paths = [a.name for a in node.names]
        elif node.level or not node.module:
            continue
        else:
            paths = [f"{node.module}.{a.name}" for a in node.names]
        if any(_only_in_tf1(tuple(p.split("."))) for p in paths):
            return True
    for ref in ctx.refs:
        for root in ref.roots:
            if _only_in_tf1((*root.split("."), *ref.names[1:])):
                return True
    return False


@functools.lru_cache(maxsize=4096)
def _only_in_tf1(parts: tuple[str, ...]) -> bool:
    """Whether the qualified name ``parts`` (or a prefix) exists in TF1 only."""
    if len(parts) < 2 or parts[0] != "tensorflow":
        return False
    if parts[1] in TF1_ONLY:
        return True
    if len(parts) > 2 and parts[2] in TF1_ONLY_MEMBERS.get(parts[1], ()):
        return True
    if parts[1] != "losses" or len(parts) < 3:
        return False
    if parts[2] in _TF1_CORE_NAMES:
        return True
    return parts[2] == "Reduction" and len(parts) > 3 and parts[3] in TF1_ONLY_REDUCTIONS
