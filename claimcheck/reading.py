"""Read run reports back: refuse what this version cannot understand, name the file."""

from __future__ import annotations

import json

from .report import SCHEMA_VERSION


class ReportError(Exception):
    """A report file cannot be used; the message names it and says what to do."""


def read_report(path: str) -> dict[str, object]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ReportError(f"{path}: cannot read the report: {exc.strerror or exc}")
    except ValueError as exc:
        raise ReportError(
            f"{path}: not valid JSON ({exc}); the file is corrupt or truncated: regenerate it with a claims run"
        )
    if not isinstance(data, dict) or "schema_version" not in data:
        raise ReportError(f"{path}: not a claims report (no schema_version)")
    version = data["schema_version"]
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ReportError(
            f"{path}: written with report schema {version}, newer than this tool's {SCHEMA_VERSION}; "
            "upgrade claimcheck to read it"
        )
    if version < SCHEMA_VERSION:
        raise ReportError(
            f"{path}: report schema {version} is older than this tool's {SCHEMA_VERSION}; regenerate it "
            "with a claims run"
        )
    return data
