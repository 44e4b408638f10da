"""Lines 13-20 and 36: the legacy typed constructors, and FloatTensor(a) as a cast."""

from __future__ import annotations

import functools

import facets
import numpy as np
import pytest
import torch
from closeness import assert_close
from facets import CONTIGUOUS, EMPTY, EMPTY_EVERY_DTYPE, NEGATIVE_STRIDES, STRIDED
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from layouts import NUMERIC_DTYPES, array_cases, empty_shapes, shapes
from reproduce import assign, expect, expect_close, refusal

TYPES = [
    ("tensor.types.int_tensor", "IntTensor", torch.int32),
    ("tensor.types.float_tensor", "FloatTensor", torch.float32),
    ("tensor.types.double_tensor", "DoubleTensor", torch.float64),
    ("tensor.types.long_tensor", "LongTensor", torch.int64),
]


def _params(role):
    mark = pytest.mark.claim if role == "as-written" else pytest.mark.replacement
    return [pytest.param(name, dtype, id=name, marks=mark(claim)) for claim, name, dtype in TYPES]


SIZES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)


@st.composite
def nested_data(draw, dtype: torch.dtype):
    """A nested list of Python numbers of some shape (0-d excluded: a bare number means a size)."""
    np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    shape = draw(SIZES)
    return draw(_finite_arrays(np_dtype, shape)).tolist()


@functools.lru_cache(maxsize=None)
def _finite_arrays(np_dtype, shape):
    elements = hnp.from_dtype(np_dtype, allow_nan=False) if np_dtype.kind == "f" else hnp.from_dtype(np_dtype)
    return hnp.arrays(np_dtype, shape, elements=elements)


@pytest.mark.parametrize("name, dtype", _params("as-written"))
@given(data=st.data())
def test_typed_constructor(name, dtype, data):
    values = data.draw(nested_data(dtype), label="values")
    # at least one size: with none, the constructor documents an empty 1-d tensor
    sizes = data.draw(SIZES, label="sizes")
    constructor = getattr(torch, name)
    setup = [assign("values", values)]
    with refusal(f"torch.{name}(values)", setup):
        t = constructor(values)
    expect(t.dtype == dtype, f"torch.{name}(values) gave {t.dtype}", setup, f"torch.{name}(values).dtype", t.dtype)
    expect(
        t.device.type == "cpu",
        f"torch.{name}(values) is on {t.device}",
        setup,
        f"torch.{name}(values).device",
        t.device,
    )
    expect_close(
        t,
        np.array(values, dtype=torch.empty(0, dtype=dtype).numpy().dtype),
        setup,
        f"torch.{name}(values)",
        f"np.array(values, dtype={dtype})",
    )
    with refusal(f"torch.{name}(*{sizes})", []):
        u = constructor(*sizes)
    expect(
        tuple(u.shape) == tuple(sizes),
        f"torch.{name}(*{sizes}) has shape {tuple(u.shape)}",
        [],
        f"torch.{name}(*{sizes}).shape",
        u.shape,
    )
    expect(u.dtype == dtype, f"torch.{name}(*{sizes}) is {u.dtype}", [], f"torch.{name}(*{sizes}).dtype", u.dtype)


@pytest.mark.parametrize("name, dtype", _params("replacement"))
@given(data=st.data())
def test_factory_with_dtype(name, dtype, data):
    values = data.draw(nested_data(dtype), label="values")
    sizes = data.draw(SIZES, label="sizes")
    t = torch.tensor(values, dtype=dtype)
    assert t.dtype == dtype
    assert_close(t, np.array(values, dtype=torch.empty(0, dtype=dtype).numpy().dtype))
    u = torch.empty(sizes, dtype=dtype)
    assert tuple(u.shape) == tuple(sizes) and u.dtype == dtype


def _real_dtypes():
    return [d for d in NUMERIC_DTYPES if d.kind in "biuf"]


# The arrays FloatTensor(a) casts, by facet: empty and 0-d ones apart (in any
# layout), the others by layout.
WITH_ELEMENTS = shapes(min_dims=1, min_side=1)
CAST_FACETS = {
    EMPTY: (CONTIGUOUS, empty_shapes()),
    EMPTY_EVERY_DTYPE: (CONTIGUOUS, empty_shapes()),
    CONTIGUOUS: (CONTIGUOUS, WITH_ELEMENTS),
    STRIDED: (STRIDED, WITH_ELEMENTS),
    NEGATIVE_STRIDES: (NEGATIVE_STRIDES, WITH_ELEMENTS),
}


@pytest.mark.claim("numpy.float_tensor.casts")
@pytest.mark.parametrize("arrays", [facets.param(f, facet=f) for f in CAST_FACETS])
@given(data=st.data())
def test_float_tensor_of_an_array_casts(arrays, data):
    layout, shape_from = CAST_FACETS[arrays]
    # the cast from every dtype is the ordinary use; the layout and empty facets keep numpy's default dtype,
    # and empty or 0-d arrays of every dtype are a combination of their own (0-d integers are taken for sizes)
    dtypes = _real_dtypes() if arrays in (CONTIGUOUS, EMPTY_EVERY_DTYPE) else [np.dtype("float64")]
    dtype = data.draw(st.sampled_from(dtypes), label="dtype")
    case = data.draw(array_cases(dtype, negative_steps=True, layout=layout, shape_from=shape_from), label="a")
    a = case.build()
    setup = [f"a = {case!r}"]
    with refusal("torch.FloatTensor(a)", setup):
        b = torch.FloatTensor(a)
    expect(
        b.dtype == torch.float32, f"torch.FloatTensor(a).dtype={b.dtype}", setup, "torch.FloatTensor(a).dtype", b.dtype
    )
    expect_close(b, a.astype(np.float32), setup, "torch.FloatTensor(a)", "a.astype(np.float32)", equal_nan=True)
    if a.size and dtype != np.float32:
        copied = b.data_ptr() != a.__array_interface__["data"][0]
        expr = "torch.FloatTensor(a).data_ptr() != a.__array_interface__['data'][0]"
        expect(copied, "a cast should copy", setup, expr, copied)


@pytest.mark.replacement("numpy.float_tensor.casts")
@given(data=st.data())
def test_from_numpy_of_astype_float32(data):
    dtype = data.draw(st.sampled_from(_real_dtypes()), label="dtype")
    case = data.draw(array_cases(dtype, negative_steps=True), label="a")
    a = case.build()
    with refusal("torch.from_numpy(a.astype(np.float32))", [f"a = {case!r}"]):
        b = torch.from_numpy(a.astype(np.float32))
    assert b.dtype == torch.float32
    assert_close(b, torch.from_numpy(np.ravel(a, order="C").astype(np.float32)).reshape(a.shape), equal_nan=True)
