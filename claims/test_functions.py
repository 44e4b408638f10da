"""Lines 22-29: common torch functions, against their numpy namesakes."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from layouts import Layout, TensorCase, arrays, layouts, shapes
from oracle import FULL_DTYPES, compare

BROADCASTABLE = hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=3)


@st.composite
def operands(draw, dtypes=FULL_DTYPES):
    dtype = draw(st.sampled_from(list(dtypes)))
    shape = draw(shapes())
    base = draw(arrays(dtype, shape))
    return TensorCase(base, draw(layouts(shape)))


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


def _every_dtype(test):
    """One explicit example per dtype, special values included: generation alone
    may miss a dtype in 60 examples (it missed float16 once)."""
    for dtype in FULL_DTYPES:
        if dtype.kind == "b":
            values = [[True, False, True], [False, True, False]]
        elif dtype.kind in "fc":
            values = [[0.0, -0.0, 1.5], [float("nan"), float("inf"), -float("inf")]]
        else:
            values = [[0, 1, 2], [3, 5, 7]]
        test = example(x=TensorCase(np.array(values).astype(dtype), Layout([])))(test)
    return test


@pytest.mark.parametrize("spelling, fn, oracle", [
    pytest.param(spelling, fn, oracle, id=claim.split(".")[1], marks=pytest.mark.claim(claim))
    for claim, spelling, fn, oracle in UNARY])
@given(x=operands())
@_every_dtype
def test_unary_function_matches_numpy(spelling, fn, oracle, x, evidence):
    compare(lambda: fn(x.build()), lambda: oracle(x.numpy()), spelling, evidence)


@pytest.mark.claim("functions.sum_dim")
@given(x=operands(), data=st.data())
def test_sum_over_a_dim_matches_numpy(x, data, evidence):
    ndim = len(x.numpy().shape)
    # torch documents that a 0-d tensor accepts dim 0 or -1, as if it had one element
    dim = data.draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1), label="dim")
    oracle_axis = dim if ndim else None
    compare(lambda: torch.sum(x.build(), dim=dim), lambda: np.sum(x.numpy(), axis=oracle_axis),
            "torch.sum(x, dim={})".format(dim), evidence)


@pytest.mark.claim("functions.div")
@given(data=st.data())
def test_div_is_numpy_true_division(data, evidence):
    dtype = data.draw(st.sampled_from(list(FULL_DTYPES)), label="dtype")
    shapes_ = data.draw(BROADCASTABLE, label="shapes")
    x = torch.from_numpy(data.draw(arrays(dtype, shapes_.input_shapes[0]), label="x"))
    y = torch.from_numpy(data.draw(arrays(dtype, shapes_.input_shapes[1]), label="y"))
    compare(lambda: torch.div(x, y), lambda: np.true_divide(x.numpy(), y.numpy()), "torch.div(x, y)", evidence)


@pytest.mark.claim("functions.pow")
@given(data=st.data())
def test_pow_matches_numpy_power(data, evidence):
    dtype = data.draw(st.sampled_from(list(FULL_DTYPES)), label="dtype")
    shapes_ = data.draw(BROADCASTABLE, label="shapes")
    x = torch.from_numpy(data.draw(arrays(dtype, shapes_.input_shapes[0]), label="x"))
    y = torch.from_numpy(data.draw(arrays(dtype, shapes_.input_shapes[1]), label="y"))
    compare(lambda: torch.pow(x, y), lambda: np.power(x.numpy(), y.numpy()), "torch.pow(x, y)", evidence)
