"""The pytest plugin's entry: options, markers, and the two halves it registers.

Active only where the `claims_registry` ini option names a registry file.
pytest stays truthful (a broken claim is a failing test); the report is where
outcomes become verdicts. Every process that runs checks gets a `Recorder`
(claimcheck.recorder); the process that writes the report (the only one, or
the xdist controller) also gets a `Writer` (claimcheck.writer).
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest

from . import profiles
from .finding import STATE_VARIABLE
from .recorder import Evidence, Recorder, evidence_fixture
from .registry import RegistryError, load_registry
from .runlock import RunLock, RunLockError
from .writer import Writer, reports_folder

__all__ = ["Evidence", "evidence_fixture"]

MARKERS = {
    "claim": "claim(id): this check tests the claim `id` as the document states it",
    "replacement": "replacement(id): this check tests the modern replacement recorded for claim `id`",
    "facet": "facet(name): the part of the claim's domain this check covers, with its own verdict "
    "(none: the claim's whole domain)",
}


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("claims", "checking a document's claims")
    group.addoption(
        "--claims-profile",
        default="",
        choices=["", *sorted(profiles.PROFILES)],
        help="Hypothesis profile: fast (development), ci (derandomized), thorough "
        "(release runs). Default: $CLAIMS_PROFILE, else ci when $CI is set, else fast.",
    )
    group.addoption(
        "--claims-reports",
        default=None,
        metavar="DIR",
        help="write reports under DIR/<environment>/ (default: the claims_reports ini value)",
    )
    group.addoption(
        "--claims-select",
        action="append",
        default=[],
        metavar="ID",
        help="run only the checks of this claim (repeat for more); the report is then partial",
    )
    group.addoption(
        "--claims-no-report", action="store_true", default=False, help="compute verdicts but write no report"
    )
    group.addoption(
        "--claims-memory-limit",
        type=int,
        default=None,
        metavar="MB",
        help="cap each process's address space (RLIMIT_AS), so a check that exhausts memory gets "
        "MemoryError instead of the out-of-memory killer",
    )
    parser.addini("claims_registry", "the claim registry file (TOML); empty turns the plugin off", default="")
    parser.addini("claims_reports", "folder for run reports, relative to rootdir", default="reports")


def _seed(config: pytest.Config) -> Any:
    """The Hypothesis seed a randomized run uses, chosen here so that the report can name it."""
    from hypothesis import settings

    if settings().derandomize:
        return None
    # Hypothesis's own option sets its global seed in its pytest_configure,
    # which runs after this one.
    seed = config.getoption("hypothesis_seed", default=None)
    if seed is None and hasattr(config.option, "hypothesis_seed"):
        seed = str(random.getrandbits(32))
        config.option.hypothesis_seed = seed
    return seed


def _runs_checks(config: pytest.Config, registry_path: str) -> bool:
    """Whether this invocation collects from the claims tree (the registry's folder): a path it was given is
    that folder, inside it, or above it. `pytest tests` in the same project runs no check and takes no lock."""
    claims = os.path.realpath(os.path.dirname(registry_path))
    for arg in config.args or [str(config.rootpath)]:
        target = os.path.realpath(os.path.join(str(config.invocation_params.dir), arg.split("::")[0]))
        if target == claims or target.startswith(claims + os.sep) or claims.startswith(target + os.sep):
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for _name, text in MARKERS.items():
        config.addinivalue_line("markers", text)
    registry_path = config.getini("claims_registry")
    if not registry_path:
        return
    path = registry_path if os.path.isabs(registry_path) else os.path.join(str(config.rootpath), registry_path)
    try:
        registry = load_registry(path)
        profile = profiles.choose(config.getoption("claims_profile"))
    except (RegistryError, ValueError) as exc:
        raise pytest.UsageError(str(exc)) from None
    for claim_id in config.getoption("claims_select") or []:
        if claim_id not in registry:
            raise pytest.UsageError(
                f"--claims-select {claim_id}: no such claim in {path}{registry.did_you_mean(claim_id)}"
            )
    limit = config.getoption("claims_memory_limit")
    if limit is not None:
        if limit <= 0:
            raise pytest.UsageError(f"--claims-memory-limit {limit}: give megabytes > 0, e.g. 4096")
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))
    profiles.register()
    from hypothesis import settings

    settings.load_profile("claims-" + profile)
    chosen = config.getoption("hypothesis_profile", default=None)
    if chosen:
        # Hypothesis's own option wins (its plugin loads it after this one): the report names what ran
        try:
            settings.load_profile(chosen)
        except Exception as exc:
            raise pytest.UsageError(f"--hypothesis-profile {chosen}: {exc}") from None
        profile = chosen
    if not hasattr(config, "workerinput") and not config.getoption("claims_no_report") and _runs_checks(config, path):
        # first of all, before anything is made: one run per environment and reports folder at a time
        try:
            lock = RunLock.acquire(reports_folder(config))
        except RunLockError as exc:
            raise pytest.UsageError(str(exc)) from None
        if lock is not None:
            config.add_cleanup(lock.release)
    if not hasattr(config, "workerinput"):
        # where each process notes the statement it runs and its crash, if any (claimcheck.finding);
        # set before xdist starts its workers, which inherit it
        import tempfile

        os.environ[STATE_VARIABLE] = tempfile.mkdtemp(prefix="claimcheck-state-")
    recorder = Recorder(config, registry)
    config.pluginmanager.register(recorder, "claimcheck-recorder")
    if not hasattr(config, "workerinput"):  # an xdist worker records; only the controller writes
        writer = Writer(config, registry, profile, _seed(config), recorder)
        config.pluginmanager.register(writer, "claimcheck-writer")
