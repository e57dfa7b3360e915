"""Whole modules: ``cases/NAME/before.py`` migrates to ``cases/NAME/after.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from _migrate_helpers import check

CASES = sorted(p.name for p in (Path(__file__).parent / "cases").iterdir() if p.is_dir())


@pytest.mark.parametrize("name", CASES)
def test_case(name: str) -> None:
    root = Path(__file__).parent / "cases" / name
    check((root / "before.py").read_text(), (root / "after.py").read_text())


def test_there_are_cases() -> None:
    assert len(CASES) >= 2
