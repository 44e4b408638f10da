"""What the claims machinery needs to know about torch: environment, GPU markers.

torch is imported where checks run, never in a pytest-xdist controller, which
only schedules (importing it there would delay every worker's start). CUDA is
probed lazily (at the first GPU-marked check), so importing the checks never
initialises a device.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from typing import IO

import pytest

import claimcheck
from claimcheck import Evidence


def _schedules_only(config) -> bool:
    """Is this process a pytest-xdist controller (its workers run the checks)?"""
    return not hasattr(config, "workerinput") and bool(config.getoption("numprocesses", default=None))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "cuda(min_devices=1, why=None): needs at least min_devices CUDA devices; skips with the reason "
        "otherwise, after `why` (what the check could not tell without them) where given",
    )
    config.addinivalue_line(
        "markers",
        "early: runs other processes; scheduled first, so that its checks "
        "share one worker and overlap the property tests instead of ending last",
    )
    if _schedules_only(config):
        return
    import torch

    # torch dedupes some C++ warnings per process (TORCH_WARN_ONCE). Ask for every
    # one, so that a deprecation verdict never depends on which check ran first.
    if hasattr(torch, "set_warn_always"):  # torch >= 1.9
        torch.set_warn_always(True)
    else:
        # Before 1.9 nothing asks for every TORCH_WARN_ONCE: a check that saw no deprecation looks for one
        # again where no check ran before. Checks marked `early` run their statement in fresh processes already.
        claimcheck.warnings_once(config, eligible=lambda item: item.get_closest_marker("early") is None)


@functools.lru_cache(maxsize=None)
def cuda_devices() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def cuda_skip_reason(needed: int):
    import torch

    found = cuda_devices()
    if found >= needed:
        return None
    if torch.version.cuda is None:
        why = f"this torch ({torch.__version__}) is built without CUDA"
    else:
        why = f"torch.cuda.device_count() == {found} (CUDA {torch.version.cuda})"
    return "needs {} CUDA device{}, found {}: {}".format(needed, "s" if needed > 1 else "", found, why)


def _is_benchmark(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return "figures" in names or "benchmark" in names


def pytest_collection_modifyitems(items):
    # stable sort: processes first, benchmarks last, the order kept otherwise
    items.sort(key=lambda item: (item.get_closest_marker("early") is None, _is_benchmark(item)))
    _facet_share(items)


def _facet_share(items) -> None:
    """Each facet's Hypothesis search gets its share of the profile's examples (facets.share):
    a claim never searches less in all than one search of its whole domain did. Checks that
    search a whole claim keep the profile's count."""
    from facets import share
    from hypothesis import settings

    facets_of: dict = {}
    for item in items:
        claim, facet = item.get_closest_marker("claim"), item.get_closest_marker("facet")
        if claim is not None and facet is not None:
            facets_of.setdefault(claim.args[0], set()).add(facet.args[0])
    done = set()
    for item in items:
        function, claim = getattr(item, "obj", None), item.get_closest_marker("claim")
        if function is None or claim is None or item.get_closest_marker("facet") is None:
            continue
        if not getattr(function, "is_hypothesis_test", False) or id(function) in done:
            continue
        done.add(id(function))
        examples = share(len(facets_of[claim.args[0]]))
        current = getattr(function, "_hypothesis_internal_use_settings", None) or settings()
        if current.max_examples > examples:
            function._hypothesis_internal_use_settings = settings(current, max_examples=examples)


# -- benchmarks ---------------------------------------------------------------


def _measure_under_xdist(config) -> None:
    """Let pytest-benchmark measure in our xdist workers.

    It turns itself off under xdist, because another worker's load would skew
    its figures. Here a benchmark takes the machine to itself instead (see
    pytest_runtest_call), so its figures stay usable and the default parallel
    run can include the quick ones. --benchmark-disable and --benchmark-skip
    still mean what they say.
    """
    session = getattr(config, "_benchmarksession", None)
    if session is None or not session.disabled or getattr(session, "skip", False):
        return
    if config.getoption("benchmark_disable") and not config.getoption("benchmark_enable"):
        return  # asked for
    session.disabled = False
    if hasattr(session, "xdist_warning"):  # pytest-benchmark 5 warns at the end otherwise
        session.xdist_warning = False


# -- the machine lock ------------------------------------------------------------
# One file per run, shared by its xdist workers (see pytest_runtest_call). The
# controller creates it before the first worker starts, so that every worker
# opens the same file, and removes it once they have all stopped; each worker
# opens it once, at its first check, and closes it when it stops. A run
# without workers needs no lock.

LOCK_INPUT = "claims_machine_lock"  # the key of its path in each worker's workerinput
_lock_path = pytest.StashKey[str]()  # in the controller
_lock_handle = pytest.StashKey[IO[str]]()  # in a worker, once opened


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: the controller, once per worker it starts
def pytest_configure_node(node) -> None:
    path = node.config.stash.get(_lock_path, None)
    if path is None:
        descriptor, path = tempfile.mkstemp(prefix="claims-", suffix=".machine.lock")
        os.close(descriptor)
        node.config.stash[_lock_path] = path
    node.workerinput[LOCK_INPUT] = path


def _machine_lock(config) -> IO[str] | None:
    """This run's machine lock file, opened once per worker; None without workers."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or LOCK_INPUT not in workerinput:
        return None
    handle = config.stash.get(_lock_handle, None)
    if handle is None:
        handle = config.stash[_lock_handle] = open(workerinput[LOCK_INPUT], "a")  # noqa: SIM115 - closed at unconfigure
    return handle


def pytest_unconfigure(config) -> None:
    """A worker closes its handle; the controller, after its workers have stopped, removes the file."""
    handle = config.stash.get(_lock_handle, None)
    if handle is not None:
        handle.close()
        del config.stash[_lock_handle]
    path = config.stash.get(_lock_path, None)
    if path is not None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        del config.stash[_lock_path]


LOCK_WAIT_S = 120.0


def _take(handle, mode) -> bool:
    """flock with a deadline: a lock never turns into a hang (False: not taken)."""
    import fcntl
    import time

    deadline = time.time() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.time() > deadline:
                return False
            time.sleep(0.005)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A benchmark runs alone: it holds the machine lock exclusively, every other check shares it."""
    handle = _machine_lock(item.config)
    if handle is None:
        yield
        return
    import fcntl

    alone = _is_benchmark(item)
    taken = _take(handle, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
    if alone and not taken:
        Evidence(item).note(
            f"measured while other checks ran: the machine lock was not free within {LOCK_WAIT_S:.0f} s"
        )
    try:
        yield
    finally:
        if taken:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture
def figures(request, evidence):
    """Cost figures for one check (see costs.py); not-run, with the reason, without pytest-benchmark."""
    try:
        import pytest_benchmark  # noqa: F401
    except ImportError:
        pytest.skip("pytest-benchmark is not installed here: `pip install pytest-benchmark` to measure costs")
    from costs import Figures

    _measure_under_xdist(request.config)  # before the benchmark fixture reads the setting
    return Figures(request.getfixturevalue("benchmark"), evidence, request.config)


def pytest_runtest_setup(item):
    for mark in item.iter_markers(name="cuda"):
        reason = cuda_skip_reason(int(mark.kwargs.get("min_devices", mark.args[0] if mark.args else 1)))
        if reason:
            pytest.skip("{}: {}".format(mark.kwargs["why"], reason) if mark.kwargs.get("why") else reason)


def _build() -> str:
    """The version with its build as wheel tags spell it: 2.13.0+cpu, 1.0.1+cu90, 2.6.0+cu124.

    PyPI's own wheels carry no local tag; theirs is made from torch.version.cuda's
    major and minor ("9.0.176" is cu90, "10.1.243" cu101), as download.pytorch.org
    names its indexes."""
    import torch

    version = str(torch.__version__)
    if "+" in version:
        return version
    cuda = torch.version.cuda
    return version + ("+cu" + "".join(cuda.split(".")[:2]) if cuda else "+cpu")


def _cpu_capability(torch):
    backend = getattr(getattr(torch, "backends", None), "cpu", None)
    if backend is not None and hasattr(backend, "get_cpu_capability"):  # torch >= 2.0
        return str(backend.get_cpu_capability())
    return os.environ.get("ATEN_CPU_CAPABILITY") or None


@pytest.hookimpl
def pytest_claimcheck_environment(config):
    import torch

    cuda = torch.version.cuda
    cudnn = None
    devices = []
    if torch.cuda.is_available():
        cudnn = torch.backends.cudnn.version()
        devices = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return {
        "name": "torch-{}-py{}.{}".format(_build(), *sys.version_info[:2]),
        "version": str(torch.__version__),
        "subject": {
            "torch": str(torch.__version__),
            "git_version": getattr(torch.version, "git_version", None),
            "debug": bool(getattr(torch.version, "debug", False)),
            "cuda": cuda,
            "cudnn": cudnn,
            "cuda_devices": devices,
            "threads": torch.get_num_threads(),
            # which vectorized CPU kernels torch dispatches to (AVX2, AVX512, ...): elementwise results at
            # the edges (complex overflow, say) differ between them on one torch
            "cpu_capability": _cpu_capability(torch),
        },
    }
