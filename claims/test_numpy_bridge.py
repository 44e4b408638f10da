"""Lines 31-36: numpy arrays into tensors with torch.from_numpy."""
from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from closeness import assert_close
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from layouts import NUMERIC_DTYPES, array_cases, torch_dtype_for

from claimcheck import finding

_FOREIGN = ">" if sys.byteorder == "little" else "<"

# Every kind of numpy dtype, one check each, so the report names each one
# torch refuses. Concrete dtypes stand for themselves; families draw members.
DTYPE_FAMILIES = dict(
    [(dt.name, st.just(dt)) for dt in map(np.dtype, (
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "float16", "float32", "float64", "longdouble", "complex64", "complex128", "clongdouble"))]
    + [
        ("datetime64", hnp.datetime64_dtypes()),
        ("timedelta64", hnp.timedelta64_dtypes()),
        ("bytes", hnp.byte_string_dtypes(endianness="=")),
        ("str", hnp.unicode_string_dtypes(endianness="=")),
        ("void", st.integers(1, 8).map(lambda n: np.dtype("V{}".format(n)))),
        ("object", st.just(np.dtype("O"))),
        ("non-native byte order", hnp.integer_dtypes(endianness=_FOREIGN, sizes=(16, 32, 64))
         | hnp.floating_dtypes(endianness=_FOREIGN, sizes=(32, 64))),
    ]
)


def _cases(family: str, negative_steps: bool = False):
    return DTYPE_FAMILIES[family].flatmap(lambda dt: array_cases(dt, negative_steps=negative_steps))


@pytest.mark.claim("numpy.from_numpy.keeps_dtype")
@pytest.mark.parametrize("family", sorted(DTYPE_FAMILIES))
@given(data=st.data())
def test_from_numpy_keeps_dtype(family, data):
    a = data.draw(_cases(family), label="a").build()
    expected = torch_dtype_for(a.dtype)
    with finding("torch.from_numpy(a)"):
        b = torch.from_numpy(a)
    assert expected is not None, "torch.from_numpy(a) gave {} for a.dtype={!r}, which has no torch twin".format(
        b.dtype, a.dtype)
    assert b.dtype == expected, "b.dtype={}, but should be {} [torch.from_numpy(a), a.dtype={!r}]".format(
        b.dtype, expected, a.dtype)
    assert tuple(b.shape) == a.shape, "b.shape={}, but should be {} [torch.from_numpy(a)]".format(
        tuple(b.shape), a.shape)


@pytest.mark.claim("numpy.from_numpy.shares_memory")
@given(data=st.data())
def test_from_numpy_shares_memory(data):
    dtype = data.draw(st.sampled_from(NUMERIC_DTYPES), label="dtype")
    a = data.draw(array_cases(dtype), label="a").build()
    with finding("torch.from_numpy(a)"):
        b = torch.from_numpy(a)
    if a.size == 0:
        return  # nothing to share; the dtype and shape checks cover empty arrays
    strides = tuple(s // a.itemsize for s in a.strides)
    assert b.stride() == strides, "b.stride()={}, but should be {} [a.strides in elements]".format(
        b.stride(), strides)
    assert b.data_ptr() == a.__array_interface__["data"][0], "b does not start at a's first byte"
    if a.flags.writeable:
        index = (0,) * a.ndim
        new = np.array(0 if a[index] else 1).astype(a.dtype)  # differs from what is there
        b[index] = torch.from_numpy(new)
        assert a[index] == new, "a[{}] is {!r} after b[{}] = {!r}: no shared memory".format(
            index, a[index], index, new)


@pytest.mark.claim("numpy.from_numpy.any_strides")
@given(data=st.data())
def test_from_numpy_accepts_any_strides(data):
    dtype = data.draw(st.sampled_from(NUMERIC_DTYPES), label="dtype")
    a = data.draw(array_cases(dtype, negative_steps=True), label="a").build()
    with finding("torch.from_numpy(a)"):
        b = torch.from_numpy(a)
    assert_close(b, torch.from_numpy(a.copy()), rtol=0, atol=0, equal_nan=True)


@pytest.mark.replacement("numpy.from_numpy.any_strides")
@given(data=st.data())
def test_from_numpy_of_a_copy_accepts_any_strides(data):
    dtype = data.draw(st.sampled_from(NUMERIC_DTYPES), label="dtype")
    a = data.draw(array_cases(dtype, negative_steps=True), label="a").build()
    b = torch.from_numpy(a.copy())
    assert b.dtype == torch_dtype_for(a.dtype), "b.dtype={}, a.dtype={}".format(b.dtype, a.dtype)
    assert tuple(b.shape) == a.shape, "b.shape={}, a.shape={}".format(tuple(b.shape), a.shape)
    # compare element by element against numpy's own values, in C order
    expected = torch.from_numpy(np.ravel(a, order="C").copy())
    assert_close(b.reshape(-1), expected, rtol=0, atol=0, equal_nan=True)
