"""Lines 79-88: wrapping a model in torch.nn.DataParallel."""
from __future__ import annotations

import copy

import pytest
import seeding
import torch
from closeness import assert_close
from hypothesis import given
from hypothesis import strategies as st

from claimcheck import finding


class ModelCase:
    """A small network Hypothesis draws; repr is the code that builds it."""

    def __init__(self, seed, widths, activation, batch):
        self.seed, self.widths, self.activation, self.batch = seed, widths, activation, batch

    def build(self) -> torch.nn.Module:
        seeding.seed(self.seed)
        layers = []
        for width_in, width_out in zip(self.widths, self.widths[1:]):
            layers += [torch.nn.Linear(width_in, width_out), getattr(torch.nn, self.activation)()]
        return torch.nn.Sequential(*layers[:-1])

    def inputs(self) -> torch.Tensor:
        seeding.seed(self.seed + 1)
        return torch.randn(self.batch, self.widths[0])

    def __repr__(self):
        return "ModelCase(seed={}, widths={!r}, activation={!r}, batch={})".format(
            self.seed, self.widths, self.activation, self.batch)


model_cases = st.builds(
    ModelCase,
    seed=st.integers(0, 2 ** 16),
    widths=st.lists(st.integers(1, 8), min_size=2, max_size=4),
    activation=st.sampled_from(["ReLU", "Tanh", "Sigmoid"]),
    batch=st.integers(1, 6),
)


def _run(model: torch.nn.Module, x: torch.Tensor):
    out = model(x)
    out.sum().backward()
    return out.detach(), [p.grad.clone() for p in model.parameters()]


@pytest.mark.claim("nn.data_parallel.wraps_model")
@given(case=model_cases)
def test_data_parallel_matches_the_model(case, evidence):
    model = case.build()
    x = case.inputs()
    reference = copy.deepcopy(model)
    calls = []
    model.register_forward_hook(lambda module, inp, out: calls.append(inp[0] is x))
    with finding("torch.nn.DataParallel(model)"):
        wrapped = torch.nn.DataParallel(model)
        out, grads = _run(wrapped, x)
    ref_out, ref_grads = _run(reference, x)
    assert_close(out, ref_out, msg=lambda m: "outputs differ: " + m)
    for (name, _), got, want in zip(reference.named_parameters(), grads, ref_grads):
        assert_close(got, want, msg=lambda m, name=name: "grad of {} differs: {}".format(name, m))
    if not wrapped.device_ids:
        assert calls == [True], "with no CUDA device DataParallel should call the model once on the input itself"
        evidence.note("no CUDA device: DataParallel.device_ids == [], and the wrapped model was called "
                      "once on the very input tensor (a pass-through)")
    else:
        evidence.note("ran on CUDA devices {}".format(wrapped.device_ids))


@pytest.mark.claim("nn.data_parallel.device_ids")
@pytest.mark.cuda(min_devices=4)
@given(case=model_cases)
def test_data_parallel_on_listed_devices(case, evidence):
    model = case.build().cuda()
    x = case.inputs().cuda()
    reference = copy.deepcopy(model)
    with finding("torch.nn.DataParallel(model, device_ids=[0,1,2,3]).cuda()"):
        wrapped = torch.nn.DataParallel(model, device_ids=[0, 1, 2, 3]).cuda()
        out, grads = _run(wrapped, x)
    ref_out, ref_grads = _run(reference, x)
    assert_close(out, ref_out)
    for got, want in zip(grads, ref_grads):
        assert_close(got, want)
    evidence.note("replicated over devices {} with batch {}".format(wrapped.device_ids, case.batch))
