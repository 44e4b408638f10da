"""Lines 133-140: Conv2d and ConvTranspose2d with the cheatsheet's arguments."""

from __future__ import annotations

import numpy as np
import pytest
import seeding
import torch
from closeness import assert_close
from hypothesis import assume, given
from hypothesis import strategies as st
from reproduce import expect, refusal


def conv2d_reference(x, w, stride, padding, dilation):
    """Direct convolution (cross-correlation) in numpy, float64, as documented for Conv2d."""
    n, _c, h, wd = x.shape
    out_c, _, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])))
    oh = (h + 2 * padding[0] - dilation * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + 2 * padding[1] - dilation * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, out_c, max(oh, 0), max(ow, 0)))
    for i in range(kh):
        for j in range(kw):
            patch = x[
                :,
                :,
                i * dilation : i * dilation + stride[0] * (oh - 1) + 1 : stride[0],
                j * dilation : j * dilation + stride[1] * (ow - 1) + 1 : stride[1],
            ]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out


@st.composite
def conv_cases(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = draw(st.integers(1, 2))
    size = tuple(dilation * (k[i] - 1) + 1 - 2 * padding[i] + draw(st.integers(0, 4)) for i in range(2))
    size = tuple(max(s, 1) for s in size)
    return {
        "in_channels": draw(st.integers(1, 3)),
        "out_channels": draw(st.integers(1, 3)),
        "kernel": k,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "batch": draw(st.integers(1, 2)),
        "size": size,
        "seed": draw(st.integers(0, 100)),
    }


@pytest.mark.claim("nn.conv2d.arguments")
@given(case=conv_cases())
def test_conv2d_with_the_cheatsheet_arguments(case):
    seeding.seed(case["seed"])
    with refusal(
        "torch.nn.Conv2d(in_channels, out_channels, (kernel_h, kernel_w), stride=(x,y), padding=(x,y), "
        "bias=False, dilation=d)",
        [],
        "torch.nn.Conv2d({in_channels}, {out_channels}, {kernel}, stride={stride}, padding={padding}, "
        "bias=False, dilation={dilation})".format(**case),
    ):
        conv = torch.nn.Conv2d(
            case["in_channels"],
            case["out_channels"],
            case["kernel"],
            stride=case["stride"],
            padding=case["padding"],
            bias=False,
            dilation=case["dilation"],
        ).double()
    assert conv.bias is None, "bias=False should leave no bias parameter"
    x = torch.randn(case["batch"], case["in_channels"], *case["size"], dtype=torch.float64)
    expected = conv2d_reference(
        x.numpy(), conv.weight.detach().numpy(), case["stride"], case["padding"], case["dilation"]
    )
    out = conv(x)
    assert_close(out.detach(), torch.from_numpy(expected))


@pytest.mark.parametrize(
    "module",
    [
        pytest.param("Conv2d", marks=pytest.mark.claim("nn.conv2d.kernel_order"), id="Conv2d"),
        pytest.param(
            "ConvTranspose2d", marks=pytest.mark.claim("nn.conv_transpose2d.kernel_order"), id="ConvTranspose2d"
        ),
    ],
)
@given(kernel_w=st.integers(1, 4), kernel_h=st.integers(1, 4), height=st.integers(5, 8), width=st.integers(5, 8))
def test_kernel_tuple_is_width_then_height(module, kernel_w, kernel_h, height, width):
    layer = getattr(torch.nn, module)(1, 1, (kernel_w, kernel_h))
    out = layer(torch.zeros(1, 1, height, width))
    sign = -1 if module == "Conv2d" else 1
    expected = (height + sign * (kernel_h - 1), width + sign * (kernel_w - 1))
    expect(
        tuple(out.shape[-2:]) == expected,
        "{}(1, 1, (kernel_w={}, kernel_h={})) maps {}x{} (height x width) to {}x{}: the first kernel size "
        "applies to the height".format(module, kernel_w, kernel_h, height, width, *out.shape[-2:]),
        [],
        f"tuple(torch.nn.{module}(1, 1, ({kernel_w}, {kernel_h}))(torch.zeros(1, 1, {height}, {width})).shape[-2:])",
        tuple(out.shape[-2:]),
    )


@pytest.mark.parametrize(
    "module",
    [
        pytest.param("Conv2d", marks=pytest.mark.replacement("nn.conv2d.kernel_order"), id="Conv2d"),
        pytest.param(
            "ConvTranspose2d", marks=pytest.mark.replacement("nn.conv_transpose2d.kernel_order"), id="ConvTranspose2d"
        ),
    ],
)
@given(kernel_h=st.integers(1, 4), kernel_w=st.integers(1, 4), height=st.integers(5, 8), width=st.integers(5, 8))
def test_kernel_tuple_is_height_then_width(module, kernel_h, kernel_w, height, width):
    layer = getattr(torch.nn, module)(1, 1, (kernel_h, kernel_w))
    out = layer(torch.zeros(1, 1, height, width))
    sign = -1 if module == "Conv2d" else 1
    assert tuple(out.shape[-2:]) == (height + sign * (kernel_h - 1), width + sign * (kernel_w - 1))


@pytest.mark.claim("nn.conv_transpose2d.arguments")
@given(case=conv_cases(), data=st.data())
def test_conv_transpose2d_is_the_adjoint_of_conv2d(case, data):
    # ConvTranspose2d's padding crops its output; keep to inputs where something is left (documented size > 0)
    # output_padding must be smaller than stride or dilation (documented); draw inside that range
    output_padding = tuple(
        data.draw(st.integers(0, max(case["stride"][i], case["dilation"]) - 1), label=f"output_padding_{i}")
        for i in range(2)
    )
    expected_hw = tuple(
        (case["size"][i] - 1) * case["stride"][i]
        - 2 * case["padding"][i]
        + case["dilation"] * (case["kernel"][i] - 1)
        + output_padding[i]
        + 1
        for i in range(2)
    )
    assume(min(expected_hw) >= 1)
    seeding.seed(case["seed"])
    layer = (
        "torch.nn.ConvTranspose2d({in_channels}, {out_channels}, {kernel}, stride={stride}, padding={padding}, "
        "output_padding={output_padding}, bias=False, dilation={dilation})".format(
            output_padding=output_padding, **case
        )
    )
    with refusal(
        "torch.nn.ConvTranspose2d(in_channels, out_channels, (kernel_h, kernel_w), stride=(x,y), "
        "padding=(x,y), output_padding=(x,y), bias=False, dilation=d)",
        [],
        layer,
    ):
        up = torch.nn.ConvTranspose2d(
            case["in_channels"],
            case["out_channels"],
            case["kernel"],
            stride=case["stride"],
            padding=case["padding"],
            output_padding=output_padding,
            bias=False,
            dilation=case["dilation"],
        ).double()
    assert up.bias is None
    x = torch.randn(case["batch"], case["in_channels"], *case["size"], dtype=torch.float64)
    out = up(x)
    expect(
        tuple(out.shape[-2:]) == expected_hw,
        f"output {tuple(out.shape[-2:])} but the documented formula gives {expected_hw}",
        [],
        "tuple({}(torch.zeros({}, {}, {}, {})).shape[-2:])".format(
            layer, case["batch"], case["in_channels"], *case["size"]
        ),
        tuple(out.shape[-2:]),
    )
    # <conv(y), x> == <y, conv_transpose(x)> with the same weights: the defining adjoint property
    y = torch.randn(out.shape, dtype=torch.float64)
    weight = up.weight.detach()  # (in, out, kh, kw) for the transpose is (out, in, kh, kw) for conv
    conv_y = torch.nn.functional.conv2d(
        y, weight, stride=case["stride"], padding=case["padding"], dilation=case["dilation"]
    )
    lhs = (conv_y[..., : x.shape[-2], : x.shape[-1]] * x).sum()
    rhs = (y * out.detach()).sum()
    assert_close(lhs, rhs)
