"""torch.testing.assert_close where the installed torch has it (1.9 and later), else the same contract.

The fallback keeps torch's own tolerance table per dtype, so a verdict means the
same on every torch. `msg` may be a string or a callable taking the default
message, on every torch. A numpy array may stand for either side: it is
compared as the tensor of its dtype, shape and values (layouts.tensor_copy,
which every torch can build).
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import numpy as np
import torch
from layouts import tensor_copy

# torch.testing's defaults (rtol, atol) per dtype; exact for integers and bool.
TOLERANCES = {
    torch.float16: (1e-3, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
}
if hasattr(torch, "bfloat16"):
    TOLERANCES[torch.bfloat16] = (1.6e-2, 1e-5)
if hasattr(torch, "complex64"):
    TOLERANCES[torch.complex64] = TOLERANCES[torch.float32]
    TOLERANCES[torch.complex128] = TOLERANCES[torch.float64]


def _fallback(actual, expected, rtol, atol, equal_nan, check_dtype):
    if not isinstance(actual, torch.Tensor):
        actual = torch.tensor(actual)
    if not isinstance(expected, torch.Tensor):
        expected = torch.tensor(expected, dtype=actual.dtype)
    assert tuple(actual.shape) == tuple(expected.shape), (
        f"The values for attribute 'shape' do not match: {actual.shape} != {expected.shape}."
    )
    if check_dtype:
        assert actual.dtype == expected.dtype, (
            f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}."
        )
    default = TOLERANCES.get(actual.dtype, (0.0, 0.0))
    rtol = default[0] if rtol is None else rtol
    atol = default[1] if atol is None else atol
    a = actual.detach().cpu()
    b = expected.detach().cpu().to(a.dtype) if a.dtype != expected.dtype else expected.detach().cpu()
    a = a.double().numpy() if a.is_floating_point() or a.dtype == torch.float16 else a.numpy()
    b = b.double().numpy() if b.is_floating_point() or b.dtype == torch.float16 else b.numpy()
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _native():
    """torch.testing.assert_close and the keyword arguments it needs to mean what it means on 2.x."""
    native = getattr(getattr(torch, "testing", None), "assert_close", None)
    if native is None:
        return None, {}
    # torch 2.1x's assert_close imports torch.distributed.tensor at its first call (about a second per
    # process, paid by every worker) only to unwrap DTensors; the checks compare plain CPU tensors, so
    # the unwrapping is told there are none to unwrap, where torch has that switch.
    comparison: Any = getattr(torch.testing, "_comparison", None)
    if getattr(comparison, "_HAS_DTENSOR", None) is True and "torch.distributed.tensor" not in sys.modules:
        comparison._HAS_DTENSOR = False
    # torch 1.9 and 1.10 compared strides by default; values are what the claims are about
    parameters = inspect.signature(native).parameters
    options = {"check_stride": False} if "check_stride" in parameters else {}
    # torch 1.9's (beta) assert_close calls nan unequal to nan when asked for exact
    # equality with equal_nan=True; where it does, our fallback keeps the contract
    nan = torch.tensor(float("nan"))
    try:
        native(nan, nan, rtol=0, atol=0, equal_nan=True, **options)
    except AssertionError:
        return None, {}
    return native, options


_NATIVE, _NATIVE_OPTIONS = _native()


def assert_close(actual, expected, rtol=None, atol=None, equal_nan=False, check_dtype=True, msg=None):
    if isinstance(actual, np.ndarray):
        actual = tensor_copy(actual)
    if isinstance(expected, np.ndarray):
        expected = tensor_copy(expected)
    try:
        if _NATIVE is not None:
            _NATIVE(
                actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype, **_NATIVE_OPTIONS
            )
        else:
            _fallback(actual, expected, rtol, atol, equal_nan, check_dtype)
    except AssertionError as exc:
        if msg is None:
            raise
        raise AssertionError(msg(str(exc)) if callable(msg) else msg) from exc
