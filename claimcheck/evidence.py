"""Turn what pytest and Hypothesis saw into evidence a reader can act on.

Evidence is plain data (dicts of strings and numbers) so it goes into the
JSON report unchanged.
"""

from __future__ import annotations

import functools
import os
import re
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
        return {"type": exc.cause_type, "message": _trim(exc.cause_message), "call": exc.call}
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
    """A short reproduction that runs as pasted: the imports, the drawn inputs, then the failing call."""
    if example is None:
        return None
    arguments = example_arguments(example)
    lines = [*imports, *arguments] if arguments else ["# " + line for line in example.splitlines()]
    tail = "{}: {}".format(error.get("type"), error.get("message", "").splitlines()[0] if error.get("message") else "")
    if "call" in error:
        lines.append("{}  # raises {}".format(error["call"], tail))
    else:
        lines.append("# fails: " + tail)
    return "\n".join(lines)


def warning_record(message: warnings.WarningMessage) -> dict[str, str]:
    return {"category": message.category.__name__, "message": _trim(str(message.message).strip())}


def is_subject_deprecation(
    message: warnings.WarningMessage, patterns: Sequence[str], foreign: Sequence[str] = ()
) -> bool:
    """A warning that says the code under test is deprecated, ignored or will change.

    Warnings of the test tooling itself (Hypothesis, pytest) never count, nor
    do warnings the library attributes to a frame of Python's standard library:
    a library that tells its caller something points its warning at the
    caller's line; one that lands in `copyreg.py` or `copy.py` is the library
    speaking of its own internals (torch's pytree, say, during an export).
    """
    module = getattr(message.category, "__module__", "")
    if module.split(".")[0] in ("hypothesis", "_pytest", "pytest", "pluggy"):
        return False
    filename = getattr(message, "filename", "") or ""
    if _in_standard_library(filename):
        return False
    real = _real(filename) if filename else ""
    if real and any(real.startswith(folder + os.sep) for folder in foreign):
        return False  # another installed package speaking of its own use of something else
    if issubclass(message.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
        return True
    text = str(message.message)
    return any(re.search(p, text, re.I) for p in patterns)


@functools.lru_cache(maxsize=4096)
def _real(path: str) -> str:
    """os.path.realpath, once per path: it runs for every warning a check raises."""
    return os.path.realpath(path)


def _in_standard_library(filename: str) -> bool:
    import sysconfig

    stdlib = _real(sysconfig.get_paths()["stdlib"])
    path = _real(filename) if filename else ""
    return bool(path) and path.startswith(stdlib + os.sep) and "site-packages" not in path


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
