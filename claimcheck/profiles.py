"""Hypothesis profiles: fast (development), ci (derandomized), thorough (releases)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

ENV_VARIABLE = "CLAIMS_PROFILE"

_COMMON = {
    "deadline": None,  # checks import and allocate; time is measured elsewhere
    # Every phase but "explain": it re-runs a failing check hundreds of times
    # to annotate which arguments mattered (10 s for one check here), and the
    # minimal counterexample says it already.
    "phases": tuple(p for p in Phase if p.name != "explain"),
    "report_multiple_bugs": False,  # one minimal counterexample per check
    # The evidence fixture is meant to be shared by all examples of a check.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}

PROFILES: dict[str, dict] = {
    "fast": dict(_COMMON, max_examples=25),
    # derandomize: the same examples on every run; no database, so nothing a
    # previous run saved can change a CI verdict.
    "ci": dict(_COMMON, max_examples=60, derandomize=True, database=None, print_blob=False),
    "thorough": dict(_COMMON, max_examples=500),
}


def register() -> None:
    for name, values in PROFILES.items():
        settings.register_profile("claims-" + name, **values)


def choose(option: str) -> str:
    """Profile from the option, else $CLAIMS_PROFILE, else ci under CI, else fast."""
    name = option or os.environ.get(ENV_VARIABLE) or ("ci" if os.environ.get("CI") else "fast")
    if name not in PROFILES:
        raise ValueError(
            "unknown Hypothesis profile {!r} (from {}); choose one of {}".format(
                name, "--claims-profile" if option else ENV_VARIABLE, ", ".join(PROFILES)
            )
        )
    return name
