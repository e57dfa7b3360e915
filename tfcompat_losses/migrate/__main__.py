"""``python -m tfcompat_losses.migrate PATH...`` (same as ``tfcompat-losses migrate``)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main(prog="python -m tfcompat_losses.migrate"))
