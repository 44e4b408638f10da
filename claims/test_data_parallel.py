"""Lines 79-88: wrapping a model in torch.nn.DataParallel."""

from __future__ import annotations

import copy

import pytest
import seeding
import torch
from closeness import assert_close
from facets import GPUS, NO_CUDA
from hypothesis import given
from hypothesis import strategies as st
from reproduce import refusal


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

    def code(self, device: str = "") -> list[str]:
        """The lines that build `model` and `x` as build() and inputs() do (`device`: `.cuda()` or nothing)."""
        layers = []
        for width_in, width_out in zip(self.widths, self.widths[1:]):
            layers += [f"torch.nn.Linear({width_in}, {width_out})", f"torch.nn.{self.activation}()"]
        return [
            f"torch.manual_seed({self.seed})",
            "model = torch.nn.Sequential({}){}".format(", ".join(layers[:-1]), device),
            f"torch.manual_seed({self.seed + 1})",
            f"x = torch.randn({self.batch}, {self.widths[0]}){device}",
        ]

    def __repr__(self):
        return (
            f"ModelCase(seed={self.seed}, widths={self.widths!r}, activation={self.activation!r}, batch={self.batch})"
        )


model_cases = st.builds(
    ModelCase,
    seed=st.integers(0, 2**16),
    widths=st.lists(st.integers(1, 8), min_size=2, max_size=4),
    activation=st.sampled_from(["ReLU", "Tanh", "Sigmoid"]),
    batch=st.integers(1, 6),
)


def _run(model: torch.nn.Module, x: torch.Tensor):
    out = model(x)
    out.sum().backward()
    return out.detach(), [p.grad.clone() for p in model.parameters()]


def cuda_devices() -> int:
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


@pytest.mark.claim("nn.data_parallel.wraps_model")
@pytest.mark.facet(GPUS)
@pytest.mark.cuda(min_devices=2, why="without two CUDA devices DataParallel splits nothing: it calls the model "
                  "itself on the input, so comparing it with the model cannot fail here")  # fmt: skip
@given(case=model_cases)
def test_data_parallel_matches_the_model(case, evidence):
    model = case.build().cuda()
    x = case.inputs().cuda()
    reference = copy.deepcopy(model)
    with refusal(
        "torch.nn.DataParallel(model)", case.code(".cuda()"), "torch.nn.DataParallel(model)(x).sum().backward()"
    ):
        wrapped = torch.nn.DataParallel(model)
        out, grads = _run(wrapped, x)
    ref_out, ref_grads = _run(reference, x)
    assert_close(out, ref_out, msg=lambda m: "outputs differ: " + m)
    for (name, _), got, want in zip(reference.named_parameters(), grads, ref_grads):
        assert_close(got, want, msg=lambda m, name=name: f"grad of {name} differs: {m}")
    evidence.note(f"split the batch of {case.batch} over CUDA devices {wrapped.device_ids}")


@pytest.mark.claim("nn.data_parallel.wraps_model")
@pytest.mark.facet(NO_CUDA)
@given(case=model_cases)
def test_data_parallel_without_cuda_passes_through(case, evidence):
    """What a machine without CUDA can check: the wrapper runs, and calls the model once on the input itself."""
    if cuda_devices():
        pytest.skip(f"this machine has {cuda_devices()} CUDA device(s): DataParallel uses them")
    model = case.build()
    x = case.inputs()
    reference = copy.deepcopy(model)
    calls = []
    model.register_forward_hook(lambda module, inp, out: calls.append(inp[0] is x))
    with refusal("torch.nn.DataParallel(model)", case.code(), "torch.nn.DataParallel(model)(x).sum().backward()"):
        wrapped = torch.nn.DataParallel(model)
        out, grads = _run(wrapped, x)
    assert wrapped.device_ids == [], f"DataParallel.device_ids={wrapped.device_ids} on a machine without CUDA"
    assert calls == [True], "with no CUDA device DataParallel should call the model once on the input itself"
    ref_out, ref_grads = _run(reference, x)
    assert_close(out, ref_out, msg=lambda m: "outputs differ: " + m)
    for (name, _), got, want in zip(reference.named_parameters(), grads, ref_grads):
        assert_close(got, want, msg=lambda m, name=name: f"grad of {name} differs: {m}")
    evidence.note(
        "no CUDA device: DataParallel.device_ids == [], and the wrapped model was called "
        "once on the very input tensor (a pass-through)"
    )


@pytest.mark.claim("nn.data_parallel.device_ids")
@pytest.mark.cuda(min_devices=4)
@given(case=model_cases)
def test_data_parallel_on_listed_devices(case, evidence):
    model = case.build().cuda()
    x = case.inputs().cuda()
    reference = copy.deepcopy(model)
    with refusal(
        "torch.nn.DataParallel(model, device_ids=[0,1,2,3]).cuda()",
        case.code(".cuda()"),
        "torch.nn.DataParallel(model, device_ids=[0, 1, 2, 3]).cuda()(x).sum().backward()",
    ):
        wrapped = torch.nn.DataParallel(model, device_ids=[0, 1, 2, 3]).cuda()
        out, grads = _run(wrapped, x)
    ref_out, ref_grads = _run(reference, x)
    assert_close(out, ref_out)
    for got, want in zip(grads, ref_grads):
        assert_close(got, want)
    evidence.note(f"replicated over devices {wrapped.device_ids} with batch {case.batch}")
