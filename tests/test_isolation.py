"""Fault injection through the real plugin: whatever a check does, it costs only its own claim."""

from __future__ import annotations

import glob
import importlib.util
import os
import tempfile
from types import SimpleNamespace

import pytest

from conftest import ClaimsTree, claim_table

pytest.importorskip("xdist", reason="isolation needs pytest-xdist (a dependency of the project)")
pytest.importorskip("pytest_timeout", reason="time limits need pytest-timeout (in the test extra)")

FAULTS = """
import ctypes
import os
import subprocess
import sys
import time

import pytest


@pytest.mark.claim("demo.holds")
def test_holds():
    assert 1 + 1 == 2


@pytest.mark.claim("demo.segfault")
def test_segfault():
    ctypes.string_at(0)


@pytest.mark.claim("demo.abort")
def test_abort():
    os.abort()


@pytest.mark.claim("demo.exit")
def test_exit():
    os._exit(3)


@pytest.mark.claim("demo.hang")
def test_hang():
    time.sleep(600)


@pytest.mark.claim("demo.gil_hang")
def test_gil_hang():
    # catastrophic backtracking in C code that never lets go of the GIL: pytest-timeout's thread cannot run
    import re

    re.match(r"(a+)+$", "a" * 64 + "b")


@pytest.mark.claim("demo.memory")
def test_memory():
    # 64 GiB in 256 MiB blocks, far past the 2048 MB cap. bytes(n) is calloc'd
    # and never written, so no page is touched: the cap stops the loop with
    # MemoryError within milliseconds, however loaded the machine, and the OOM
    # killer never comes into it. (Without the cap this check passes: the
    # address space is only reserved.)
    blocks = [bytes(2 ** 28) for _ in range(256)]
    assert blocks


@pytest.mark.claim("demo.locked")
def test_locked():
    # every check runs holding its share of the run's machine lock (claims/conftest.py)
    import fcntl
    import glob
    import tempfile

    (path,) = glob.glob(os.path.join(tempfile.gettempdir(), "claims-*.machine.lock"))
    with open(path) as other:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


@pytest.mark.claim("demo.child")
def test_child():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


@pytest.mark.claim("demo.holds_after")
def test_holds_after():
    assert "still" == "still"
"""

IDS = [
    "demo.holds",
    "demo.segfault",
    "demo.abort",
    "demo.exit",
    "demo.hang",
    "demo.gil_hang",
    "demo.memory",
    "demo.locked",
    "demo.child",
    "demo.holds_after",
]


# The real claims/conftest.py's machine lock, without its torch hooks.
LOCKING = """
import importlib.util

_spec = importlib.util.spec_from_file_location("real_claims_conftest", {path!r})
_real = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_real)
pytest_configure_node = _real.pytest_configure_node
pytest_runtest_call = _real.pytest_runtest_call
pytest_unconfigure = _real.pytest_unconfigure
"""
REAL_CONFTEST = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "claims", "conftest.py")


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    tree = ClaimsTree(tmp_path_factory.mktemp("faults"))
    tree.registry(*(claim_table(i) for i in IDS))
    tree.checks(FAULTS)
    tree.checks(LOCKING.format(path=REAL_CONFTEST), name="conftest.py")
    temp = tmp_path_factory.mktemp("system-temp")  # the run's own system temp folder, to see what it leaves there
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(temp))
        run = tree.run(
            "claims",  # its conftest.py is the controller's too (it creates the machine lock)
            "-n",
            "2",
            "--timeout",
            "8",
            "--timeout-method",
            "thread",
            "--claims-memory-limit",
            "2048",
            "-p",
            "no:faulthandler",
            timeout=300,
        )
    report = tree.report("report.partial")  # partial: some checks crash (test_every_claim_reaches_the_report)
    return run, {c["id"]: c for c in report["claims"]}, report, temp


def test_every_claim_reaches_the_report(faults):
    run, claims, report, _temp = faults
    assert set(claims) == set(IDS), run.output[-3000:]
    # checks whose process died make the run partial: it never replaces a complete report
    assert report["run"]["complete"] is False
    assert "died before the check ended" in report["run"]["partial_reason"]
    assert claims["demo.holds"]["verdict"] == "holds"
    assert claims["demo.holds_after"]["verdict"] == "holds"


@pytest.mark.parametrize("claim_id", ["demo.segfault", "demo.abort", "demo.exit"])
def test_a_crash_is_an_error_with_its_cause(faults, claim_id):
    check = faults[1][claim_id]["checks"][0]
    assert check["verdict"] == "error"
    assert check["error"]["type"] == "crash"
    assert "the process running the check died" in check["error"]["message"]
    assert claim_id.replace("demo.", "test_") in check["error"]["message"]


def test_a_hang_is_stopped_at_the_limit(faults):
    check = faults[1]["demo.hang"]["checks"][0]
    assert check["verdict"] == "error"
    assert "ran past its time limit of 8.0 s" in check["error"]["message"]
    assert faults[2]["run"]["timeout_s"] == 8.0


def test_a_hang_that_holds_the_gil_is_stopped_too(faults):
    """pytest-timeout's thread needs the GIL; the watchdog of faulthandler's own thread does not."""
    check = faults[1]["demo.gil_hang"]["checks"][0]
    assert check["verdict"] == "error"
    assert "ran past its time limit of 8.0 s and its worker was stopped" in check["error"]["message"], check
    assert check["duration_s"] < 8.0 * 1.2 + 5.0 + 20, "stopped by the watchdog, not after the regex's eternity"


def test_memory_exhaustion_is_an_error(faults):
    check = faults[1]["demo.memory"]["checks"][0]
    assert check["verdict"] == "error" and check["error"]["type"] == "MemoryError", check
    assert faults[2]["run"]["memory_limit_mb"] == 2048


def test_the_machine_lock_is_held_around_checks_and_removed_after_the_run(faults):
    run, claims, _report, temp = faults
    assert claims["demo.locked"]["verdict"] == "holds", claims["demo.locked"]["checks"][0]
    assert glob.glob(os.path.join(str(temp), "claims-*.machine.lock")) == [], run.output[-3000:]


def _real_conftest():
    spec = importlib.util.spec_from_file_location("real_claims_conftest", REAL_CONFTEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_worker_closes_its_lock_handle_and_the_controller_removes_the_file(tmp_path, monkeypatch):
    real = _real_conftest()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    controller = SimpleNamespace(stash=pytest.Stash())
    nodes = [SimpleNamespace(config=controller, workerinput={"workerid": f"gw{i}"}) for i in range(2)]
    for node in nodes:
        real.pytest_configure_node(node)
    path = nodes[0].workerinput[real.LOCK_INPUT]
    assert nodes[1].workerinput[real.LOCK_INPUT] == path and os.path.dirname(path) == str(tmp_path)
    workers = [SimpleNamespace(stash=pytest.Stash(), workerinput=node.workerinput) for node in nodes]
    handles = [real._machine_lock(worker) for worker in workers]
    assert [real._machine_lock(worker) for worker in workers] == handles  # opened once per worker
    for worker, handle in zip(workers, handles):
        real.pytest_unconfigure(worker)
        assert handle.closed
    assert os.path.exists(path)  # until the controller is done
    real.pytest_unconfigure(controller)
    assert os.listdir(str(tmp_path)) == []
    assert real._machine_lock(SimpleNamespace(stash=pytest.Stash())) is None  # no workers, no lock


def test_a_child_left_behind_is_killed_and_reported(faults):
    check = faults[1]["demo.child"]["checks"][0]
    assert check["verdict"] == "error"
    assert "left 1 child process(es) running, now killed" in check["error"]["message"]


def test_two_runs_of_one_environment_never_write_at_once(tree):
    """The second run is refused at once, naming the first; nothing of the first's is touched."""
    import subprocess
    import sys
    import time

    tree.registry(claim_table("demo.a"))
    release = tree.root / "release"
    tree.checks(f"""
        import os
        import time
        import pytest

        @pytest.mark.claim("demo.a")
        def test_a():
            deadline = time.time() + 60
            while not os.path.exists({str(release)!r}) and time.time() < deadline:
                time.sleep(0.05)
    """)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--claims-reports", str(tree.reports),
               "--claims-profile", "ci"]  # fmt: skip
    # the runs' own temporary folder, where the lock lives: this process's tempfile may have cached another one
    temp = tree.root / "tmp"
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp))
    first = subprocess.Popen(
        command, cwd=str(tree.root), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    deadline = time.time() + 60
    from claimcheck.runlock import RunLock

    lock = os.path.join(str(temp), os.path.basename(RunLock.path_for(str(tree.reports), sys.prefix)))

    def held() -> bool:
        if not os.path.exists(lock):
            return False
        with open(lock) as handle:
            return handle.read().startswith(f"pid {first.pid}")

    while not held() and time.time() < deadline:
        time.sleep(0.1)
    second = subprocess.run(command, cwd=str(tree.root), capture_output=True, text=True, timeout=60, env=env)
    release.write_text("")
    output, _ = first.communicate(timeout=60)
    assert second.returncode == 4, second.stdout + second.stderr
    said = second.stdout + second.stderr
    assert "another claims run of this environment" in said and f"pid {first.pid}" in said
    assert first.returncode == 0, output
    assert tree.report()["run"]["complete"] is True
    again = subprocess.run(command, cwd=str(tree.root), capture_output=True, text=True, timeout=60, env=env)
    assert again.returncode == 0, "a lock ends with its run"
