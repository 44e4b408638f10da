"""Merge run reports into one compatibility matrix: claims down, environments across.

Runs on the host. A report that cannot be read (corrupt, truncated, another
schema, a field missing) is skipped with a warning naming the file and the
field; two reports of the same environment are refused, naming both files.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import re
import sys
from datetime import datetime, timezone
from typing import Any, List, Mapping, Sequence, Tuple

from .model import Cell, Change, Matrix, MatrixRow, RunReport, Skipped, Source, holding_share
from .reading import ReportError, read_report
from .verdicts import HOLDS, NOT_RUN

Loaded = List[Tuple[str, RunReport]]


class MatrixError(Exception):
    """The reports cannot be merged as they are; the message names the files and what to do."""


def _version_key(report: RunReport) -> tuple[Any, ...]:
    from packaging.version import InvalidVersion, Version

    env = report.environment
    # reports older than the subject_version field: the first version-like part of the name
    found = re.search(r"\d+(?:\.\d+)+", env.name)
    version = env.subject_version or (found.group(0) if found else "")
    try:
        return (0, Version(str(version)), env.name)
    except InvalidVersion:
        return (1, None, env.name)


def _is_version(text: object) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        Version(str(text))
    except InvalidVersion:
        return False
    return text is not None


def load_reports(folder: str, warn: bool = True) -> tuple[Loaded, list[Skipped]]:
    """(path, report) for every complete <folder>/*/report.json, oldest subject first; and what was skipped.

    A report of the same environment as another one is refused (MatrixError):
    which one is right is for a person to say.
    """
    loaded: Loaded = []
    skipped: list[Skipped] = []
    for path in sorted(glob.glob(os.path.join(folder, "*", "report.json"))):
        try:
            report = read_report(path)
        except ReportError as exc:
            skipped.append(Skipped(path, str(exc)))
            if warn:
                sys.stderr.write(f"warning: skipping {exc}\n")
            continue
        if not _is_version(report.environment.subject_version):
            reason = (
                f"{path}: its subject version {report.environment.subject_version!r} is not a version, so it "
                "has no place among the releases; regenerate it with a claims run of a released version"
            )
            skipped.append(Skipped(path, reason))
            if warn:
                sys.stderr.write(f"warning: skipping {reason}\n")
            continue
        if not report.run.complete:
            reason = f"{path}: not a complete run ({report.run.partial_reason}); only complete reports are merged"
            skipped.append(Skipped(path, reason))
            if warn:
                sys.stderr.write(f"warning: skipping {reason}\n")
            continue
        loaded.append((path, report))
    refuse_duplicates(loaded)
    refuse_mixed_schemas(loaded)  # merge, bisect, diff and the expectations all read through here
    loaded.sort(key=lambda pair: _version_key(pair[1]))
    return loaded, skipped


def refuse_duplicates(loaded: Sequence[tuple[str, RunReport]]) -> None:
    """Two reports of one environment name would be one column: refuse, naming both files."""
    seen: dict[str, str] = {}
    for path, report in loaded:
        name = report.environment.name
        if name in seen:
            raise MatrixError(
                f"{seen[name]} and {path} are both reports of environment {name}; "
                "keep one (delete or move the other) and merge again"
            )
        seen[name] = path


def same_version(loaded: Sequence[tuple[str, RunReport]], version: str) -> list[tuple[str, RunReport]]:
    """The reports whose subject is `version` (public part: 2.13.0+cpu is 2.13.0)."""
    from packaging.version import InvalidVersion, Version

    wanted = Version(Version(version).public)
    found = []
    for path, report in loaded:
        try:
            if Version(Version(str(report.environment.subject_version)).public) == wanted:
                found.append((path, report))
        except InvalidVersion:
            continue
    return found


def _changes(envs: Sequence[str], seen: Mapping[str, Any], facet: str | None = None) -> list[Change]:
    """Every change of verdict between neighbouring environments where the claim (or facet) was checked."""
    out: list[Change] = []
    previous: tuple[str, Any] | None = None
    for env in envs:
        result = seen.get(env)
        if result is None:  # not checked there (no report of it, or no such facet yet): compare across the gap
            continue
        if previous is not None and result.verdict != previous[1].verdict:
            kind = "claim"
            if facet is not None and (result.domain or previous[1].domain):
                kind = "domain"
            elif facet is not None and (getattr(result, "coverage", False) or getattr(previous[1], "coverage", False)):
                kind = "coverage"
            out.append(
                Change(previous[0], env, previous[1].verdict, result.verdict, previous[1].summary, result.summary,
                       facet, getattr(result, "in_scope", True), kind)
            )  # fmt: skip
        previous = (env, result)
    return out


def _replacement_changes(envs: Sequence[str], seen: Mapping[str, tuple[str, Cell]]) -> list[Change]:
    """Where the replacement a release shows changed: its verdict, or the idiom the release documents."""
    out: list[Change] = []
    previous: tuple[str, str, Cell] | None = None
    for env in envs:
        if env not in seen:
            if previous is not None:  # shown no more from here on: the release documents none
                out.append(Change(previous[0], env, previous[2].verdict, "none", previous[2].summary,
                                  "no replacement documented", None, True, "replacement"))  # fmt: skip
                previous = None
            continue
        idiom, cell = seen[env]
        if previous is None and env != envs[0]:
            out.append(Change(envs[envs.index(env) - 1], env, "none", cell.verdict, "no replacement documented",
                              cell.summary, None, True, "replacement"))  # fmt: skip
        elif previous is not None and (idiom != previous[1] or cell.verdict != previous[2].verdict):
            out.append(Change(previous[0], env, previous[2].verdict, cell.verdict, previous[2].summary, cell.summary,
                              None, True, "replacement"))  # fmt: skip
        previous = (env, idiom, cell)
    return out


def since_now(columns: Sequence[str], cells: Mapping[str, Cell], facets: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Since when the claim's newest verdict has had its present reason: the first environment from which
    every in-scope facet that fails now has failed the same way (same verdict, same coverage) without a break.

    A claim that holds or was not run is so since the start of its unbroken run of that verdict. A facet
    that was not checked somewhere (a gap) is a break: nothing says it failed there.
    """
    checked = [env for env in columns if env in cells]
    if not checked:
        return None
    newest = checked[-1]
    verdict = cells[newest].verdict
    now = {
        name: (by_env[newest].verdict, bool(getattr(by_env[newest], "coverage", False)))
        for name, by_env in facets.items()
        if newest in by_env and by_env[newest].in_scope and by_env[newest].verdict not in (HOLDS, NOT_RUN)
    }

    def same_reason(env: str) -> bool:
        if verdict in (HOLDS, NOT_RUN) or not now:
            return cells[env].verdict == verdict
        return all(
            env in facets[name]
            and (facets[name][env].verdict, bool(getattr(facets[name][env], "coverage", False))) == reason
            for name, reason in now.items()
        )

    start = newest
    for env in reversed(checked[:-1]):
        if not same_reason(env):
            break
        start = env
    return start


def refuse_mixed_schemas(loaded: Sequence[tuple[str, RunReport]]) -> None:
    """Reports of different schema versions decide verdicts by different rules: a difference between them
    would read as a change of the subject. Refuse, naming the older reports and what to do."""
    versions = {report.schema_version for _path, report in loaded}
    if len(versions) > 1:
        newest = max(versions)
        older = [path for path, report in loaded if report.schema_version != newest]
        raise MatrixError(
            "reports of report schemas {} cannot be compared: their verdicts follow different rules. Older "
            "(schema < {}): {}{}; regenerate them with a claims run of their version (nox -s matrix -- <version>) "
            "or move them aside".format(
                ", ".join(map(str, sorted(versions))), newest, ", ".join(older[:5]),
                f" and {len(older) - 5} more" if len(older) > 5 else "",
            )
        )  # fmt: skip


def _with_replays(changes: Sequence[Change], claim_id: str, replays: Mapping[tuple, Mapping[str, Any]]) -> list[Change]:
    out = []
    for change in changes:
        replay = replays.get((claim_id, change.facet, change.after, change.at))
        out.append(change if replay is None else dataclasses.replace(change, replay=replay))
    return out


def merge(
    loaded: Sequence[tuple[str, RunReport]],
    skipped: Sequence[Skipped],
    generated: str | None = None,
    replays: Sequence[Mapping[str, Any]] = (),
) -> Matrix:
    """The matrix of `loaded`; change points found at a search boundary carry their replay (see replay.py)."""
    refuse_duplicates(loaded)
    refuse_mixed_schemas(loaded)
    replayed = {(r["claim"], r.get("facet"), r["after"], r["at"]): r for r in replays}
    columns = [report.environment.name for _path, report in loaded]
    rows: dict[str, dict[str, Any]] = {}
    sections: list[str] = []
    for _path, report in loaded:
        for section in report.suite.sections:
            if section not in sections:
                sections.append(section)
        env = report.environment.name
        for claim in report.claims:
            row = rows.setdefault(claim.id, {"claim": claim, "cells": {}, "facets": {}, "replacements": {}})
            row["claim"] = claim  # the newest report's wording, scope and addition flag
            shown = claim.replacement
            row["cells"][env] = Cell(
                claim.verdict, claim.summary, f"{shown.idiom} ({shown.verdict} here)" if shown else None
            )
            if shown:
                row["replacements"][env] = (shown.idiom, Cell(shown.verdict, f"{shown.idiom}: {shown.summary}"))
            for facet in claim.facets:
                row["facets"].setdefault(facet.name, {})[env] = facet
    built = []
    for row in sorted(rows.values(), key=lambda r: (r["claim"].lines[0], r["claim"].id)):
        claim, cells = row["claim"], row["cells"]
        facets = row["facets"] if not (len(row["facets"]) == 1 and "all" in row["facets"]) else {}
        facet_changes = [c for name, by_env in facets.items() for c in _changes(columns, by_env, name)]
        facet_changes.sort(key=lambda c: (columns.index(c.at), c.facet or ""))
        built.append(
            MatrixRow(
                claim.id, claim.section, claim.lines, claim.url, claim.quote, claim.wording, cells,
                tuple(_with_replays(_changes(columns, cells), claim.id, replayed)), facets,
                tuple(_with_replays(facet_changes, claim.id, replayed)), claim.addition,
                claim.replacement.idiom if claim.replacement else None,
                tuple(_replacement_changes(columns, row["replacements"])),
                since_now(columns, cells, row["facets"]),
            )
        )  # fmt: skip
    share = {env: holding_share([r.cells[env] for r in built if env in r.cells and not r.addition]) for env in columns}
    return Matrix(
        generated or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        tuple(
            Source(os.path.relpath(path), r.environment.name, r.environment.subject_version, r.run.started)
            for path, r in loaded
        ),
        tuple(skipped),
        tuple(columns),
        tuple(sections),
        share,
        tuple(built),
    )


def dumps(matrix: Matrix) -> str:
    return json.dumps(matrix.to_json(), indent=2, ensure_ascii=False) + "\n"
