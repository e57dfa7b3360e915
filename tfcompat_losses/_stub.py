"""Writes ``__init__.pyi``: the typed view of the package's lazily loaded API.

The package loads its API on first use (see ``__init__.py``), so type
checkers and editors read the names from a stub instead, generated from the
same tables (``_API``, ``_ALIASES``, ``_SUBMODULES``)::

    python -m tfcompat_losses._stub          # rewrite tfcompat_losses/__init__.pyi
    python -m tfcompat_losses._stub --check  # exit status 1 if it is out of date

Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

__all__ = ["PATH", "render"]

PATH = Path(__file__).with_name("__init__.pyi")

_HEADER = (
    "# Generated from the tables in __init__.py by `python -m tfcompat_losses._stub`:\n"
    "# edit those, not this file.\n"
)


def render() -> str:
    """The text of ``__init__.pyi``."""
    package = _package()
    _API, _ALIASES, _SUBMODULES = package._API, package._ALIASES, package._SUBMODULES
    out = [_HEADER]
    for sub in sorted(_SUBMODULES):
        out.append(f"from . import {sub} as {sub}\n")
    for home in sorted(_API):
        for name in sorted(_API[home], key=_isort_order):
            out.append(f"from .{home} import {name} as {name}\n")
    out.append("\n__version__: str\n\n")
    for alias, name in _ALIASES.items():
        out.append(f"{alias} = {name}\n")
    out.append("\n__all__ = [\n")
    out.extend(f'    "{name}",\n' for name in _all())
    out.append("]\n")
    return "".join(out)


def _isort_order(name: str) -> tuple[int, str]:
    # The order ruff / isort give names (constants, classes, the rest).
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2), name


def _all() -> list[str]:
    return list(_package().__all__)


def _package() -> Any:
    # The package's own tables (type checkers see the stub, which has none).
    return importlib.import_module(__package__ or "tfcompat_losses")


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not PATH.exists() or PATH.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"{PATH} is out of date: run python -m tfcompat_losses._stub\n")
            return 1
        return 0
    PATH.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
