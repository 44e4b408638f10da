"""Reproductions that run as pasted, for checks whose failing line Hypothesis's printout cannot rebuild.

A check's evidence is a script: the imports, the lines that build its inputs
(the repr of a drawn case is already such code), then one line that shows the
failure, in one of two forms:

    CALL  # raises Type: first line of the message      (the subject refused)
    EXPR  # -> VALUE                                    (a wrong value: str(EXPR) on this torch)

`refusal(call, setup)` is `finding(call)` whose refusal carries that script;
`expect(...)` and `expect_close(...)` assert as a check would, and on failure
raise a `Counterexample` with the script. What they assert is the check's own
condition: they only add the reproduction to the failure.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import numpy as np
import torch
from closeness import TOLERANCES, assert_close
from layouts import tensor_copy

from claimcheck import ClaimBroken, Counterexample, evaluable, finding, strip_ansi

IMPORTS = ("import numpy as np", "import torch")


def script(setup: Sequence[str], last: str, sentence: str = "") -> str:
    """The imports, the setup lines, the finding in one sentence (a comment, where given), then the line
    that shows the failure."""
    said = [f"# {line}" for line in sentence.splitlines()[:1]]
    return "\n".join([*IMPORTS, *setup, *said, last])


def assign(name: str, value: Any) -> str:
    """`name = <repr of value>`, spelled so that it evaluates (`float('inf')` for a bare `inf`)."""
    return evaluable(f"{name} = {value!r}")


def first_line(message: str) -> str:
    lines = strip_ansi(str(message)).strip().splitlines()
    return lines[0] if lines else ""


def shown(expr: str, value: Any) -> str:
    """`EXPR  # -> VALUE`, on one line (a value that prints on several is shown with its whitespace folded)."""
    text = str(value)
    if "\n" in text:
        return "' '.join(str({}).split())  # -> {}".format(expr, " ".join(text.split()))
    return f"{expr}  # -> {text}"


@contextmanager
def refusal(call: str, setup: Sequence[str], line: str | None = None) -> Iterator[None]:
    """`finding(call)`; a refusal carries the script `setup`, then `line` (the call itself, by default).

    `line` is the statement as this check ran it, where `call` quotes the cheatsheet's
    names (`torch.nn.Conv2d(in_channels, ...)`) and the script needs the drawn values.
    """
    try:
        with finding(call):
            yield
    except ClaimBroken as exc:
        if not getattr(exc, "reproduction", None):
            tail = f"{line or call}  # raises {exc.cause_type}: {first_line(exc.cause_message)}"
            exc.reproduction = script(setup, tail)
        raise


def expect(holds: bool, sentence: str, setup: Sequence[str], expr: str, value: Any) -> None:
    """Assert `holds`; if it does not, the failure is `sentence`, shown by `EXPR  # -> VALUE` after `setup`."""
    if not holds:
        raise Counterexample(sentence, script(setup, shown(expr, value)))


def index_code(index: tuple[int, ...]) -> str:
    return "[{}]".format(", ".join(map(str, index))) if index else ""


def _item(value) -> str:
    return str(value.item()) if hasattr(value, "item") else str(value)


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    tensor = tensor.detach().cpu()
    return (tensor.float() if tensor.dtype == getattr(torch, "bfloat16", None) else tensor).numpy()


def _first_difference(got: torch.Tensor, want: torch.Tensor, rtol, atol, equal_nan: bool) -> tuple[int, ...]:
    """The index of the first element outside the tolerance (the first element, if none is)."""
    default = TOLERANCES.get(got.dtype, (0.0, 0.0))
    a, b = _numpy(got), _numpy(want)
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        rtol = default[0] if rtol is None else rtol
        atol = default[1] if atol is None else atol
        g, w = a.astype(np.complex128), b.astype(np.complex128)
        with np.errstate(all="ignore"):
            close = (g == w) | (np.abs(g - w) <= atol + rtol * np.abs(w))
        nan_g, nan_w = np.isnan(g), np.isnan(w)
        mask = ~close & ~(nan_g & nan_w & equal_nan)
    else:
        mask = a != b
    found = np.argwhere(mask)
    return tuple(int(i) for i in found[0]) if found.size else (0,) * a.ndim


def expect_close(
    actual: torch.Tensor,
    expected,
    setup: Sequence[str],
    expr: str,
    against: str,
    rtol=None,
    atol=None,
    equal_nan: bool = False,
    check_dtype: bool = True,
) -> None:
    """`closeness.assert_close(actual, expected, ...)`; a failure shows what `expr` gives where it differs.

    `expr` is the code (in the setup's names) that computed `actual`; `against` names what
    `expected` is (`np.reshape(a, (4,))`). The first differing attribute is shown: shape,
    dtype, or the first element outside the tolerance, with `.item()`.
    """
    try:
        assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype)
    except AssertionError as exc:
        detail = strip_ansi(str(exc))
        want = tensor_copy(expected) if isinstance(expected, np.ndarray) else torch.as_tensor(expected)
        if tuple(actual.shape) != tuple(want.shape):
            sentence = f"{expr}.shape is {tuple(actual.shape)}, where {against} gives {tuple(want.shape)}"
            raise Counterexample(sentence, script(setup, shown(f"{expr}.shape", actual.shape)), detail) from exc
        if check_dtype and actual.dtype != want.dtype:
            sentence = f"{expr}.dtype is {actual.dtype}, where {against} gives {want.dtype}"
            raise Counterexample(sentence, script(setup, shown(f"{expr}.dtype", actual.dtype)), detail) from exc
        index = _first_difference(actual, want, rtol, atol, equal_nan)
        at = index_code(index)
        value, wanted = _item(actual[index] if index else actual), _item(want[index] if index else want)
        sentence = f"{expr}{at} is {value}, where {against} gives {wanted}"
        raise Counterexample(sentence, script(setup, shown(f"{expr}{at}.item()", value)), detail) from exc
