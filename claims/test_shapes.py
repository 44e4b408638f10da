"""Lines 54-74: size(), unsqueeze(), view() as numpy's reshape, torch.range, transpose()."""

from __future__ import annotations

import facets
import numpy as np
import pytest
import torch
from closeness import assert_close
from facets import CONTIGUOUS, EMPTY, STRIDED
from hypothesis import given
from hypothesis import strategies as st
from layouts import facet_tensors, tensor_cases
from reproduce import expect, expect_close, refusal


@pytest.mark.claim("tensor.size.is_shape")
@given(t=tensor_cases(), data=st.data())
def test_size_is_the_numpy_shape(t, data):
    x, a = t.build(), t.numpy()
    setup = [f"t = {t!r}"]
    expect(
        x.size() == torch.Size(a.shape), f"t.size()={x.size()}, but numpy says {a.shape}", setup, "t.size()", x.size()
    )
    is_tuple = isinstance(x.size(), tuple)
    expect(is_tuple, "t.size() is not a tuple", setup, "isinstance(t.size(), tuple)", is_tuple)
    if a.ndim:
        d = data.draw(st.integers(-a.ndim, a.ndim - 1), label="d")
        expect(
            x.size(d) == a.shape[d],
            f"t.size({d})={x.size(d)}, but a.shape[{d}]={a.shape[d]}",
            setup,
            f"t.size({d})",
            x.size(d),
        )


@pytest.mark.claim("tensor.unsqueeze.adds_dim")
@given(t=tensor_cases(), data=st.data())
def test_unsqueeze_is_expand_dims(t, data):
    x, a = t.build(), t.numpy()
    axis = data.draw(st.integers(-a.ndim - 1, a.ndim), label="axis")
    setup = [f"t = {t!r}"]
    with refusal(f"t.unsqueeze({axis})", setup):
        y = x.unsqueeze(axis)
    expected = np.expand_dims(a, axis)
    against = f"np.expand_dims(t.numpy(), {axis})"
    expect_close(y, expected, setup, f"t.unsqueeze({axis})", against, rtol=0, atol=0, equal_nan=True)
    if x.numel():
        view = y.data_ptr() == x.data_ptr()
        expect(view, "unsqueeze should return a view", setup, f"t.unsqueeze({axis}).data_ptr() == t.data_ptr()", view)


@st.composite
def _reshape_targets(draw, shape):
    """A shape with the same number of elements, possibly with one -1."""
    size = int(np.prod(shape))
    dims = []
    remaining = size
    for _ in range(draw(st.integers(0, 3))):
        divisors = [d for d in range(1, remaining + 1) if remaining % d == 0] if remaining else [0, 1, 2]
        d = draw(st.sampled_from(divisors))
        dims.append(d)
        remaining = remaining // d if d else 0
    if size and remaining != 1:
        dims.append(remaining)
    if size == 0 and 0 not in dims:
        dims.append(0)
    if dims and size and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims) if size != 1 or dims else ()


@pytest.mark.claim("tensor.view.is_numpy_reshape")
@pytest.mark.parametrize("layout", [facets.param(f, facet=f) for f in (CONTIGUOUS, STRIDED, EMPTY)])
@given(data=st.data())
def test_view_is_numpy_reshape(layout, data):
    t = data.draw(facet_tensors(layout), label="t")
    x, a = t.build(), t.numpy()
    target = data.draw(_reshape_targets(a.shape), label="shape")
    expected = np.reshape(a, target)
    spelling = "t.view{}".format(target if len(target) != 1 else f"({target[0]})")
    setup = [f"t = {t!r}"]
    with refusal(spelling, setup):
        y = x.view(*target) if target else x.view(())
    against = f"np.reshape(t.numpy(), {target})"
    expect_close(y, np.array(expected), setup, spelling, against, rtol=0, atol=0, equal_nan=True)


@pytest.mark.replacement("tensor.view.is_numpy_reshape")
@given(t=tensor_cases(), data=st.data())
def test_reshape_is_numpy_reshape(t, data):
    x, a = t.build(), t.numpy()
    target = data.draw(_reshape_targets(a.shape), label="shape")
    spelling = "t.reshape{}".format(target if len(target) != 1 else f"({target[0]})")
    with refusal(spelling, [f"t = {t!r}"]):  # the replacement under test: a dtype it lacks is its refusal
        y = x.reshape(*target) if target else x.reshape(())
    assert_close(y, np.array(np.reshape(a, target)), rtol=0, atol=0, equal_nan=True)


@pytest.mark.claim("tensor.range.inclusive")
@given(start=st.integers(-20, 20), length=st.integers(0, 30), step=st.integers(1, 4))
def test_torch_range_includes_its_end(start, length, step):
    end = start + length
    call = f"torch.range({start}, {end}, {step})"
    with refusal(call, []):
        r = torch.range(start, end, step)
    expected = np.arange(start, end + 1, step, dtype=np.float32)
    expect(r.dtype == torch.get_default_dtype(), f"torch.range gave {r.dtype}", [], f"{call}.dtype", r.dtype)
    against = f"np.arange({start}, {end + 1}, {step}, dtype=np.float32)"
    expect_close(r, torch.from_numpy(expected), [], call, against)


@pytest.mark.replacement("tensor.range.inclusive")
@given(start=st.integers(-20, 20), length=st.integers(0, 30), step=st.integers(1, 4))
def test_torch_arange_to_end_plus_one(start, length, step):
    end = start + length
    r = torch.arange(start, end + 1, step, dtype=torch.float32)
    assert_close(r, torch.from_numpy(np.arange(start, end + 1, step, dtype=np.float32)))


@pytest.mark.claim("tensor.view.example_comment")
def test_the_example_starts_from_one_by_sixteen(evidence):
    a = torch.range(1, 16)
    evidence.note(f"torch.range(1, 16).shape == {tuple(a.shape)}")
    expect(
        tuple(a.shape) == (1, 16),
        f"torch.range(1, 16) has shape {tuple(a.shape)}, not 1 x 16",
        [],
        "tuple(torch.range(1, 16).shape)",
        tuple(a.shape),
    )


@pytest.mark.claim("tensor.view.example_4x4")
def test_the_example_reshapes_to_four_by_four():
    a = torch.range(1, 16)
    b = a.view(4, 4)
    expected = np.arange(1, 17, dtype=np.float32).reshape(4, 4)
    against = "np.arange(1, 17, dtype=np.float32).reshape(4, 4)"
    expect_close(b, torch.from_numpy(expected), [], "torch.range(1, 16).view(4, 4)", against)


@pytest.mark.replacement("tensor.view.example_4x4")
def test_the_example_with_arange():
    b = torch.arange(1, 17, dtype=torch.float32).view(4, 4)
    assert_close(b, torch.from_numpy(np.arange(1, 17, dtype=np.float32).reshape(4, 4)))


@pytest.mark.claim("tensor.transpose.swaps_axes")
@given(t=tensor_cases(), data=st.data())
def test_transpose_is_swapaxes(t, data):
    x, a = t.build(), t.numpy()
    n = max(a.ndim, 1)
    axis1 = data.draw(st.integers(-n, n - 1), label="axis1")
    axis2 = data.draw(st.integers(-n, n - 1), label="axis2")
    spelling = f"t.transpose({axis1}, {axis2})"
    setup = [f"t = {t!r}"]
    with refusal(spelling, setup):
        y = x.transpose(axis1, axis2)
    expected = np.swapaxes(a, axis1, axis2) if a.ndim else a  # torch treats a 0-d tensor as 1-d here
    against = f"np.swapaxes(t.numpy(), {axis1}, {axis2})" if a.ndim else "t.numpy()"
    expect_close(y, np.array(expected), setup, spelling, against, rtol=0, atol=0, equal_nan=True)
    if x.numel():
        view = y.data_ptr() == x.data_ptr()
        expect(view, "transpose should return a view", setup, f"{spelling}.data_ptr() == t.data_ptr()", view)


@pytest.mark.replacement("tensor.view.example_comment")
def test_the_example_starts_one_dimensional():
    a = torch.arange(1, 17, dtype=torch.float32)
    assert tuple(a.shape) == (16,) and tuple(a.view(4, 4).shape) == (4, 4)
