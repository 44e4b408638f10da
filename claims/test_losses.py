"""Line 163: 2D pixel-wise cross-entropy, promised by the cheatsheet."""

from __future__ import annotations

import numpy as np
import pytest
import seeding
import torch
from closeness import assert_close
from hypothesis import given
from hypothesis import strategies as st
from reproduce import refusal


@pytest.mark.claim("loss.cross_entropy_2d")
@given(n=st.integers(1, 3), c=st.integers(2, 4), h=st.integers(1, 4), w=st.integers(1, 4), seed=st.integers(0, 99))
def test_cross_entropy_over_pixels(n, c, h, w, seed):
    seeding.seed(seed)
    logits = torch.randn(n, c, h, w, dtype=torch.float64)
    target = torch.randint(0, c, (n, h, w))
    setup = [
        f"torch.manual_seed({seed})",
        f"logits = torch.randn({n}, {c}, {h}, {w}, dtype=torch.float64)",
        f"target = torch.randint(0, {c}, ({n}, {h}, {w}))",
    ]
    with refusal("torch.nn.CrossEntropyLoss()(logits, target)", setup):
        loss = torch.nn.CrossEntropyLoss()(logits, target)
    a = logits.numpy()
    log_softmax = a - np.log(np.exp(a - a.max(1, keepdims=True)).sum(1, keepdims=True)) - a.max(1, keepdims=True)
    picked = np.take_along_axis(log_softmax, target.numpy()[:, None], axis=1)
    assert_close(loss, torch.tensor(-picked.mean(), dtype=torch.float64))
