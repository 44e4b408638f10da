"""Sessions: `nox -s claims` checks the cheatsheet against a torch; `nox -s tests` tests the machinery.

nox -s claims                          # torch 2.13.0 (the CPU wheel on this machine's disk)
nox -s claims -- --torch 2.13.0 -k view  # any torch from the index; extra args go to pytest
CLAIMS_PROFILE=thorough nox -s claims  # Hypothesis profile: fast, ci (default here), thorough
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import nox
from packaging.version import InvalidVersion, Version

nox.options.default_venv_backend = "uv|virtualenv"
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


def _versions():
    """{torch version: {"python": ..., "numpy": constraint or None}} from claims/versions.toml."""
    import tomllib

    with open(VERSIONS_FILE, "rb") as handle:
        entries = tomllib.load(handle).get("torch", [])
    return {
        e["version"]: {"python": e["python"], "numpy": e.get("numpy"), "extra": e.get("extra", [])} for e in entries
    }


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
        raise ValueError(f"--torch {torch!r} is not a version; give a release such as 2.13.0")
    if len(version.release) < 2:
        raise ValueError(f"--torch {torch} is not precise enough; give a release such as 2.13.0")
    return torch, rest


# One worker per core. Workers also isolate: a check that crashes its
# interpreter costs only its own claim. (Not --dist loadscope: after a worker
# crash its scheduler left the run waiting forever, seen with torch 1.0.1.)
PARALLEL = ["--numprocesses", "auto", "--dist", "load"]

# Quick mode of the cost checks (claims/test_costs.py): the same code paths with
# few rounds; `nox -s benchmarks` runs them with pytest-benchmark's defaults.
QUICK_BENCHMARKS = ["--benchmark-min-rounds=5", "--benchmark-max-time=0.05", "--benchmark-warmup=off"]


def _claims_environment(session: nox.Session, parallel=True, benchmarks=QUICK_BENCHMARKS):
    """Install torch and the project; return the pytest arguments of a claims run."""
    try:
        torch, pytest_args = _split_torch(session.posargs)
    except ValueError as exc:
        session.error(str(exc))
    known = _versions()
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
    requirements = [f"torch=={torch}"]
    if needs["numpy"]:
        requirements.append("numpy{}".format(needs["numpy"]))
    requirements.extend(needs["extra"])
    _install(session, *requirements)
    _install(session, "-e", ".")
    # pytest rewrites the asserts of every plugin's package (all of Hypothesis,
    # xdist, ...) and caches the result as .pyc only where bytecode may be
    # written; this machine forbids it (PYTHONDONTWRITEBYTECODE), which made
    # every worker recompile them: 0.9 s per process. Allowed in the session.
    session.env["PYTHONDONTWRITEBYTECODE"] = ""
    profile = os.environ.get("CLAIMS_PROFILE", "ci")
    # a hung check stops its worker after this many seconds and becomes an error
    limit = ["--timeout", os.environ.get("CLAIMS_TIMEOUT", "300"), "--timeout-method", "thread"]
    workers = PARALLEL if parallel else ["--numprocesses", "0"]
    return ["claims", "--claims-profile", profile, *workers, *limit, *benchmarks, *pytest_args]


EXPECTATIONS = os.path.join("claims", "expectations.toml")


@nox.session(python=HOST_PYTHON)
def claims(session: nox.Session) -> None:
    """Check every claim against one torch, write reports/<env>/, and fail on any unexpected verdict."""
    arguments = _claims_environment(session)
    gate = ["--expectations", EXPECTATIONS] if os.path.exists(EXPECTATIONS) else []
    session.run("python", "-m", "claimcheck", "run", *gate, *arguments)


@nox.session(python=HOST_PYTHON)
def benchmarks(session: nox.Session) -> None:
    """The claims run with the cost checks in full (pytest-benchmark's default rounds), one check at a time;
    keeps pytest-benchmark's JSON as reports/<env>/benchmarks.json beside the report."""
    arguments = _claims_environment(session, parallel=False, benchmarks=[])
    session.run("python", "-m", "claimcheck", "run", "--benchmarks-json", *arguments)


@nox.session(python=HOST_PYTHON)
def speed(session: nox.Session) -> None:
    """Time a claims run against `python -c "import torch"` here; writes reports/<env>/speed.json."""
    session.run("python", "-m", "claimcheck", "speed", "--", *_claims_environment(session))


@nox.session(python=HOST_PYTHON)
def tests(session: nox.Session) -> None:
    """The machinery's own tests: synthetic claims and fake outcomes (no torch needed), plus
    the determinism tests, which run real claims on the default torch."""
    _install(session, f"torch=={DEFAULT_TORCH}")
    _install(session, "-e", ".[test]")
    session.run("python", "-m", "pytest", "tests", *session.posargs)


def _free_gib(path: str = ".") -> float:
    usage = shutil.disk_usage(path)
    return usage.free / 2**30


@nox.session(python=HOST_PYTHON)
def compatibility(session: nox.Session) -> None:
    """Merge reports/*/report.json into reports/compatibility.{json,md,html,png}."""
    _install(session, "-e", ".[render]")
    session.run("python", "-m", "claimcheck", "merge", "--heatmap", "reports")


@nox.session(python=False)
def matrix(session: nox.Session) -> None:
    """Check every torch in claims/versions.toml (or those named: `-- 1.8.1 2.0.1`), one after another, then merge.

    Each version runs as its own `nox -s claims` with the Python it needs, in
    its own environment under .nox/matrix/. While one version runs, the next
    one's environment is installed in the background (the download is
    network-bound, the checks CPU-bound). Environments are removed after their
    run (CLAIMS_KEEP_ENVS=1 keeps them), and uv's cache is cleaned of torch
    when free disk falls under CLAIMS_MIN_FREE_GIB (20).
    """
    known = _versions()
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
        """Install `version`'s environment in the background; its output goes to a log."""
        log = open(os.path.join(root, version + ".install.log"), "w")
        return subprocess.Popen(
            nox_claims(version, "--install-only"),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, CLAIMS_COMPILE_BYTECODE="0"),
        )

    os.makedirs(root, exist_ok=True)
    start, failed, timings, waits, lowest_free = time.time(), [], {}, {}, _free_gib()
    pending = prepare(wanted[0])
    for index, version in enumerate(wanted, 1):
        began = time.time()
        prepared = pending.wait() == 0
        waits[version] = round(time.time() - began, 1)
        pending = prepare(wanted[index]) if index < len(wanted) else None
        session.log(
            "[{}/{}] torch {} on Python {} · {} left · {:.0f} s elapsed{}".format(
                index,
                len(wanted),
                version,
                known[version]["python"],
                len(wanted) - index,
                time.time() - start,
                ""
                if prepared
                else " · background install failed (see {}); installing again".format(
                    os.path.join(root, version + ".install.log")
                ),
            )
        )
        # prepared: reuse the environment and skip installing (-R)
        code = subprocess.call(nox_claims(version, *(["-R"] if prepared else [])))
        timings[version] = round(time.time() - began, 1)
        lowest_free = min(lowest_free, _free_gib())
        if code != 0:
            failed.append(version)
        if not keep:
            shutil.rmtree(os.path.join(root, version), ignore_errors=True)
        if _free_gib() < floor:
            session.log(f"free disk {_free_gib():.1f} GiB < {floor} GiB: cleaning torch from uv's cache")
            subprocess.call(["uv", "cache", "clean", "torch"])
    subprocess.call(["nox", "-s", "compatibility"])
    session.log(
        f"matrix: {len(wanted)} versions in {time.time() - start:.0f} s; lowest free disk {lowest_free:.1f} GiB; per version (s, with the wait "
        f"for its install): {timings}; waits for installs (s): {waits}"
    )
    if failed:
        session.error("the claims session failed for torch {}".format(", ".join(failed)))


@nox.session(python=False)
def bisect(session: nox.Session) -> None:
    """Find the first torch where a claim's verdict changes: `nox -s bisect -- <claim-id> [--from V] [--to V]`.

    Reuses reports already under reports/ and runs `nox -s claims` only for the
    versions the binary search needs.
    """
    from packaging.version import Version as V

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the machinery runs here, on the host
    from claimcheck.bisect import bisect as search
    from claimcheck.matrix import load_reports

    args = list(session.posargs)
    if not args or args[0].startswith("-"):
        session.error("usage: nox -s bisect -- <claim-id> [--from VERSION] [--to VERSION]")
    claim_id, options = args[0], dict(zip(args[1::2], args[2::2]))
    known = _versions()
    ordered = sorted(known, key=V)
    low = options.get("--from", ordered[0])
    high = options.get("--to", ordered[-1])
    for version in (low, high):
        if version not in known:
            session.error(f"torch {version} is not in {VERSIONS_FILE}")
    versions = [v for v in ordered if V(low) <= V(v) <= V(high)]

    def observe(version):
        def on_disk():
            loaded, _skipped = load_reports("reports")
            for _path, report in loaded:
                subject = report["environment"].get("subject_version") or ""
                if subject and V(V(subject).public) == V(version):
                    return {c["id"]: (c["verdict"], c["summary"]) for c in report["claims"]}
            return None

        found = on_disk()
        if found is None:
            session.log(f"torch {version}: no report on disk; running the claims")
            subprocess.call(
                [
                    "nox",
                    "--error-on-missing-interpreters",
                    "-s",
                    "claims",
                    "--force-python",
                    known[version]["python"],
                    "--",
                    "--torch",
                    version,
                ]
            )
            found = on_disk()
        else:
            session.log(f"torch {version}: report on disk")
        return found

    try:
        result = search(versions, claim_id, observe)
    except LookupError as exc:
        session.error(str(exc))
    looked = ", ".join(f"{v} {s[0]}" for v, s in sorted(result["checked"].items(), key=lambda p: V(p[0])))
    if not result["changed"]:
        session.log(
            "{}: {} at both {} and {} (looked at: {})".format(
                claim_id, result["verdict"][0], result["from"], result["to"], looked
            )
        )
        return
    session.log("{} changes between torch {} and {}:".format(claim_id, result["before"], result["after"]))
    session.log("  {}: {}: {}".format(result["before"], *result["verdict_before"]))
    session.log("  {}: {}: {}".format(result["after"], *result["verdict_after"]))
    session.log("looked at {} of {} versions: {}".format(len(result["checked"]), len(versions), looked))
