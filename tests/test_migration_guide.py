"""migration_guide.md quotes the numbers that examples/worked_numbers.py computes.

The guide's worked numbers are recomputed here (contrib's from the golden
vectors, the others by running tfcompat_losses, tf.compat.v1.losses and
Keras 3), so the guide cannot drift from the code silently:

* every computed value appears in the guide as the guide writes it
  (floats with 4 decimals);
* every 4-decimal number in the guide is a computed value;
* the explanations the guide gives for the differences (divide by B instead
  of the nonzero count, n/(n-1), ...) hold for the computed values;
* tfcompat_losses agrees with contrib wherever the guide says it does.

The distributed numbers need two logical CPUs (set up by conftest.py).
"""

from __future__ import annotations

import importlib.util
import math
import pathlib
import re
import sys
from types import ModuleType
from typing import Any

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "worked_numbers.py"
GUIDE = ROOT / "migration_guide.md"
# A number quoted with exactly 4 decimals (sign handled separately).
QUOTED = re.compile(r"(?<![\d.])\d+\.\d{4}(?![\d])")
RTOL = 1e-4  # relations between values computed in float32 by different code


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("worked_numbers", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def wn() -> ModuleType:
    return _load_script()


@pytest.fixture(scope="module")
def numbers(wn: ModuleType) -> dict[str, Any]:
    return wn.all_numbers()


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _close(a: float, b: float, rtol: float = RTOL) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-6)


# --------------------------------------------------------------------------
# The guide and the numbers.


def test_every_computed_value_is_quoted(
    wn: ModuleType, numbers: dict[str, Any], guide: str
) -> None:
    missing = {k: wn.fmt(v) for k, v in numbers.items() if wn.fmt(v) not in guide}
    assert not missing, f"computed but not in migration_guide.md: {missing}"


def test_every_quoted_number_is_computed(
    wn: ModuleType, numbers: dict[str, Any], guide: str
) -> None:
    computed = {wn.fmt(abs(v)) for v in numbers.values() if isinstance(v, float)}
    quoted = set(QUOTED.findall(guide))
    stray = sorted(quoted - computed)
    assert not stray, (
        f"migration_guide.md quotes 4-decimal numbers that worked_numbers.py does not "
        f"compute: {stray}"
    )


def test_the_famous_example_short_forms(numbers: dict[str, Any], guide: str) -> None:
    """Contrib 5.6 where Keras gives 2.8 (sum_over_batch_size) or 4.667."""
    short = (
        f"{numbers['famous.tfcompat']:.1f}",
        f"{numbers['famous.keras']:.1f}",
        f"{numbers['famous.keras_mwsw']:.3f}",
    )
    assert short == ("5.6", "2.8", "4.667")
    assert "Contrib gives 5.6 where Keras gives 2.8 with" in guide
    assert "4.667\nwith `mean_with_sample_weight`" in guide
    assert numbers["famous.tck"] == pytest.approx(numbers["famous.tfcompat"])
    assert numbers["famous.v1"] == pytest.approx(numbers["famous.tfcompat"])
    assert numbers["famous.v1_sobs"] == pytest.approx(numbers["famous.keras"])
    assert numbers["famous.v1_mean"] == pytest.approx(numbers["famous.keras_mwsw"])
    assert numbers["famous.v1_B"] == "ValueError"


# --------------------------------------------------------------------------
# tfcompat_losses agrees with contrib (a disagreement is a library bug).


def test_tfcompat_equals_contrib(numbers: dict[str, Any]) -> None:
    pairs = [
        (k, k[: -len("contrib")] + "tfcompat")
        for k in numbers
        if k.endswith(".contrib") and k[: -len("contrib")] + "tfcompat" in numbers
    ]
    assert len(pairs) >= 15
    for contrib, ours in pairs:
        a, b = numbers[contrib], numbers[ours]
        if isinstance(a, float):
            assert _close(a, b, 2e-5), (contrib, a, b)
        else:
            assert a == b, (contrib, a, b)
    assert numbers["hinge.max_abs_diff"] < 1e-6


def test_v1_equals_contrib_where_the_guide_says_so(numbers: dict[str, Any]) -> None:
    for fn in (
        "absolute_difference",
        "mean_squared_error",
        "log_loss",
        "sigmoid_cross_entropy",
        "compute_weighted_loss",
        "cosine",
    ):
        assert numbers[f"{fn}.v1_B"] == "ValueError", fn
        assert _close(numbers[f"{fn}.v1"], numbers[f"{fn}.contrib"]), fn
    for key in ("softmax", "softmax_ls", "sparse"):
        assert _close(numbers[f"{key}.v1"], numbers[f"{key}.contrib"]), key
    assert _close(numbers["keywords.old_value"], numbers["softmax.contrib"])


# --------------------------------------------------------------------------
# The explanations the guide gives hold.


def test_keras_divides_by_batch_or_weight_sum(numbers: dict[str, Any]) -> None:
    nnz, wsum, b = numbers["case43.nonzero"], numbers["case43.wsum"], numbers["case43.batch"]
    for fn in ("absolute_difference", "mean_squared_error", "log_loss", "sigmoid_cross_entropy"):
        c = numbers[f"{fn}.contrib"]
        assert _close(numbers[f"{fn}.keras"], c * nnz / b), fn
        assert _close(numbers[f"{fn}.keras_mwsw"], c * nnz / wsum), fn
    c = numbers["compute_weighted_loss.contrib"]
    assert _close(numbers["compute_weighted_loss.keras"], c * nnz / b)
    assert _close(numbers["compute_weighted_loss.keras_mwsw"], c * nnz * 3 / wsum)

    nnz, wsum, b = numbers["case54.nonzero"], numbers["case54.wsum"], numbers["case54.batch"]
    for key in ("softmax", "softmax_ls", "sparse"):
        c = numbers[f"{key}.contrib"]
        assert _close(numbers[f"{key}.keras"], c * nnz / b), key
        assert _close(numbers[f"{key}.keras_mwsw"], c * nnz / wsum), key
    assert _close(numbers["tfdoc.keras"], numbers["tfdoc.tfcompat"])
    assert _close(numbers["tfdoc.v1"], numbers["tfdoc.tfcompat"])


def test_pairwise_n_minus_one(numbers: dict[str, Any]) -> None:
    n = 3  # elements per sample in the (4, 3) cases
    assert _close(numbers["mpse.v1"], numbers["mpse.contrib"] * n / (n - 1))
    assert _close(
        numbers["mpse_default.v1_function"], numbers["mpse_default.contrib"] * n / (n - 1)
    )
    assert not _close(numbers["mpse_default.v1_eager"], numbers["mpse_default.v1_function"])


def test_cosine_relation(numbers: dict[str, Any]) -> None:
    assert _close(numbers["cosine.from_keras"], numbers["cosine.contrib"])
    assert numbers["cosine.keras"] < 0


def test_hinge_and_quirks(numbers: dict[str, Any]) -> None:
    assert _close(numbers["hinge.v1"], numbers["hinge.contrib_mean"])
    assert _close(numbers["hinge.keras"], numbers["hinge.contrib_mean"])
    assert numbers["hinge.collected"] == 0
    assert _close(numbers["quirk.shape1.contrib"], 4 * numbers["quirk.shape1.scalar"])
    assert _close(numbers["quirk.shape1.v1_11"], numbers["quirk.shape1.scalar"])
    assert not _close(numbers["quirk.mpse.B"], numbers["quirk.mpse.B1.contrib"])
    assert _close(numbers["quirk.ls3.tfcompat_2d"], numbers["quirk.ls3.v1"])
    assert not _close(numbers["quirk.ls3.tfcompat"], numbers["quirk.ls3.v1"])


def test_collections(numbers: dict[str, Any]) -> None:
    assert numbers["coll.v1_eager_count"] == 0
    assert numbers["coll.v1_eager_total"] == "ValueError"
    with_reg = numbers["famous.tfcompat"] + 0.5
    for key in ("tcl_eager_total", "v1_function_total", "tcl_function_total"):
        assert _close(numbers[f"coll.{key}"], with_reg), key
    assert _close(numbers["coll.thread2_total"], 2 * numbers["coll.thread1_total"])


def test_distributed(numbers: dict[str, Any]) -> None:
    one = numbers["dist.one_device"]
    assert _close(numbers["dist.exact.sum"], one)
    assert _close(numbers["dist.exact.total_sum"], numbers["dist.one_device_with_reg"])
    assert not _close(numbers["dist.plain.sum"], one)
    assert not _close(numbers["dist.plain.mean"], one)
    assert numbers["dist.v1.replica1_count"] == 2
    assert _close(
        numbers["dist.v1.replica1_total"],
        numbers["dist.plain.replica0"] + numbers["dist.plain.replica1"],
    )
    if "fit.one.loss" in numbers:  # tfcompat_losses.keras available
        assert _close(numbers["fit.exact.loss"], numbers["fit.one.loss"])
        assert _close(numbers["fit.exact.kernel0"], numbers["fit.one.kernel0"])


def test_metric_learning_addons_differences(numbers: dict[str, Any], guide: str) -> None:
    """Section 10: the NumPy Addons formulas reproduce contrib with squared-L2
    (value and gradient), which validates them; the L2 default differs by the
    amounts the guide states."""
    for m, pct, grad_pct in (("m1.0", 38, "0.33x"), ("m0.5", 77, "0.47x")):
        key = f"ml.triplet.{m}"
        assert _close(numbers[f"{key}.addons_sq"], numbers[f"{key}.contrib"], 1e-5)
        assert _close(
            numbers[f"{key}.addons_sq_grad_norm"], numbers[f"{key}.contrib_grad_norm"], 1e-4
        )
        assert _close(
            numbers[f"{key}.tfcompat_grad_norm"], numbers[f"{key}.contrib_grad_norm"], 1e-5
        )
        ratio = numbers[f"{key}.addons_l2"] / numbers[f"{key}.contrib"]
        assert round(100 * (ratio - 1)) == pct, ratio
        grad_ratio = numbers[f"{key}.addons_l2_grad_norm"] / numbers[f"{key}.contrib_grad_norm"]
        assert f"{grad_ratio:.2f}x" == grad_pct, grad_ratio
        assert f"{pct}%" in guide and grad_pct in guide
    assert numbers["ml.triplet.distinct.addons"] == "nan"
    assert numbers["ml.triplet.distinct.tfcompat"] == 0.0
    assert _close(
        numbers["ml.npairs.contrib"] - numbers["ml.npairs.addons"], numbers["ml.npairs.reg_term"]
    )
    assert f"reg_lambda={numbers['ml.npairs.reg_lambda']}" in guide
    assert numbers["ml.contrastive.addons_shape"] == "[8]"
    assert _close(numbers["ml.contrastive.addons_mean"], numbers["ml.contrastive.contrib"])
