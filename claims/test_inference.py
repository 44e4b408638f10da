"""Lines 145-152: model.eval(), volatile inputs, and memory kept for gradients."""

from __future__ import annotations

import pytest
import torch
from closeness import assert_close
from hypothesis import given
from hypothesis import strategies as st
from memory import (
    ACTIVATION_BYTES,
    big_network_and_input,
    can_measure,
    network_and_input,
    resident_kept,
    saved_bytes,
)
from reproduce import refusal


@pytest.mark.claim("nn.module.eval_switches_modes")
@given(p=st.floats(0.05, 0.95), batch=st.integers(2, 6), features=st.integers(1, 5))
def test_eval_switches_batchnorm_and_dropout(p, batch, features):
    model = torch.nn.Sequential(torch.nn.BatchNorm1d(features), torch.nn.Dropout(p))
    assert all(m.training for m in model.modules()), "a new module should start in training mode"
    x = torch.randn(batch, features) * 3 + 1
    model(x)  # one training step moves the running statistics
    norm = model[0]
    assert norm.num_batches_tracked.item() == 1, "training mode should update running statistics"
    setup = [f"model = torch.nn.Sequential(torch.nn.BatchNorm1d({features}), torch.nn.Dropout({p!r}))"]
    with refusal("model.eval()", setup):
        model.eval()
    assert not any(m.training for m in model.modules()), "model.eval() should clear .training everywhere"
    mean, var = norm.running_mean.clone(), norm.running_var.clone()
    out = model(x)
    expected = (x - mean) / torch.sqrt(var + norm.eps) * norm.weight + norm.bias
    assert_close(
        out, expected, msg=lambda m: "eval-mode output is not batch norm with running statistics and no dropout: " + m
    )
    assert_close(norm.running_mean, mean, msg=lambda m: "eval mode moved running_mean: " + m)


def _resident_eval_alone(evidence):
    """eval() alone, measured by resident memory where saved_tensors_hooks is missing (see memory.py)."""
    model, x = big_network_and_input()
    model.eval()
    evaluating, out = resident_kept(lambda: model(x))
    evidence.measure("resident memory kept after the forward pass, eval mode alone", evaluating, "bytes")
    assert out.requires_grad, "in eval mode alone the output should still require grad"
    assert evaluating >= ACTIVATION_BYTES, (
        f"eval mode alone kept {evaluating} bytes resident, less than one activation ({ACTIVATION_BYTES})"
    )
    evidence.note(
        f"eval() alone keeps {evaluating} bytes resident after the forward pass ({evaluating / ACTIVATION_BYTES:.1f} "
        f"activations of {ACTIVATION_BYTES}); measured by resident memory: {can_measure()}"
    )


@pytest.mark.claim("inference.eval_alone_keeps_graph")
def test_eval_alone_still_keeps_tensors_for_backward(evidence):
    if can_measure() is not None:
        return _resident_eval_alone(evidence)
    model, x = network_and_input()
    train, _ = saved_bytes(model, lambda: model(x))
    model.eval()
    evaluating, out = saved_bytes(model, lambda: model(x))
    evidence.measure("kept for backward, training mode", train, "bytes")
    evidence.measure("kept for backward, eval mode alone", evaluating, "bytes")
    assert out.requires_grad, "in eval mode alone the output should still require grad"
    assert evaluating > 0, "eval mode alone kept nothing for backward"
    evidence.note(
        f"eval() alone keeps {evaluating} bytes for backward ({evaluating / train:.0%} of training mode's {train})"
    )


@pytest.mark.claim("inference.volatile_saves_memory")
def test_volatile_input_keeps_nothing(evidence):
    from torch.autograd import Variable

    model, x = network_and_input()
    model.eval()
    data = Variable(x, volatile=True)
    out = model(data)
    assert not out.requires_grad, (
        "model(Variable(data, volatile=True)).requires_grad is True: autograd still records the forward pass"
    )
    if can_measure() is None:
        kept, _ = saved_bytes(model, lambda: model(data))
        evidence.measure("kept for backward, volatile input", kept, "bytes")
        assert kept == 0, f"a volatile input still left {kept} bytes kept for backward"


@pytest.mark.replacement("inference.volatile_saves_memory")
def test_no_grad_and_inference_mode_keep_nothing(evidence):
    if can_measure() is not None:
        # measured by resident memory (see memory.py): nothing kept is less than one activation kept
        model, x = big_network_and_input()
        model.eval()
        for name in ("no_grad", "inference_mode"):
            if not hasattr(torch, name):
                continue
            with getattr(torch, name)():
                kept, out = resident_kept(lambda: model(x))
            evidence.measure(f"resident memory kept after the forward pass, eval + torch.{name}()", kept, "bytes")
            assert not out.requires_grad, f"under torch.{name}() the output requires grad"
            assert kept < ACTIVATION_BYTES, f"under torch.{name}() {kept} bytes stayed resident: an activation is kept"
            evidence.note(
                f"under torch.{name}() {kept} bytes stay resident, less than one activation ({ACTIVATION_BYTES})"
            )
        return
    model, x = network_and_input()
    model.eval()
    evaluating, expected = saved_bytes(model, lambda: model(x))
    modes = [("torch.no_grad()", torch.no_grad)]
    if hasattr(torch, "inference_mode"):
        modes.append(("torch.inference_mode()", torch.inference_mode))
    else:
        evidence.note("torch.inference_mode does not exist in this torch (it arrived in 1.9)")
    for name, mode in modes:
        with mode():
            kept, out = saved_bytes(model, lambda: model(x))
        evidence.measure("kept for backward, eval + " + name, kept, "bytes")
        assert kept == 0, f"under {name} autograd kept {kept} bytes"
        assert not out.requires_grad, f"under {name} the output requires grad"
        assert_close(out, expected.detach(), msg=lambda m, name=name: name + " changed outputs: " + m)
    evidence.note(f"eval() alone keeps {evaluating} bytes; under no-grad inference 0 bytes")


@pytest.mark.claim("autograd.variable.volatile_flag")
@given(shape=st.lists(st.integers(0, 4), max_size=3))
def test_variable_accepts_volatile(shape):
    from torch.autograd import Variable

    data = torch.randn(tuple(shape))
    setup = ["from torch.autograd import Variable", f"data = torch.randn({tuple(shape)!r})"]
    with refusal("Variable(data, volatile=True)", setup):
        wrapped = Variable(data, volatile=True)
    assert_close(wrapped, data)
    assert isinstance(wrapped, torch.Tensor)


@pytest.mark.replacement("autograd.variable.volatile_flag")
@given(shape=st.lists(st.integers(0, 4), max_size=3))
def test_plain_tensor_under_no_grad(shape):
    weight = torch.randn(1, requires_grad=True)
    data = torch.randn(tuple(shape))
    with torch.no_grad():
        out = data * weight
    assert not out.requires_grad, "under torch.no_grad() a product with a parameter should not require grad"
    assert_close(out, data * weight.detach())


@pytest.mark.claim("nn.module.training_by_default")
@given(kind=st.sampled_from(["Linear", "BatchNorm1d", "Dropout", "Conv2d", "LSTM", "Sequential"]))
def test_new_modules_are_in_training_mode(kind):
    factories = {
        "Linear": lambda: torch.nn.Linear(2, 2),
        "BatchNorm1d": lambda: torch.nn.BatchNorm1d(2),
        "Dropout": lambda: torch.nn.Dropout(),
        "Conv2d": lambda: torch.nn.Conv2d(1, 1, 1),
        "LSTM": lambda: torch.nn.LSTM(2, 2),
        "Sequential": lambda: torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout()),
    }
    module = factories[kind]()
    assert module.training and all(m.training for m in module.modules()), f"a new {kind} is not training"


@pytest.mark.claim("inference.any_grad_leaf_builds_graph")
@given(params_grad=st.booleans(), input_grad=st.booleans())
def test_one_leaf_needing_grad_is_enough(params_grad, input_grad):
    model, x = network_and_input()
    model.eval()
    for p in model.parameters():
        p.requires_grad_(params_grad)
    out = model(x.clone().requires_grad_(input_grad))
    assert out.requires_grad == (params_grad or input_grad), (
        f"with parameters requiring grad={params_grad} and input requiring grad={input_grad}, the eval-mode output has "
        f"requires_grad={out.requires_grad}"
    )
