"""Turn what pytest and Hypothesis saw into evidence a reader can act on.

Evidence is plain data (dicts of strings and numbers) so it goes into the
JSON report unchanged.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from typing import Sequence

from .finding import ClaimBroken

MAX_MESSAGE_CHARS = 1500
# Hypothesis has said "Falsifying example" and, since 6.1xx, "Failing test case";
# for an @example, "Falsifying explicit example" or "Failing explicit example".
_FALSIFYING = re.compile(r"^(?:Falsifying|Failing) (?:explicit )?(?:example|test case): (\w+)\(", re.M)
_DRAW = re.compile(r"^Draw \d+(?: \((\w+)\))?: (.*?)(?:  # or any other generated value)?$")


def is_finding(exc: BaseException) -> bool:
    """An assertion about the subject failed (as opposed to a bug of ours)."""
    if type(exc).__module__.split(".")[0] == "hypothesis":
        return False  # Flaky, health checks, unsatisfiable: the check is at fault
    nested = getattr(exc, "exceptions", None)  # ExceptionGroup from several bugs
    if isinstance(nested, (list, tuple)) and nested:
        return all(is_finding(e) for e in nested)
    return isinstance(exc, AssertionError)


def describe_exception(exc: BaseException) -> dict[str, str]:
    """Type and message, trimmed; ClaimBroken unwraps to the subject's own error."""
    if isinstance(exc, ClaimBroken):
        described = {"type": exc.cause_type, "message": _trim(exc.cause_message), "call": exc.call}
        if exc.reproduction:
            described["reproduction"] = exc.reproduction
        return described
    reproduction = getattr(exc, "reproduction", None)  # a Counterexample's own script
    if isinstance(reproduction, str) and reproduction:
        return {"type": "AssertionError", "message": _trim(_message_without_notes(exc)), "reproduction": reproduction}
    kind = type(exc)
    name = kind.__name__ if kind.__module__ in ("builtins", "exceptions") else f"{kind.__module__}.{kind.__qualname__}"
    return {"type": name, "message": _trim(_message_without_notes(exc))}


def _message_without_notes(exc: BaseException) -> str:
    text = str(exc).strip()
    # pytest's assertion rewriting appends the introspected expression; keep
    # the author's message and the first comparison line, which say it all.
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines[:12])


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """torch colours some messages for terminals; reports are not terminals."""
    return _ANSI.sub("", text)


def _trim(text: str) -> str:
    text = strip_ansi(text)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + " …"


def falsifying_example(exc: BaseException | None, report_text: str) -> str | None:
    """Hypothesis's minimal falsifying example, from the exception notes or the report."""
    sources: list[str] = []
    if exc is not None:
        sources.append("\n".join(str(n) for n in getattr(exc, "__notes__", []) or []))
    sources.append(report_text or "")
    for source in sources:
        match = _FALSIFYING.search(source)
        if match:
            call = _balanced_call(source[match.start() :])
            draws = [line for line in source[match.start() + len(call) :].splitlines() if _DRAW.match(line)]
            return "\n".join([call, *draws])
    return None


def _balanced_call(text: str) -> str:
    """The text from 'Falsifying example: f(' up to its matching parenthesis."""
    depth = 0
    start = text.index("(")
    quote = None
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return text[: index + 1]
    return text.splitlines()[0]


_ARGUMENT = re.compile(r"^    (\w+)=(.*)$")
_ANY_OTHER = re.compile(r"\s+# or any other generated value$")


def example_arguments(example: str) -> list[str] | None:
    """`name = value` lines from a falsifying example, or None if it won't parse.

    Hypothesis prints one argument per line, indented by four spaces, longer
    values continuing on deeper-indented lines. Arguments drawn interactively
    (`data=data(...)`) are replaced by the labelled draws printed after the call.
    """
    lines = example.splitlines()
    if not lines or not lines[0].endswith("("):
        return None
    arguments: list[list[str]] = []
    for line in lines[1:]:
        if line == ")":
            break
        if line.lstrip().startswith("#"):  # Hypothesis's own remarks inside the call
            continue
        match = _ARGUMENT.match(line)
        if match:
            arguments.append([match.group(1), match.group(2)])
        elif arguments and line.startswith("     "):
            arguments[-1][1] += "\n" + line[4:]
        else:
            return None
    out = []
    for name, value in arguments:
        value = _ANY_OTHER.sub("", value)
        value = value[:-1] if value.endswith(",") else value
        # fixtures and objects print as <...> or as a bare name (`evidence`): not inputs a reader builds
        if value != "data(...)" and not value.startswith("<") and value != name:
            out.append(f"{name} = {value}")
    draws = [m for m in (_DRAW.match(line) for line in lines) if m is not None]
    for number, draw in enumerate(draws, 1):
        out.append("{} = {}".format(draw.group(1) or f"draw_{number}", draw.group(2).strip()))
    return out


def snippet(example: str | None, error: dict[str, str], imports: Sequence[str] = ()) -> str | None:
    """A short reproduction that runs as pasted: the imports, the drawn inputs, then the failing call.

    Values printed as their repr are made Python that evaluates here (`dtype('bool')` becomes
    `np.dtype('bool')`, a bare `nan` `float('nan')`), and inputs the call never uses
    (a parametrized facet's name, a draw the failing call ignores) are left out.
    """
    if example is None:
        return None
    arguments = example_arguments(example)
    tail = "{}: {}".format(error.get("type"), error.get("message", "").splitlines()[0] if error.get("message") else "")
    if not arguments:
        lines = ["# " + line for line in example.splitlines()] if arguments is None else list(imports)
    elif "call" in error:
        lines = [*imports, *used_by(error["call"], [evaluable(line) for line in arguments])]
    else:
        lines = [*imports, *(evaluable(line) for line in arguments)]
    if "call" in error:
        lines.append("{}  # raises {}".format(error["call"], tail))
    else:
        lines.append("# fails: " + tail)
    return "\n".join(lines)


# Names a repr prints bare that numpy or torch must qualify: numpy's array and dtype reprs,
# torch's tensor, device and Size reprs, numpy's scalar types after `dtype=`.
_QUALIFIED = {"array": "np.array", "dtype": "np.dtype", "tensor": "torch.tensor", "device": "torch.device"}
_FLOATS = {"nan": "float('nan')", "inf": "float('inf')"}
_NUMPY_TYPES = frozenset(
    [
        "bool_",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "longdouble",
        "complex64",
        "complex128",
        "clongdouble",
        "object_",
        "str_",
        "bytes_",
        "void",
        "datetime64",
        "timedelta64",
        "intc",
        "uintc",
        "longlong",
        "ulonglong",
        "half",
        "single",
        "double",
        "csingle",
        "cdouble",
    ]
)


def evaluable(line: str) -> str:
    """`name = value` with the value's bare reprs qualified so that it evaluates after the snippet's imports."""
    name, _, value = line.partition(" = ")
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(value).readline) if t.type != tokenize.NL]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return line
    starts = [0]
    for text in value.splitlines(True):
        starts.append(starts[-1] + len(text))
    edits = []
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME:
            continue
        before = tokens[index - 1].string if index else ""
        after = tokens[index + 1].string if index + 1 < len(tokens) else ""
        keyword = tokens[index - 2].string if index >= 2 else ""
        text = token.string
        if before != "." and after == "(" and text in _QUALIFIED:
            text = _QUALIFIED[text]
        elif before != "." and after not in ("(", "=") and text in _FLOATS:
            text = _FLOATS[text]
        elif before == "=" and keyword == "dtype" and text in _NUMPY_TYPES:
            text = "np." + text
        if text != token.string:
            (row, col), (end_row, end_col) = token.start, token.end
            edits.append((starts[row - 1] + col, starts[end_row - 1] + end_col, text))
    for begin, end, text in reversed(edits):
        value = value[:begin] + text + value[end:]
    return f"{name} = {value}" if edits else line


def _names(code: str) -> set[str]:
    """The names `code` reads (every identifier, where it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(re.findall(r"[A-Za-z_]\w*", code))
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def used_by(call: str, assignments: Sequence[str]) -> list[str]:
    """The `name = value` lines that `call` needs, directly or through another kept line, in order."""
    needed = _names(call)
    kept = []
    for line in reversed(assignments):
        name, _, value = line.partition(" = ")
        if name in needed:
            kept.append(line)
            needed |= _names(value)
    return kept[::-1]


def warning_record(message: warnings.WarningMessage) -> dict[str, str]:
    return {"category": message.category.__name__, "message": _trim(str(message.message).strip())}


def unique(records: Sequence[dict]) -> list[dict]:
    """Drop repeats (a Hypothesis check warns once per example), keep order."""
    seen = set()
    out = []
    for record in records:
        key = repr(sorted(record.items()))
        if key not in seen:
            seen.add(key)
            out.append(record)
    return out
