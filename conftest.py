"""The claims plugin is the installed project's (its pytest11 entry point, `claimcheck`): `pip install -e .`.

It stays inert unless the `claims_registry` ini option names a registry, and
`-p no:claimcheck` turns it off. Here, only the case where it is missing
altogether gets a clear word instead of pytest's unknown-option errors.
"""

import pytest


def pytest_configure(config):
    manager = config.pluginmanager
    if not manager.has_plugin("claimcheck") and not manager.is_blocked("claimcheck"):
        raise pytest.UsageError(
            "the claimcheck pytest plugin is not installed in this Python ({}): run `pip install -e .` in the "
            "project folder (nox's sessions do), or pass -p no:claimcheck to run without it".format(
                __import__("sys").executable
            )
        )
