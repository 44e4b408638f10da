"""Compare a torch call with the right answer, exactly.

What a claim is compared with is data in the registry (claims.toml, the claim's
`reference` table): the result dtype the statement implies (one of RULES, with
the documented rule it comes from as `source`), per facet where it differs, and
`both_refuse` where the wording says torch refuses what numpy refuses.

One comparison, for one example:

1. The reference runs on the inputs made exact (`exact`): integers stay
   integers, computed in the result dtype as torch computes them; floating
   inputs are widened to float64 (complex128), integer inputs of a floating
   function first become the default dtype as torch documents. So the
   reference is the right answer, not numpy's low-precision rounding of it.
2. The statement runs inside `finding`, so that its crash is the claim's.
3. Refusals: torch refusing what the reference computes breaks the claim
   (ClaimBroken with a script that reproduces it; in a dtype facet, noted as
   *coverage*: a dtype or kernel torch lacks). numpy refusing what torch
   computes breaks it only where the wording says both refuse; otherwise that
   example compared nothing, and a facet none of whose examples compared
   anything is not-run, with the reason (`counted`).
4. torch's result dtype must be the one the statement implies.
5. Values: bool and integers exactly; floats with torch.testing's tolerance of
   the result dtype against the reference correctly rounded into that dtype;
   complex numbers component by component, each with its own NaN mask; where
   the facet holds signed zeros, zeros by their sign.

A failure is a `Counterexample`: one plain sentence, and a script that runs as
pasted and ends with the expression that shows the wrong value.
"""

from __future__ import annotations

import functools
import os
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import pytest
import reproduce
import torch
from closeness import TOLERANCES, assert_close
from facets import COVERAGE
from layouts import FULL_NAMES, TensorCase, unbuildable

from claimcheck import ClaimBroken, Counterexample, finding, load_registry

#: numpy dtypes the checks of torch's functions draw from, where the builder makes them on this torch;
#: uint16/32/64 are left out because torch documents them as having only limited support in eager mode.
CANDIDATES = FULL_NAMES
#: Why each candidate cannot be built on this torch (the one domain rule, layouts.unbuildable), or None.
UNBUILDABLE = {name: unbuildable(name) for name in CANDIDATES}
FULL_DTYPES = tuple(np.dtype(n) for n in CANDIDATES if UNBUILDABLE[n] is None)

# -- the result dtype a statement implies -----------------------------------------


def default_float() -> np.dtype:
    """torch's default dtype (float32), as numpy spells it."""
    return torch.empty(0).numpy().dtype


def _input_dtype(dtypes: tuple[np.dtype, ...]) -> np.dtype:
    return np.result_type(*dtypes)


def _floating(dtypes: tuple[np.dtype, ...]) -> np.dtype:
    dtype = np.result_type(*dtypes)
    return default_float() if dtype.kind in "biu" else dtype


def _integers_to_int64(dtypes: tuple[np.dtype, ...]) -> np.dtype:
    dtype = np.result_type(*dtypes)
    return np.dtype("int64") if dtype.kind in "biu" else dtype


#: The rules a claim's `reference.result_dtype` names: input dtypes -> the result dtype.
RULES: Mapping[str, Callable[[tuple[np.dtype, ...]], np.dtype]] = {
    "input": _input_dtype,  # the operands' dtype (they share one in these checks)
    "floating": _floating,  # bool and integers become the default dtype; floating and complex stay
    "int64 for integers": _integers_to_int64,  # bool and integers accumulate in int64; others stay
}


@functools.lru_cache(maxsize=None)
def reference_of(claim: str):
    """The claim's `reference` table from the registry beside this file."""
    registry = load_registry(os.path.join(os.path.dirname(os.path.abspath(__file__)), "claims.toml"))
    found = registry.get(claim)
    if found is None or found.reference is None:
        raise LookupError(f"claims/claims.toml: claim '{claim}' has no `reference` table; the oracle needs one")
    if found.reference.result_dtype not in RULES or any(rule not in RULES for _, rule in found.reference.facets):
        raise LookupError(f"claims/claims.toml: claim '{claim}' names a result_dtype rule not in {sorted(RULES)}")
    return found.reference


def result_dtype(claim: str, facet: str, dtypes: tuple[np.dtype, ...]) -> np.dtype | None:
    """The result dtype the claim's statement implies for inputs of `dtypes` (None: no input to go by)."""
    if not dtypes:
        return None
    return RULES[reference_of(claim).rule(facet)](dtypes)


def exact(array: np.ndarray, result: np.dtype | None) -> np.ndarray:
    """An input as the reference computes with it: integers in an integer result dtype (as torch
    computes them, wrapping included), integers of a floating result first made the default dtype
    (torch's documented promotion), floating values widened to float64 or complex128."""
    array = np.asarray(array)
    if result is not None and result.kind in "biu":
        return array.astype(result)
    if array.dtype.kind in "biu":
        array = array.astype(result if result is not None and result.kind in "fc" else default_float())
    if array.dtype.kind == "f":
        return array.astype(np.float64)
    if array.dtype.kind == "c":
        return array.astype(np.complex128)
    return array


# -- counting what compared something -----------------------------------------------

_TALLY: dict[str, Any] = {"compared": 0, "why": []}


@contextmanager
def counted() -> Iterator[None]:
    """Around one facet's whole search: if no example compared anything, the facet is not-run, with why."""
    _TALLY["compared"], _TALLY["why"] = 0, []
    yield
    if _TALLY["compared"] == 0:
        why = _TALLY["why"][0] if _TALLY["why"] else "no example reached a comparison"
        pytest.skip(f"nothing compared: every example of this facet was refused by the reference ({why})")


# -- one comparison ----------------------------------------------------------------


def _cases(value) -> list[TensorCase]:
    if isinstance(value, TensorCase):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, TensorCase)]
    return []


def _built(value):
    if isinstance(value, TensorCase):
        return value.build()
    if isinstance(value, list):
        return [_built(v) for v in value]
    return value


def _for_reference(value, result: np.dtype | None):
    if isinstance(value, TensorCase):
        return exact(value.numpy(), result)
    if isinstance(value, list):
        return [_for_reference(v, result) for v in value]
    return value


def script(inputs: Mapping[str, Any], last: str, sentence: str = "") -> str:
    """A script that runs as pasted: the imports, each input, the finding in one sentence (a comment), then `last`."""
    return reproduce.script([reproduce.assign(name, value) for name, value in inputs.items()], last, sentence)


def _wrong(sentence: str, inputs: Mapping[str, Any], last: str, detail: str = "") -> Counterexample:
    return Counterexample(sentence, script(inputs, last, sentence), detail)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _run_subject(subject, spelling: str):
    """The statement under test, as a `finding` block: its exception, as torch raised it, or its result."""
    try:
        with finding(spelling):
            return subject(), None
    except ClaimBroken as exc:  # finding's wrapper around torch's own exception
        return None, exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
    except Exception as exc:  # an AssertionError passes through finding as it is
        return None, exc


def compare(
    spelling: str,
    subject: Callable[..., Any],
    reference: Callable[..., Any],
    inputs: Mapping[str, Any],
    *,
    claim: str,
    facet: str,
    evidence=None,
    signed_zero: bool = False,
    reference_name: str | None = None,
    magnitude: Callable[..., Any] | None = None,
) -> None:
    """Run `subject(**inputs as tensors)` (spelled `spelling` in terms of the input names) and
    `reference(**inputs as exact numpy arrays)`, and compare them as the module's docstring says.

    `signed_zero`: the facet holds signed zeros, so zeros are compared by sign.
    `magnitude(**inputs as exact numpy arrays)`: for a reduction, the size each result's rounding error
    scales with (a sum's error is bounded by its terms' magnitudes, not by the sum, which cancellation
    can make small); the relative tolerance then applies to it where it is the larger.
    """
    rule = reference_of(claim)
    name = reference_name or f"numpy's {getattr(reference, '__name__', 'reference')}"
    dtypes = tuple(c.base.dtype for v in inputs.values() for c in _cases(v))
    want_dtype = result_dtype(claim, facet, dtypes)
    with np.errstate(all="ignore"):
        try:
            expected, refused = reference(**{k: _for_reference(v, want_dtype) for k, v in inputs.items()}), None
        except Exception as exc:  # the reference refusing is data here
            expected, refused = None, exc
    built = {k: _built(v) for k, v in inputs.items()}
    actual, torch_error = _run_subject(lambda: subject(**built), spelling)
    if torch_error is not None and refused is not None:
        if rule.both_refuse:
            _TALLY["compared"] += 1
            if evidence is not None:
                evidence.note(f"where {name} refuses, so does torch (e.g. {spelling}: {type(torch_error).__name__})")
        else:
            _TALLY["why"].append(f"{name} raised {type(refused).__name__}: {_first_line(refused)[:120]}")
        return
    if torch_error is not None:
        tail = f"{spelling}  # raises {type(torch_error).__name__}: {_first_line(torch_error)}"
        if evidence is not None and dtypes and facet_varies_dtype(facet):
            kinds = ", ".join(sorted({d.name for d in dtypes}))
            evidence.note(f"{COVERAGE}this torch refuses {kinds} input here ({type(torch_error).__name__})")
        kinds = " and ".join(sorted({d.name for d in dtypes})) or "this"
        said = f"{spelling} refuses {kinds} input, where {name} computes"
        raise ClaimBroken(spelling, type(torch_error).__name__, str(torch_error), script(inputs, tail, said))
    if refused is not None:
        if not rule.both_refuse:
            _TALLY["why"].append(f"{name} raised {type(refused).__name__}: {_first_line(refused)[:120]}")
            if evidence is not None:
                evidence.note(f"torch goes further than {name}: {spelling} computes where it raises")
            return
        raise _wrong(
            f"{spelling} returns a result where {name} refuses "
            f"({type(refused).__name__}: {_first_line(refused)[:200]}), and the wording says both refuse",
            inputs,
            f"{spelling}.tolist()  # -> {actual.tolist()}",
        )
    _TALLY["compared"] += 1
    scale = None
    if magnitude is not None:
        with np.errstate(all="ignore"):
            scale = np.asarray(magnitude(**{k: _for_reference(v, want_dtype) for k, v in inputs.items()}))
    _same_result(actual, np.asarray(expected), want_dtype, spelling, inputs, name, signed_zero, rule.source, scale)


def facet_varies_dtype(facet: str) -> bool:
    """Is the facet one of dtype (a dtype family, alone or combined)? Its refusals are *coverage*."""
    from facets import VARIES

    return "dtype" in VARIES.get(facet, {})


def _torch_dtype(dtype: np.dtype):
    return torch.from_numpy(np.zeros(1, dtype=dtype)).dtype


def _same_result(actual, expected, want_dtype, spelling, inputs, name, signed_zero, source, scale=None) -> None:
    if want_dtype is not None and actual.dtype != _torch_dtype(want_dtype):
        kinds = " and ".join(sorted({c.base.dtype.name for v in inputs.values() for c in _cases(v)}))
        raise _wrong(
            f"{spelling} of {kinds} input is {actual.dtype}, where the statement implies "
            f"{_torch_dtype(want_dtype)} ({source})",
            inputs,
            f"{spelling}.dtype  # -> {actual.dtype}",
        )
    if tuple(actual.shape) != expected.shape:
        raise _wrong(
            f"{spelling}.shape is {tuple(actual.shape)}, where {name} gives {expected.shape}",
            inputs,
            f"{spelling}.shape  # -> {actual.shape}",
        )
    if want_dtype is not None:
        expected = expected.astype(want_dtype)  # the right answer, correctly rounded into the implied dtype
    got = actual.detach().cpu().numpy()
    parts = (
        [("real", got.real, expected.real), ("imag", got.imag, expected.imag)]
        if got.dtype.kind == "c"
        else [("", got, expected)]
    )
    for part, g, e in parts:
        failure = None
        rtol, atol = _tolerances(e)
        size = _part(scale, part)
        if size is not None and size.size and e.dtype.kind == "f":
            atol = atol + rtol * float(np.max(size))  # one absolute tolerance for torch.testing: the largest
        try:
            assert_close(
                np.ascontiguousarray(g),
                np.ascontiguousarray(e),
                rtol=rtol,
                atol=atol,
                equal_nan=True,
                check_dtype=False,
            )
        except AssertionError as exc:
            failure = str(exc)
        where = _first_difference(g, e, failure is not None, signed_zero, size)
        if where is None and failure is None:
            continue
        _differs(actual, expected, where if where is not None else (), part, spelling, inputs, name, failure)


def _part(scale, part: str):
    """The magnitudes of one part of a result (a complex magnitude holds the real part's and the imaginary
    part's as its own parts), finite ones only (a nan or inf term leaves no finite scale), or None."""
    if scale is None:
        return None
    size = scale.imag if part == "imag" else scale.real
    return np.where(np.isfinite(size), size, 0.0).astype(float)


def _tolerances(want: np.ndarray) -> tuple[float, float]:
    """torch.testing's (rtol, atol) for the dtype of `want` (a real part's: float32 for complex64); exact for integers."""
    return TOLERANCES.get(_torch_dtype(want.dtype), (0.0, 0.0)) if want.dtype.kind == "f" else (0.0, 0.0)


def _first_difference(got: np.ndarray, want: np.ndarray, values_differ: bool, signed_zero: bool, scale=None):
    """The index of the first element that differs (value, NaN mask, or sign of a zero), or None."""
    g, w = np.asarray(got), np.asarray(want)
    if g.dtype.kind in "biu" or w.dtype.kind in "biu":
        mask = g != w
    else:
        g64, w64 = g.astype(np.float64), w.astype(np.float64)
        rtol, atol = _tolerances(w)
        size = np.abs(w64) if scale is None else np.maximum(np.abs(w64), scale)
        with np.errstate(all="ignore"):
            close = (g64 == w64) | (np.abs(g64 - w64) <= atol + rtol * size)
        mask = (np.isnan(g64) != np.isnan(w64)) | (~np.isnan(w64) & ~close)
        if signed_zero:
            mask |= (g64 == 0) & (w64 == 0) & (np.signbit(g64) != np.signbit(w64))
    if mask.any():
        return tuple(int(i) for i in np.argwhere(mask)[0])
    if values_differ and g.size:  # assert_close saw what the mask did not: show the first element
        return (0,) * g.ndim
    return None


def _value(x) -> str:
    return str(x.item()) if hasattr(x, "item") else str(x)


def _differs(actual, expected, index, part, spelling, inputs, name, failure) -> None:
    at = reproduce.index_code(index)
    element = actual[index] if index else actual
    shown = f"{spelling}{at}.item()"
    got, want = _value(element), _value(np.asarray(expected)[index] if index else expected)
    component = f" ({part} part)" if part else ""
    sentence = f"{spelling}{at} is {got} where {name} gives {want}{component}"
    cases = [(k, v) for k, v in inputs.items() if isinstance(v, TensorCase)]
    if len(cases) == 1 and cases[0][1].numpy().shape == tuple(actual.shape) and index:
        sentence += f", for {cases[0][0]}{at} = {_value(cases[0][1].numpy()[index])}"
    elif len(cases) == 1 and cases[0][1].numpy().ndim == 0:
        sentence += f", for {cases[0][0]} = {_value(cases[0][1].numpy())}"
    raise _wrong(sentence, inputs, f"{shown}  # -> {got}", failure or "")
