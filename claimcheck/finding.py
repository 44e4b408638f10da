"""What a check uses to say "this is the claim under test".

An assertion that fails is a finding: the claim is broken. An exception raised
by the subject (the library under test) is a finding too, but only inside a
`finding(...)` block, where the check declares which call it is testing. Any
other exception is a bug of ours and becomes the verdict `error`.

The same holds for a crash: while a `finding(...)` block runs, the process
notes the call in its state folder (CLAIMCHECK_STATE_DIR, made by the
writer), so that if the interpreter dies there (a signal raised by the
subject itself) the claim is broken, with the signal and the call; a crash
anywhere else stays an error.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from typing import Iterator

STATE_VARIABLE = "CLAIMCHECK_STATE_DIR"

#: The node id of the check this process runs now (set by the recorder).
current_check: dict[str, str | None] = {"nodeid": None}


class ClaimBroken(AssertionError):
    """The statement under test raised: `call` is the code, then the exception's type and text.

    A check that observed the failure elsewhere (in a subprocess, say) raises
    it directly with the type name and message it saw.
    """

    def __init__(self, call: str, cause_type: str, cause_message: str, reproduction: str | None = None) -> None:
        self.call = call
        self.cause_type = cause_type
        self.cause_message = cause_message.strip()
        #: a complete script that reproduces the refusal, ending with `call  # raises ...`, where the check built one
        self.reproduction = reproduction
        super().__init__(f"{call} raised {self.cause_type}: {self.cause_message}")


class Counterexample(AssertionError):
    """The subject gave a wrong answer: one plain sentence, and a script that reproduces it.

    `reproduction` runs as pasted in a fresh interpreter and ends with the expression
    that shows the wrong value, followed by `  # -> <what it evaluates to>`.
    """

    def __init__(self, sentence: str, reproduction: str, detail: str = "") -> None:
        self.sentence = sentence
        self.reproduction = reproduction
        super().__init__(sentence + ("\n" + detail if detail else ""))


def statement_path(pid: int) -> str | None:
    folder = os.environ.get(STATE_VARIABLE)
    return os.path.join(folder, f"{pid}.statement") if folder else None


# This process's statement file, opened once: `finding` runs for every example of a check,
# so it rewrites the file in place (two system calls) instead of creating and removing it.
_note: dict[str, int | None] = {"pid": None, "fd": None}


def _statement_fd() -> int | None:
    pid = os.getpid()
    if _note["pid"] != pid:  # first use, or a forked child: its own file
        path = statement_path(pid)
        _note["pid"], _note["fd"] = pid, (os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) if path else None)
    return _note["fd"]


@contextmanager
def finding(call: str) -> Iterator[None]:
    """Run the statement under test; an exception it raises, or a crash inside it, breaks the claim.

    `call` is the statement as a reader would type it (`x.view(-1)`); it goes
    into the evidence beside the falsifying example.
    """
    fd = _statement_fd()
    if fd is not None:
        noted = json.dumps({"nodeid": current_check["nodeid"], "call": call}).encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, noted, 0)
    try:
        yield
    except AssertionError:
        raise
    except Exception as exc:  # the subject's refusal is the finding
        raise ClaimBroken(call, type(exc).__name__, str(exc)) from exc
    finally:
        if fd is not None:
            os.ftruncate(fd, 0)  # empty: no statement running
