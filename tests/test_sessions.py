"""The nox sessions refuse what they cannot do, naming the version and what to run instead,
and run the claims with the one set of standard arguments (claimcheck/runargs.py)."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any, NoReturn, cast

import pytest

pytest.importorskip("nox", reason="the session tests import the noxfile (nox is in the test extra)")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import noxfile  # noqa: E402
from claimcheck.runargs import standard_args  # noqa: E402


class Quit(Exception):
    pass


class FakeSession:
    def __init__(self, posargs: list[str], python: str = "3.11") -> None:
        self.posargs, self.python = posargs, python
        self.installed: list[tuple[str, ...]] = []
        self.ran: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        self.env: dict[str, str] = {}

    def error(self, message: str) -> NoReturn:
        raise Quit(message)

    def install(self, *requirements: str, **_: Any) -> None:
        self.installed.append(requirements)

    def run(self, *command: str, **options: Any) -> None:
        self.ran.append((command, options))

    def create_tmp(self) -> str:
        if not hasattr(self, "_tmp"):
            self._tmp = tempfile.mkdtemp(prefix="fake-nox-session-")
        return self._tmp

    venv_backend = "uv"


def _environment(session: FakeSession, **options: Any) -> tuple[list[str], list[str]]:
    return noxfile._claims_environment(cast(Any, session), **options)


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    for variable in ("CLAIMS_PROFILE", "CLAIMS_TIMEOUT", "CLAIMS_REPORTS", "CLAIMS_TORCH_INDEX"):  # the defaults
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize(
    "posargs, message",
    [
        (["--torch", "banana"], "--torch 'banana' is not a version; give a release such as 2.13.0"),
        (["--torch", "2"], "--torch 2 is not precise enough"),
        (["--torch"], "--torch needs a version"),
        (["--torch", "1.4.1"], "torch 1.4.1 is not in claims/versions.toml; known versions: 1.0.1"),
        (
            ["--torch", "1.4.0"],
            "torch 1.4.0 needs Python 3.7 here (see claims/versions.toml): "
            "run: nox -s claims --force-python 3.7 -- --torch 1.4.0",
        ),
    ],
)
def test_claims_session_refuses_with_a_reason(posargs, message):
    session = FakeSession(posargs)
    with pytest.raises(Quit) as caught:
        _environment(session)
    assert message in str(caught.value)
    assert session.installed == []  # nothing installed, nothing written


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("CLAIMS_PROFILE", "quick", "CLAIMS_PROFILE=quick is not a Hypothesis profile: give one of fast, ci, thorough"),
        ("CLAIMS_TIMEOUT", "0", "CLAIMS_TIMEOUT=0 is not a time limit: give seconds > 0, e.g. CLAIMS_TIMEOUT=300"),
        ("CLAIMS_TIMEOUT", "abc", "CLAIMS_TIMEOUT=abc is not a time limit"),
    ],
)
@pytest.mark.parametrize("session_name", ["claims", "benchmarks", "speed"])
def test_a_bad_variable_stops_the_session_before_installing(monkeypatch, session_name, variable, value, message):
    monkeypatch.setenv(variable, value)
    session = FakeSession(["--torch", "2.13.0"])
    with pytest.raises(Quit) as caught:
        getattr(noxfile, session_name)(session)
    assert message in str(caught.value)
    assert session.installed == [] and session.ran == []


def test_a_listed_version_gets_its_numpy_constraint():
    session = FakeSession(["--torch", "2.0.1", "-k", "view"])
    standard, pytest_args = _environment(session)
    assert session.installed[0] == ("torch==2.0.1", "numpy<2")
    assert standard == standard_args(os.environ)
    assert pytest_args == ["-k", "view"]
    assert session.env["PYTHONDONTWRITEBYTECODE"] == "", "pytest must be able to cache its rewritten plugins"


def _ran(session_name: str, posargs: list[str]) -> tuple[tuple[str, ...], dict[str, Any]]:
    session = FakeSession(posargs)
    getattr(noxfile, session_name)(session)
    assert len(session.ran) == 1
    return session.ran[0]


def test_the_claims_session_runs_the_standard_arguments_and_leaves_pytest_time_to_stop():
    command, options = _ran("claims", ["-k", "view"])
    assert command == (
        "python",
        "-m",
        "claimcheck",
        "run",
        "--standard",
        "--subject-version",
        "torch==2.13.0",  # -R reuses an environment as it is: the run refuses another torch
        "--expectations",
        os.path.join("claims", "expectations.toml"),
        "--",  # so that argparse leaves `-k view` to pytest
        "--claims-reports",
        os.path.join("reports", "local"),  # a user's run leaves the committed reports alone
        "-k",
        "view",
    )
    # nox's defaults (0.3 s after Ctrl-C, then 0.2 s after SIGTERM) kill pytest before report.partial.* is written
    assert options["interrupt_timeout"] >= 30 and options["terminate_timeout"] >= 5


def test_without_pytest_arguments_the_elementwise_checks_run_again_under_the_best_kernel():
    command, _ = _ran("claims", [])
    assert command[4:] == (
        "--standard",
        "--subject-version",
        "torch==2.13.0",
        "--expectations",
        os.path.join("claims", "expectations.toml"),
        "--variant",
        "best CPU kernel:ATEN_CPU_CAPABILITY",
        "--variant-checks",
        os.path.join("claims", "test_functions.py"),
        "--",
        "--claims-reports",
        os.path.join("reports", "local"),
    )


def test_the_committed_reports_are_written_only_when_asked(monkeypatch):
    monkeypatch.setenv("CLAIMS_REPORTS", "reports")
    command, _ = _ran("claims", [])
    assert command[-3:] == ("--", "--claims-reports", "reports")


def test_the_cpu_build_is_one_setting_away_shared_with_the_workflow(monkeypatch):
    monkeypatch.setenv("CLAIMS_TORCH_INDEX", "cpu")
    session = FakeSession(["--torch", "2.6.0"])
    _environment(session)
    assert session.installed[0] == ("--index-url", "https://download.pytorch.org/whl/cpu", "torch==2.6.0")
    assert session.installed[1][0] == "torch==2.6.0"  # the rest from PyPI, torch already satisfied
    refused = FakeSession(["--torch", "1.0.1"], python="3.7")
    with pytest.raises(Quit, match=r"no Linux wheel of torch 1\.0\.1.*unset CLAIMS_TORCH_INDEX"):
        _environment(refused)
    monkeypatch.setenv("CLAIMS_TORCH_INDEX", "rocm")
    with pytest.raises(Quit, match=r"CLAIMS_TORCH_INDEX=.rocm. is not an index of claims/versions\.toml"):
        _environment(FakeSession(["--torch", "2.6.0"]))
    assert refused.installed == []


def test_the_main_run_takes_the_plain_cpu_kernel():
    session = FakeSession([])
    noxfile.claims(session)
    assert session.env["ATEN_CPU_CAPABILITY"] == "default"


def test_the_benchmarks_session_runs_them_in_full_one_at_a_time():
    command, options = _ran("benchmarks", ["--torch", "2.13.0"])
    assert command == (
        "python",
        "-m",
        "claimcheck",
        "run",
        "--standard",
        "--subject-version",
        "torch==2.13.0",
        "--serial",
        "--full-benchmarks",
        "--benchmarks-json",
        "--variant",
        "best CPU kernel:ATEN_CPU_CAPABILITY",
        "--variant-checks",
        os.path.join("claims", "test_functions.py"),
    )
    assert options["interrupt_timeout"] >= 30


def test_the_speed_session_passes_the_standard_arguments_along(monkeypatch):
    monkeypatch.setenv("CLAIMS_TIMEOUT", "60")
    command, _ = _ran("speed", ["-k", "view"])
    assert command == ("python", "-m", "claimcheck", "speed", "--", "claims", *standard_args(os.environ), "-k", "view")
    assert "60" in command


def test_an_unreadable_versions_file_is_named(monkeypatch, tmp_path):
    broken = tmp_path / "versions.toml"
    broken.write_text('[[torch]]\nversion = "2.13.0"\n')
    monkeypatch.setattr(noxfile, "VERSIONS_FILE", str(broken))
    with pytest.raises(Quit, match=r"versions.toml: \[\[torch\]\] entry 1 lacks python"):
        _environment(FakeSession([]))
    broken.write_text("[[torch]\n")
    with pytest.raises(Quit, match=r"versions.toml: the torch versions to check is not valid TOML"):
        _environment(FakeSession([]))


def test_the_workflow_runs_the_standard_arguments_too():
    with open(os.path.join(ROOT, ".github", "workflows", "claims.yml"), encoding="utf-8") as handle:
        workflow = handle.read()
    assert "python -m claimcheck run --standard --expectations claims/expectations.toml" in workflow
    for option in ("--claims-profile", "--numprocesses", "--timeout", "--benchmark-"):
        assert option not in workflow, f"{option}: the workflow writes out what --standard gives"


def test_the_workflow_takes_the_kernels_the_claims_session_takes():
    with open(os.path.join(ROOT, ".github", "workflows", "claims.yml"), encoding="utf-8") as handle:
        workflow = handle.read()
    for variable, value in noxfile.PLAIN_KERNEL.items():
        assert f"{variable}: {value}" in workflow
    option, variant, checks_option, checks = noxfile.KERNEL_VARIANT
    assert f'{option} "{variant}" {checks_option} {checks}' in workflow


def test_every_listed_python_is_on_this_machine():
    import shutil

    missing = sorted(
        {v["python"] for v in noxfile._versions().values() if shutil.which("python" + v["python"]) is None}
    )
    assert missing == [], "no interpreter for Python {} (pyenv install it, or change claims/versions.toml)".format(
        ", ".join(missing)
    )


def test_a_claims_run_keeps_its_temporary_files_in_the_session_folder():
    session = FakeSession([])
    _environment(session)
    scratch = session.env["TMPDIR"]
    assert scratch.startswith(session.create_tmp()) and os.path.isdir(scratch) and os.listdir(scratch) == []


def test_a_run_refuses_an_environment_holding_another_version(capsys):
    """`nox -R -s claims -- --torch 2.5.1` in an environment of 2.13.0 checked 2.13.0 and reported success."""
    from claimcheck import __main__ as cli
    from claimcheck.environment import installed_version

    assert cli.main(["run", "--subject-version", "pytest==0.0.1", "--", "--version"]) == 2
    err = capsys.readouterr().err
    assert f"this environment holds pytest {installed_version('pytest')}, not 0.0.1 as asked" in err
    assert "nothing was run" in err and "run without -R" in err
    assert cli.main(["run", "--subject-version", "no-such-package==1.0", "--", "--version"]) == 2
    assert "has no no-such-package installed" in capsys.readouterr().err


def test_the_installed_version_is_read_without_importlib_metadata_too(monkeypatch):
    """Python 3.7, where old torch runs, has no importlib.metadata: the dist-info folder names the version."""
    import importlib

    from claimcheck.environment import installed_version

    expected = importlib.import_module("importlib.metadata").version("pytest")
    monkeypatch.setitem(sys.modules, "importlib.metadata", None)  # `from importlib import metadata` fails
    monkeypatch.delattr(importlib, "metadata", raising=False)
    assert installed_version("pytest") == expected
    assert installed_version("no-such-package") is None


def test_one_nox_run_of_a_session_environment_at_a_time(tmp_path):
    """A second `nox -s claims` deleted the first's temporary folder: it is refused, naming the first."""
    import subprocess
    from types import SimpleNamespace

    session = FakeSession([])
    session.virtualenv = SimpleNamespace(location=str(tmp_path))  # type: ignore[attr-defined]
    noxfile._hold_session(cast(Any, session))
    script = (
        f"import sys; sys.path.insert(0, {ROOT!r}); import noxfile\n"
        "from types import SimpleNamespace\n"
        "class S:\n"
        f"    virtualenv = SimpleNamespace(location={str(tmp_path)!r})\n"
        "    def error(self, message): print(message); raise SystemExit(3)\n"
        "noxfile._hold_session(S())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"is in use by another nox run of this session (pid {os.getpid()})" in done.stdout
    for handle in noxfile._HELD:
        handle.close()
    noxfile._HELD.clear()
