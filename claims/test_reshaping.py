"""Lines 60-70: view as numpy's reshape; view(-1) vectorizes."""

from __future__ import annotations

import facets
import numpy as np
import pytest
import torch
from facets import CONTIGUOUS, EMPTY, STRIDED
from hypothesis import given
from hypothesis import strategies as st
from layouts import facet_tensors, tensor_cases
from reproduce import expect, expect_close, refusal


def _raveled(case) -> torch.Tensor:
    return torch.from_numpy(np.ravel(case.numpy(), order="C").copy())


def _assert_vectorized(flat: torch.Tensor, case, spelling: str) -> None:
    setup = [f"t = {case!r}"]
    expect(
        flat.dim() == 1,
        f"{spelling} has shape {tuple(flat.shape)}, but should be 1-d",
        setup,
        f"{spelling}.shape",
        flat.shape,
    )
    against = "np.ravel(t.numpy(), order='C')"
    expect_close(flat, _raveled(case), setup, spelling, against, rtol=0, atol=0, equal_nan=True)


@pytest.mark.claim("tensor.view.minus_one_vectorizes")
@pytest.mark.parametrize("layout", [facets.param(f, facet=f) for f in (CONTIGUOUS, STRIDED, EMPTY)])
@given(data=st.data())
def test_view_minus_one_is_ravel(layout, data):
    t = data.draw(facet_tensors(layout), label="t")
    x = t.build()
    with refusal("t.view(-1)", [f"t = {t!r}"]):
        flat = x.view(-1)
    _assert_vectorized(flat, t, "t.view(-1)")


@pytest.mark.replacement("tensor.view.minus_one_vectorizes")
@given(t=tensor_cases())
def test_reshape_and_flatten_are_ravel(t):
    x = t.build()
    _assert_vectorized(x.reshape(-1), t, "t.reshape(-1)")
    _assert_vectorized(x.flatten(), t, "t.flatten()")
