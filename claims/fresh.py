"""Processes for the checks that need their own: forked from one warm interpreter.

Every such check starts with `import torch`; the helper has done it (and
imported torch._dynamo, which torch.export needs, where it exists) once for
all of them. See claimcheck.warm for what a forked child shares with a fresh
`python script.py`.
"""

from __future__ import annotations

import os
from typing import Sequence

from claimcheck import Finished, warm_interpreter

__all__ = ["PRELOAD", "Finished", "environment", "run"]

PRELOAD = ("torch", "torch._dynamo")


def environment(**changes: str) -> dict:
    """This process's environment without the variables that would change what a fresh interpreter imports."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    env.update(changes)
    return env


def run(scripts: Sequence[dict], timeout: float = 120.0) -> list[Finished]:
    """Run each {script, argv, cwd, env, log} in its own process, side by side; wait for all.

    The warnings the scripts raised are raised again here, in the check, so
    that a deprecation torch announces in another process reaches the verdict
    exactly as one in this process does.
    """
    finished = warm_interpreter(PRELOAD).run([dict(s) for s in scripts], timeout=timeout)
    for done in finished:
        done.raise_warnings()
    return finished
