"""Hooks a claims tree implements (in its conftest.py) to speak about its subject."""

import pytest


@pytest.hookspec(firstresult=True)
def pytest_claimcheck_environment(config):
    """Describe the library under test.

    Called in a process that runs checks: under pytest-xdist, a worker (so the
    controller need not import the library).

    Return a dict with "name" (the report folder, e.g. "torch-2.13.0+cpu-py3.11"),
    "subject" (version, build, devices: anything JSON-serialisable) and
    optionally "packages" (more module names whose versions to record).
    """


@pytest.hookspec
def pytest_claimcheck_report_written(config, path, report):
    """Called after the run report was written to `path` (the JSON file)."""
