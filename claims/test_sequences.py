"""Line 166: stacking CNN features with torch.stack(seq, dim=1), and batch_first RNNs."""
from __future__ import annotations

import numpy as np
import pytest
import seeding
import torch
from closeness import assert_close
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from layouts import arrays
from oracle import FULL_DTYPES, compare

from claimcheck import finding

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


@pytest.mark.claim("sequence.stack_dim1")
@given(data=st.data())
def test_stack_matches_numpy(data, evidence):
    dtype = data.draw(st.sampled_from(list(FULL_DTYPES)), label="dtype")
    shape = data.draw(SHAPES, label="shape")
    count = data.draw(st.integers(0, 4), label="count")
    seq = [data.draw(arrays(dtype, shape), label="a{}".format(i)) for i in range(count)]
    dim = data.draw(st.sampled_from([1, -1, 0] if len(shape) else [0, -1, 1]), label="dim")
    compare(lambda: torch.stack([torch.from_numpy(a) for a in seq], dim=dim),
            lambda: np.stack(seq, axis=dim), "torch.stack(seq, dim={})".format(dim), evidence)


@pytest.mark.claim("sequence.rnn_batch_first")
@given(kind=st.sampled_from(["RNN", "LSTM", "GRU"]), batch=st.integers(1, 3), steps=st.integers(1, 4),
       features=st.integers(1, 3), hidden=st.integers(1, 3), seed=st.integers(0, 99))
def test_batch_first_takes_batch_seq_feature(kind, batch, steps, features, hidden, seed):
    seeding.seed(seed)
    frames = [torch.randn(batch, features) for _ in range(steps)]  # one CNN feature vector per step
    stacked = torch.stack(frames, dim=1)  # (batch, seq, feature), as line 166 builds it
    assert tuple(stacked.shape) == (batch, steps, features)
    with finding("torch.nn.{}(..., batch_first=True)".format(kind)):
        first = getattr(torch.nn, kind)(features, hidden, batch_first=True)
    default = getattr(torch.nn, kind)(features, hidden)
    default.load_state_dict(first.state_dict())
    out_first = first(stacked)[0]
    out_default = default(stacked.transpose(0, 1))[0]  # the default wants (seq, batch, feature)
    assert tuple(out_first.shape) == (batch, steps, hidden)
    assert_close(out_first, out_default.transpose(0, 1))
