"""Lines 38-46 and 92-94: moving data between devices, choosing GPUs."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import facets
import numpy as np
import pytest
import torch
from closeness import assert_close
from facets import CONTIGUOUS, EMPTY, STRIDED, STRIDED_EVERY_DTYPE
from hypothesis import given
from hypothesis import strategies as st
from layouts import NUMERIC_DTYPES, array_code, facet_tensors, tensor_cases, tensor_copy
from reproduce import expect, refusal


@pytest.mark.claim("device.cuda.moves")
@pytest.mark.cuda(min_devices=1)
@given(t=tensor_cases())
def test_cuda_moves_to_the_gpu(t):
    x = t.build()
    with refusal("data.cuda()", [f"data = {t!r}"]):
        y = x.cuda()
    assert y.device.type == "cuda" and y.dtype == x.dtype
    assert_close(y.cpu(), x, rtol=0, atol=0, equal_nan=True)


@pytest.mark.claim("device.cuda.cpu_only_error")
def test_cuda_without_a_gpu_fails_loudly(evidence):
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: this claim is about torch without one")
    with pytest.raises((AssertionError, RuntimeError)) as caught:
        torch.zeros(2).cuda()
    evidence.note(f"{caught.type.__name__}: {caught.value}")
    text = " ".join(str(caught.value).split())
    assert any(word in text.lower() for word in ("cuda", "nvidia", "gpu")), (
        f"the error should say that CUDA or a GPU is missing: {text!r}"
    )


@pytest.mark.claim("device.cpu.moves_back")
@pytest.mark.cuda(min_devices=1)
@given(t=tensor_cases())
def test_cpu_moves_back_from_the_gpu(t):
    x = t.build()
    with refusal("data.cpu()", [f"data = {t!r}.cuda()"]):
        y = x.cuda().cpu()
    assert y.device.type == "cpu"
    assert_close(y, x, rtol=0, atol=0, equal_nan=True)


@pytest.mark.claim("device.cpu.noop_on_cpu")
@pytest.mark.parametrize("layout", [facets.param(f, facet=f) for f in (CONTIGUOUS, STRIDED, EMPTY)])
@given(data=st.data())
def test_cpu_of_a_cpu_tensor_is_itself(layout, data):
    t = data.draw(facet_tensors(layout), label="t")
    x = t.build()
    setup = [f"data = {t!r}"]
    with refusal("data.cpu()", setup):
        y = x.cpu()
    expect(y is x, "t.cpu() on a CPU tensor should return t itself, not a copy", setup, "data.cpu() is data", y is x)


@pytest.mark.claim("device.cpu.noop_on_cpu")
@pytest.mark.facet(STRIDED_EVERY_DTYPE)
@pytest.mark.parametrize("dtype", [pytest.param(d, id=d.name) for d in NUMERIC_DTYPES])
def test_cpu_of_a_strided_cpu_tensor_is_itself_for_every_dtype(dtype):
    """A combination of its own: each dtype, step-sliced and transposed (the layout facet keeps float32)."""
    zeros = np.zeros((1, 1, 2, 2), dtype=dtype)
    base = tensor_copy(zeros)
    built = f"torch.from_numpy({array_code(zeros)})"
    for x, code in ((base[:, :, :, ::2], f"{built}[:, :, :, ::2]"), (base.transpose(0, 3), f"{built}.transpose(0, 3)")):
        setup = [f"x = {code}"]
        with refusal("x.cpu()", setup):
            y = x.cpu()
        expect(
            y is x,
            f"x.cpu() on a CPU {dtype.name} tensor of strides {x.stride()} returned a copy, not x itself",
            setup,
            "x.cpu() is x",
            y is x,
        )


def _doc(obj) -> str:
    return " ".join(inspect.getdoc(obj).split())


@pytest.mark.claim("device.set_device.discouraged")
def test_set_device_docstring_discourages_it(evidence):
    doc = _doc(torch.cuda.set_device)
    sentence = next((s for s in doc.split(". ") if "discouraged" in s), None)
    evidence.note(f"torch.cuda.set_device docstring: {sentence or doc[:200]!r}")
    assert sentence is not None, "torch.cuda.set_device's docstring no longer discourages it"
    assert "device" in sentence.split("favor of", 1)[-1], "it should point to torch.cuda.device: " + sentence


@pytest.mark.claim("device.cuda_visible_devices.recommended")
def test_docstring_recommends_cuda_visible_devices(evidence):
    doc = _doc(torch.cuda.set_device)
    sentence = next((s for s in doc.split(". ") if "CUDA_VISIBLE_DEVICES" in s), None)
    evidence.note(f"torch.cuda.set_device docstring: {sentence or doc[:200]!r}")
    assert sentence is not None, "the docstring no longer recommends CUDA_VISIBLE_DEVICES"


@pytest.mark.claim("device.set_device.vs_device")
@pytest.mark.cuda(min_devices=1)
def test_device_context_restores_and_set_device_does_not():
    last = torch.cuda.device_count() - 1
    before = torch.cuda.current_device()
    with torch.cuda.device(last):
        assert torch.cuda.current_device() == last
    assert torch.cuda.current_device() == before, "torch.cuda.device should restore the device on exit"
    torch.cuda.set_device(last)
    try:
        assert torch.cuda.current_device() == last, "set_device changes the current device for good"
    finally:
        torch.cuda.set_device(before)


@pytest.mark.claim("device.cuda_visible_devices.narrows")
@pytest.mark.cuda(min_devices=1)
def test_cuda_visible_devices_narrows_what_torch_sees(evidence):
    script = "import torch; print(torch.cuda.device_count())"
    counts = {}
    for value in ("", "0"):
        env = dict(os.environ, CUDA_VISIBLE_DEVICES=value)
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        counts[value] = int(done.stdout.split()[-1])
    evidence.note(
        "device_count with CUDA_VISIBLE_DEVICES='': {}, ='0': {}, unset: {}".format(
            counts[""], counts["0"], torch.cuda.device_count()
        )
    )
    assert counts[""] == 0 and counts["0"] == 1
