"""Read run reports back: validate against the schema, refuse what this version cannot use, name the file and field.

Every way a report file can be bad (unreadable, not JSON, not a report, another
schema version, a field missing or of the wrong kind) becomes a `ReportError`
whose message names the file, the field and what to do; never a traceback.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

from .model import SCHEMA_VERSION, RunReport

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.schema.json")
#: The schemas this version reads: the current one, and version 2 (no partly verdict, no core facets; read as it
#: is, keeping its schema_version, so that a merge can refuse to compare it with newer reports).
SCHEMA_PATHS = {SCHEMA_VERSION: SCHEMA_PATH, 2: os.path.join(os.path.dirname(SCHEMA_PATH), "report.schema.v2.json")}

__all__ = ["SCHEMA_PATH", "ReportError", "read_report", "schema", "validate"]


class ReportError(Exception):
    """A report file cannot be used; the message names it, the field, and what to do."""


@functools.lru_cache(maxsize=None)
def schema(version: int = SCHEMA_VERSION) -> dict[str, Any]:
    with open(SCHEMA_PATHS[version], encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def _where(path: Any) -> str:
    """A JSON path as a reader writes it: claims[3].checks[0].verdict."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(the top level)"


def validate(data: Any, path: str, version: int = SCHEMA_VERSION) -> None:
    """Raise ReportError naming `path` and the first offending field if `data` breaks the schema."""
    try:
        import jsonschema
    except ImportError:
        raise ReportError(
            f"{path}: reading reports needs the jsonschema package, which is not installed: pip install 'jsonschema>=4'"
        ) from None
    validator = jsonschema.Draft202012Validator(schema(version))
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        message = error.message if len(error.message) <= 300 else error.message[:300] + " …"
        where = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            where += [name for name in error.validator_value if name not in error.instance][:1]
        raise ReportError(
            f"{path}: field {_where(where)}: {message}; "
            "the report is damaged or hand-edited: regenerate it with a claims run"
        )


def read_report(path: str) -> RunReport:
    """The report at `path`, validated; ReportError says why it cannot be used.

    A set of report files a killed run left half renamed is finished first (atomic.recover)."""
    from .atomic import recover

    recover(os.path.dirname(os.path.abspath(path)))
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ReportError(f"{path}: cannot read the report: {exc.strerror or exc}") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise ReportError(
            f"{path}: not valid JSON ({exc}); the file is corrupt or truncated: regenerate it with a claims run"
        ) from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise ReportError(f"{path}: not a claims report (no field schema_version)")
    version = data["schema_version"]
    if not isinstance(version, int) or isinstance(version, bool) or version > SCHEMA_VERSION:
        raise ReportError(
            f"{path}: field schema_version: written with report schema {version!r}, newer than this "
            f"tool's {SCHEMA_VERSION}; upgrade claimcheck to read it"
        )
    if version not in SCHEMA_PATHS:
        raise ReportError(
            f"{path}: field schema_version: report schema {version} is older than any this tool reads "
            f"({', '.join(map(str, sorted(SCHEMA_PATHS)))}); regenerate it with a claims run"
        )
    validate(data, path, version)
    try:
        return RunReport.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:  # the schema should have caught it: still no traceback
        raise ReportError(f"{path}: field {exc}: not what a report holds; regenerate it with a claims run") from None
