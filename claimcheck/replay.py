"""Change points across a search boundary, confirmed by replaying the counterexample on the other side.

Neighbouring releases are sometimes checked with another Python, Hypothesis or
numpy (claims/versions.toml), so their searches draw different examples: a
facet that fails on one side and holds on the other may only mean that the
search on the holding side never drew the failing input. At such a boundary
the counterexample's snippet (the script a report gives for a failing check,
ending in `EXPR  # -> value` or `EXPR  # raises Type: message`) is run again
with the holding side's interpreter and torch. The change is *confirmed* when
the replay behaves differently there (the holding side really computes
otherwise), and *unconfirmed* when it reproduces the same wrong outcome: the
holding side's search missed it, and the change is an artifact of the search.

The results are kept in reports/replays.json, which the merge reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any, Sequence

from .model import RunReport

__all__ = ["FILE", "Replay", "boundary", "load", "replay_changes", "save"]

FILE = "replays.json"

# Runs a snippet's lines, then evaluates its last expression: one JSON line with the value's repr or the exception.
_RUNNER = """\
import json, sys
lines = open(sys.argv[1]).read().rstrip("\\n").split("\\n")
expression = lines[-1].rsplit("  # ", 1)[0]
space = {"__name__": "__main__"}
try:
    exec(compile("\\n".join(lines[:-1]), "<snippet>", "exec"), space)
    outcome = {"value": repr(eval(compile(expression, "<snippet>", "eval"), space))}
except Exception as exc:
    outcome = {"raises": type(exc).__name__, "message": str(exc).strip()[:300]}
print("REPLAY " + json.dumps(outcome))
"""


@dataclass(frozen=True)
class Replay:
    """One change point at a search boundary, and what the failing side's counterexample did on the other side."""

    claim: str
    facet: str | None  # None: the claim's own verdict
    after: str  # the environment before the change (as the matrix names it)
    at: str  # the first environment with the new verdict
    boundary: str  # what differs: "Python 3.7 → 3.8; numpy 1.21.6 → 1.24.4"
    failing: str  # the environment whose check failed, with the counterexample
    expected: str  # the outcome there: "-> value" or "raises Type"
    replayed: str  # the outcome on the other side
    confirmed: bool

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def boundary(before: RunReport, after: RunReport) -> str:
    """What differs between two runs' searches (Python minor version, Hypothesis, numpy); "" when nothing does."""
    parts = []
    a, b = before.environment, after.environment
    python_a = ".".join(str(a.python.get("version", "")).split(".")[:2])
    python_b = ".".join(str(b.python.get("version", "")).split(".")[:2])
    if python_a != python_b:
        parts.append(f"Python {python_a} → {python_b}")
    for name in ("hypothesis", "numpy"):
        old, new = a.packages.get(name), b.packages.get(name)
        if old != new:
            parts.append(f"{name} {old} → {new}")
    return "; ".join(parts)


def _outcome(snippet: str) -> str:
    """The outcome a snippet records on its last line: '-> value' or 'raises Type'."""
    comment = snippet.rstrip("\n").split("\n")[-1].rsplit("  # ", 1)
    if len(comment) < 2:
        return ""
    text = comment[1].strip()
    if text.startswith("raises "):
        return "raises " + text[len("raises ") :].split(":", 1)[0].strip()
    return text


def run_snippet(python: str, snippet: str, timeout: float = 120.0) -> str:
    """The snippet's last expression evaluated by `python` (another environment): '-> repr' or 'raises Type'."""
    with tempfile.TemporaryDirectory(prefix="claims-replay-") as folder:
        script, runner = os.path.join(folder, "snippet.py"), os.path.join(folder, "runner.py")
        with open(script, "w") as handle:
            handle.write(snippet)
        with open(runner, "w") as handle:
            handle.write(_RUNNER)
        try:
            done = subprocess.run(
                [os.path.abspath(python), runner, script], capture_output=True, text=True, timeout=timeout, cwd=folder
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return f"did not finish in {timeout:.0f} s"
    lines = [line for line in done.stdout.splitlines() if line.startswith("REPLAY ")]
    if not lines:
        return "the replay printed nothing: " + (done.stderr.strip().splitlines() or ["(no output)"])[-1][:200]
    outcome = json.loads(lines[-1][len("REPLAY ") :])
    return f"-> {outcome['value']}" if "value" in outcome else f"raises {outcome['raises']}"


def _failing_snippets(report: RunReport, claim_id: str, facets: Sequence[str]) -> list[str]:
    """The counterexamples of the claim's failing checks in `facets` (for the claim itself: the facets that changed)."""
    claim = next((c for c in report.claims if c.id == claim_id), None)
    if claim is None:
        return []
    return [
        c.snippet
        for c in claim.checks
        if c.verdict == "broken" and c.snippet and c.facet in facets and _outcome(c.snippet)
    ]


def replay_changes(
    before: RunReport, after: RunReport, python_before: str, python_after: str, timeout: float = 120.0
) -> list[Replay]:
    """Replay, on the holding side, the counterexample of every claim and facet that changed across a boundary."""
    crossing = boundary(before, after)
    if not crossing:
        return []
    out = []
    olds = {c.id: c for c in before.claims}
    for new in after.claims:
        old = olds.get(new.id)
        if old is None:
            continue
        pairs: list[tuple[str | None, str, str]] = [(None, old.verdict, new.verdict)]
        old_facets = {f.name: f.verdict for f in old.facets}
        pairs += [(f.name, old_facets[f.name], f.verdict) for f in new.facets if f.name in old_facets]
        # the claim's own change is replayed with a counterexample of an in-scope facet that changed with it
        changed = [f.name for f in new.facets if f.in_scope and old_facets.get(f.name, f.verdict) != f.verdict]
        for facet, was, now in pairs:
            if was == now or "broken" not in (was, now) or {was, now} - {"broken", "holds"}:
                continue
            failing_side, python = (before, python_after) if was == "broken" else (after, python_before)
            for snippet in _failing_snippets(failing_side, new.id, changed if facet is None else [facet])[:1]:
                expected = _outcome(snippet)
                got = run_snippet(python, snippet, timeout)
                out.append(
                    Replay(new.id, facet, before.environment.name, after.environment.name, crossing,
                           failing_side.environment.name, expected, got, confirmed=got != expected)
                )  # fmt: skip
    return out


def load(folder: str) -> list[dict[str, Any]]:
    """The replays kept in <folder>/replays.json ([] when there is none); a malformed file is named, not guessed."""
    path = os.path.join(folder, FILE)
    if not os.path.exists(path):
        return []
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the replays ({exc}); delete it and run `nox -s matrix` again") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) and {"claim", "after", "at"} <= set(r) for r in data):
        raise ValueError(f"{path}: not a list of replays with claim, after and at; delete it and run the matrix again")
    return data


def save(folder: str, replays: Sequence[Replay], between: tuple[str, str]) -> str:
    """Keep `replays` in <folder>/replays.json in place of those of the same two environments; written atomically."""
    from .atomic import write_all_atomically

    kept = [r for r in load(folder) if (r["after"], r["at"]) != between]
    path = os.path.join(folder, FILE)
    data = sorted(
        kept + [r.to_json() for r in replays], key=lambda r: (r["after"], r["at"], r["claim"], r["facet"] or "")
    )
    write_all_atomically({path: json.dumps(data, indent=2, ensure_ascii=False) + "\n"})
    return path
