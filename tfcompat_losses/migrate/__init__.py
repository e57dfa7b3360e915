r"""``tfcompat-losses migrate``: rewrite ``tf.contrib.losses`` code to ``tfcompat_losses``.

>>> from tfcompat_losses.migrate import migrate_source
>>> result = migrate_source(
...     "import tensorflow as tf\n"
...     "hinge = tf.contrib.losses.hinge_loss(logits, target=y)  # per element\n"
... )
>>> print(result.output, end="")
import tensorflow as tf
import tfcompat_losses
hinge = tfcompat_losses.hinge_loss(logits, labels=y)  # per element
>>> [n.code for n in result.notes]
['TCL101']
"""

from __future__ import annotations

try:
    import libcst as _libcst  # noqa: F401  (the rules that rebuild statements use it)
except ModuleNotFoundError as _e:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        "tfcompat_losses.migrate needs libcst: pip install 'tfcompat-losses[migrate]'",
        name="libcst",
    ) from _e

from ._engine import Result, may_need_migration, migrate_bytes, migrate_source
from .rules import Note

__all__ = ["Note", "Result", "main", "may_need_migration", "migrate_bytes", "migrate_source"]


def main(argv: list[str] | None = None) -> int:
    """The ``migrate`` command line (see ``tfcompat-losses migrate --help``)."""
    from .cli import main as cli_main

    return cli_main(argv)
