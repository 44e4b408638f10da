"""Warnings a subject shows once per process, looked for where nothing ran before.

Some libraries show a warning only the first time a process reaches it (torch
before 1.9 has no switch to show every `TORCH_WARN_ONCE`), so whichever check
reached it first would be the only one to see it, and a `deprecated` verdict
would depend on the order the checks ran in. Python's own once-per-place
registries are reset by the recorder; a library's are not, and cannot be.

So, where the subject says it dedupes (see `claimcheck.warnings_once`), a
process is forked right after collection, before any check runs: the
*template*. For a check that saw no deprecation, the template forks a child
that runs the same check (setup, call, teardown, with a few examples) and sends
back what it recorded. The child starts from the state collection left, in
which no check has run, so a warn-once warning of the statement is seen there
whatever ran before in the run itself.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from typing import Any, Callable, Sequence

import pytest

__all__ = ["Template"]

#: examples a check runs in the template's child: a warning is raised by the statement's first call
EXAMPLES = 3


class Template:
    """The forked template process and the requests sent to it: one check's node id per line."""

    def __init__(self, items: Sequence[pytest.Item], run: Callable[[pytest.Item], list[dict[str, Any]]]) -> None:
        by_id = {item.nodeid: item for item in items}
        requests_r, self._requests = os.pipe()
        self._answers, answers_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the template
            os.close(self._requests)
            os.close(self._answers)
            code = 0
            try:
                _serve(by_id, run, requests_r, answers_w)
            except BaseException:
                code = 1
            os._exit(code)
        os.close(requests_r)
        os.close(answers_w)
        self._buffer = b""

    def warnings_of(self, nodeid: str, timeout: float = 120.0) -> list[dict[str, Any]] | None:
        """What the check recorded in a fresh child of the template; None if it gave no answer in time."""
        try:
            os.write(self._requests, (nodeid + "\n").encode())
        except OSError:
            return None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._answers], [], [], left)[0]:
                return None
            chunk = os.read(self._answers, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        answer = json.loads(line.decode())
        return answer if isinstance(answer, list) else None

    def close(self) -> None:
        for fd in (self._requests, self._answers):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def _serve(by_id: dict, run: Callable, requests_fd: int, answers_fd: int) -> None:
    requests = os.fdopen(requests_fd, "r")
    for line in requests:
        nodeid = line.strip()
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            code = 0
            try:
                devnull = os.open(os.devnull, os.O_RDWR)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                import faulthandler

                faulthandler.disable()  # a crash here is not the run's
                _examples_only(EXAMPLES)
                os.write(write, json.dumps(run(by_id[nodeid]), default=str).encode())
            except BaseException:
                code = 1
            os._exit(code)
        os.close(write)
        data = b""
        while True:
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            data += chunk
        os.close(read)
        os.waitpid(child, 0)
        try:
            answer = json.loads(data.decode()) if data else None
        except ValueError:
            answer = None
        os.write(answers_fd, (json.dumps(answer) + "\n").encode())


def _examples_only(count: int) -> None:
    """A few generated examples, no shrinking, no database: the child looks for warnings, not for failures."""
    try:
        from hypothesis import Phase, settings
    except ImportError:
        return
    settings.register_profile(
        "claims-pristine",
        parent=settings.default,
        max_examples=count,
        phases=(Phase.explicit, Phase.generate),
        database=None,
        deadline=None,
    )
    settings.load_profile("claims-pristine")
