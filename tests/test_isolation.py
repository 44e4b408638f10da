"""Fault injection through the real plugin: whatever a check does, it costs only its own claim."""

from __future__ import annotations

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


@pytest.mark.claim("demo.memory")
def test_memory():
    blocks = [bytearray(2 ** 28) for _ in range(256)]  # 64 GiB in all, far past the cap
    assert blocks


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
    "demo.memory",
    "demo.child",
    "demo.holds_after",
]


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    tree = ClaimsTree(tmp_path_factory.mktemp("faults"))
    tree.registry(*(claim_table(i) for i in IDS))
    tree.checks(FAULTS)
    run = tree.run(
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
    report = tree.report()
    return run, {c["id"]: c for c in report["claims"]}, report


def test_every_claim_reaches_the_report(faults):
    run, claims, report = faults
    assert set(claims) == set(IDS), run.output[-3000:]
    assert report["run"]["complete"] is True
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


def test_memory_exhaustion_is_an_error(faults):
    check = faults[1]["demo.memory"]["checks"][0]
    assert check["verdict"] == "error" and check["error"]["type"] == "MemoryError"
    assert faults[2]["run"]["memory_limit_mb"] == 2048


def test_a_child_left_behind_is_killed_and_reported(faults):
    check = faults[1]["demo.child"]["checks"][0]
    assert check["verdict"] == "error"
    assert "left 1 child process(es) running, now killed" in check["error"]["message"]
