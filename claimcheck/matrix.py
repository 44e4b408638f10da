"""Merge run reports into one compatibility matrix: claims down, environments across.

Runs on the host. A report that cannot be read (corrupt, truncated, written by
a newer schema) is skipped with a warning naming it; the rest are merged.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
from datetime import datetime, timezone

from .reading import ReportError, read_report
from .verdicts import HOLDS

MATRIX_SCHEMA_VERSION = 1


def _version_key(report: dict[str, object]):
    from packaging.version import InvalidVersion, Version

    env = report["environment"]
    # reports older than the subject_version field: the first version-like part of the name
    found = re.search(r"\d+(?:\.\d+)+", env["name"])
    version = env.get("subject_version") or (found.group(0) if found else "")
    try:
        return (0, Version(str(version)), env["name"])
    except InvalidVersion:
        return (1, None, env["name"])


def load_reports(folder: str) -> tuple[list[tuple[str, dict]], list[dict[str, str]]]:
    """(path, report) for every complete reports/*/report.json, oldest subject first; and what was skipped."""
    loaded, skipped = [], []
    for path in sorted(glob.glob(os.path.join(folder, "*", "report.json"))):
        try:
            report = read_report(path)
        except ReportError as exc:
            skipped.append({"path": path, "reason": str(exc)})
            sys.stderr.write(f"warning: skipping {exc}\n")
            continue
        loaded.append((path, report))
    loaded.sort(key=lambda pair: _version_key(pair[1]))
    return loaded, skipped


def merge(loaded: list[tuple[str, dict]], skipped: list[dict[str, str]]) -> dict[str, object]:
    columns = [report["environment"]["name"] for _path, report in loaded]
    claims: dict[str, dict[str, object]] = {}
    sections: list[str] = []
    for _path, report in loaded:
        for section in report["suite"]["sections"]:
            if section not in sections:
                sections.append(section)
        env = report["environment"]["name"]
        for claim in report["claims"]:
            row = claims.setdefault(
                claim["id"],
                {
                    "id": claim["id"],
                    "section": claim["section"],
                    "lines": claim["lines"],
                    "url": claim["url"],
                    "quote": claim["quote"],
                    "wording": claim["wording"],
                    "cells": {},
                },
            )
            row["cells"][env] = {"verdict": claim["verdict"], "summary": claim["summary"]}
    rows = sorted(claims.values(), key=lambda r: (r["lines"][0], r["id"]))
    for row in rows:
        row["changed"] = []
        previous = None
        for env in columns:
            cell = row["cells"].get(env)
            if cell is None:
                continue
            if previous is not None and cell["verdict"] != previous[1]:
                row["changed"].append({"after": previous[0], "at": env, "from": previous[1], "to": cell["verdict"]})
            previous = (env, cell["verdict"])
    share = {}
    for env in columns:
        cells = [r["cells"][env] for r in rows if env in r["cells"]]
        share[env] = round(sum(c["verdict"] == HOLDS for c in cells) / len(cells), 3) if cells else None
    return {
        "schema_version": MATRIX_SCHEMA_VERSION,
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sources": [
            {
                "path": os.path.relpath(path),
                "environment": report["environment"]["name"],
                "version": report["environment"].get("subject_version"),
                "started": report["run"]["started"],
            }
            for path, report in loaded
        ],
        "skipped": skipped,
        "columns": columns,
        "sections": sections,
        "holding_share": share,
        "claims": rows,
    }


def dumps(matrix: dict[str, object]) -> str:
    return json.dumps(matrix, indent=2, ensure_ascii=False) + "\n"
