"""The pytest arguments of a standard claims run, in one place.

`nox -s claims|benchmarks|speed` and the CI workflow (through
`python -m claimcheck run --standard`) both take them from `standard_args`,
which reads two environment variables:

CLAIMS_PROFILE  Hypothesis profile: fast, ci (default here), thorough
CLAIMS_TIMEOUT  seconds a check may run before it becomes an error (default 300)

A bad value is refused with a ValueError that names the variable and says
what to write instead; nothing else is checked here (pytest checks the rest).

This module runs in nox's own Python, which has no Hypothesis, and inside old
torch environments (Python 3.7): standard library only.
"""

from __future__ import annotations

import ast
import math
import os
import shlex
from typing import Mapping

__all__ = [
    "DEFAULT_PROFILE",
    "DEFAULT_TIMEOUT",
    "PARALLEL",
    "PROFILE_VARIABLE",
    "QUICK_BENCHMARKS",
    "SERIAL",
    "TIMEOUT_VARIABLE",
    "profile_names",
    "standard_args",
]

PROFILE_VARIABLE = "CLAIMS_PROFILE"
TIMEOUT_VARIABLE = "CLAIMS_TIMEOUT"
DEFAULT_PROFILE = "ci"
DEFAULT_TIMEOUT = "300"

# One worker per core. Workers also isolate: a check that crashes its
# interpreter costs only its own claim. (Not --dist loadscope: after a worker
# crash its scheduler left the run waiting forever, seen with torch 1.0.1.)
PARALLEL = ("--numprocesses", "auto", "--dist", "load")
# In the controller's own process, one check after another (full benchmarks).
SERIAL = ("--numprocesses", "0")

# Quick mode of the cost checks (claims/test_costs.py): the same code paths with
# few rounds; "full" (`nox -s benchmarks`) leaves pytest-benchmark's defaults.
QUICK_BENCHMARKS = ("--benchmark-min-rounds=5", "--benchmark-max-time=0.05", "--benchmark-warmup=off")
BENCHMARK_MODES = {"quick": QUICK_BENCHMARKS, "full": ()}


def profile_names() -> tuple[str, ...]:
    """The keys of `claimcheck.profiles.PROFILES`, in order.

    Read from profiles.py's source instead of imported: that module imports
    Hypothesis, which nox's own Python (where the sessions check the
    variables before installing anything) does not have.
    """
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "profiles.py")
    with open(path, encoding="utf-8") as handle:
        module = ast.parse(handle.read(), path)
    for node in module.body:
        targets: list[ast.expr]
        if isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        else:
            continue
        if isinstance(value, ast.Dict) and any(isinstance(t, ast.Name) and t.id == "PROFILES" for t in targets):
            # literal_eval: the keys are ast.Str on Python 3.7, ast.Constant later
            return tuple(str(ast.literal_eval(key)) for key in value.keys if key is not None)
    raise RuntimeError(f"{path}: no `PROFILES = {{...}}` dict literal to read the profile names from")


def _shown(value: str) -> str:
    """The value as the user would write it after `NAME=` in a shell."""
    return shlex.quote(value)


def _profile(environ: Mapping[str, str]) -> str:
    name = environ.get(PROFILE_VARIABLE, DEFAULT_PROFILE)
    names = profile_names()
    if name not in names:
        raise ValueError(
            f"{PROFILE_VARIABLE}={_shown(name)} is not a Hypothesis profile: "
            f"give one of {', '.join(names)}, e.g. {PROFILE_VARIABLE}={DEFAULT_PROFILE}"
        )
    return name


def _timeout(environ: Mapping[str, str]) -> str:
    text = environ.get(TIMEOUT_VARIABLE, DEFAULT_TIMEOUT)
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):  # nan, inf, 0 and negatives
        raise ValueError(
            f"{TIMEOUT_VARIABLE}={_shown(text)} is not a time limit: "
            f"give seconds > 0, e.g. {TIMEOUT_VARIABLE}={DEFAULT_TIMEOUT}"
        )
    return text.strip()


def standard_args(environ: Mapping[str, str], parallel: bool = True, benchmarks: str = "quick") -> list[str]:
    """The pytest arguments of a claims run, to follow the "claims" path.

    `environ` is read for CLAIMS_PROFILE and CLAIMS_TIMEOUT (pass os.environ).
    parallel=False runs the checks one after another (--numprocesses 0);
    benchmarks="full" leaves the cost checks pytest-benchmark's default rounds.
    Raises ValueError, naming the variable, for a value that cannot work.
    """
    if benchmarks not in BENCHMARK_MODES:
        raise ValueError(
            "benchmarks={!r}: give one of {}".format(benchmarks, ", ".join(repr(m) for m in BENCHMARK_MODES))
        )
    profile, timeout = _profile(environ), _timeout(environ)
    return [
        "--claims-profile",
        profile,
        *(PARALLEL if parallel else SERIAL),
        # a hung check stops its worker after this many seconds and becomes an error
        "--timeout",
        timeout,
        "--timeout-method",
        "thread",
        # The findings' tracebacks are in the report (report.md's evidence); the
        # terminal shows pytest's counts and one line per claim to act on. Add
        # --tb=native (or -rf for each failing check) after `--` to see them here.
        "--tb=no",
        "-q",
        "-rN",
        *BENCHMARK_MODES[benchmarks],
    ]
