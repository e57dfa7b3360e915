"""The rewrite rules, one module each, run in this order.

Each module holds its tables and a ``run(ctx)`` that adds edits and notes to
the :class:`~._context.Context`. The order matters only where a rule reads
another's output: ``collections`` folds in edits made inside the calls it
rebuilds, ``imports`` asks which chains ``module_path`` rewrote, and
``add_import`` comes last to see every rule's needs; ``core_losses`` comes
first, as it decides what ``tf.losses`` means for all the others.
"""

from __future__ import annotations

from collections.abc import Callable

from . import add_import, collections, core_losses, imports, keywords, module_path, notes
from ._context import Context, Note

__all__ = ["RULES", "Context", "Note"]

RULES: tuple[tuple[str, Callable[[Context], None]], ...] = (
    ("core_losses", core_losses.run),
    ("module_path", module_path.run),
    ("keywords", keywords.run),
    ("notes", notes.run),
    ("collections", collections.run),
    ("imports", imports.run),
    ("add_import", add_import.run),
)
