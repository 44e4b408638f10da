"""One run per environment and reports folder at a time.

Two runs of one Python environment writing into one reports folder overwrite
each other's report (and, under nox, delete each other's temporary folder).
The writing process takes an exclusive lock on a file in the temporary folder,
named after the reports folder and the environment's prefix, for as long as it runs; a second run
is refused at once, naming the first one's pid and start, and writes nothing.
A lock dies with its process: a killed run never leaves one behind.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from typing import IO, Any

__all__ = ["RunLock", "RunLockError"]


class RunLockError(Exception):
    """Another run holds the lock; the message names it and what to do."""


class RunLock:
    def __init__(self, handle: IO[str], path: str) -> None:
        self.handle, self.path = handle, path

    @staticmethod
    def path_for(reports: str, prefix: str = sys.prefix) -> str:
        """In the temporary folder, named after the reports folder and the environment: taking it writes
        nothing where a refused run must leave nothing (the reports folder is made only by a report)."""
        import tempfile

        key = hashlib.sha256(f"{os.path.realpath(reports)}\0{os.path.realpath(prefix)}".encode()).hexdigest()[:16]
        return os.path.join(tempfile.gettempdir(), f"claimcheck-run-{key}.lock")

    @classmethod
    def acquire(cls, reports: str, prefix: str = sys.prefix) -> RunLock | None:
        """The lock, or None where the folder cannot hold one (not writable, a file in its place): such a run
        cannot write a report either, and says so when it tries."""
        import fcntl

        path = cls.path_for(reports, prefix)
        try:
            handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held open: the lock lives as long as it)
        except OSError:
            return None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunLockError(
                f"another claims run of this environment ({prefix}) is writing into {reports}: {holder}. "
                "Two runs of one environment would overwrite each other's report; wait for it to end, or give "
                "this one another folder (--claims-reports DIR, or CLAIMS_REPORTS under nox)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        return cls(handle, path)

    def release(self, *_: Any) -> None:
        if not self.handle.closed:
            self.handle.close()  # closing the descriptor drops the lock
