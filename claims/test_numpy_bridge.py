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


#: Arrays with elements, neither 0-d nor of zero size: those are a facet of their own (EMPTY).
WITH_ELEMENTS = shapes(min_dims=1, min_side=1)
FAMILIES = (BOOL, SIGNED, UINT8, WIDE_UNSIGNED, FLOAT16, FLOAT, COMPLEX)

# Every kind of numpy dtype, one check each, so the report names each one torch
# refuses; each check in its facet: the dtypes with a torch twin by family (arrays
# with elements), empty and 0-d arrays of all of them, then the dtypes without a
# twin, then the other byte order; and, apart, arrays of the ordinary dtype in
# non-contiguous layouts. Concrete dtypes stand for themselves; kinds draw members.
# (facet, name, dtypes, shapes)
KINDS: list[tuple[str, str, st.SearchStrategy, st.SearchStrategy]] = [
    (family, name, st.just(np.dtype(name)), WITH_ELEMENTS)
    for family in FAMILIES
    for name in facets.DTYPE_FAMILIES[family]
]
#: the ordinary array a reader converts: numpy's default dtype (float64), with elements, contiguous
ORDINARY = np.dtype("float64")
KINDS += [(EMPTY, EMPTY, st.just(ORDINARY), empty_shapes()), (STRIDED, STRIDED, st.just(ORDINARY), WITH_ELEMENTS)]
KINDS += [(NO_TWIN, dt.name, st.just(dt), WITH_ELEMENTS) for dt in map(np.dtype, ("longdouble", "clongdouble"))
          if facets.family_of(dt) == NO_TWIN]  # fmt: skip
KINDS += [
    (NO_TWIN, "datetime64", hnp.datetime64_dtypes(), WITH_ELEMENTS),
    (NO_TWIN, "timedelta64", hnp.timedelta64_dtypes(), WITH_ELEMENTS),
    (NO_TWIN, "bytes", hnp.byte_string_dtypes(endianness="="), WITH_ELEMENTS),
    (NO_TWIN, "str", hnp.unicode_string_dtypes(endianness="="), WITH_ELEMENTS),
    (NO_TWIN, "void", st.integers(1, 8).map(lambda n: np.dtype(f"V{n}")), WITH_ELEMENTS),
    (NO_TWIN, "object", st.just(np.dtype("O")), WITH_ELEMENTS),
    (NON_NATIVE, NON_NATIVE, hnp.integer_dtypes(endianness=_FOREIGN, sizes=(16, 32, 64))
     | hnp.floating_dtypes(endianness=_FOREIGN, sizes=(32, 64)), WITH_ELEMENTS),
]  # fmt: skip
#: each kind's arrays: contiguous, but for the layout facet (every positive-stride layout, in the ordinary dtype)
CASES = {
    name: dtypes.flatmap(
        functools.partial(array_cases, layout=STRIDED if facet == STRIDED else CONTIGUOUS, shape_from=where)
    )
    for facet, name, dtypes, where in KINDS
}
# the layout facet's arrays are never left contiguous by operations that change nothing (a step of 1)
CASES[STRIDED] = CASES[STRIDED].filter(lambda case: not case.build().flags.c_contiguous)


def _kind_params():
    """Every kind is in every torch's domain: its input is a numpy array, which numpy always builds.
    A dtype this torch has no twin of, or refuses, makes the facet broken (coverage), never skipped."""
    for facet, name, _, _ in KINDS:
        yield facets.param(name, facet=facet, id=name if name == facet else f"{facet}-{name}")


@pytest.mark.claim("numpy.from_numpy.keeps_dtype")
@pytest.mark.parametrize("kind", list(_kind_params()))
@given(data=st.data())
def test_from_numpy_keeps_dtype(kind, data, evidence):
    a = data.draw(CASES[kind], label="a").build()
    expected = torch_dtype_for(a.dtype)
    facet = next(f for f, name, _, _ in KINDS if name == kind)
    with facets.coverage(evidence, facet, a.dtype.name), finding("torch.from_numpy(a)"):
        b = torch.from_numpy(a)
    assert expected is not None, f"torch.from_numpy(a) gave {b.dtype} for a.dtype={a.dtype!r}, which has no torch twin"
    assert b.dtype == expected, (
        f"b.dtype={b.dtype}, but should be {expected} [torch.from_numpy(a), a.dtype={a.dtype!r}]"
    )
    assert tuple(b.shape) == a.shape, f"b.shape={tuple(b.shape)}, but should be {a.shape} [torch.from_numpy(a)]"


#: the arrays of each facet of shares_memory, of the ordinary dtype: (layout, shapes); empty and 0-d ones apart
SHARING = {
    CONTIGUOUS: (CONTIGUOUS, WITH_ELEMENTS),
    STRIDED: (STRIDED, WITH_ELEMENTS),
    EMPTY: (CONTIGUOUS, empty_shapes()),
}


@pytest.mark.claim("numpy.from_numpy.shares_memory")
@pytest.mark.parametrize("arrays", [facets.param(f, facet=f) for f in SHARING])
@given(data=st.data())
def test_from_numpy_shares_memory(arrays, data):
    layout, shape_from = SHARING[arrays]
    a = data.draw(array_cases(ORDINARY, layout=layout, shape_from=shape_from), label="a").build()
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
    a = data.draw(array_cases(ORDINARY, layout=layout, shape_from=WITH_ELEMENTS), label="a").build()
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
