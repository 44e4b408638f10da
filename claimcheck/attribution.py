"""Whose warning is it: a deprecation counts for a statement only when the subject says it about the statement's call.

A check records every warning raised while it runs, with the Python stack at
the moment the warning was raised (not only the one frame `stacklevel` points
at). Reading that stack:

- the *caller* is the innermost frame of code that is neither the subject, nor
  Python's standard library, nor another installed package: the check itself,
  an expression it evaluates, or the script a fresh process runs;
- the *speaker* is the innermost frame below the caller: the code that raised
  the warning (none when the caller called compiled code, which raised it);
- the *place* is the frame the warning names (its `stacklevel`).

A deprecation is about the statement when the subject is the speaker, or the
caller called compiled code that raised it, unless the *user* of what is
deprecated is the subject's own code: the user is the frame the warning names,
or the speaker's caller where the warning names the speaker's own line
(stacklevel 1). Then the subject's code called something deprecated (one of its
own helpers), and the statement did not.
When the speaker is not the subject (Python, another package), the warning is
about the statement only if nothing of the subject ran in between and it names
the caller's own line: a deprecation wrapper around the very function the
statement called. Python deprecating something the subject uses, or a package
warning about its own insides, never counts. Where the place lands (the
standard library, a wrapper's file) does not decide anything by itself.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import sysconfig
import warnings
from typing import Iterator, NamedTuple, Sequence, Tuple

__all__ = ["Places", "Raised", "about_the_statement", "recording", "stack_of"]

Frame = Tuple[str, int]

#: the attribute a warning raised again from another process carries its original stack in
STACK_ATTRIBUTE = "claims_stack"

_WARNINGS_FILE = os.path.realpath(warnings.__file__)


class Raised(NamedTuple):
    """A warning and the stack (outermost first) at the moment it was raised."""

    message: warnings.WarningMessage
    stack: Sequence[Frame]


def stack_of(frame) -> list[Frame]:
    """(file, line) of `frame` and every frame that called it, outermost first; the warnings module left out."""
    out = []
    while frame is not None:
        name = frame.f_code.co_filename
        if _real(name) != _WARNINGS_FILE:
            out.append((name, frame.f_lineno))
        frame = frame.f_back
    return out[::-1]


@contextlib.contextmanager
def recording() -> Iterator[list[Raised]]:
    """Every warning raised inside, whatever the filters and warn-once registries say, with its stack."""
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        raised: list[Raised] = []

        def keep(message: warnings.WarningMessage) -> None:
            carried = getattr(message.message, STACK_ATTRIBUTE, None)
            stack = [tuple(f) for f in carried] if carried else stack_of(sys._getframe(1))
            raised.append(Raised(message, stack))

        # catch_warnings(record=True) replaced this hook with a list's append, and restores it on exit;
        # Python calls it while the warning is being raised, so the stack is the raiser's.
        warnings._showwarnmsg_impl = keep  # type: ignore[attr-defined]
        yield raised


@functools.lru_cache(maxsize=4096)
def _real(path: str) -> str:
    return os.path.realpath(path) if path and not path.startswith("<") else path


class Places:
    """Tells the subject's files, Python's standard library, other installed packages, and the caller's code apart."""

    def __init__(self, subject: str | None) -> None:
        import importlib.util

        spec = importlib.util.find_spec(subject) if subject else None
        self.subject = tuple(_real(p) for p in (spec.submodule_search_locations or [])) if spec else ()
        self.installed = tuple({_real(sysconfig.get_paths()[k]) for k in ("purelib", "platlib")})
        self.stdlib = _real(sysconfig.get_paths()["stdlib"])

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one Places per run)
    def kind(self, path: str) -> str:
        if path.startswith("<frozen "):
            return "stdlib"  # importlib's and runpy's frames, while the subject imports or runs something
        real = _real(path)
        if any(real == root or real.startswith(root + os.sep) for root in self.subject):
            return "subject"
        if any(real.startswith(root + os.sep) for root in self.installed) or "site-packages" in real:
            return "installed"
        if real.startswith(self.stdlib + os.sep):
            return "stdlib"
        return "caller"


def is_deprecation(message: warnings.WarningMessage, patterns: Sequence[str]) -> bool:
    """A warning that says something is deprecated, ignored or will change: by its class, or by its words."""
    module = getattr(message.category, "__module__", "")
    if module.split(".")[0] in ("hypothesis", "_pytest", "pytest", "pluggy"):
        return False  # the test tooling's own
    if issubclass(message.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
        return True
    text = str(message.message)
    return any(re.search(p, text, re.I) for p in patterns)


def about_the_statement(raised: Raised, places: Places, patterns: Sequence[str]) -> bool:
    """A deprecation the subject raised about the call the statement makes (see the module's docstring)."""
    message, stack = raised
    if not is_deprecation(message, patterns):
        return False
    kinds = [places.kind(f) for f, _ in stack]
    callers = [i for i, k in enumerate(kinds) if k == "caller"]
    start = callers[-1] if callers else -1
    caller = stack[start] if callers else None
    below = list(range(start + 1, len(stack)))
    place = (message.filename, message.lineno)
    if not below or kinds[below[-1]] == "subject":
        # The frame that used what is deprecated: the one the warning names, or, where it names the
        # speaker's own line (stacklevel 1), the speaker's caller. The subject's own code: not the statement.
        speaker = len(stack) - 1
        user = next((i for i in range(len(stack) - 1, start, -1) if _same(place, stack[i])), None)
        if user == speaker and below:
            user = speaker - 1
        return user is None or kinds[user] != "subject"
    if any(kinds[i] == "subject" for i in below):
        return False  # Python or another package, called by the subject's code
    return caller is not None and _same(place, caller)


def _same(place: Frame, frame: Frame) -> bool:
    return place[1] == frame[1] and _real(place[0]) == _real(frame[0])
