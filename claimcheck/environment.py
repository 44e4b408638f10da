"""Describe the environment a run happens in: Python, platform, CPU, packages.

What is specific to the library under test (its version, build, devices)
comes from the claims tree through the `claimcheck_environment` hook.
"""

from __future__ import annotations

import os
import platform
import sys
from typing import Any


def cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def package_version(name: str) -> str | None:
    module = sys.modules.get(name)
    if module is None:
        try:
            module = __import__(name)
        except Exception:  # a missing or broken optional package is a fact, not a failure
            return None
    return getattr(module, "__version__", None)


def installed_version(name: str) -> str | None:
    """The version of the installed distribution `name`, read from its metadata without importing it (None
    where it is not installed). Python 3.7 has no importlib.metadata: its dist-info folder names it there."""
    try:
        from importlib import metadata  # novm (Python 3.8+; the fallback below serves 3.7)
    except ImportError:
        import glob

        wanted = name.lower().replace("-", "_")
        for folder in sys.path:
            for found in glob.glob(os.path.join(folder or ".", "*.dist-info")):
                stem = os.path.basename(found)[: -len(".dist-info")]
                dist, _, version = stem.partition("-")
                if dist.lower().replace("-", "_") == wanted and version:
                    return version
        return None
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def python_tag() -> str:
    return "py{}.{}".format(*sys.version_info[:2])


def describe(packages: tuple[str, ...] = ("numpy", "hypothesis", "pytest")) -> dict[str, Any]:
    return {
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": {"model": cpu_model(), "count": os.cpu_count()},
        "packages": {name: package_version(name) for name in packages},
    }


def describe_for(config: Any) -> dict[str, Any]:
    """The environment of a process that runs checks, named by the claims tree's hook.

    The machinery describes Python, the machine and the packages; the claims
    tree (`pytest_claimcheck_environment`) names the folder and describes its
    subject. Plain JSON data: it travels from an xdist worker to the controller.
    """
    import re

    described = config.hook.pytest_claimcheck_environment(config=config) or {}
    extra = tuple(described.get("packages", ()))
    env = describe(("numpy", "hypothesis", "pytest", *extra))
    name = described.get("name") or "python-" + python_tag()[2:]
    env["name"] = re.sub(r"[^A-Za-z0-9._+-]", "_", name)
    env["subject"] = described.get("subject", {})
    env["subject_version"] = described.get("version")
    return env
