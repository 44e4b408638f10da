"""Expected verdicts per claim by version range, and the comparison that makes news of a change.

The file (TOML) maps each claim id to ranges of the subject's version, written
as PEP 440 specifiers, and the verdict expected there:

    [claims."serialization.whole_model.loads_by_default"]
    "<2.6" = "holds"
    ">=2.6" = "broken"

and, for a claim checked facet by facet, each facet's verdict the same way,
beyond-scope facets included (a change there is news too):

    [facets."functions.pow"."bool"]
    ">=0" = "broken"
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Sequence, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .model import WHOLE, RunReport
from .registry import Registry
from .tomlfile import read_toml
from .verdicts import VERDICTS

Expectations = Dict[str, List[Tuple[str, SpecifierSet, str]]]  # claim or facet key -> [(text, specifier, verdict)]

#: Between a claim id and a facet name in an expectations key.
FACET_SEPARATOR = " :: "


def facet_key(claim_id: str, facet: str) -> str:
    return f"{claim_id}{FACET_SEPARATOR}{facet}"


def _label(key: str) -> str:
    """A key as messages name it: the claim id, or `<id> facet '<name>'`."""
    if FACET_SEPARATOR in key:
        claim_id, facet = key.split(FACET_SEPARATOR, 1)
        return f"{claim_id} facet '{facet}'"
    return key


class ExpectationsError(Exception):
    """The expectations file is malformed; the message names the file, claim and range."""


def load(path: str, registry: Registry | None = None, versions: Sequence[str] = ()) -> Expectations:
    """Read and check `path`: every id is in `registry` (when given), every range and verdict is valid,
    and no two ranges of one claim both match a version of `versions` (the versions the project checks)."""
    data = read_toml(path, "the expectations file", ExpectationsError)
    table = data.get("claims")
    if not isinstance(table, dict):
        raise ExpectationsError(f'{path}: missing [claims."<id>"] tables')
    entries = [(claim_id, ranges) for claim_id, ranges in table.items()]
    facets = data.get("facets", {})
    if not isinstance(facets, dict) or not all(isinstance(v, dict) for v in facets.values()):
        raise ExpectationsError(f'{path}: [facets."<id>"."<facet>"] tables must map version ranges to verdicts')
    for claim_id, by_facet in facets.items():
        entries.extend((facet_key(claim_id, name), ranges) for name, ranges in by_facet.items())
    out: Expectations = {}
    for key, ranges in entries:
        claim_id = key.split(FACET_SEPARATOR, 1)[0]
        label = _label(key)
        if registry is not None and claim_id not in registry:
            hint = registry.did_you_mean(claim_id)
            raise ExpectationsError(
                f"{path}: claim '{claim_id}' is not in {registry.path}{hint}; remove it or fix the id"
            )
        if not isinstance(ranges, dict) or not ranges:
            raise ExpectationsError(f'{path}: claim \'{label}\': give at least one "<range>" = "<verdict>"')
        for text, verdict in ranges.items():
            try:
                specifier = SpecifierSet(text)
            except InvalidSpecifier:
                raise ExpectationsError(
                    f"{path}: claim '{label}': {text!r} is not a version range (write \">=2.6,<2.9\")"
                ) from None
            if verdict not in VERDICTS:
                raise ExpectationsError(
                    "{}: claim '{}', range {!r}: unknown verdict {!r}; one of {}".format(
                        path, label, text, verdict, ", ".join(VERDICTS)
                    )
                )
            out.setdefault(key, []).append((text, specifier, verdict))
    for version in versions:
        for key in out:
            matches = expected(out, key, version)
            if len(matches) > 1:
                raise ExpectationsError(
                    "{}: claim '{}': ranges {} overlap at torch {}; make them disjoint".format(
                        path, _label(key), " and ".join(repr(t) for t, _v in matches), version
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


def _observed(report: RunReport) -> list[tuple[str, str, str]]:
    """(key, verdict, evidence) for every claim of a report and, where it has several, every facet."""
    out = []
    for claim in report.claims:
        out.append((claim.id, claim.verdict, claim.summary))
        if not (len(claim.facets) == 1 and claim.facets[0].name == WHOLE):
            out.extend((facet_key(claim.id, f.name), f.verdict, f.summary) for f in claim.facets)
    return out


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
    for key, verdict, evidence in _observed(report):
        matches = expected(expectations, key, version)
        label = _label(key)
        if len(matches) > 1:
            overlapping = ", ".join(repr(t) for t, _v in matches)
            news.append(f"{label} at {version}: ranges {overlapping} overlap in the expectations")
        elif not matches:
            news.append(f"{label} at {version}: no expectation; observed {verdict} ({evidence})")
        elif matches[0][1] != verdict:
            news.append(
                f"{label} at {version}: expected {matches[0][1]} (range {matches[0][0]!r}), "
                f"observed {verdict}: {evidence}"
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
        for key, verdict, _evidence in _observed(by_version[version][1]):
            claims.setdefault(key, []).append((version, verdict))
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
        prefix = claim_id + FACET_SEPARATOR
        for key in sorted(k for k in derived if k.startswith(prefix)):
            facet = key[len(prefix) :].replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'[facets."{claim_id}"."{facet}"]')
            lines.extend(f'"{text}" = "{verdict}"' for text, verdict in derived[key])
            lines.append("")
    return "\n".join(lines)
