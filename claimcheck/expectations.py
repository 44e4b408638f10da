"""Expected verdicts per claim by version range, and the comparison that makes news of a change.

The file (TOML) maps each claim id to ranges of the subject's version, written
as PEP 440 specifiers, and the verdict expected there:

    [claims."serialization.whole_model.loads_by_default"]
    "<2.6" = "holds"
    ">=2.6" = "broken"
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Sequence, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .model import RunReport
from .registry import Registry
from .tomlfile import read_toml
from .verdicts import VERDICTS

Expectations = Dict[str, List[Tuple[str, SpecifierSet, str]]]  # claim -> [(text, specifier, verdict)]


class ExpectationsError(Exception):
    """The expectations file is malformed; the message names the file, claim and range."""


def load(path: str, registry: Registry | None = None, versions: Sequence[str] = ()) -> Expectations:
    """Read and check `path`: every id is in `registry` (when given), every range and verdict is valid,
    and no two ranges of one claim both match a version of `versions` (the versions the project checks)."""
    data = read_toml(path, "the expectations file", ExpectationsError)
    table = data.get("claims")
    if not isinstance(table, dict):
        raise ExpectationsError(f'{path}: missing [claims."<id>"] tables')
    out: Expectations = {}
    for claim_id, ranges in table.items():
        if registry is not None and claim_id not in registry:
            import difflib

            close = difflib.get_close_matches(claim_id, [c.id for c in registry.claims], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ExpectationsError(
                f"{path}: claim '{claim_id}' is not in {registry.path}{hint}; remove it or fix the id"
            )
        if not isinstance(ranges, dict) or not ranges:
            raise ExpectationsError(f'{path}: claim \'{claim_id}\': give at least one "<range>" = "<verdict>"')
        for text, verdict in ranges.items():
            try:
                specifier = SpecifierSet(text)
            except InvalidSpecifier:
                raise ExpectationsError(
                    f"{path}: claim '{claim_id}': {text!r} is not a version range (write \">=2.6,<2.9\")"
                ) from None
            if verdict not in VERDICTS:
                raise ExpectationsError(
                    "{}: claim '{}', range {!r}: unknown verdict {!r}; one of {}".format(
                        path, claim_id, text, verdict, ", ".join(VERDICTS)
                    )
                )
            out.setdefault(claim_id, []).append((text, specifier, verdict))
    for version in versions:
        for claim_id in out:
            matches = expected(out, claim_id, version)
            if len(matches) > 1:
                raise ExpectationsError(
                    "{}: claim '{}': ranges {} overlap at torch {}; make them disjoint".format(
                        path, claim_id, " and ".join(repr(t) for t, _v in matches), version
                    )
                )
    return out


def _public(version: str) -> Version:
    return Version(Version(version).public)


def expected(expectations: Expectations, claim_id: str, version: str) -> list[tuple[str, str]]:
    """The (range, verdict) pairs that apply to `version` for a claim."""
    v = _public(version)
    return [
        (text, verdict)
        for text, specifier, verdict in expectations.get(claim_id, [])
        if specifier.contains(v, prereleases=True)
    ]


def compare(expectations: Expectations, report: RunReport) -> list[str]:
    """Disagreements between a report and the expectations, one line each (empty when none)."""
    version = report.environment.subject_version
    env = report.environment.name
    try:
        _public(str(version))
    except InvalidVersion:
        return [f"{env}: the report names no subject version to compare"]
    assert version is not None
    news = []
    for claim in report.claims:
        matches = expected(expectations, claim.id, version)
        if len(matches) > 1:
            overlapping = ", ".join(repr(t) for t, _v in matches)
            news.append(f"{claim.id} at {version}: ranges {overlapping} overlap in the expectations")
        elif not matches:
            news.append(f"{claim.id} at {version}: no expectation; observed {claim.verdict} ({claim.summary})")
        elif matches[0][1] != claim.verdict:
            news.append(
                f"{claim.id} at {version}: expected {matches[0][1]} (range {matches[0][0]!r}), "
                f"observed {claim.verdict}: {claim.summary}"
            )
    return news


def stale(expectations: Expectations, versions: Iterable[str]) -> list[str]:
    """Ranges that match none of the given versions: they can rot unseen."""
    seen = [_public(v) for v in versions]
    return [
        f"claim '{claim_id}': range {text!r} matches no report"
        for claim_id, ranges in sorted(expectations.items())
        for text, specifier, _v in ranges
        if not any(specifier.contains(v, prereleases=True) for v in seen)
    ]


def derive(reports: Sequence[tuple[str, RunReport]]) -> dict[str, list[tuple[str, str]]]:
    """Ranges from observed verdicts: each run of equal verdicts across sorted versions becomes one range.

    `reports` are (path, report) pairs; two reports of one version would make
    an empty range, so they are refused, naming both files.
    """
    by_version: dict[Version, tuple[str, RunReport]] = {}
    for path, report in reports:
        if not report.environment.subject_version:
            continue
        version = _public(str(report.environment.subject_version))
        if version in by_version:
            raise ExpectationsError(
                f"{by_version[version][0]} and {path} are both reports of torch {version}; "
                "keep one (delete or move the other), then update the expectations"
            )
        by_version[version] = (path, report)
    claims: dict[str, list[tuple[Version, str]]] = {}
    for version in sorted(by_version):
        for claim in by_version[version][1].claims:
            claims.setdefault(claim.id, []).append((version, claim.verdict))
    out: dict[str, list[tuple[str, str]]] = {}
    for claim_id, observed in claims.items():
        runs: list[tuple[Version, str]] = []
        for version, verdict in observed:
            if not runs or runs[-1][1] != verdict:
                runs.append((version, verdict))
        ranges = []
        for index, (version, verdict) in enumerate(runs):
            low = f">={version}" if index else ""
            high = f"<{runs[index + 1][0]}" if index + 1 < len(runs) else ""
            ranges.append((",".join(p for p in (low, high) if p) or ">=0", verdict))
        out[claim_id] = ranges
    return out


def dumps(derived: dict[str, list[tuple[str, str]]], order: list[str]) -> str:
    lines = [
        "# Expected verdicts per claim by torch version range (PEP 440 specifiers).",
        "# Written by `python -m claimcheck expect --update` from the reports on disk;",
        "# review the diff: every changed line is a change in torch or in a check.",
        "",
    ]
    for claim_id in [c for c in order if c in derived]:
        lines.append(f'[claims."{claim_id}"]')
        lines.extend(f'"{text}" = "{verdict}"' for text, verdict in derived[claim_id])
        lines.append("")
    return "\n".join(lines)
