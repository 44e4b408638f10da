"""Write files so that a reader sees the old content or the new, never half; several files as one unit."""

from __future__ import annotations

import os
import tempfile
from typing import Mapping, Union

Content = Union[str, bytes]

__all__ = ["JOURNAL", "recover", "write_all_atomically", "write_atomically"]

#: Written beside the files while a set of them is being renamed into place: what to finish after a kill.
JOURNAL = ".claimcheck-commit.json"


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
    # The staged files are whole and on disk. A journal says which rename completes which file: a process
    # killed between two renames (SIGKILL, power) leaves it, and `recover` finishes the set from it, so that
    # the folder never mixes two runs' files.
    folder = os.path.dirname(os.path.abspath(staged[0][0])) if staged else "."
    journal = os.path.join(folder, JOURNAL)
    if staged:
        import json

        journal_tmp = None
        try:
            recover(folder)  # an earlier set left unfinished is finished first
            entries = [{"final": os.path.abspath(p), "staged": os.path.abspath(t)} for p, t in staged]
            journal_tmp = _stage(journal, json.dumps(entries))
            os.replace(journal_tmp, journal)
        except BaseException:
            for leftover in [*(t for _p, t in staged), *([journal_tmp] if journal_tmp else [])]:
                _remove(leftover)
            raise
    backups: dict[str, str] = {}  # path -> a hard link to its previous content
    done: list[str] = []
    try:
        for path, temporary in staged:
            if os.path.exists(path):
                backup = temporary[: -len(".tmp")] + ".old.tmp"
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
        _remove(journal)
        raise
    for backup in backups.values():
        _remove(backup)
    _remove(journal)


def recover(folder: str) -> list[str]:
    """Finish a set of renames that a killed process left half done in `folder` (its journal says which);
    the files it completed. Nothing to do (and [] returned) where no journal is."""
    import glob
    import json

    journal = os.path.join(folder, JOURNAL)
    try:
        with open(journal, encoding="utf-8") as handle:
            entries = json.load(handle)
    except OSError:
        return []
    except ValueError:  # the journal itself was cut short: its renames never began
        entries = []
    finished = []
    for entry in entries if isinstance(entries, list) else []:
        staged, final = entry.get("staged"), entry.get("final")
        if isinstance(staged, str) and isinstance(final, str) and os.path.exists(staged):
            os.replace(staged, final)
            finished.append(final)
    for backup in glob.glob(os.path.join(folder, ".*.old.tmp")):
        _remove(backup)
    _remove(journal)
    return finished
