"""Every golden case, in eager, tf.function, XLA and TF1 graph mode."""

from __future__ import annotations

import warnings

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
    with pytest.raises(ValueError, match=case["fn"]):
        run(case, mode)
