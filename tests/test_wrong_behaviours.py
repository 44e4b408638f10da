"""The comparator proved on the real checks: each simulated wrong behaviour of a torch function
makes the claim's own facet check (its explicit examples, then its search) fail, in the facet the
wrong behaviour belongs to, and the right behaviour still passes there.

Each case puts a wrong function in torch's place (the checks look the function up on torch when
they run) and runs one facet check of claims/test_functions.py as the claims run does.
"""

from __future__ import annotations

import importlib
import os
import sys

import pytest

from claimcheck import ClaimBroken, Counterexample

torch = pytest.importorskip("torch")

CLAIMS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "claims")


@pytest.fixture(scope="module")
def functions():
    """claims/test_functions.py, imported as the claims run imports it, under the ci profile."""
    from hypothesis import settings

    from claimcheck import profiles

    profiles.register()
    previous = settings._current_profile or "default"
    settings.load_profile("claims-ci")
    sys.path.insert(0, CLAIMS)
    try:
        yield importlib.import_module("test_functions")
    finally:
        sys.path.remove(CLAIMS)
        settings.load_profile(previous)


class Notes:
    """The evidence fixture's one method the comparator uses."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)


def facet_check(functions, claim: str, facet: str):
    """The check the claims run runs for one facet of one claim (its explicit examples and search)."""
    short = claim.split(".")[1]
    if short in ("div", "pow"):
        make = functions.binary_check(short, functions._true_divide if short == "div" else functions.np.power)
    elif short == "sum_dim":
        make = functions.sum_check
    else:
        _, function, reference, name = next(u for u in functions.UNARY if u[0] == claim)

        def make(facet):
            return functions.unary_check(claim, function, reference, name, facet)

    return make(facet)


def run(functions, claim: str, facet: str) -> None:
    oracle = sys.modules["oracle"]
    with oracle.counted():
        facet_check(functions, claim, facet)(evidence=Notes())


real = {name: getattr(torch, name) for name in ("div", "sum", "sin", "sigmoid", "neg", "sqrt", "sign", "tanh")}


def _truncating_div(x, y):
    if x.dtype.is_floating_point or x.dtype.is_complex:
        return real["div"](x, y)
    return real["div"](x, y).trunc().to(x.dtype)  # integer division in the integer dtype


def _truncating_div_as_float(x, y):
    result = real["div"](x, y)
    return result if x.dtype.is_floating_point or x.dtype.is_complex else result.trunc()  # right dtype, truncated


def _sin_keeps_integers(x):
    result = real["sin"](x)
    return result if x.dtype.is_floating_point or x.dtype.is_complex else result.to(x.dtype)


# torch.testing itself calls torch.sum(t): the wrong sums change only the calls with a dim


def _sum_as_any(x, *args, dim=None, **kwargs):
    if dim is None or x.dtype != torch.bool:
        return real["sum"](x, *args, **({"dim": dim} if dim is not None else {}), **kwargs)
    return torch.any(x, dim=dim).to(torch.int64)


def _sum_wraps(x, *args, dim=None, **kwargs):
    if dim is None or x.dtype not in (torch.uint8, torch.int8):
        return real["sum"](x, *args, **({"dim": dim} if dim is not None else {}), **kwargs)
    return real["sum"](x, dim=dim, dtype=x.dtype).to(torch.int64)  # accumulates in 8 bits


def _sigmoid_float32(x):
    result = real["sigmoid"](x)
    return result.float() if result.dtype == torch.float64 else result


def _tanh_in_half(x):
    if x.dtype == torch.float32:
        return real["tanh"](x.half()).float()  # float32 in, float32 out, float16 precision
    return real["tanh"](x)


def _sin_real_part(x):
    result = real["sin"](x)
    return result.real if result.dtype.is_complex else result


def _sin_zero_imaginary(x):
    result = real["sin"](x)
    return torch.complex(result.real, torch.zeros_like(result.real)) if result.dtype.is_complex else result


def _neg_unsigned_zero(x):
    return 0 - x if x.dtype.is_floating_point else real["neg"](x)  # 0 - 0.0 is +0.0, not -0.0


def _neg_moves_complex_nan(x):
    result = real["neg"](x)
    if not result.dtype.is_complex:
        return result
    nan = torch.full_like(result.real, float("nan"))
    moved = torch.complex(torch.zeros_like(result.real), nan)  # a nan anywhere becomes (0 + nan j)
    return torch.where(torch.isnan(result.real) | torch.isnan(result.imag), moved, result)


def _sigmoid_refuses_half(x):
    if x.dtype == torch.float16:
        raise RuntimeError("\"sigmoid_cpu\" not implemented for 'Half'")
    return real["sigmoid"](x)


def _sqrt_ignores_strides(x):
    if x.is_contiguous():
        return real["sqrt"](x)
    strides: list[int] = []
    step = 1
    for side in reversed(x.shape):
        strides.insert(0, step)
        step *= side
    return real["sqrt"](torch.as_strided(x, x.shape, strides, x.storage_offset()))  # memory order, not x's


def _tanh_flattens_empty(x):
    result = real["tanh"](x)
    return result.reshape(-1) if result.numel() == 0 and result.dim() != 1 else result


def _sign_of_bool_accepted(x):
    if x.dtype == torch.bool:
        return x.clone()  # numpy refuses sign of a bool array
    return real["sign"](x)


# (what is wrong, claim, torch's function replaced, the wrong one, the facet it belongs to)
WRONG = [
    ("integer division truncates in the integer dtype", "functions.div", "div", _truncating_div, "signed ints"),
    ("integer division truncates, as a float", "functions.div", "div", _truncating_div_as_float, "signed ints"),
    ("a float function returns an integer tensor", "functions.sin", "sin", _sin_keeps_integers, "signed ints"),
    ("a sum of a bool mask is any()", "functions.sum_dim", "sum", _sum_as_any, "bool"),
    ("a uint8 sum wraps in 8 bits", "functions.sum_dim", "sum", _sum_wraps, "uint8"),
    ("float64 input returned as float32", "functions.sigmoid", "sigmoid", _sigmoid_float32, "float32/64"),
    ("float32 computed in float16", "functions.tanh", "tanh", _tanh_in_half, "float32/64"),
    ("a complex result returned as its real part", "functions.sin", "sin", _sin_real_part, "complex"),
    ("a complex result loses its imaginary part", "functions.sin", "sin", _sin_zero_imaginary, "complex"),
    ("the sign of zero lost", "functions.neg", "neg", _neg_unsigned_zero, "signed zero, nan, inf"),
    ("a complex nan in the wrong component", "functions.neg", "neg", _neg_moves_complex_nan, "complex nan, inf"),
    ("a dtype refused (no kernel)", "functions.sigmoid", "sigmoid", _sigmoid_refuses_half, "float16"),
    ("a strided tensor read in memory order", "functions.sqrt", "sqrt", _sqrt_ignores_strides,
     "transposed, sliced, expanded"),
    ("an empty result of the wrong shape", "functions.tanh", "tanh", _tanh_flattens_empty, "empty and 0-d"),
]  # fmt: skip


@pytest.mark.parametrize("what, claim, name, wrong, facet", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_behaviour_fails_its_facet(functions, monkeypatch, what, claim, name, wrong, facet):
    run(functions, claim, facet)  # the right behaviour passes there
    monkeypatch.setattr(torch, name, wrong)
    with pytest.raises((Counterexample, ClaimBroken)):  # a wrong value, or a refusal: the claim's failure
        run(functions, claim, facet)


def test_an_accepted_refusal_fails_where_the_wording_says_both_refuse(functions, monkeypatch):
    """torch.sign of a bool tensor where numpy refuses: nothing compared (not-run) for the registry's
    wording; with a wording that says both refuse, torch refusing passes and torch accepting fails."""
    oracle = sys.modules["oracle"]
    with pytest.raises(pytest.skip.Exception, match="nothing compared"):
        run(functions, "functions.sign", "bool")  # torch accepts bool, numpy refuses: nothing to compare
    strict = oracle.reference_of("functions.sign").__class__(
        "input", "a wording that says both refuse", both_refuse=True
    )
    monkeypatch.setattr(oracle, "reference_of", lambda claim: strict)
    with pytest.raises(Counterexample, match="refuses"):
        run(functions, "functions.sign", "bool")  # torch.sign accepts bool: a finding
    monkeypatch.setattr(torch, "sign", _sign_refuses_bool)
    run(functions, "functions.sign", "bool")  # torch refusing what numpy refuses: compared, and agreed


def _sign_refuses_bool(x):
    if x.dtype == torch.bool:
        raise RuntimeError("sign is not implemented for bool")
    return real["sign"](x)


def test_a_sum_rounded_in_another_order_is_not_called_wrong(functions):
    """torch 1.7-1.12 summed [nan, 3.4e38j, 3.4e16j, -3.4e38j] to nan-2.2667355717670427e+23j, numpy (in float64)
    to nan-2.2667359117774297e+23j: the terms cancel, and both are within float64's rounding of terms that
    large. The comparator scales a sum's tolerance by its terms, so this is no finding; a sum off by more than
    any rounding of them still is."""
    oracle, layouts = sys.modules["oracle"], sys.modules["layouts"]
    import numpy as np

    x = layouts.TensorCase(
        np.array([complex(float("nan"), 0.0), 3.4028234659997973e38j, 3.4001038704902148e16j, -3.4028234659997996e38j]),
        layouts.Layout([]),
    )
    summed = complex(float("nan"), -2.2667355717670427e23)

    def compare(result):
        oracle.compare(
            "torch.sum(x, dim=0)",
            lambda x: torch.tensor(result, dtype=torch.complex128),
            lambda x: np.sum(x, axis=0),
            {"x": x},
            claim="functions.sum_dim",
            facet="complex nan, inf",
            magnitude=lambda x: np.sum(np.abs(x.real) + 1j * np.abs(x.imag), axis=0),
        )

    compare(summed)
    with pytest.raises(Counterexample, match="imag part"):
        compare(complex(float("nan"), 1e33))  # beyond any rounding of these terms (float64's rtol 1e-7 x 6.8e38)
