"""Read run reports back: refuse what this version cannot understand, name the file."""
from __future__ import annotations

import json
from typing import Dict

from .report import SCHEMA_VERSION


class ReportError(Exception):
    """A report file cannot be used; the message names it and says what to do."""


def read_report(path: str) -> Dict[str, object]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ReportError("{}: cannot read the report: {}".format(path, exc.strerror or exc))
    except ValueError as exc:
        raise ReportError("{}: not valid JSON ({}); the file is corrupt or truncated: "
                          "regenerate it with a claims run".format(path, exc))
    if not isinstance(data, dict) or "schema_version" not in data:
        raise ReportError("{}: not a claims report (no schema_version)".format(path))
    version = data["schema_version"]
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ReportError("{}: written with report schema {}, newer than this tool's {}; "
                          "upgrade claimcheck to read it".format(path, version, SCHEMA_VERSION))
    if version < SCHEMA_VERSION:
        raise ReportError("{}: report schema {} is older than this tool's {}; regenerate it "
                          "with a claims run".format(path, version, SCHEMA_VERSION))
    return data
