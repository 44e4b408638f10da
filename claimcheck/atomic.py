"""Write files so that a reader sees the old content or the new, never half; several files as one unit."""

from __future__ import annotations

import os
import tempfile
from typing import Mapping, Union

Content = Union[str, bytes]

__all__ = ["write_all_atomically", "write_atomically"]


def _stage(path: str, text: Content) -> str:
    """`text` in a temporary file beside `path`, flushed to disk; its name."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; a report is for everyone
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8") if isinstance(text, str) else text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        _remove(temporary)
        raise
    return temporary


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_atomically(path: str, text: Content) -> None:
    """Write `text` to `path` through a temporary file and one rename."""
    write_all_atomically({path: text})


def write_all_atomically(files: Mapping[str, Content]) -> None:
    """Replace several files (text as UTF-8, or bytes) together: all written to disk, then all renamed.

    If any cannot be written (a full disk, a read-only folder), none is
    replaced and the temporary files are removed. The renames that follow
    only change names in one folder; should one of them fail, the files
    already replaced are put back as they were.
    """
    staged: list[tuple[str, str]] = []
    try:
        for path, text in files.items():
            staged.append((path, _stage(path, text)))
    except BaseException:
        for _path, temporary in staged:
            _remove(temporary)
        raise
    backups: dict[str, str] = {}  # path -> a hard link to its previous content
    done: list[str] = []
    try:
        for path, temporary in staged:
            if os.path.exists(path):
                backup = temporary + ".old"
                try:
                    os.link(path, backup)
                    backups[path] = backup
                except OSError:  # no hard links here: the old file cannot be kept aside
                    pass
            os.replace(temporary, path)
            done.append(path)
    except BaseException:
        for path in done:  # put back what was replaced; remove what was new
            try:
                if path in backups:
                    os.replace(backups.pop(path), path)
                else:
                    os.unlink(path)
            except OSError:
                pass
        for leftover in [*backups.values(), *(t for _p, t in staged)]:
            _remove(leftover)
        raise
    for backup in backups.values():
        _remove(backup)
