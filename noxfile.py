"""Sessions: `nox -s claims` checks the cheatsheet against a torch; `nox -s tests` tests the machinery.

nox -s claims                          # torch 2.13.0 (the CPU wheel on this machine's disk)
nox -s claims -- --torch 2.13.0 -k view  # any torch from the index; extra args go to pytest
CLAIMS_TORCH_INDEX=cpu nox -s claims -- --torch 2.6.0  # torch's CPU build, from the PyTorch CPU index
CLAIMS_REPORTS=reports nox -s claims   # write into reports/ (the committed reports); by default reports/local/
CLAIMS_PROFILE=thorough nox -s claims  # Hypothesis profile: fast, ci (default here), thorough
CLAIMS_TIMEOUT=600 nox -s claims       # seconds a check may run before it becomes an error (300)
nox -s lint                            # ruff, mypy, and Python 3.7 compatibility where old torch runs
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from typing import Any

import nox
from packaging.version import InvalidVersion, Version

# The machinery's host-side modules run here, in nox's own Python (no
# Hypothesis, no pytest): the claims run's arguments, the TOML reader, bisect.
ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, ROOT)
from claimcheck.runargs import standard_args  # noqa: E402
from claimcheck.tomlfile import read_toml  # noqa: E402

nox.options.default_venv_backend = "uv|virtualenv"
# An environment is reused, never rebuilt under a run that is using it (a second `nox -s claims` recreated
# .nox/claims while the first ran in it); what it lacks is installed again, which uv makes a no-op when nothing is.
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests"]
nox.options.error_on_external_run = True

DEFAULT_TORCH = "2.13.0"
HOST_PYTHON = "3.11"
VERSIONS_FILE = os.path.join("claims", "versions.toml")


def _expose_pyenv_pythons() -> None:
    """Let nox and uv find every Python pyenv has (old torch needs 3.7 or 3.8).

    pyenv's shims answer `python3.7` only for the versions pyenv has selected;
    putting each version's bin folder on PATH (the host Python's first, so that
    `python` stays what it was) makes every `pythonX.Y` a real interpreter.
    """
    root = os.path.join(os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv")), "versions")
    if not os.path.isdir(root):
        return
    folders = sorted(os.listdir(root), key=lambda v: not v.startswith(HOST_PYTHON + "."))
    bins = [os.path.join(root, v, "bin") for v in folders if os.path.isdir(os.path.join(root, v, "bin"))]
    os.environ["PATH"] = os.pathsep.join([*bins, os.environ.get("PATH", "")])


_expose_pyenv_pythons()


def _versions() -> dict[str, dict[str, Any]]:
    """{torch version: {"python": ..., "numpy": constraint or None, "extra": [...]}} from claims/versions.toml.

    Raises ValueError naming the file when it cannot be read or an entry lacks what it needs."""
    entries = read_toml(VERSIONS_FILE, "the torch versions to check").get("torch", [])
    known = {}
    for number, entry in enumerate(entries, 1):
        missing = [key for key in ("version", "python") if key not in entry]
        if missing:
            raise ValueError(
                "{}: [[torch]] entry {} lacks {}; every entry needs version and python".format(
                    VERSIONS_FILE, number, " and ".join(missing)
                )
            )
        known[entry["version"]] = {
            "python": entry["python"],
            "numpy": entry.get("numpy"),
            "extra": entry.get("extra", []),
            "cpu_index": entry.get("cpu_index", True),
            "cpu_note": entry.get("cpu_note", ""),
        }
    return known


INDEX_VARIABLE = "CLAIMS_TORCH_INDEX"
REPORTS_VARIABLE = "CLAIMS_REPORTS"
#: Where a user's `nox -s claims` writes: beside the committed reports, never over them (.gitignore'd).
#: The matrix, the benchmarks and whoever sets CLAIMS_REPORTS=reports write the committed ones.
LOCAL_REPORTS = os.path.join("reports", "local")


def _torch_index(torch: str, needs: dict[str, Any]) -> str | None:
    """The index torch comes from: None (the installer's own: PyPI, or the wheel on this disk) unless
    CLAIMS_TORCH_INDEX names one of claims/versions.toml's [index] table (`cpu`); ValueError says what is wrong."""
    name = os.environ.get(INDEX_VARIABLE, "").strip()
    if not name:
        return None
    indexes = read_toml(VERSIONS_FILE, "the torch versions to check").get("index", {})
    if name not in indexes:
        raise ValueError(
            f"{INDEX_VARIABLE}={name!r} is not an index of {VERSIONS_FILE} ([index]: {', '.join(indexes) or 'none'}); "
            f"give one of them, e.g. {INDEX_VARIABLE}=cpu, or unset it for PyPI"
        )
    if name == "cpu" and not needs["cpu_index"]:
        raise ValueError(f"torch {torch}: {needs['cpu_note']}; unset {INDEX_VARIABLE} to install it from PyPI")
    return str(indexes[name])


def _install_onnx(session: nox.Session, torch: str) -> None:
    """onnx, onnxruntime (and onnxscript) for the ONNX export claim, as claims/versions.toml's [onnx] lists them
    for this Python. Where they cannot be installed, the claim is not-run with the reason, and the run goes on."""
    wanted = read_toml(VERSIONS_FILE, "the torch versions to check").get("onnx", {}).get(str(session.python), [])
    if not wanted:
        session.log(
            f"claims/versions.toml lists no onnx packages for Python {session.python}: the ONNX claim will skip"
        )
        return
    try:
        _install(session, *wanted, f"torch=={torch}")  # never let them move torch
    except nox.command.CommandFailed:
        session.warn(f"could not install {', '.join(wanted)} beside torch {torch}: the ONNX export claim will skip")


def _known_versions(session: nox.Session) -> dict[str, dict[str, Any]]:
    """`_versions()`, or the session stops with the file's problem."""
    try:
        return _versions()
    except ValueError as exc:
        session.error(str(exc))


def _install(session: nox.Session, *requirements: str) -> None:
    """Install with the session's backend; uv must be told where local wheels lie.

    Bytecode is compiled at install time: without .pyc files `import torch`
    takes twice as long in every worker and subprocess. The matrix turns that
    off (CLAIMS_COMPILE_BYTECODE=0) for its background installs, which would
    otherwise compile all of torch on the cores the checks run on; the checks
    then write .pyc files for the modules they import, once.
    """
    env = {"UV_COMPILE_BYTECODE": os.environ.get("CLAIMS_COMPILE_BYTECODE", "1")}
    find_links = os.environ.get("PIP_FIND_LINKS")
    if find_links and session.venv_backend == "uv":
        env["UV_FIND_LINKS"] = find_links
    session.install(*requirements, env=env)


def _split_torch(posargs):
    """`--torch X` (or `--torch=X`) from the session arguments; the rest goes to pytest.

    The version must be an exact release (2.13.0); whether PyPI serves it is for
    the installer to say, with the version in its message."""
    torch, rest, args = DEFAULT_TORCH, [], list(posargs)
    while args:
        arg = args.pop(0)
        if arg == "--torch":
            if not args:
                raise ValueError("--torch needs a version, for example --torch 2.13.0")
            torch = args.pop(0)
        elif arg.startswith("--torch="):
            torch = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    try:
        version = Version(torch)
    except InvalidVersion:
        raise ValueError(f"--torch {torch!r} is not a version; give a release such as 2.13.0") from None
    if len(version.release) < 2:
        raise ValueError(f"--torch {torch} is not precise enough; give a release such as 2.13.0")
    return torch, rest


def _claims_environment(
    session: nox.Session, parallel: bool = True, benchmarks: str = "quick"
) -> tuple[list[str], list[str]]:
    """Check the session's arguments and variables, install torch and the project.

    Returns (the standard pytest arguments of the run, from claimcheck.runargs,
    which `python -m claimcheck run --standard` derives the same way; the
    user's pytest arguments). Nothing is installed when anything is wrong.
    """
    try:
        standard = standard_args(os.environ, parallel=parallel, benchmarks=benchmarks)
        torch, pytest_args = _split_torch(session.posargs)
    except ValueError as exc:
        session.error(str(exc))
    known = _known_versions(session)
    if torch not in known:
        session.error(
            "torch {} is not in {}; known versions: {}. Add it there (with the Python it needs) to check it".format(
                torch, VERSIONS_FILE, ", ".join(known)
            )
        )
    needs = known[torch]
    if session.python != needs["python"]:
        session.error(
            "torch {} needs Python {} here (see {}): run: nox -s claims --force-python {} -- --torch {}".format(
                torch, needs["python"], VERSIONS_FILE, needs["python"], torch
            )
        )
    try:
        index = _torch_index(torch, needs)
    except ValueError as exc:
        session.error(str(exc))
    if index is not None:  # torch alone from that index; the rest from PyPI, torch already satisfied
        _install(session, "--index-url", index, f"torch=={torch}")
    requirements = [f"torch=={torch}"]
    if needs["numpy"]:
        requirements.append("numpy{}".format(needs["numpy"]))
    requirements.extend(needs["extra"])
    _install(session, *requirements)
    _install(session, "-e", ".")
    _install_onnx(session, torch)
    # pytest rewrites the asserts of every plugin's package (all of Hypothesis,
    # xdist, ...) and caches the result as .pyc only where bytecode may be
    # written; this machine forbids it (PYTHONDONTWRITEBYTECODE), which made
    # every worker recompile them: 0.9 s per process. Allowed in the session.
    session.env["PYTHONDONTWRITEBYTECODE"] = ""
    session.env["TMPDIR"] = _scratch(session, "run")
    session.env.update(PLAIN_KERNEL)
    return standard, pytest_args


def _hold_session(session: nox.Session) -> None:
    """One run of a session's environment at a time: a second one would delete the first's temporary folder.

    The lock lives in the environment's folder and dies with this nox process; the plugin
    (claimcheck.runlock) locks the reports folder for the pytest run itself."""
    import fcntl

    folder = getattr(getattr(session, "virtualenv", None), "location", None)
    if not folder or not os.path.isdir(folder):
        return
    handle = open(os.path.join(folder, ".claims-session.lock"), "a+")  # noqa: SIM115 (held open until nox exits)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another nox process"
        session.error(f"{folder} is in use by another nox run of this session ({holder}); wait for it to end")
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    _HELD.append(handle)


_HELD: list[Any] = []


def _scratch(session: nox.Session, name: str) -> str:
    """An empty folder under the session's own for everything a run writes to a temporary folder.

    pytest's tmp_path, torch's compile caches, scratch reports and lock files go
    there (TMPDIR), so nothing is left in the system's temporary folder.
    """
    _hold_session(session)
    folder = os.path.join(session.create_tmp(), name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def _then(pytest_args: list[str]) -> list[str]:
    """The user's pytest arguments after `claimcheck run`'s own options (`--` keeps `-k x` from argparse)."""
    return ["--", *pytest_args] if pytest_args else []


# On Ctrl-C the terminal sends SIGINT to the whole process group, pytest
# included; nox then waits interrupt_timeout seconds for its child before
# SIGTERM, and terminate_timeout more before SIGKILL. Its defaults (0.3 s and
# 0.2 s) kill pytest before it has stopped its workers and written
# report.partial.*; these leave it the time. (A SIGINT sent to nox alone, not
# to its group, lets the run go on for INTERRUPT_S, then SIGTERM stops it.)
INTERRUPT_S = 60.0
TERMINATE_S = 10.0

EXPECTATIONS = os.path.join("claims", "expectations.toml")

# torch dispatches elementwise CPU kernels by what the CPU offers (AVX2, AVX512, plain), and their
# results differ at the edges. The main run takes the plain kernel, so that its verdicts and the
# expectations gate are the same on every x86-64 machine; the elementwise checks then run again under
# the best kernel this machine offers (the variable unset), and a facet whose verdict differs says so.
PLAIN_KERNEL = {"ATEN_CPU_CAPABILITY": "default"}
KERNEL_VARIANT = [
    "--variant",
    "best CPU kernel:ATEN_CPU_CAPABILITY",
    "--variant-checks",
    os.path.join("claims", "test_functions.py"),
]


@nox.session(python=HOST_PYTHON)
def claims(session: nox.Session) -> None:
    """Check every claim against one torch, write reports/<env>/, and fail on any unexpected verdict."""
    _standard, pytest_args = _claims_environment(session)
    torch, _rest = _split_torch(session.posargs)
    reports = os.environ.get(REPORTS_VARIABLE) or LOCAL_REPORTS
    pytest_args = ["--claims-reports", reports, *pytest_args]
    gate = ["--expectations", EXPECTATIONS] if os.path.exists(EXPECTATIONS) else []
    session.run(
        "python",
        "-m",
        "claimcheck",
        "run",
        "--standard",
        "--subject-version",
        f"torch=={torch}",  # -R reuses an environment as it is: never check another torch than the one asked for
        *gate,
        *([] if pytest_args[2:] else KERNEL_VARIANT),  # a selection is a partial run: no variant runs
        *_then(pytest_args),
        interrupt_timeout=INTERRUPT_S,
        terminate_timeout=TERMINATE_S,
    )


@nox.session(python=HOST_PYTHON)
def benchmarks(session: nox.Session) -> None:
    """Check every claim with the cost checks in full, one check at a time, and keep benchmarks.json.

    pytest-benchmark's default rounds, serially; its JSON goes to
    reports/<env>/benchmarks.json beside the report."""
    _standard, pytest_args = _claims_environment(session, parallel=False, benchmarks="full")
    torch, _rest = _split_torch(session.posargs)
    session.run(
        "python",
        "-m",
        "claimcheck",
        "run",
        "--standard",
        "--subject-version",
        f"torch=={torch}",
        "--serial",
        "--full-benchmarks",
        "--benchmarks-json",
        *([] if pytest_args else KERNEL_VARIANT),
        *_then(pytest_args),
        interrupt_timeout=INTERRUPT_S,
        terminate_timeout=TERMINATE_S,
    )


@nox.session(python=HOST_PYTHON)
def speed(session: nox.Session) -> None:
    """Time a claims run against `python -c "import torch"` here; writes reports/<env>/speed.json."""
    standard, pytest_args = _claims_environment(session)
    session.run("python", "-m", "claimcheck", "speed", "--", "claims", *standard, *pytest_args)


@nox.session(python=HOST_PYTHON)
def tests(session: nox.Session) -> None:
    """Test the machinery itself: synthetic claims, fake outcomes, real runs on the default torch.

    Most tests need no torch; the determinism tests run real claims on the
    default torch (2.13.0)."""
    _install(session, f"torch=={DEFAULT_TORCH}")
    _install(session, "-e", ".[test]")
    session.run("python", "-m", "pytest", "tests", *session.posargs, env={"TMPDIR": _scratch(session, "tests")})


# What runs inside old torch environments (Python 3.7): the plugin, the checks,
# and the root conftest that loads the plugin.
RUNS_IN_OLD_TORCH = ["claimcheck", "claims", "conftest.py"]


@nox.session(python=HOST_PYTHON)
def lint(session: nox.Session) -> None:
    """Lint with ruff (lint and format), mypy, and vermin (Python 3.7 where old torch runs).

    vermin allows no syntax or standard library newer than Python 3.7 in
    what runs inside old torch environments. Versions pinned in
    pyproject.toml's lint extra."""
    _install(session, "-e", ".[lint,test]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # one mypy run per folder of top-level modules: claims/ and tests/ each have a conftest.py
    session.run("mypy")  # claimcheck, noxfile.py, conftest.py (pyproject.toml's [tool.mypy] files)
    session.run("mypy", "claims")
    session.run("mypy", "tests")
    session.run("vermin", "-t=3.7-", "--no-tips", "--violations", *RUNS_IN_OLD_TORCH)


def _free_gib(path: str = ".") -> float:
    usage = shutil.disk_usage(path)
    return usage.free / 2**30


@nox.session(python=HOST_PYTHON)
def compatibility(session: nox.Session) -> None:
    """Merge reports/*/report.json into reports/compatibility.{json,md,html,png}."""
    _install(session, "-e", ".[render]")
    session.run("python", "-m", "claimcheck", "merge", "--heatmap", "reports")


@nox.session(python=HOST_PYTHON)
def screenshots(session: nox.Session) -> None:
    """Take the README's pictures of the compatibility report into reports/screenshots/.

    compatibility.html at 1,400 and 390 px, the heatmap, and the top of
    compatibility.md, in Debian's headless Chromium (apt-get install chromium
    fonts-noto-color-emoji)."""
    _install(session, "-e", ".[render,screenshots]")
    session.run("python", "-m", "claimcheck", "screenshots", "reports")


@nox.session(python=False)
def matrix(session: nox.Session) -> None:
    """Check every torch in claims/versions.toml (or those named: `-- 1.8.1 2.0.1`), one after another, then merge.

    Each version runs as its own `nox -s claims` with the Python it needs, in
    its own environment under .nox/matrix/. While one version runs, the next
    one's environment is installed in the background (the download is
    network-bound, the checks CPU-bound). Each environment is kept until the
    next version has run, so that a change between the two across a Python,
    Hypothesis or numpy boundary is replayed on the other side (`claimcheck
    replay`, into reports/replays.json); then it is removed (CLAIMS_KEEP_ENVS=1
    keeps them all), and uv's cache is cleaned of torch
    when free disk falls under CLAIMS_MIN_FREE_GIB (20).
    """
    known = _known_versions(session)
    wanted = list(session.posargs) or list(known)
    unknown = [v for v in wanted if v not in known]
    if unknown:
        session.error("not in {}: {}; known: {}".format(VERSIONS_FILE, ", ".join(unknown), ", ".join(known)))
    keep = os.environ.get("CLAIMS_KEEP_ENVS") == "1"
    floor = float(os.environ.get("CLAIMS_MIN_FREE_GIB", "20"))
    root = os.path.join(".nox", "matrix")

    def nox_claims(version, *options):
        return [
            "nox",
            "--error-on-missing-interpreters",
            "--envdir",
            os.path.join(root, version),
            *options,
            "-s",
            "claims",
            "--force-python",
            known[version]["python"],
            "--",
            "--torch",
            version,
        ]

    def prepare(version):
        """Install `version`'s environment in the background; its output goes to a log.

        A folder left by an interrupted sweep is removed first: uv refuses to reuse one it did not finish."""
        shutil.rmtree(os.path.join(root, version), ignore_errors=True)
        with open(os.path.join(root, version + ".install.log"), "w") as log:  # the child keeps its own copy
            return subprocess.Popen(
                nox_claims(version, "--install-only"),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(os.environ, CLAIMS_COMPILE_BYTECODE="0", CLAIMS_REPORTS="reports"),
            )

    def python_of(version):
        env = "claims-" + known[version]["python"].replace(".", "-")
        return os.path.abspath(os.path.join(root, version, env, "bin", "python"))

    os.makedirs(root, exist_ok=True)
    previous = None  # the last version run: its environment stays until the next one's replay
    start, failed, timings, waits, lowest_free = time.time(), [], {}, {}, _free_gib()
    pending = prepare(wanted[0])
    for index, version in enumerate(wanted, 1):
        began = time.time()
        prepared = pending.wait() == 0
        waits[version] = round(time.time() - began, 1)
        pending = prepare(wanted[index]) if index < len(wanted) else None
        done = index - 1
        left = (time.time() - start) / done * (len(wanted) - done) if done else None
        session.log(
            "[{}/{}] torch {} on Python {} · {:.0f} s elapsed{}{}".format(
                index,
                len(wanted),
                version,
                known[version]["python"],
                time.time() - start,
                "" if left is None else f" · about {left / 60:.0f} min left",
                ""
                if prepared
                else " · background install failed (see {}); installing again".format(
                    os.path.join(root, version + ".install.log")
                ),
            )
        )
        # prepared: reuse the environment and skip installing (-R); the run's full output goes to its log, and
        # its closing lines (the verdicts' counts, the gate) to the terminal
        log_path = os.path.join(root, version + ".log")
        with open(log_path, "w") as log:
            code = subprocess.call(
                nox_claims(version, *(["-R"] if prepared else [])), stdout=log, stderr=subprocess.STDOUT
            )
        with open(log_path, errors="replace") as log:
            closing = [line.rstrip() for line in log if line.startswith(("claims: ", "claimcheck: "))]
        for line in closing[-3:]:
            session.log(f"  {line[:200]}")
        session.log(f"  torch {version}: exit {code}; full log {log_path}")
        timings[version] = round(time.time() - began, 1)
        lowest_free = min(lowest_free, _free_gib())
        if code != 0:
            failed.append(version)
        if previous is not None:
            # The previous environment was kept for this: a change between the two, where their Python,
            # Hypothesis or numpy differ, is replayed on the other side before it is believed.
            subprocess.call([python_of(version), "-m", "claimcheck", "replay", previous, version,
                             "--python-old", python_of(previous), "--python-new", python_of(version)])  # fmt: skip
            if not keep:
                shutil.rmtree(os.path.join(root, previous), ignore_errors=True)
        previous = version
        if _free_gib() < floor:
            session.log(f"free disk {_free_gib():.1f} GiB < {floor} GiB: cleaning torch from uv's cache")
            subprocess.call(["uv", "cache", "clean", "torch"])
    if previous is not None and not keep:
        shutil.rmtree(os.path.join(root, previous), ignore_errors=True)
    subprocess.call(["nox", "-s", "compatibility"])
    session.log(
        f"matrix: {len(wanted)} versions in {time.time() - start:.0f} s; lowest free disk {lowest_free:.1f} GiB; "
        f"per version (s, with the wait for its install): {timings}; waits for installs (s): {waits}"
    )
    if failed:
        session.error("the claims session failed for torch {}".format(", ".join(failed)))


@nox.session(python=HOST_PYTHON)
def bisect(session: nox.Session) -> None:
    """Find the first torch where a claim's (or a facet's) verdict changes, from the reports on disk.

    `nox -s bisect -- <claim-id> [--facet NAME] [--from V] [--to V] [--run-missing]`
    (see `claimcheck bisect --help`)."""
    _install(session, "-e", ".")
    session.run("python", "-m", "claimcheck", "bisect", *session.posargs)


@nox.session(python=HOST_PYTHON)
def diff(session: nox.Session) -> None:
    """Print upgrade notes between two torch versions from the reports on disk: `-- 2.5.1 2.6.0`.

    What changed between the two, claim by claim and facet by facet, with
    the evidence on both sides."""
    if len(session.posargs) != 2:
        session.error("usage: nox -s diff -- <old version> <new version>, e.g. nox -s diff -- 2.5.1 2.6.0")
    _install(session, "-e", ".")
    session.run("python", "-m", "claimcheck", "diff", *session.posargs)
