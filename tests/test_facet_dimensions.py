"""Facets that vary one thing: every input a facet of the functions' claims checks (its explicit examples,
and draws from its search) differs from the claim's ordinary input (contiguous, finite, non-empty,
float32/64) in the facet's own dimensions only (claims/facets.py: facets.dimensions), so that a
failure belongs to the dimension that differs.
"""

from __future__ import annotations

import importlib
import math
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

CLAIMS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "claims")


@pytest.fixture(scope="module")
def functions():
    sys.path.insert(0, CLAIMS)
    try:
        yield importlib.import_module("test_functions")
    finally:
        sys.path.remove(CLAIMS)


def _special(array: np.ndarray) -> bool:
    """nan or an infinity anywhere; for real floats a -0.0 too (complex zeros are signed freely)."""
    if array.dtype.kind == "c":
        return bool(np.any(~np.isfinite(array.real)) or np.any(~np.isfinite(array.imag)))
    if array.dtype.kind == "f":
        return bool(np.any(~np.isfinite(array)) or np.any((array == 0) & np.signbit(array)))
    return False


def dimensions_of(functions, inputs: dict, divisor: str | None) -> dict:
    """What one example varies, read off the example itself (the built tensors and their values)."""
    facets = sys.modules["facets"]
    cases = [v for v in inputs.values() if isinstance(v, functions.TensorCase)]
    families = {facets.family_of(c.base.dtype) for c in cases}
    assert len(families) == 1, f"operands of several dtype families: {families}"
    built = [c.build() for c in cases]
    arrays = [c.numpy() for c in cases]
    result_shape = np.broadcast(*arrays).shape if len(arrays) > 1 else arrays[0].shape
    if result_shape == ():
        shape = facets.ZERO_D
    elif 0 in result_shape or any(a.size == 0 for a in arrays):
        shape = facets.EMPTY_ONLY
    else:
        shape = "non-empty"
    values = facets.FINITE
    if divisor is not None and np.any(inputs[divisor].numpy() == 0):
        values = facets.DIVISION_BY_ZERO
    elif any(_special(a) for a in arrays):
        values = facets.SPECIAL
    layout = facets.CONTIGUOUS if all(t.is_contiguous() for t in built) else facets.STRIDED
    return {"dtype": families.pop(), "layout": layout, "values": values, "shape": shape}


def same(facets, seen: dict, wanted: dict) -> bool:
    if wanted["shape"] == facets.EMPTY and seen["shape"] in (facets.ZERO_D, facets.EMPTY_ONLY):
        seen = {**seen, "shape": facets.EMPTY}
    return seen == wanted


def _cases(functions):
    """(claim, facet, the inputs of each explicit example, a strategy of the search's inputs, the divisor's name)."""
    out = []
    for claim, _function, _reference, _name in functions.UNARY:
        pole = claim in functions.POLES
        for facet in functions.facets_of(claim):
            if functions.outside(facet):
                continue
            examples = [{"x": x} for x in functions.explicit(facet, pole)]
            strategy = functions.operands(facet, pole=pole).map(lambda x: {"x": x})
            out.append((claim, facet, examples, strategy, "x" if pole else None))
    for facet in functions.SUM_FACETS:
        if not functions.outside(facet):
            examples = [{"x": x} for x in functions.explicit(facet)]
            strategy = functions._summed(facet).map(lambda case: {"x": case[0]})
            out.append(("functions.sum_dim", facet, examples, strategy, None))
    for op, extra in (("div", (functions.DIVISION_BY_ZERO, functions.INTEGER_DIVISION_BY_ZERO)), ("pow", ())):
        for facet in (*functions.BINARY_FACETS, *extra):
            if functions.outside(facet):
                continue
            examples = functions.pair_examples(op, facet)
            strategy = functions.operand_pairs(op, facet).map(lambda xy: {"x": xy[0], "y": xy[1]})
            out.append((f"functions.{op}", facet, examples, strategy, "y" if op == "div" else None))
    return out


def test_every_explicit_example_varies_its_facets_dimensions_only(functions):
    facets = sys.modules["facets"]
    wrong = []
    for claim, facet, examples, _strategy, divisor in _cases(functions):
        for inputs in examples:
            seen = dimensions_of(functions, inputs, divisor)
            if not same(facets, seen, facets.dimensions(facet)):
                wrong.append(f"{claim} [{facet}]: {inputs!r} varies {seen}, not {facets.dimensions(facet)}")
    assert not wrong, "\n".join(wrong)


def test_every_searched_input_varies_its_facets_dimensions_only(functions):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    facets = sys.modules["facets"]
    cases = _cases(functions)

    @settings(max_examples=300, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data):
        claim, facet, _examples, strategy, divisor = data.draw(st.sampled_from(cases))
        inputs = data.draw(strategy)
        seen = dimensions_of(functions, inputs, divisor)
        assert same(facets, seen, facets.dimensions(facet)), (
            f"{claim} [{facet}]: {inputs!r} varies {seen}, not {facets.dimensions(facet)}"
        )

    check()


def test_the_check_itself_tells_a_facet_that_varies_two_things():
    """The test's own reading of an example: a special value in a strided float16 tensor is three things."""
    sys.path.insert(0, CLAIMS)
    try:
        functions = importlib.import_module("test_functions")
        facets = sys.modules["facets"]
    finally:
        sys.path.remove(CLAIMS)
    case = functions.TensorCase(
        np.array([[math.nan, 1.0], [2.0, 3.0]], dtype=np.float16), functions.Layout([("transpose", (0, 1))])
    )
    seen = dimensions_of(functions, {"x": case}, None)
    assert seen == {"dtype": facets.FLOAT16, "layout": facets.STRIDED, "values": facets.SPECIAL, "shape": "non-empty"}
    assert not same(facets, seen, facets.dimensions(facets.FLOAT16))


def _array_dimensions(facets, array: np.ndarray) -> dict:
    """What a numpy array varies (for from_numpy's kinds): its dtype family, layout and shape."""
    if array.ndim == 0:
        shape = facets.ZERO_D
    elif array.size == 0:
        shape = facets.EMPTY_ONLY
    else:
        shape = "non-empty"
    layout = facets.CONTIGUOUS if array.flags.c_contiguous else facets.STRIDED
    return {"dtype": facets.family_of(array.dtype), "layout": layout, "shape": shape}


def test_the_layout_and_shape_facets_of_the_tensor_claims_vary_their_own_dimension():
    """view, view(-1) and cpu() draw their facets from layouts.facet_tensors; from_numpy's kinds from its CASES:
    each draw keeps the ordinary dtype where its facet is not a dtype, and varies its facet's own dimension."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    sys.path.insert(0, CLAIMS)
    try:
        layouts = importlib.import_module("layouts")
        bridge = importlib.import_module("test_numpy_bridge")
        facets = sys.modules["facets"]
    finally:
        sys.path.remove(CLAIMS)
    tensor_facets = [facets.CONTIGUOUS, facets.STRIDED, facets.EMPTY]
    kinds = [(facet, name) for facet, name, _, _ in bridge.KINDS if facet in facets.VARIES or facet == facets.EMPTY]

    def shape_of(seen):
        return facets.EMPTY if seen["shape"] in (facets.ZERO_D, facets.EMPTY_ONLY) else seen["shape"]

    @settings(max_examples=300, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data):
        if data.draw(st.booleans()):
            facet = data.draw(st.sampled_from(tensor_facets))
            case = data.draw(layouts.facet_tensors(facet))
            built = case.build()
            seen = {
                "dtype": facets.family_of(case.base.dtype),
                "layout": facets.CONTIGUOUS if built.is_contiguous() else facets.STRIDED,
                "shape": facets.EMPTY if built.dim() == 0 or built.numel() == 0 else "non-empty",
            }
            wanted = facets.dimensions(facet)
            wanted = {"dtype": wanted["dtype"], "layout": wanted["layout"], "shape": wanted["shape"]}
            assert seen == wanted, f"{facet}: {case!r} varies {seen}, not {wanted}"
        else:
            facet, name = data.draw(st.sampled_from(kinds))
            array = data.draw(bridge.CASES[name]).build()
            seen = _array_dimensions(facets, array)
            wanted = facets.dimensions(facet)
            assert seen["layout"] == wanted["layout"], f"{name}: {array.strides} is not {wanted['layout']}"
            assert shape_of(seen) == wanted["shape"], f"{name}: shape {array.shape} is not {wanted['shape']}"
            if facet in facets.DTYPE_FAMILIES:
                assert seen["dtype"] == facet, f"{name}: {array.dtype} is not of {facet}"
            elif facet in (facets.EMPTY, facets.STRIDED):
                assert seen["dtype"] == facets.FLOAT, f"{name}: {array.dtype} is not the ordinary dtype"

    check()
