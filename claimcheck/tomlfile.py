"""The one reader of the project's TOML files (registry, statements, expectations, versions).

Every failure becomes the caller's own error class with the file's path, what
the file is for, and what to do; never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.7 to 3.10 (old torch releases live there)
    import tomli as tomllib

__all__ = ["parse_toml", "read_toml"]


def read_toml(path: str, what: str, error: type[Exception] = ValueError) -> dict[str, Any]:
    """The table in `path`; `what` names the file's role in messages ("the claim registry").

    Raises `error` naming the file when it cannot be read, is not UTF-8, or is not TOML.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    return parse_toml(raw, path, what, error)


def parse_toml(raw: bytes, path: str, what: str, error: type[Exception] = ValueError) -> dict[str, Any]:
    """The table in `raw`, the bytes of `path` (for a caller that also hashes them)."""
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: {what} is not UTF-8 text ({exc}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: {what} is not valid TOML: {exc}; fix the line named") from None
