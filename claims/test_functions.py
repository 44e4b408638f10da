"""Lines 22-29: common torch functions, against the right answer (claims/oracle.py).

Each function's domain is split into facets (claims/facets.py), each searched on
its own with its own explicit examples. A facet varies one dimension of the
ordinary input (contiguous, finite, non-empty float32/64) and keeps the others:
a dtype family, non-contiguous layouts, the special values, empty and 0-d
shapes, and for div a zero divisor. Combinations that matter are facets of
their own (float16 with nan, complex with nan, integer division by zero).
"""

from __future__ import annotations

import functools
import math

import facets
import numpy as np
import pytest
import torch
from facets import (
    BOOL,
    COMPLEX,
    COMPLEX_SPECIAL,
    DIVISION_BY_ZERO,
    EMPTY,
    EMPTY_ONLY,
    FLOAT,
    FLOAT16,
    FLOAT16_SPECIAL,
    INTEGER_DIVISION_BY_ZERO,
    SIGNED,
    SPECIAL,
    STRIDED,
    UINT8,
    ZERO_D,
)
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from layouts import (
    SPECIAL_FLOATS,
    Layout,
    TensorCase,
    arrays,
    arrays_holding,
    empty_shapes,
    layouts,
    non_contiguous,
    shapes,
)
from oracle import FULL_DTYPES, UNBUILDABLE, compare, counted

#: The facets of every elementwise function here, in the order the report lists them.
DTYPE_FACETS = (BOOL, SIGNED, UINT8, FLOAT16, FLOAT, COMPLEX)
FACETS = (*DTYPE_FACETS, SPECIAL, FLOAT16_SPECIAL, COMPLEX_SPECIAL, STRIDED, EMPTY)
#: The special complex values: nan or an infinity in either component.
SPECIAL_COMPLEX = (
    complex(math.nan, 0.0),
    complex(0.0, math.nan),
    complex(math.inf, 0.0),
    complex(-math.inf, 1.0),
    complex(1.0, math.inf),
    complex(math.nan, math.nan),
)


@functools.lru_cache(maxsize=None)
def dtypes(facet: str) -> tuple[np.dtype, ...]:
    """This torch's dtypes of the facet's dtype family (float32/64 for a facet that varies something else)."""
    return facets.members(facets.dimensions(facet)["dtype"], FULL_DTYPES)


def outside(facet: str) -> str | None:
    """Why this torch cannot express a facet (the builder makes none of its dtypes), or None."""
    if dtypes(facet):
        return None
    names = facets.DTYPE_FAMILIES[facets.dimensions(facet)["dtype"]]
    return "; ".join(UNBUILDABLE.get(n) or f"no {n}" for n in names)


def signed_zero(facet: str) -> bool:
    """Does the facet hold signed zeros (so zeros are compared by sign)? The real special values and zero divisors."""
    dims = facets.dimensions(facet)
    return dims["values"] in (SPECIAL, DIVISION_BY_ZERO) and dims["dtype"] != COMPLEX


@functools.lru_cache(maxsize=None)
def _dtype_of(facet: str) -> st.SearchStrategy:
    return st.sampled_from(dtypes(facet))


# -- the inputs of each facet ---------------------------------------------------


def _shape_of(draw, facet: str, min_dims: int):
    kind = facets.dimensions(facet)["shape"]
    if kind == ZERO_D:
        return ()
    if kind == EMPTY:
        return draw(empty_shapes())
    if kind == EMPTY_ONLY:
        return draw(empty_shapes().filter(lambda s: len(s) >= max(1, min_dims)))
    return draw(shapes(min_dims=max(1, min_dims), min_side=1))


def _ones_for_zeros(array: np.ndarray) -> np.ndarray:
    return np.asarray(np.where(array == 0, np.ones((), array.dtype), array))  # nan is not zero; -0.0 is


def _zeros(dtype: np.dtype) -> tuple:
    return (0.0, -0.0) if dtype.kind == "f" else (0,)


def _values(draw, dtype: np.dtype, shape, facet: str, pole: bool = False) -> np.ndarray:
    values = facets.dimensions(facet)["values"]
    if values == SPECIAL:  # with a pole at zero, -0.0 is the division-by-zero facet's
        among = SPECIAL_COMPLEX if dtype.kind == "c" else [v for v in SPECIAL_FLOATS if v != 0 or not pole]
        return draw(arrays_holding(dtype, shape, among))
    if values == DIVISION_BY_ZERO:
        return draw(arrays_holding(dtype, shape, _zeros(dtype)))
    return draw(arrays(dtype, shape, finite=True))


@st.composite
def operands(draw, facet: str, min_dims: int = 0, pole: bool = False) -> TensorCase:
    """A tensor of the facet's input: its own dimension varied, the others ordinary. For a function with
    a pole at zero (`pole`), zeros are the division-by-zero facets' own: the other facets hold none."""
    dtype = draw(_dtype_of(facet))
    shape = _shape_of(draw, facet, min_dims)
    base = _values(draw, dtype, shape, facet, pole)
    if pole and facets.dimensions(facet)["values"] != DIVISION_BY_ZERO:
        base = _ones_for_zeros(base)
    if facets.dimensions(facet)["layout"] != STRIDED:
        return TensorCase(base, Layout([]))
    return non_contiguous(TensorCase(base, draw(layouts(shape, facet=STRIDED))))


_ROWS = {
    BOOL: [[True, False, True], [False, True, False]],
    SIGNED: [[0, -1, 2], [3, -5, 7]],
    UINT8: [[0, 1, 2], [3, 5, 255]],
    FLOAT16: [[0.0, 1.5, -2.0], [0.25, 3.0, -7.0]],
    FLOAT: [[0.0, 1.5, -2.0], [0.25, 3.0, -7.0]],
    COMPLEX: [[0.0, 1.5 - 2j, -1 + 0.5j], [3j, -2.5, 0.25 + 0.25j]],
    SPECIAL: [[0.0, -0.0, 1.5], [math.nan, math.inf, -math.inf]],
    FLOAT16_SPECIAL: [[0.0, -0.0, 1.5], [math.nan, math.inf, -math.inf]],
    COMPLEX_SPECIAL: [list(SPECIAL_COMPLEX[:3]), list(SPECIAL_COMPLEX[3:])],
}

# Magnitudes where exp and friends overflow or underflow: float16 past 11, float32 past 88, float64 past 709.
_EXTREMES = {
    FLOAT16: [[-12.0, 12.0, -100.0], [100.0, -0.001, 11.5]],
    FLOAT: [[-710.0, 710.0, -100.0], [100.0, -89.0, 89.0]],
    COMPLEX: [[-710.0, 710.0, -100.0 + 1j], [100.0 - 1j, -89.0, 89.0j]],
}

_ORDINARY = np.array(_ROWS[FLOAT])


#: x of the division-by-zero facets of a function with a pole at zero
_AT_THE_POLE = [[0.0, -0.0, 1.5], [2.0, 0.0, -4.0]]


def explicit(facet: str, pole: bool = False) -> list[TensorCase]:
    """The facet's explicit examples, for each of its dtypes: ordinary values in its own dimension,
    and for floating dtype facets the magnitudes where exp-like functions overflow (for a function
    with a pole at zero, zeros only in the division-by-zero facets)."""
    dims = facets.dimensions(facet)
    if dims["values"] == DIVISION_BY_ZERO:
        return [TensorCase(np.array(_AT_THE_POLE).astype(d), Layout([])) for d in dtypes(facet)]
    if pole:
        return [TensorCase(_ones_for_zeros(c.base), c.layout) for c in explicit(facet)]
    if dims["shape"] == ZERO_D:
        return [TensorCase(np.array(1.5, dtype=d), Layout([])) for d in dtypes(facet)]
    if dims["shape"] in (EMPTY, EMPTY_ONLY):
        arrays_ = [np.zeros((2, 0)), np.zeros((0, 3))] + ([np.array(1.5)] if dims["shape"] == EMPTY else [])
        return [TensorCase(a.astype(d), Layout([])) for d in dtypes(facet) for a in arrays_]
    if dims["layout"] == STRIDED:
        strided = [Layout([("transpose", (0, 1))]), Layout([("slice", ((None, None, 1), (None, None, 2)))])]
        return [TensorCase(_ORDINARY.astype(d), layout) for d in dtypes(facet) for layout in strided]
    rows = [np.array(_ROWS[facet])]
    if facet in _EXTREMES:
        rows.append(np.array(_EXTREMES[facet]))
    return [TensorCase(r.astype(dtype), Layout([])) for dtype in dtypes(facet) for r in rows]


# -- one claim per function; one check per facet --------------------------------


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


#: (claim, torch's function, the reference, the reference's name where numpy has none); each
#: check looks the function up on torch when it runs, so a test can put a wrong one in its place.
UNARY = [
    ("functions.sigmoid", "sigmoid", sigmoid, "1/(1+exp(-x))"),
    ("functions.log", "log", np.log, None),
    ("functions.neg", "neg", np.negative, None),
    ("functions.reciprocal", "reciprocal", np.reciprocal, None),
    ("functions.sin", "sin", np.sin, None),
    ("functions.tanh", "tanh", np.tanh, None),
    ("functions.sqrt", "sqrt", np.sqrt, None),
    ("functions.sign", "sign", np.sign, None),
]
#: Functions with a pole at zero: division by zero is a facet of theirs (real and integer), as for div;
#: complex division by zero is not checked (numpy's nan+nanj against C99's complex infinity).
POLES = {"functions.reciprocal"}


def facets_of(claim: str) -> tuple[str, ...]:
    return (*FACETS, DIVISION_BY_ZERO, INTEGER_DIVISION_BY_ZERO) if claim in POLES else FACETS


def unary_check(claim, function, reference, name, facet):
    pole = claim in POLES

    def check(x, evidence):
        compare(
            f"torch.{function}(x)",
            lambda x: getattr(torch, function)(x),
            lambda x: reference(x),
            {"x": x},
            claim=claim,
            facet=facet,
            evidence=evidence,
            signed_zero=signed_zero(facet),
            reference_name=name or f"numpy's {reference.__name__}",
        )

    check.__name__ = check.__qualname__ = f"test_{function}"
    return facets.searched(check, [{"x": x} for x in explicit(facet, pole)], x=operands(facet, pole=pole))


def _unary_params():
    for claim, function, reference, name in UNARY:
        for facet in facets_of(claim):
            reason = outside(facet)
            check = None if reason else unary_check(claim, function, reference, name, facet)
            short = claim.split(".")[1]
            yield facets.param(
                check, facet=facet, id=f"{short}-{facet}", marks=pytest.mark.claim(claim), outside=reason
            )


@pytest.mark.parametrize("check", list(_unary_params()))
def test_unary_function_matches_numpy(check, evidence):
    with counted():
        check(evidence=evidence)


# -- sum over a dim ----------------------------------------------------------------

SUM_FACETS = (*DTYPE_FACETS, SPECIAL, FLOAT16_SPECIAL, COMPLEX_SPECIAL, STRIDED, EMPTY_ONLY, ZERO_D)


@st.composite
def _summed(draw, facet: str):
    """A tensor of the facet and a dim of it: x and dim draw from one case."""
    x = draw(operands(facet, min_dims=1))
    # torch documents that a 0-d tensor (the 0-d facet) accepts dim 0 or -1, as if it had one element
    ndim = max(x.numpy().ndim, 1)
    return x, draw(st.integers(-ndim, ndim - 1))


def _sum_reference(x, dim):
    return np.sum(x, axis=dim if np.ndim(x) else None)


_sum_reference.__name__ = "sum"


def _magnitudes(x):
    """|x|, part by part for complex x (|Re x| + |Im x| j): what each part of a sum's rounding error scales with."""
    x = np.asarray(x)
    return np.abs(x.real) + 1j * np.abs(x.imag) if x.dtype.kind == "c" else np.abs(x)


def sum_check(facet):
    def check(case, evidence):
        x, dim = case
        compare(
            f"torch.sum(x, dim={dim})",
            lambda x: torch.sum(x, dim=dim),
            lambda x: _sum_reference(x, dim),
            {"x": x},
            claim="functions.sum_dim",
            facet=facet,
            evidence=evidence,
            signed_zero=signed_zero(facet),
            reference_name="numpy's sum",
            magnitude=lambda x: _sum_reference(_magnitudes(x), dim),  # a sum's error scales with its terms
        )

    examples = [{"case": (x, dim)} for x in explicit(facet) for dim in ((0, -1) if facet == ZERO_D else (1, -2))]
    examples = [e for e in examples if e["case"][0].numpy().ndim >= 2 or facet == ZERO_D or e["case"][1] in (0, -1)]
    return facets.searched(check, examples, case=_summed(facet))


def _params(make, facets_):
    return [facets.param(None if outside(f) else make(f), facet=f, outside=outside(f)) for f in facets_]


@pytest.mark.claim("functions.sum_dim")
@pytest.mark.parametrize("check", _params(sum_check, SUM_FACETS))
def test_sum_over_a_dim_matches_numpy(check, evidence):
    with counted():
        check(evidence=evidence)


# -- div and pow: two operands of one dtype, broadcast ----------------------------

#: broadcastable shapes with elements; the empty facet's have a zero-size side
FILLED = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, min_side=1, max_side=3)
EMPTY_PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, min_side=0, max_side=3).filter(
    lambda s: 0 in s.result_shape or not s.result_shape
)


def _strided_to(draw, base: np.ndarray) -> TensorCase:
    """A non-contiguous tensor with `base`'s values and shape: transposed from its transpose, or step-sliced."""
    if base.ndim >= 2 and draw(st.booleans()):
        return TensorCase(np.ascontiguousarray(np.swapaxes(base, 0, -1)), Layout([("transpose", (0, base.ndim - 1))]))
    wide = np.repeat(base, 2, axis=-1)  # every other element of the last side is base's
    return TensorCase(
        wide, Layout([("slice", tuple((None, None, 2 if i == base.ndim - 1 else 1) for i in range(base.ndim)))])
    )


@st.composite
def operand_pairs(draw, op: str, facet: str):
    """x and y of one dtype of the facet, with broadcastable shapes, as tensors.

    Special values: x holds one. Division by zero: y holds a zero (or -0.0),
    which every other facet of div leaves out of y. Layouts: both non-contiguous.
    """
    dims = facets.dimensions(facet)
    dtype = draw(_dtype_of(facet))
    sx, sy = draw(EMPTY_PAIRS if dims["shape"] == EMPTY else FILLED).input_shapes
    x = draw(arrays(dtype, sx, finite=True)) if dims["values"] == DIVISION_BY_ZERO else _values(draw, dtype, sx, facet)
    if op == "div" and dims["values"] == DIVISION_BY_ZERO:
        y = draw(arrays_holding(dtype, sy, (0.0, -0.0) if dtype.kind == "f" else (0,)))
    elif op == "div":  # no zero divisor (False is one) but in the division-by-zero facets
        y = _ones_for_zeros(draw(arrays(dtype, sy, finite=True)))
    else:
        y = draw(arrays(dtype, sy, finite=True))
    if dims["layout"] == STRIDED:
        tx, ty = _strided_to(draw, x), _strided_to(draw, y)
        if tx.build().is_contiguous() and ty.build().is_contiguous():  # sides of one: no stride to vary
            tx = TensorCase(tx.base, Layout([*tx.layout.ops, ("expand", (2, *tx.numpy().shape))]))
        return tx, ty
    return TensorCase(x, Layout([])), TensorCase(y, Layout([]))


NAN, INF = math.nan, math.inf
#: y of each facet's explicit examples (x is the facet's own row); each dtype of the facet
_DIVISORS = {
    BOOL: [[True, True, True], [True, True, True]],
    SIGNED: [[1, 2, -3], [4, -5, 7]],
    UINT8: [[1, 2, 3], [4, 5, 255]],
    FLOAT16: [[1.0, -2.0, 0.5], [3.0, -7.0, 0.25]],
    FLOAT: [[1.0, -2.0, 0.5], [3.0, -7.0, 0.25]],
    COMPLEX: [[1.0, -2j, 0.5 + 0.5j], [3.0, -7.0, 0.25j]],
    SPECIAL: [[1.0, -2.0, INF], [NAN, 3.0, -INF]],
    FLOAT16_SPECIAL: [[1.0, -2.0, INF], [NAN, 3.0, -INF]],
    COMPLEX_SPECIAL: [[1.0, -2j, 0.5 + 0.5j], [3.0, -7.0, 0.25j]],
}
_EXPONENTS = {
    BOOL: [[True, True, False], [True, False, True]],
    SIGNED: [[0, 1, 2], [3, 1, 2]],
    UINT8: [[0, 1, 2], [3, 2, 1]],
    FLOAT16: [[2.0, 0.5, 3.0], [-1.0, 0.0, 2.0]],
    FLOAT: [[2.0, 0.5, 3.0], [-1.0, 0.0, 2.0]],
    COMPLEX: [[0.0, 0.5j, 2.0], [-1.0, 1 + 1j, 2.0]],
    SPECIAL: [[2.0, 0.5, -1.0], [0.0, 2.0, INF]],
    FLOAT16_SPECIAL: [[2.0, 0.5, -1.0], [0.0, 2.0, INF]],
    COMPLEX_SPECIAL: [[0.0, 0.5j, 2.0], [-1.0, 1 + 1j, 2.0]],
}
_ZERO_DIVISORS = ([[0, 1, -2], [3, 5, 7]], [[0, 0, 0], [1, 0, 1]])


def pair_examples(op: str, facet: str) -> list[dict]:
    dims = facets.dimensions(facet)
    out = []
    for dtype in dtypes(facet):
        if dims["shape"] == EMPTY:
            pairs = [(np.zeros((2, 0)), np.zeros((1, 0))), (np.zeros(0), np.array(2.0))]
        elif dims["values"] == DIVISION_BY_ZERO:
            x, y = (np.array(v) for v in _ZERO_DIVISORS)
            pairs = [(x, y)]
        elif dims["layout"] == STRIDED:
            pairs = [(_ORDINARY, np.array(_DIVISORS[FLOAT] if op == "div" else _EXPONENTS[FLOAT]))]
        else:
            pairs = [(np.array(_ROWS[facet]), np.array((_DIVISORS if op == "div" else _EXPONENTS)[facet]))]
        for x, y in pairs:
            x, y = x.astype(dtype), y.astype(dtype)
            if dims["values"] == DIVISION_BY_ZERO and dtype.kind == "f":
                y[0, 1] = -0.0
            if dims["layout"] == STRIDED:
                out.append({"x": TensorCase(np.ascontiguousarray(x.T), Layout([("transpose", (0, 1))])),
                            "y": TensorCase(np.repeat(y, 2, axis=-1), Layout([("slice", ((None, None, 1), (None, None, 2)))]))})  # fmt: skip
            else:
                out.append({"x": TensorCase(x, Layout([])), "y": TensorCase(y, Layout([]))})
    return out


def binary_check(op: str, numpy_fn):
    claim = f"functions.{op}"

    def make(facet):
        def check(xy, evidence):
            x, y = xy
            compare(
                f"torch.{op}(x, y)",
                lambda x, y: getattr(torch, op)(x, y),
                lambda x, y: numpy_fn(x, y),
                {"x": x, "y": y},
                claim=claim,
                facet=facet,
                evidence=evidence,
                signed_zero=signed_zero(facet),
                reference_name=f"numpy's {numpy_fn.__name__}",
            )

        check.__name__ = check.__qualname__ = f"test_{op}"
        examples = [{"xy": (e["x"], e["y"])} for e in pair_examples(op, facet)]
        return facets.searched(check, examples, xy=operand_pairs(op, facet))

    return make


def _true_divide(x, y):
    return np.true_divide(x, y)


_true_divide.__name__ = "true_divide"
BINARY_FACETS = (*DTYPE_FACETS, SPECIAL, FLOAT16_SPECIAL, COMPLEX_SPECIAL, STRIDED, EMPTY)


@pytest.mark.claim("functions.div")
@pytest.mark.parametrize(
    "check",
    _params(binary_check("div", _true_divide), (*BINARY_FACETS, DIVISION_BY_ZERO, INTEGER_DIVISION_BY_ZERO)),
)
def test_div_is_numpy_true_division(check, evidence):
    with counted():
        check(evidence=evidence)


@pytest.mark.claim("functions.pow")
@pytest.mark.parametrize("check", _params(binary_check("pow", np.power), BINARY_FACETS))
def test_pow_matches_numpy_power(check, evidence):
    with counted():
        check(evidence=evidence)
