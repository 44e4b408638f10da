"""Verdicts: the one place that names them and says how outcomes become one.

A check's verdict comes from its pytest phases; a claim's verdict from its
checks. Both are pure functions of small records, so the machinery tests can
feed them fake outcomes.
"""

from __future__ import annotations

from typing import Iterable

HOLDS = "holds"
DEPRECATED = "deprecated"
BROKEN = "broken"
NOT_RUN = "not-run"
ERROR = "error"

#: Every verdict, in the order reports list them.
VERDICTS = (HOLDS, DEPRECATED, BROKEN, NOT_RUN, ERROR)

#: Marks used by every rendering.
MARKS = {HOLDS: "✅", DEPRECATED: "⚠️", BROKEN: "❌", NOT_RUN: "⏭️", ERROR: "💥"}

#: Background colours of the HTML page and the heatmap: Paul Tol's "light" scheme, told apart with red-green colour blindness
#: (holds blue, deprecated yellow, broken orange, error pink, not-run grey); each cell also shows its mark.
COLOURS = {HOLDS: "#99ddff", DEPRECATED: "#eedd88", BROKEN: "#ee8866", NOT_RUN: "#dddddd", ERROR: "#ffaabb"}

#: What each verdict tells a reader of the corrected document, where a claim does not hold.
ADVICE = {
    DEPRECATED: "works, but torch says it is deprecated or has no effect",
    BROKEN: "false as written",
    NOT_RUN: "not checked here",
    ERROR: "could not be checked (a bug of the suite or the environment)",
}

#: Verdicts a reader must act on: the claim is false, outdated, or was not checked although it ran.
NEEDS_ATTENTION = (BROKEN, DEPRECATED, ERROR)

# When a claim has several checks, the most severe one speaks for it. An
# error outranks a finding: a claim whose checks did not all run is not known
# to be broken or to hold. not-run is the weakest: a claim with one check run
# and one skipped (a GPU form, say) is judged by what ran.
_SEVERITY = {NOT_RUN: 0, HOLDS: 1, DEPRECATED: 2, BROKEN: 3, ERROR: 4}


def check_verdict(setup: str, call: str | None, teardown: str | None, call_is_finding: bool, warned: bool) -> str:
    """Map one check's phase outcomes ('passed', 'failed', 'skipped') to a verdict.

    `call_is_finding` says the call phase failed on an assertion about the
    subject (a finding), not on an exception of our own making.
    `warned` says the subject emitted a deprecation-like warning during the call.
    """
    if setup == "failed" or teardown == "failed":
        return ERROR
    if setup == "skipped" or call == "skipped":
        return NOT_RUN
    if call == "failed":
        return BROKEN if call_is_finding else ERROR
    if call == "passed":
        return DEPRECATED if warned else HOLDS
    return ERROR  # no call phase ran although setup passed: interrupted


def combine(verdicts: Iterable[str]) -> str:
    """One verdict for a claim from its checks' verdicts (not-run when none ran)."""
    worst = NOT_RUN
    for verdict in verdicts:
        if verdict not in _SEVERITY:
            raise ValueError("unknown verdict {!r}; known: {}".format(verdict, ", ".join(VERDICTS)))
        if _SEVERITY[verdict] > _SEVERITY[worst]:
            worst = verdict
    return worst
