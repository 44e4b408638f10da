"""How renderers name environments to readers: versions as people say them, ranges of them, and the builds.

An environment's name (`torch-2.6.0+cu124-py3.11`) is for folders and files.
A reader scans for versions: a column is labelled by its version, "2.6" (the
release series, where the matrix has one release of it; the full version
otherwise), and a run of columns by its ends, "2.1–2.5". Which build each
version was (its wheel tag and Python) is said once, in one legend line.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from ..model import Matrix

__all__ = ["Build", "build_of", "builds", "legend", "range_label", "version_labels"]

_NAME = re.compile(r"^(?P<subject>.+?)-(?P<version>\d[^+\s]*?)(?:\+(?P<build>[^-\s]+))?(?:-py(?P<python>\d+\.\d+))?$")


@dataclass(frozen=True)
class Build:
    """What an environment's name says: the subject's version, its build tag (cpu, cu124) and the Python."""

    environment: str
    version: str
    tag: str | None
    python: str | None

    def spelled(self) -> str:
        """As a reader would ask for it: `2.6.0+cu124 (Python 3.11)`."""
        text = self.version + (f"+{self.tag}" if self.tag and "+" not in self.version else "")
        return text + (f" (Python {self.python})" if self.python else "")


def build_of(environment: str, version: str | None = None) -> Build:
    """The build an environment name describes; a name of another shape is its own version."""
    found = _NAME.match(environment)
    if not found:
        return Build(environment, version or environment, None, None)
    return Build(environment, version or found.group("version"), found.group("build"), found.group("python"))


def builds(matrix: Matrix) -> list[Build]:
    """One Build per column, in the matrix's order (versions from the reports where they say them)."""
    versions = {s.environment: s.version for s in matrix.sources}
    return [build_of(env, versions.get(env)) for env in matrix.columns]


def _series(version: str) -> str:
    parts = re.match(r"^(\d+)\.(\d+)", version)
    return f"{parts.group(1)}.{parts.group(2)}" if parts else version


def version_labels(matrix: Matrix) -> dict[str, str]:
    """{environment: label}: the release series ("2.6") where it names one column, else the full version."""
    found = builds(matrix)
    series = Counter(_series(b.version) for b in found)
    versions = Counter(b.version for b in found)
    labels = {}
    for build in found:
        if versions[build.version] > 1:  # the same version twice: say the build
            labels[build.environment] = build.spelled()
        else:
            labels[build.environment] = _series(build.version) if series[_series(build.version)] == 1 else build.version
    return labels


def range_label(group: Sequence[str], labels: dict[str, str]) -> str:
    """A run of columns by its ends: "2.1–2.5"; a single column by its own label."""
    first, last = labels.get(group[0], group[0]), labels.get(group[-1], group[-1])
    return first if len(group) == 1 else f"{first}–{last}"


def legend(matrix: Matrix) -> str:
    """One line naming every column's build: `Builds: 1.0 = 1.0.1+cu90 (Python 3.7) · ...`."""
    labels = version_labels(matrix)
    return "Builds: " + " · ".join(f"{labels[b.environment]} = {b.spelled()}" for b in builds(matrix))
