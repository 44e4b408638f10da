"""Compare a torch function with its numpy namesake on the same inputs.

Tolerances come from one table per dtype (torch.testing's own defaults, the
same table `assert_close` uses), never from literals in each check.
"""

from __future__ import annotations

import numpy as np
import torch
from closeness import assert_close
from layouts import accepted, tensor_copy

from claimcheck import ClaimBroken, finding

# dtypes torch fully supports that numpy mirrors; uint16/32/64 are left out
# because torch documents them as having only limited support in eager mode.
CANDIDATES = (
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)
_ACCEPTED = {n: accepted(n) for n in CANDIDATES}  # probed once, at import
FULL_DTYPES = tuple(np.dtype(n) for n in CANDIDATES if _ACCEPTED[n])
#: What the domain leaves out on this torch, for the evidence.
MISSING_DTYPES = tuple(n for n in CANDIDATES if not _ACCEPTED[n])


def _outcome(fn):
    try:
        return fn(), None
    except Exception as exc:  # both libraries may refuse: that is data here
        return None, exc


def _statement_outcome(torch_call, spelling: str):
    """Run torch's side as the statement under test (a `finding` block), so that
    a crash inside it is the claim's, with `spelling` as the call (torch 1.0 and
    1.1 kill the interpreter on integer division by zero); an exception is
    returned as torch raised it, for `compare` to judge."""
    try:
        with finding(spelling):
            return torch_call(), None
    except ClaimBroken as exc:  # finding's wrapper around torch's own exception
        return None, exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
    except Exception as exc:  # an AssertionError passes through finding as it is
        return None, exc


def compare(torch_call, numpy_call, spelling: str, evidence=None) -> None:
    """Run both; they must agree on refusing, or agree on the values.

    `torch_call` and `numpy_call` take no arguments. A refusal by torch alone,
    or different values, breaks the claim; a refusal by both is recorded.
    `torch_call` should hold only the statement under test: build its inputs
    before (layouts.tensor_copy builds them on every torch), so that a failure
    there is not taken for torch's.
    """
    if evidence is not None and MISSING_DTYPES:
        evidence.note("this torch refuses numpy arrays of {}: left out of the domain".format(", ".join(MISSING_DTYPES)))
    with np.errstate(all="ignore"):
        expected, numpy_error = _outcome(numpy_call)
    actual, torch_error = _statement_outcome(torch_call, spelling)
    if torch_error is not None and numpy_error is not None:
        if evidence is not None:
            evidence.note(
                f"where numpy refuses, so does torch (e.g. {spelling}: numpy {type(numpy_error).__name__}, "
                f"torch {type(torch_error).__name__})"
            )
        return
    if torch_error is not None:
        raise ClaimBroken(spelling, type(torch_error).__name__, str(torch_error))
    if numpy_error is not None:
        # torch going further than numpy breaks no numpy semantics; say so
        if evidence is not None:
            evidence.note(
                f"torch accepts inputs numpy refuses (e.g. {spelling} where numpy raises {type(numpy_error).__name__})"
            )
        return
    expected = np.array(expected)  # keeps 0-d results 0-d
    assert tuple(actual.shape) == expected.shape, (
        f"{spelling}.shape={tuple(actual.shape)}, but numpy gives {expected.shape}"
    )
    as_torch = tensor_copy(expected.astype(_numpy_twin(actual.dtype)))
    assert_close(actual, as_torch, equal_nan=True, check_dtype=False, msg=lambda m: f"{m}\n[{spelling} against numpy]")


def _numpy_twin(dtype: torch.dtype) -> np.dtype:
    return torch.empty(0, dtype=dtype).numpy().dtype
