"""Lines 41-52 and 129-130: Variable, .data, and tensors into numpy arrays."""

from __future__ import annotations

import facets
import numpy as np
import pytest
import torch
from closeness import assert_close
from facets import (
    BFLOAT16,
    BOOL,
    COMPLEX,
    EMPTY,
    FLOAT,
    FLOAT16,
    REQUIRES_GRAD,
    SIGNED,
    STRIDED,
    UINT8,
    WIDE_UNSIGNED,
)
from hypothesis import given
from hypothesis import strategies as st
from layouts import (
    FULL_NAMES,
    LIMITED_NAMES,
    NO_NUMPY_TWIN,
    tensor_cases,
    tensor_of,
    tensor_of_code,
    torch_unbuildable,
)
from reproduce import expect, refusal

# Every dtype torch offers, numpy twin or not, that the suite's builder makes here (the one domain rule:
# torch 1.5 names complex64 but from_numpy refuses it, so no complex tensor is built there).
ALL_TORCH_DTYPES = [
    d
    for d in (getattr(torch, name, None) for name in (*FULL_NAMES, *NO_NUMPY_TWIN, *LIMITED_NAMES))
    if isinstance(d, torch.dtype) and torch_unbuildable(str(d).replace("torch.", "")) is None
]


@pytest.mark.claim("autograd.variable.data")
@given(t=tensor_cases(), requires_grad=st.booleans())
def test_variable_has_data_under_it(t, requires_grad):
    from torch.autograd import Variable

    x = t.build()
    setup = ["from torch.autograd import Variable", f"x = {t!r}"]
    if requires_grad and x.dtype.is_floating_point:
        x = x.clone().requires_grad_()
        setup.append("x = x.clone().requires_grad_()")
    with refusal("Variable(x).data", setup):
        data = Variable(x).data
    assert isinstance(data, torch.Tensor) and not data.requires_grad, "Variable(x).data should be a plain tensor"
    assert_close(data, x.detach(), rtol=0, atol=0, equal_nan=True)
    if x.numel():
        assert data.data_ptr() == x.data_ptr(), ".data should share memory with the variable"


@pytest.mark.replacement("autograd.variable.data")
@given(t=tensor_cases())
def test_detach_shares_memory_without_grad(t):
    x = t.build()
    if x.dtype.is_floating_point:
        x = x.clone().requires_grad_()
    d = x.detach()
    assert not d.requires_grad
    assert_close(d, x.detach(), rtol=0, atol=0, equal_nan=True)
    if x.numel():
        assert d.data_ptr() == x.data_ptr()


@pytest.mark.claim("autograd.variable.wraps_batch")
@given(t=tensor_cases())
def test_variable_of_a_batch_is_the_batch(t):
    from torch.autograd import Variable

    x = t.build()
    with refusal("Variable(data)", ["from torch.autograd import Variable", f"data = {t!r}"]):
        v = Variable(x)
    assert isinstance(v, torch.Tensor) and v.dtype == x.dtype and not v.requires_grad
    assert_close(v, x, rtol=0, atol=0, equal_nan=True)


@pytest.mark.replacement("autograd.variable.wraps_batch")
@given(t=tensor_cases())
def test_the_batch_tensor_needs_no_wrapper(t):
    x = t.build()
    assert isinstance(x, torch.Tensor) and not x.requires_grad


def _family(dtype) -> str:
    name = str(dtype).replace("torch.", "")
    return BFLOAT16 if name == "bfloat16" else facets.family_of(np.dtype(name))


# Tensors by dtype family (contiguous, with elements); then, each in the ordinary dtype (float32), tensors
# requiring grad, empty and 0-d tensors, and non-contiguous ones: each facet varies one thing.
FAMILIES = (BOOL, SIGNED, UINT8, WIDE_UNSIGNED, FLOAT16, BFLOAT16, FLOAT, COMPLEX)
NUMPY_OF = {f: [d for d in ALL_TORCH_DTYPES if _family(d) == f] for f in FAMILIES}
ORDINARY = [torch.float32]
for _facet in (REQUIRES_GRAD, EMPTY, STRIDED):
    NUMPY_OF[_facet] = ORDINARY
WITH_ELEMENTS = st.lists(st.integers(1, 3), min_size=1, max_size=3)
SHAPES: dict[str, st.SearchStrategy] = {
    EMPTY: st.just([]) | st.lists(st.integers(0, 3), min_size=1, max_size=3).filter(lambda s: 0 in s)
}


def _numpy_of_params():
    params = []
    for facet, dtypes in NUMPY_OF.items():
        names = facets.DTYPE_FAMILIES.get(facet, (facet,))
        missing = None
        if not dtypes:
            missing = "; ".join(torch_unbuildable(n) or f"no {n}" for n in names)
        params.append(facets.param(facet, facet=facet, outside=missing))
    return params


@pytest.mark.claim("numpy.tensor_numpy.converts")
@pytest.mark.parametrize("tensors", _numpy_of_params())
@given(data=st.data())
def test_numpy_of_any_tensor(tensors, data, evidence):
    dtype = data.draw(st.sampled_from(NUMPY_OF[tensors]), label="dtype")
    shape = data.draw(SHAPES.get(tensors, WITH_ELEMENTS), label="shape")
    name = str(dtype).replace("torch.", "")
    x = tensor_of(shape, name)
    setup = [f"data_tensor = {tensor_of_code(shape, name)}"]
    if tensors == STRIDED:  # transposed, or every other element of its last side
        x = x.transpose(0, -1) if x.dim() > 1 else tensor_of([2 * shape[0]], name)[::2]
        setup = (
            [f"data_tensor = {tensor_of_code([2 * shape[0]], name)}[::2]"]
            if len(shape) == 1
            else [f"data_tensor = {tensor_of_code(shape, name)}.transpose(0, -1)"]
        )
        shape = list(x.shape)
    if tensors == REQUIRES_GRAD:
        x.requires_grad_()
        setup.append("data_tensor.requires_grad_()")
    with facets.coverage(evidence, tensors, name), refusal("data_tensor.numpy()", setup):
        a = x.numpy()
    expect(str(a.dtype) == name, f"numpy() gave {a.dtype} for {dtype}", setup, "data_tensor.numpy().dtype", a.dtype)
    expect(
        a.shape == tuple(shape),
        f"numpy() gave shape {a.shape} for {shape}",
        setup,
        "data_tensor.numpy().shape",
        a.shape,
    )
    if x.numel():
        shares = a.__array_interface__["data"][0] == x.data_ptr()
        expr = "data_tensor.numpy().__array_interface__['data'][0] == data_tensor.data_ptr()"
        expect(shares, "numpy() should share memory", setup, expr, shares)


@pytest.mark.replacement("numpy.tensor_numpy.converts")
@given(
    dtype=st.sampled_from([d for d in ALL_TORCH_DTYPES if d != getattr(torch, "bfloat16", None)]),
    shape=st.lists(st.integers(0, 3), max_size=3),
    requires_grad=st.booleans(),
)
def test_detach_cpu_numpy_of_any_tensor(dtype, shape, requires_grad):
    name = str(dtype).replace("torch.", "")
    x = tensor_of(shape, name)  # the suite's builder: the dtype's own kernels are the statement's to need
    setup = [f"data_tensor = {tensor_of_code(shape, name)}"]
    if requires_grad and (dtype.is_floating_point or getattr(dtype, "is_complex", False)):
        x.requires_grad_()
        setup.append("data_tensor.requires_grad_()")
    with refusal("data_tensor.detach().cpu().numpy()", setup):
        a = x.detach().cpu().numpy()
    assert str(a.dtype) == str(dtype).replace("torch.", "") and a.shape == tuple(shape)


@pytest.mark.claim("numpy.variable_to_numpy")
@given(t=tensor_cases())
def test_data_cpu_numpy_of_a_variable(t):
    x = t.build()
    setup = [f"data = {t!r}"]
    if x.dtype.is_floating_point or getattr(x.dtype, "is_complex", False):
        x = x.clone().requires_grad_()
        setup.append("data = data.clone().requires_grad_()")
    with refusal("data.data.cpu().numpy()", setup):
        a = x.data.cpu().numpy()
    np.testing.assert_array_equal(a, t.numpy())


@pytest.mark.claim("numpy.variable_to_numpy")
@pytest.mark.cuda(min_devices=1)
@given(t=tensor_cases())
def test_data_cpu_numpy_of_a_cuda_variable(t):
    x = t.build().cuda()
    setup = [f"data = {t!r}.cuda()"]
    if x.dtype.is_floating_point:
        x.requires_grad_()
        setup.append("data.requires_grad_()")
    with refusal("data.data.cpu().numpy()", setup):
        a = x.data.cpu().numpy()
    np.testing.assert_array_equal(a, t.numpy())


@pytest.mark.replacement("numpy.variable_to_numpy")
@given(t=tensor_cases())
def test_detach_cpu_numpy_of_a_variable(t):
    x = t.build()
    if x.dtype.is_floating_point:
        x = x.clone().requires_grad_()
    np.testing.assert_array_equal(x.detach().cpu().numpy(), t.numpy())
