"""``arg_scope`` for ``add_loss``: ours, and tf_slim's when tf_slim is used."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import tensorflow as tf

from . import _replica

__all__ = ["SLIM_KEY", "arg_scope", "default_collection"]

LOSSES: str = tf.compat.v1.GraphKeys.LOSSES
#: The key ``add_loss`` is known by to ``arg_scope`` (ours and tf_slim's).
SLIM_KEY = "tfcompat_losses.add_loss"

#: ``arg_scope([add_loss], ...)`` defaults, also seen by replica threads.
_ARG_SCOPES: _replica.ScopedStack[dict[str, Any]] = _replica.ScopedStack("arg_scope")
_NO_SCOPE: dict[str, Any] = {}  # never written


def _slim_scope_args() -> dict[str, Any]:
    """Keyword defaults from an active ``tf_slim.arg_scope``, if tf_slim is used."""
    slim_mod = sys.modules.get("tf_slim.ops.arg_scope")
    if slim_mod is None:
        return {}
    current = slim_mod.current_arg_scope()
    if not current:
        return {}
    out: dict[str, Any] = {}
    slim_losses = sys.modules.get("tf_slim.losses.loss_ops")
    if slim_losses is not None:
        key = slim_mod.arg_scope_func_key(slim_losses.add_loss)
        out.update(current.get(key, {}))
    out.update(current.get(SLIM_KEY, {}))
    return out


def default_collection() -> str:
    """The collection ``add_loss`` uses when none is passed (``arg_scope`` or ``LOSSES``)."""
    ours = _ARG_SCOPES.top(_NO_SCOPE)
    if "loss_collection" in ours:  # the innermost scope wins
        return ours["loss_collection"]  # type: ignore[no-any-return]
    if "tf_slim.ops.arg_scope" in sys.modules:
        return _slim_scope_args().get("loss_collection", LOSSES)  # type: ignore[no-any-return]
    return LOSSES


@contextlib.contextmanager
def arg_scope(
    list_ops_or_scope: Sequence[Callable[..., Any]] | dict[str, Any], **kwargs: Any
) -> Iterator[dict[str, Any]]:
    """``tf.contrib.framework.arg_scope`` for :func:`add_loss`.

    ``with arg_scope([add_loss], loss_collection="my_losses"):`` sends every
    loss created in the block (by any loss function) to ``my_losses``, also
    in the replica functions a ``tf.distribute`` strategy runs in the block.
    Other functions in the list are rejected. ``tf_slim.arg_scope`` works too
    when tf_slim is installed (see :func:`register_with_tf_slim`).

    Args:
      list_ops_or_scope: ``[add_loss]``, or a scope dict yielded by an outer
        ``arg_scope`` to re-enter it.
      **kwargs: ``loss_collection=...``.

    Yields:
      The active keyword defaults, re-enterable as ``list_ops_or_scope``.
    """
    if isinstance(list_ops_or_scope, dict):
        current = dict(list_ops_or_scope)
    else:
        for op in list_ops_or_scope:
            if getattr(op, "_key_op", None) != SLIM_KEY:
                raise ValueError(
                    f"arg_scope: only tfcompat_losses.add_loss takes arguments from "
                    f"this arg_scope, got {op!r}."
                )
        unknown = set(kwargs) - {"loss_collection"}
        if unknown:
            raise ValueError(
                f"arg_scope: add_loss takes only loss_collection=, got {sorted(unknown)}."
            )
        current = dict(_ARG_SCOPES.top({}))
        current.update(kwargs)
    with _ARG_SCOPES.pushed(current):
        yield current
