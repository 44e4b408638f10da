"""Lines 31-36: numpy arrays into tensors with torch.from_numpy."""

from __future__ import annotations

import functools
import sys

import facets
import numpy as np
import pytest
import torch
from closeness import assert_close
from facets import (
    BOOL,
    COMPLEX,
    CONTIGUOUS,
    EMPTY,
    FLOAT,
    FLOAT16,
    NEGATIVE_STRIDES,
    NO_TWIN,
    NON_NATIVE,
    SIGNED,
    STRIDED,
    UINT8,
    WIDE_UNSIGNED,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from layouts import NUMERIC_DTYPES, array_cases, empty_shapes, shapes, torch_dtype_for

from claimcheck import finding

_FOREIGN = ">" if sys.byteorder == "little" else "<"


def _has_twin(name: str) -> bool:
    return torch_dtype_for(np.dtype(name)) is not None


#: Arrays with elements, neither 0-d nor of zero size: those are a facet of their own (EMPTY).
WITH_ELEMENTS = shapes(min_dims=1, min_side=1)
FAMILIES = (BOOL, SIGNED, UINT8, WIDE_UNSIGNED, FLOAT16, FLOAT, COMPLEX)
TWINS = [np.dtype(name) for family in FAMILIES for name in facets.DTYPE_FAMILIES[family] if _has_twin(name)]

# Every kind of numpy dtype, one check each, so the report names each one torch
# refuses; each check in its facet: the dtypes with a torch twin by family (arrays
# with elements), empty and 0-d arrays of all of them, then the dtypes without a
# twin, then the other byte order. Concrete dtypes stand for themselves; kinds
# draw members. (facet, name, dtypes, shapes; None: every shape)
KINDS: list[tuple[str, str, st.SearchStrategy, st.SearchStrategy | None]] = [
    (family, name, st.just(np.dtype(name)), WITH_ELEMENTS)
    for family in FAMILIES
    for name in facets.DTYPE_FAMILIES[family]
]
KINDS += [(EMPTY, EMPTY, st.sampled_from(TWINS), empty_shapes())]
KINDS += [(NO_TWIN, dt.name, st.just(dt), None) for dt in map(np.dtype, ("longdouble", "clongdouble"))
          if facets.family_of(dt) == NO_TWIN]  # fmt: skip
KINDS += [
    (NO_TWIN, "datetime64", hnp.datetime64_dtypes(), None),
    (NO_TWIN, "timedelta64", hnp.timedelta64_dtypes(), None),
    (NO_TWIN, "bytes", hnp.byte_string_dtypes(endianness="="), None),
    (NO_TWIN, "str", hnp.unicode_string_dtypes(endianness="="), None),
    (NO_TWIN, "void", st.integers(1, 8).map(lambda n: np.dtype(f"V{n}")), None),
    (NO_TWIN, "object", st.just(np.dtype("O")), None),
    (NON_NATIVE, NON_NATIVE, hnp.integer_dtypes(endianness=_FOREIGN, sizes=(16, 32, 64))
     | hnp.floating_dtypes(endianness=_FOREIGN, sizes=(32, 64)), None),
]  # fmt: skip
CASES = {name: dtypes.flatmap(functools.partial(array_cases, shape_from=where)) for _, name, dtypes, where in KINDS}


def _kind_params():
    for facet, name, _, _ in KINDS:
        missing = None
        if facet in facets.DTYPE_FAMILIES and not _has_twin(name):
            missing = f"this torch has no torch.{name}"
        yield facets.param(name, facet=facet, id=name if name == facet else f"{facet}-{name}", outside=missing)


@pytest.mark.claim("numpy.from_numpy.keeps_dtype")
@pytest.mark.parametrize("kind", list(_kind_params()))
@given(data=st.data())
def test_from_numpy_keeps_dtype(kind, data):
    a = data.draw(CASES[kind], label="a").build()
    expected = torch_dtype_for(a.dtype)
    with finding("torch.from_numpy(a)"):
        b = torch.from_numpy(a)
    assert expected is not None, f"torch.from_numpy(a) gave {b.dtype} for a.dtype={a.dtype!r}, which has no torch twin"
    assert b.dtype == expected, (
        f"b.dtype={b.dtype}, but should be {expected} [torch.from_numpy(a), a.dtype={a.dtype!r}]"
    )
    assert tuple(b.shape) == a.shape, f"b.shape={tuple(b.shape)}, but should be {a.shape} [torch.from_numpy(a)]"


#: the arrays of each facet of shares_memory: (layout, shapes); empty and 0-d ones apart, in any layout
SHARING = {CONTIGUOUS: (CONTIGUOUS, WITH_ELEMENTS), STRIDED: (STRIDED, WITH_ELEMENTS), EMPTY: (None, empty_shapes())}


@pytest.mark.claim("numpy.from_numpy.shares_memory")
@pytest.mark.parametrize("arrays", [facets.param(f, facet=f) for f in SHARING])
@given(data=st.data())
def test_from_numpy_shares_memory(arrays, data):
    layout, shape_from = SHARING[arrays]
    dtype = data.draw(st.sampled_from(NUMERIC_DTYPES), label="dtype")
    a = data.draw(array_cases(dtype, layout=layout, shape_from=shape_from), label="a").build()
    with finding("torch.from_numpy(a)"):
        b = torch.from_numpy(a)
    if a.size == 0:
        return  # nothing to share; the dtype and shape checks cover empty arrays
    strides = tuple(s // a.itemsize for s in a.strides)
    assert b.stride() == strides, f"b.stride()={b.stride()}, but should be {strides} [a.strides in elements]"
    assert b.data_ptr() == a.__array_interface__["data"][0], "b does not start at a's first byte"
    if a.flags.writeable:
        index = (0,) * a.ndim
        new = np.array(0 if a[index] else 1).astype(a.dtype)  # differs from what is there
        b[index] = torch.from_numpy(new)
        assert a[index] == new, f"a[{index}] is {a[index]!r} after b[{index}] = {new!r}: no shared memory"


@pytest.mark.claim("numpy.from_numpy.any_strides")
@pytest.mark.parametrize("layout", [facets.param(f, facet=f) for f in (CONTIGUOUS, STRIDED, NEGATIVE_STRIDES)])
@given(data=st.data())
def test_from_numpy_accepts_any_strides(layout, data):
    dtype = data.draw(st.sampled_from(NUMERIC_DTYPES), label="dtype")
    a = data.draw(array_cases(dtype, layout=layout), label="a").build()
    with finding("torch.from_numpy(a)"):
        b = torch.from_numpy(a)
    assert_close(b, a.copy(), rtol=0, atol=0, equal_nan=True)


@pytest.mark.replacement("numpy.from_numpy.any_strides")
@given(data=st.data())
def test_from_numpy_of_a_copy_accepts_any_strides(data):
    dtype = data.draw(st.sampled_from(NUMERIC_DTYPES), label="dtype")
    a = data.draw(array_cases(dtype, negative_steps=True), label="a").build()
    with finding("torch.from_numpy(a.copy())"):
        b = torch.from_numpy(a.copy())
    assert b.dtype == torch_dtype_for(a.dtype), f"b.dtype={b.dtype}, a.dtype={a.dtype}"
    assert tuple(b.shape) == a.shape, f"b.shape={tuple(b.shape)}, a.shape={a.shape}"
    # compare element by element against numpy's own values, in C order
    expected = torch.from_numpy(np.ravel(a, order="C").copy())
    assert_close(b.reshape(-1), expected, rtol=0, atol=0, equal_nan=True)
