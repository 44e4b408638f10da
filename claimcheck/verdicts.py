"""Verdicts: the one place that names them and says how outcomes become one.

A check's verdict comes from its pytest phases; a claim's verdict from its
checks. Both are pure functions of small records, so the machinery tests can
feed them fake outcomes.
"""

from __future__ import annotations

from typing import Iterable

HOLDS = "holds"
#: A claim (never a check): every core facet holds, and some in-scope edge facet does not.
PARTLY = "partly"
DEPRECATED = "deprecated"
BROKEN = "broken"
NOT_RUN = "not-run"
ERROR = "error"

#: Every verdict, in the order reports list them.
VERDICTS = (HOLDS, PARTLY, DEPRECATED, BROKEN, NOT_RUN, ERROR)

#: Marks used by every rendering.
MARKS = {HOLDS: "✅", PARTLY: "🌓", DEPRECATED: "⚠️", BROKEN: "❌", NOT_RUN: "⏭️", ERROR: "💥"}

#: Background colours of the HTML page and the heatmap: Paul Tol's "light" scheme, told apart with red-green colour blindness
#: (holds light cyan, partly mint, deprecated yellow, broken orange, error pink, not-run grey); each cell also shows
#: its mark.
COLOURS = {
    HOLDS: "#99ddff",
    PARTLY: "#44bb99",
    DEPRECATED: "#eedd88",
    BROKEN: "#ee8866",
    NOT_RUN: "#dddddd",
    ERROR: "#ffaabb",
}

#: What each verdict tells a reader of the corrected document, where a claim does not hold.
ADVICE = {
    PARTLY: "holds in the statement's own use, except on the edge inputs its notes list",
    DEPRECATED: "works, but torch says it is deprecated or has no effect",
    BROKEN: "false in the statement's own use",
    NOT_RUN: "not checked here",
    ERROR: "could not be checked (a bug of the suite or the environment)",
}

#: Verdicts a reader must act on: the claim is false, outdated, false on some inputs, or was not checked although it ran.
NEEDS_ATTENTION = (BROKEN, PARTLY, DEPRECATED, ERROR)

# When a claim has several checks, the most severe one speaks for it. An
# error outranks a finding: a claim whose checks did not all run is not known
# to be broken or to hold. not-run is the weakest: a claim with one check run
# and one skipped (a GPU form, say) is judged by what ran.
_SEVERITY = {NOT_RUN: 0, HOLDS: 1, PARTLY: 2, DEPRECATED: 3, BROKEN: 4, ERROR: 5}


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


def claim_verdict(core: Iterable[str], edges: Iterable[str]) -> str:
    """A claim's verdict from its in-scope facets: the core ones (the statement's own use) and the edges.

    An error anywhere in scope leaves the claim unknown (error). Otherwise the
    core facets decide: broken or deprecated there is the claim's verdict. Where
    every core facet holds and an edge facet does not, the claim holds only
    partly. A claim whose core facets did not run is judged by what ran.
    """
    core, edges = list(core), list(edges)
    everything = combine(core + edges)
    if everything == ERROR:
        return ERROR
    decided = combine(core)
    if decided == NOT_RUN:
        return everything
    if decided == HOLDS and any(v in (PARTLY, DEPRECATED, BROKEN) for v in edges):
        return PARTLY
    return decided
