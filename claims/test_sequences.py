"""Line 166: stacking CNN features with torch.stack(seq, dim=1), and batch_first RNNs."""

from __future__ import annotations

import facets
import numpy as np
import pytest
import seeding
import torch
from closeness import assert_close
from facets import BOOL, COMPLEX, EMPTY, FLOAT, FLOAT16, SIGNED, UINT8
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from layouts import Layout, TensorCase, arrays, empty_shapes
from oracle import FULL_DTYPES, UNBUILDABLE, compare

from claimcheck import finding

#: the ordinary input: tensors with elements; empty and 0-d ones are a facet of their own (facets.EMPTY)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
FACETS = (BOOL, SIGNED, UINT8, FLOAT16, FLOAT, COMPLEX, EMPTY)


def _family_params():
    """One check per dtype family, each on tensors with elements, and one for empty and 0-d tensors of the
    ordinary dtypes (a family the builder cannot make on this torch: not in its domain); a list, as parametrize wants."""
    params = []
    for facet in FACETS:
        family = facets.dimensions(facet)["dtype"]
        missing = (
            None
            if facets.members(family, FULL_DTYPES)
            else "; ".join(UNBUILDABLE.get(n) or f"no {n}" for n in facets.DTYPE_FAMILIES[family])
        )
        params.append(facets.param(facet, facet=facet, outside=missing))
    return params


def _stack(seq, dim):
    return np.stack(seq, axis=dim)


_stack.__name__ = "stack"


@pytest.mark.claim("sequence.stack_dim1")
@pytest.mark.parametrize("facet", _family_params())
@given(data=st.data())
def test_stack_matches_numpy(facet, data, evidence):
    family = facets.dimensions(facet)["dtype"]
    dtype = data.draw(st.sampled_from(facets.members(family, FULL_DTYPES)), label="dtype")
    shape = data.draw(empty_shapes(max_dims=3) if facet == EMPTY else SHAPES, label="shape")
    count = data.draw(st.integers(1, 4), label="count")
    seq = [TensorCase(data.draw(arrays(dtype, shape, finite=True), label=f"a{i}"), Layout([])) for i in range(count)]
    dim = data.draw(st.sampled_from([1, -1, 0] if len(shape) else [0, -1]), label="dim")
    compare(
        f"torch.stack(seq, dim={dim})",
        lambda seq: torch.stack(seq, dim=dim),
        lambda seq: _stack(seq, dim),
        {"seq": seq},
        claim="sequence.stack_dim1",
        facet=facet,
        evidence=evidence,
        signed_zero=True,  # stack moves values: every bit, the sign of zero included, must arrive
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
