"""What a check uses to say "this is the claim under test".

An assertion that fails is a finding: the claim is broken. An exception raised
by the subject (the library under test) is a finding too, but only inside a
`finding(...)` block, where the check declares which call it is testing. Any
other exception is a bug of ours and becomes the verdict `error`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


class ClaimBroken(AssertionError):
    """The statement under test raised: `call` is the code, then the exception's type and text.

    A check that observed the failure elsewhere (in a subprocess, say) raises
    it directly with the type name and message it saw.
    """

    def __init__(self, call: str, cause_type: str, cause_message: str) -> None:
        self.call = call
        self.cause_type = cause_type
        self.cause_message = cause_message.strip()
        super().__init__(f"{call} raised {self.cause_type}: {self.cause_message}")


@contextmanager
def finding(call: str) -> Iterator[None]:
    """Run the statement under test; an exception it raises breaks the claim.

    `call` is the statement as a reader would type it (`x.view(-1)`); it goes
    into the evidence beside the falsifying example.
    """
    try:
        yield
    except AssertionError:
        raise
    except Exception as exc:  # the subject's refusal is the finding
        raise ClaimBroken(call, type(exc).__name__, str(exc)) from exc
