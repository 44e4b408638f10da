"""Lines 22-29: common torch functions, against their numpy namesakes.

Each function's domain is split into facets (claims/facets.py), each searched on
its own with its own explicit examples, so that one facet's counterexample never
hides another's: one dtype family each, finite floats apart from the special
values (signed zero, nan, inf), and, for div, division by zero apart.
"""

from __future__ import annotations

import functools
import math

import facets
import numpy as np
import pytest
import torch
from facets import BOOL, COMPLEX, DIVISION_BY_ZERO, FLOAT, FLOAT16, SIGNED, SPECIAL, UINT8, ZERO_D
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from layouts import SPECIAL_FLOATS, Layout, TensorCase, arrays, arrays_holding, layouts, shapes
from oracle import FULL_DTYPES, compare

#: The facets of every function here, in the order the report lists them.
FACETS = (BOOL, SIGNED, UINT8, FLOAT16, FLOAT, SPECIAL, COMPLEX)
FLOATS = (FLOAT16, FLOAT)


@functools.lru_cache(maxsize=None)
def dtypes(facet: str) -> tuple[np.dtype, ...]:
    """This torch's dtypes in a facet: its dtype family, or every real float for the special values."""
    if facet == SPECIAL:
        return tuple(d for d in FULL_DTYPES if d.kind == "f")
    if facet == DIVISION_BY_ZERO:
        return tuple(d for d in FULL_DTYPES if d.kind in "iuf")
    if facet == ZERO_D:
        return FULL_DTYPES
    return facets.members(facet, FULL_DTYPES)


@functools.lru_cache(maxsize=None)
def _dtype_of(facet: str) -> st.SearchStrategy:
    return st.sampled_from(dtypes(facet))


def outside(facet: str) -> str | None:
    """Why this torch cannot express a facet (it computes with none of its dtypes), or None."""
    if dtypes(facet):
        return None
    names = facets.DTYPE_FAMILIES.get(facet, ("float16", "float32", "float64"))
    return "this torch computes with no {} tensors (torch.from_numpy(a) + 0 fails)".format(" or ".join(names))


# -- the inputs of each facet ---------------------------------------------------


@st.composite
def operands(draw, facet: str, min_dims: int = 0) -> TensorCase:
    """A tensor of the facet's dtypes in any shape (of `min_dims` or more) and layout; the
    facet of the special values holds at least one (so no zero-size shape), finite floats
    hold none; the 0-d facet's tensors are 0-d, of any dtype."""
    dtype = draw(_dtype_of(facet))
    if facet == ZERO_D:
        return TensorCase(draw(arrays(dtype, ())), Layout([]))
    if facet == SPECIAL:
        shape = draw(shapes(min_dims=min_dims, min_side=1))
        base = draw(arrays_holding(dtype, shape, SPECIAL_FLOATS))
    else:
        shape = draw(shapes(min_dims=min_dims))
        base = draw(arrays(dtype, shape, finite=facet in FLOATS))
    return TensorCase(base, draw(layouts(shape)))


_ROWS = {
    BOOL: [[True, False, True], [False, True, False]],
    SIGNED: [[0, -1, 2], [3, -5, 7]],
    UINT8: [[0, 1, 2], [3, 5, 255]],
    FLOAT16: [[0.0, 1.5, -2.0], [0.25, 3.0, -7.0]],
    FLOAT: [[0.0, 1.5, -2.0], [0.25, 3.0, -7.0]],
    SPECIAL: [[0.0, -0.0, 1.5], [math.nan, math.inf, -math.inf]],
    COMPLEX: [[0.0, -0.0, 1.5], [math.nan, math.inf, -math.inf]],
}


# Magnitudes where exp and friends overflow or underflow: float16 past 11, float32 past 88, float64 past 709.
_EXTREMES = {
    FLOAT16: [[-12.0, 12.0, -100.0], [100.0, -0.001, 11.5]],
    FLOAT: [[-710.0, 710.0, -100.0], [100.0, -89.0, 89.0]],
    COMPLEX: [[-710.0, 710.0, -100.0], [100.0, -89.0, 89.0]],
}


def explicit(facet: str) -> list[TensorCase]:
    """The facet's explicit examples, for each of its dtypes: ordinary values, and for floating facets the
    magnitudes where exp-like functions overflow (a search of a few dozen examples may miss either)."""
    rows = [np.array(1)] if facet == ZERO_D else [np.array(_ROWS[facet])]
    if facet in _EXTREMES:
        rows.append(np.array(_EXTREMES[facet]))
    return [TensorCase(r.astype(dtype), Layout([])) for dtype in dtypes(facet) for r in rows]


# -- one claim per function; one check per facet --------------------------------


def floating(numpy_fn):
    """numpy's function as torch documents it for integer and bool inputs:
    they are first promoted to the default float dtype (float32), then computed."""

    def oracle(a):
        if a.dtype.kind in "biu":
            a = a.astype(torch.empty(0).numpy().dtype).astype(np.float64)
        return numpy_fn(a)

    oracle.__name__ = numpy_fn.__name__
    return oracle


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


UNARY = [
    ("functions.sigmoid", "torch.sigmoid(x)", torch.sigmoid, floating(sigmoid)),
    ("functions.log", "torch.log(x)", torch.log, floating(np.log)),
    ("functions.neg", "torch.neg(x)", torch.neg, np.negative),
    ("functions.reciprocal", "torch.reciprocal(x)", torch.reciprocal, floating(np.reciprocal)),
    ("functions.sin", "torch.sin(x)", torch.sin, floating(np.sin)),
    ("functions.tanh", "torch.tanh(x)", torch.tanh, floating(np.tanh)),
    ("functions.sqrt", "torch.sqrt(x)", torch.sqrt, floating(np.sqrt)),
    ("functions.sign", "torch.sign(x)", torch.sign, np.sign),
]


def unary_check(spelling, fn, oracle, facet):
    def check(x, evidence):
        t = x.build()
        compare(lambda: fn(t), lambda: oracle(x.numpy()), spelling, evidence)

    check.__name__ = check.__qualname__ = f"test_{fn.__name__}"
    return facets.searched(check, [{"x": x} for x in explicit(facet)], x=operands(facet))


def _unary_params():
    for claim, spelling, fn, oracle in UNARY:
        for facet in FACETS:
            reason = outside(facet)
            check = None if reason else unary_check(spelling, fn, oracle, facet)
            name = claim.split(".")[1]
            yield facets.param(check, facet=facet, id=f"{name}-{facet}", marks=pytest.mark.claim(claim), outside=reason)


@pytest.mark.parametrize("check", list(_unary_params()))
def test_unary_function_matches_numpy(check, evidence):
    check(evidence=evidence)


@st.composite
def _summed(draw, facet: str):
    """A tensor of the facet and a dim of it: x and dim draw from one shared case."""
    x = draw(operands(facet, min_dims=1))
    # torch documents that a 0-d tensor (the 0-d facet) accepts dim 0 or -1, as if it had one element
    ndim = max(x.numpy().ndim, 1)
    return x, draw(st.integers(-ndim, ndim - 1))


def sum_check(facet):
    def check(x, dim, evidence):
        t, oracle_axis = x.build(), dim if x.numpy().ndim else None
        compare(
            lambda: torch.sum(t, dim=dim),
            lambda: np.sum(x.numpy(), axis=oracle_axis),
            f"torch.sum(x, dim={dim})",
            evidence,
        )

    case = st.shared(_summed(facet), key="summed")
    examples = [{"x": x, "dim": dim} for x in explicit(facet) for dim in ((0, -1) if facet == ZERO_D else (1, -2))]
    return facets.searched(check, examples, x=case.map(lambda c: c[0]), dim=case.map(lambda c: c[1]))


def _params(make, facets_):
    return [facets.param(None if outside(f) else make(f), facet=f, outside=outside(f)) for f in facets_]


@pytest.mark.claim("functions.sum_dim")
@pytest.mark.parametrize("check", _params(sum_check, (*FACETS, ZERO_D)))
def test_sum_over_a_dim_matches_numpy(check, evidence):
    check(evidence=evidence)


# -- div and pow: two operands of one dtype, broadcast ----------------------------

BROADCASTABLE = hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=3)
#: for a facet that needs an element of its own in an operand: no zero-size shape
FILLED = hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=1, max_side=3)


def _ones_for_zeros(array: np.ndarray) -> np.ndarray:
    return np.asarray(np.where(array == 0, np.ones((), array.dtype), array))  # nan is not zero; -0.0 is


@functools.lru_cache(maxsize=None)
def divisors(dtype: np.dtype, shape: tuple[int, ...], finite: bool) -> st.SearchStrategy:
    """Arrays with no zero element, -0.0 included: the divisors of every facet of div but division by zero."""
    return arrays(dtype, shape, finite).map(_ones_for_zeros)


@st.composite
def operand_pairs(draw, op: str, facet: str):
    """x and y of one dtype of the facet, with broadcastable shapes, as tensors.

    Special values: x holds one. Division by zero: y holds a zero (or -0.0),
    which every other facet of div leaves out of y.
    """
    dtype = draw(_dtype_of(facet))
    sx, sy = draw(FILLED if facet in (SPECIAL, DIVISION_BY_ZERO) else BROADCASTABLE).input_shapes
    finite = facet in FLOATS or facet == DIVISION_BY_ZERO
    x = draw(arrays_holding(dtype, sx, SPECIAL_FLOATS) if facet == SPECIAL else arrays(dtype, sx, finite))
    if op == "pow" or facet in (BOOL, COMPLEX):
        y = draw(arrays(dtype, sy, finite))
    elif facet == DIVISION_BY_ZERO:
        y = draw(arrays_holding(dtype, sy, (0.0, -0.0) if dtype.kind == "f" else (0,)))
    else:
        y = draw(divisors(dtype, sy, finite))
    return TensorCase(x, Layout([])), TensorCase(y, Layout([]))


NAN, INF = math.nan, math.inf
# (x, y) of each facet's explicit examples, one per dtype
_PAIRS = {
    "div": {
        BOOL: (_ROWS[BOOL], [[True, True, False], [True, False, True]]),
        SIGNED: (_ROWS[SIGNED], [[1, 2, -3], [4, -5, 7]]),
        UINT8: (_ROWS[UINT8], [[1, 2, 3], [4, 5, 255]]),
        FLOAT16: (_ROWS[FLOAT16], [[1.0, -2.0, 0.5], [3.0, -7.0, 0.25]]),
        FLOAT: (_ROWS[FLOAT], [[1.0, -2.0, 0.5], [3.0, -7.0, 0.25]]),
        SPECIAL: (_ROWS[SPECIAL], [[1.0, -2.0, INF], [NAN, 3.0, -INF]]),
        COMPLEX: (_ROWS[COMPLEX], _ROWS[COMPLEX]),
        DIVISION_BY_ZERO: ([[0, 1, 2], [3, 5, 7]], [[0, 0, 0], [1, 0, 1]]),
    },
    "pow": {
        BOOL: (_ROWS[BOOL], [[True, True, False], [True, False, True]]),
        SIGNED: (_ROWS[SIGNED], [[0, 1, 2], [3, 1, 2]]),
        UINT8: (_ROWS[UINT8], [[0, 1, 2], [3, 2, 1]]),
        FLOAT16: (_ROWS[FLOAT16], [[2.0, 0.5, 3.0], [-1.0, 0.0, 2.0]]),
        FLOAT: (_ROWS[FLOAT], [[2.0, 0.5, 3.0], [-1.0, 0.0, 2.0]]),
        SPECIAL: (_ROWS[SPECIAL], [[2.0, 0.5, -1.0], [0.0, 2.0, INF]]),
        COMPLEX: (_ROWS[COMPLEX], _ROWS[COMPLEX]),
    },
}


def pair_examples(op: str, facet: str) -> list[dict]:
    x, y = _PAIRS[op][facet]
    examples = []
    for dtype in dtypes(facet):
        yv = np.array(y).astype(dtype)
        if facet == DIVISION_BY_ZERO and dtype.kind == "f":
            yv[0, 1] = -0.0
        examples.append({"x": TensorCase(np.array(x).astype(dtype), Layout([])), "y": TensorCase(yv, Layout([]))})
    return examples


def binary_check(op: str, torch_fn, numpy_fn):
    def make(facet):
        def check(x, y, evidence):
            tx, ty = x.build(), y.build()
            compare(lambda: torch_fn(tx, ty), lambda: numpy_fn(x.numpy(), y.numpy()), f"torch.{op}(x, y)", evidence)

        check.__name__ = check.__qualname__ = f"test_{op}"
        pair = st.shared(operand_pairs(op, facet), key=op)
        return facets.searched(check, pair_examples(op, facet), x=pair.map(lambda p: p[0]), y=pair.map(lambda p: p[1]))

    return make


@pytest.mark.claim("functions.div")
@pytest.mark.parametrize("check", _params(binary_check("div", torch.div, np.true_divide), (*FACETS, DIVISION_BY_ZERO)))
def test_div_is_numpy_true_division(check, evidence):
    check(evidence=evidence)


@pytest.mark.claim("functions.pow")
@pytest.mark.parametrize("check", _params(binary_check("pow", torch.pow, np.power), FACETS))
def test_pow_matches_numpy_power(check, evidence):
    check(evidence=evidence)
