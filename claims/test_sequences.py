"""Line 166: stacking CNN features with torch.stack(seq, dim=1), and batch_first RNNs."""

from __future__ import annotations

import facets
import numpy as np
import pytest
import seeding
import torch
from closeness import assert_close
from facets import BOOL, COMPLEX, FLOAT, FLOAT16, SIGNED, UINT8
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from layouts import arrays, tensor_copy
from oracle import FULL_DTYPES, compare

from claimcheck import finding

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


def _family_params():
    """One check per dtype family this torch computes with (a family it lacks: not in its domain); a list,
    as parametrize wants."""
    params = []
    for family in (BOOL, SIGNED, UINT8, FLOAT16, FLOAT, COMPLEX):
        missing = (
            None
            if facets.members(family, FULL_DTYPES)
            else "this torch computes with no {} tensors".format(" or ".join(facets.DTYPE_FAMILIES[family]))
        )
        params.append(facets.param(family, facet=family, outside=missing))
    return params


@pytest.mark.claim("sequence.stack_dim1")
@pytest.mark.parametrize("family", _family_params())
@given(data=st.data())
def test_stack_matches_numpy(family, data, evidence):
    dtype = data.draw(st.sampled_from(facets.members(family, FULL_DTYPES)), label="dtype")
    shape = data.draw(SHAPES, label="shape")
    count = data.draw(st.integers(0, 4), label="count")
    seq = [data.draw(arrays(dtype, shape), label=f"a{i}") for i in range(count)]
    dim = data.draw(st.sampled_from([1, -1, 0] if len(shape) else [0, -1, 1]), label="dim")
    tensors = [tensor_copy(a) for a in seq]
    compare(
        lambda: torch.stack(tensors, dim=dim), lambda: np.stack(seq, axis=dim), f"torch.stack(seq, dim={dim})", evidence
    )


@pytest.mark.claim("sequence.rnn_batch_first")
@given(
    kind=st.sampled_from(["RNN", "LSTM", "GRU"]),
    batch=st.integers(1, 3),
    steps=st.integers(1, 4),
    features=st.integers(1, 3),
    hidden=st.integers(1, 3),
    seed=st.integers(0, 99),
)
def test_batch_first_takes_batch_seq_feature(kind, batch, steps, features, hidden, seed):
    seeding.seed(seed)
    frames = [torch.randn(batch, features) for _ in range(steps)]  # one CNN feature vector per step
    stacked = torch.stack(frames, dim=1)  # (batch, seq, feature), as line 166 builds it
    assert tuple(stacked.shape) == (batch, steps, features)
    with finding(f"torch.nn.{kind}(..., batch_first=True)"):
        first = getattr(torch.nn, kind)(features, hidden, batch_first=True)
    default = getattr(torch.nn, kind)(features, hidden)
    default.load_state_dict(first.state_dict())
    out_first = first(stacked)[0]
    out_default = default(stacked.transpose(0, 1))[0]  # the default wants (seq, batch, feature)
    assert tuple(out_first.shape) == (batch, steps, hidden)
    assert_close(out_first, out_default.transpose(0, 1))
