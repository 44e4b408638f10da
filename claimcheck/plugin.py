"""The pytest plugin: bind checks to claims, turn outcomes into verdicts, write the report.

Active only where the `claims_registry` ini option names a registry file.
pytest stays truthful (a broken claim is a failing test); the report is where
outcomes become verdicts.
"""

from __future__ import annotations

import difflib
import json
import os
import random
import re
import signal
import sys
import time
import warnings
from datetime import datetime, timezone

import pytest

from . import environment, evidence, profiles, warm
from .atomic import write_all_atomically
from .registry import Registry, RegistryError, load_registry
from .render_cheatsheet import render as render_cheatsheet
from .render_markdown import render, summary_line
from .report import build_report, dumps
from .results import AS_WRITTEN, REPLACEMENT, CheckResult
from .verdicts import BROKEN, ERROR, check_verdict

MARKERS = {
    "claim": "claim(id): this check tests the claim `id` as the document states it",
    "replacement": "replacement(id): this check tests the modern replacement recorded for claim `id`",
}
EVIDENCE_KEY = "claimcheck"


def pytest_addhooks(pluginmanager):
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser):
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


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
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
        raise pytest.UsageError(str(exc))
    limit = config.getoption("claims_memory_limit")
    if limit:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))
    profiles.register()
    from hypothesis import settings

    settings.load_profile("claims-" + profile)
    seed = None
    if not settings.default.derandomize:
        # Hypothesis's own option sets its global seed in its pytest_configure,
        # which runs after this one: choose a seed so the report can name it.
        seed = config.getoption("hypothesis_seed", default=None)
        if seed is None and hasattr(config.option, "hypothesis_seed"):
            seed = str(random.getrandbits(32))
            config.option.hypothesis_seed = seed
    config.pluginmanager.register(ClaimsRun(config, registry, profile, seed), "claimcheck-run")


def _marker_ids(item) -> list[tuple[str, str]]:
    found = []
    for role, name in ((AS_WRITTEN, "claim"), (REPLACEMENT, "replacement")):
        for mark in item.iter_markers(name=name):
            if len(mark.args) != 1 or mark.kwargs or not isinstance(mark.args[0], str):
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.{name} takes exactly one claim id, got {mark.args!r}"
                )
            found.append((role, mark.args[0]))
    return found


class ClaimsRun:
    def __init__(self, config, registry: Registry, profile: str, seed: str | None) -> None:
        self.config = config
        self.registry = registry
        self.profile = profile
        self.seed = seed
        self.claims_dir = os.path.dirname(registry.path)
        self.bindings: dict[str, tuple[str, str]] = {}  # nodeid -> (role, claim id)
        self.phases: dict[str, list[dict]] = {}  # nodeid -> what each phase reported
        self.setup_at: dict[str, float] = {}  # nodeid -> when its setup report arrived
        self.broken_modules: dict[str, str] = {}  # path of a check module that failed to import -> why
        self.results: list[CheckResult] = []
        self.is_worker = hasattr(config, "workerinput")  # a pytest-xdist worker reports, never writes
        self.started = time.time()
        self.report_path: str | None = None
        self.report: dict | None = None
        self.worker_environment: dict[str, object] | None = None  # described by a worker, under xdist

    # -- collection ---------------------------------------------------------

    def _is_check(self, item) -> bool:
        path = os.path.abspath(str(getattr(item, "path", getattr(item, "fspath", ""))))
        return path.startswith(self.claims_dir + os.sep)

    def _collected_every_file(self, items) -> bool:
        wanted = set()
        for folder, _dirs, files in os.walk(self.claims_dir):
            wanted.update(os.path.join(folder, f) for f in files if re.match(r"^test_.*\.py$", f))
        seen = {os.path.abspath(str(getattr(i, "path", getattr(i, "fspath", "")))) for i in items}
        return wanted <= seen

    def _bind(self, items) -> None:
        problems = []
        for item in items:
            if not self._is_check(item):
                continue
            ids = _marker_ids(item)
            if len(ids) != 1:
                problems.append(
                    "{} names {} claims; a check names exactly one with "
                    "@pytest.mark.claim('<id>') or @pytest.mark.replacement('<id>')".format(
                        item.nodeid, len(ids) or "no"
                    )
                )
                continue
            role, claim_id = ids[0]
            claim = self.registry.get(claim_id)
            if claim is None:
                close = difflib.get_close_matches(claim_id, [c.id for c in self.registry.claims], n=1)
                problems.append(
                    "{} names unknown claim '{}'{}; add it to {} or fix the marker".format(
                        item.nodeid, claim_id, f" (did you mean '{close[0]}'?)" if close else "", self.registry.path
                    )
                )
                continue
            if role == REPLACEMENT and not claim.replacement:
                problems.append(
                    f"{item.nodeid} is a replacement check, but claim '{claim_id}' in {self.registry.path} has no 'replacement' field"
                )
                continue
            self.bindings[item.nodeid] = (role, claim_id)
        if self._collected_every_file(items):
            bound = set(self.bindings.values())
            for claim in self.registry.claims:
                if (AS_WRITTEN, claim.id) not in bound:
                    problems.append(
                        f"claim '{claim.id}' in {self.registry.path} has no check; mark one with @pytest.mark.claim('{claim.id}')"
                    )
                if claim.replacement and (REPLACEMENT, claim.id) not in bound:
                    problems.append(
                        f"claim '{claim.id}' in {self.registry.path} has a replacement but no replacement check; mark one with "
                        f"@pytest.mark.replacement('{claim.id}')"
                    )
        if problems:
            raise pytest.UsageError("claim registry and checks disagree:\n  " + "\n  ".join(problems))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_modifyitems(self, session, config, items):
        self._bind(items)  # before any deselection: validate the whole collection
        yield

    def pytest_collectreport(self, report):
        # node ids are relative to rootdir, not to the working directory
        path = os.path.join(str(self.config.rootpath), report.nodeid.split("::")[0]) if report.nodeid else ""
        if report.failed and path.startswith(self.claims_dir + os.sep):
            self.broken_modules[path] = report.longreprtext[-1500:]

    def _uncollected_results(self) -> list[CheckResult]:
        """An error for every claim whose check module failed to import, named from its source."""
        checked = {r.claim for r in self.results}
        found = []
        for path, why in sorted(self.broken_modules.items()):
            try:
                with open(path, encoding="utf-8") as handle:
                    source = handle.read()
            except OSError:
                continue
            for role, claim_id in re.findall(r"mark\.(claim|replacement)\(\s*[\"']([\w.]+)[\"']", source):
                if claim_id in self.registry and claim_id not in checked:
                    found.append(
                        CheckResult(
                            os.path.relpath(path, str(self.config.rootpath)),
                            claim_id,
                            AS_WRITTEN if role == "claim" else REPLACEMENT,
                            "error",
                            ERROR,
                            0.0,
                            error={"type": "collection", "message": "the check module could not be imported: " + why},
                        )
                    )
        return found

    # -- running (in the process that runs the check: this one, or an xdist worker)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        if item.nodeid not in self.bindings:
            yield
            return
        # Record every warning of every example, whatever filters and
        # warn-once registries say, so a verdict never depends on test order.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        patterns = self.registry.deprecation_patterns
        item.stash[_WARNINGS] = [
            dict(evidence.warning_record(w), deprecation=evidence.is_subject_deprecation(w, patterns)) for w in caught
        ]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item):
        if item.nodeid in self.bindings:
            item.stash[_CHILDREN] = set(_children())
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item):
        yield
        if _CHILDREN not in item.stash:
            return
        helpers = set(warm.helper_pids())  # long-lived by design, stopped when this process ends
        left = {pid: cmd for pid, cmd in _children().items() if pid not in item.stash[_CHILDREN] and pid not in helpers}
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
        if left:
            raise RuntimeError(
                "the check left {} child process(es) running, now killed: {}".format(
                    len(left), "; ".join(f"pid {pid} ({cmd[:80]})" for pid, cmd in sorted(left.items()))
                )
            )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        if item.nodeid not in self.bindings:
            return
        report = outcome.get_result()
        role, claim_id = self.bindings[item.nodeid]
        # Plain JSON data on the report: it travels from an xdist worker to
        # the controller unchanged, and is all the controller needs.
        data = {
            "claim": claim_id,
            "role": role,
            "when": report.when,
            "outcome": report.outcome,
            "duration": getattr(report, "duration", 0.0) or 0.0,
        }
        if report.when == "call":
            data["warnings"] = evidence.unique(item.stash.get(_WARNINGS, []))
        if report.failed:
            exc = call.excinfo.value if call.excinfo else None
            if exc is not None:
                data["error"] = evidence.describe_exception(exc)
                data["finding"] = report.when == "call" and evidence.is_finding(exc)
                data["example"] = evidence.falsifying_example(exc, report.longreprtext)
            else:
                data["error"] = {"type": "error", "message": report.longreprtext[-1500:]}
        if report.skipped:
            data["skip_reason"] = _skip_reason(report)
        if report.when == "teardown":
            data["evidence"] = [value for key, value in item.user_properties if key == EVIDENCE_KEY]
        report.claimcheck = data

    # -- collecting results (in the process that writes the report)

    def pytest_runtest_logreport(self, report):
        data = getattr(report, "claimcheck", None)
        if data is None:
            data = self._crash(report)
            if data is None:
                return
        if data["when"] == "setup":
            self.setup_at[report.nodeid] = time.time()
        self.phases.setdefault(report.nodeid, []).append(data)
        if data["when"] == "teardown" or data.get("crashed"):
            self.setup_at.pop(report.nodeid, None)
            self.results.append(_result(report.nodeid, self.phases.pop(report.nodeid)))

    def _crash(self, report) -> dict | None:
        """The process running a started check died (pytest-xdist reports it with none of our data)."""
        started = self.phases.get(report.nodeid)
        if not started or not report.failed:
            return None
        elapsed = time.time() - self.setup_at.get(report.nodeid, time.time())
        limit = _timeout(self.config)
        if limit and elapsed >= 0.9 * limit:  # the setup report reaches us a moment after setup ends
            cause = f"the check ran past its time limit of {limit} s and its worker was stopped"
        else:
            cause = (
                f"the process running the check died after {elapsed:.1f} s (a crash: segfault, abort, os._exit, "
                "or the out-of-memory killer)"
            )
        return {
            "claim": started[0]["claim"],
            "role": started[0]["role"],
            "when": "call",
            "outcome": "failed",
            "duration": elapsed,
            "finding": False,
            "crashed": True,
            "error": {"type": "crash", "message": f"{cause}: {report.longreprtext.strip()}"},
        }

    # -- reporting ----------------------------------------------------------

    def _environment(self) -> dict[str, object]:
        """The environment as a process that runs checks describes it.

        Under xdist a worker describes it (the controller never imports the
        library under test); if none lived to say, the controller asks itself.
        """
        if self.worker_environment is not None:
            return dict(self.worker_environment)
        described = self.config.hook.pytest_claimcheck_environment(config=self.config) or {}
        extra = tuple(described.get("packages", ()))
        env = environment.describe(("numpy", "hypothesis", "pytest", *extra))
        name = described.get("name") or "python-" + environment.python_tag()[2:]
        env["name"] = re.sub(r"[^A-Za-z0-9._+-]", "_", name)
        env["subject"] = described.get("subject", {})
        env["subject_version"] = described.get("version")
        return env

    def _run_info(self, exitstatus, complete: bool, reason: str | None) -> dict[str, object]:
        from hypothesis import settings

        info = {
            "started": datetime.fromtimestamp(self.started, timezone.utc).isoformat(timespec="seconds"),
            "duration_s": round(time.time() - self.started, 2),
            "checks": len(self.results),
            "hypothesis": {
                "profile": self.profile,
                "seed": None if self.seed is None else int(self.seed),
                "derandomize": bool(settings.default.derandomize),
                "max_examples": settings.default.max_examples,
            },
            "timeout_s": _timeout(self.config),
            "memory_limit_mb": self.config.getoption("claims_memory_limit"),
            "workers": _workers(self.config),
            "pytest_exit_status": int(exitstatus),
            "argv": list(sys.argv[1:]),
            "complete": complete,
        }
        if reason:
            info["partial_reason"] = reason
        return info

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        described = getattr(node, "workeroutput", {}).get("claimcheck_environment")
        if described and self.worker_environment is None:
            self.worker_environment = described

    def pytest_sessionfinish(self, session, exitstatus):
        if self.is_worker:
            if not self.config.getoption("claims_no_report"):
                # plain JSON data only: anything else would kill the worker in transit
                self.config.workeroutput["claimcheck_environment"] = json.loads(
                    json.dumps(self._environment(), default=str)
                )
            return
        if self.config.getoption("claims_no_report"):
            return
        self.results.extend(self._uncollected_results())
        if not self.results:
            return
        checked = {r.claim for r in self.results}
        reason = None
        if checked != {c.id for c in self.registry.claims}:
            reason = f"{len(checked)} of {len(self.registry.claims)} claims selected"
        if session.shouldfail:
            reason = f"stopped early ({session.shouldfail})"
        if int(exitstatus) == int(pytest.ExitCode.INTERRUPTED) or session.shouldstop:
            reason = "interrupted"
        env = self._environment()
        only = checked if reason else None
        report = build_report(
            self.registry, self.results, env, self._run_info(exitstatus, not reason, reason), only=only
        )
        base = self.config.getoption("claims_reports") or os.path.join(
            str(self.config.rootpath), self.config.getini("claims_reports")
        )
        stem = "report.partial" if reason else "report"
        folder = os.path.join(base, env["name"])
        path = os.path.join(folder, stem + ".json")
        try:
            write_all_atomically(
                {
                    path: dumps(report),
                    os.path.join(folder, stem + ".md"): render(report),
                    os.path.join(folder, ("cheatsheet.partial" if reason else "cheatsheet") + ".md"): render_cheatsheet(
                        report
                    ),
                }
            )
        except OSError as exc:
            sys.stderr.write(
                f"claimcheck: cannot write the report to {folder}: {exc.strerror or exc}. Choose a writable folder with "
                "--claims-reports DIR.\n"
            )
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
            return
        self.report_path, self.report = path, report
        self.config.hook.pytest_claimcheck_report_written(config=self.config, path=path, report=report)

    def pytest_terminal_summary(self, terminalreporter):
        if self.report is None:
            return
        tr = terminalreporter
        tr.section("claims")
        for claim in self.report["claims"]:
            if claim["verdict"] in (BROKEN, ERROR, "deprecated"):
                tr.write_line("{:<10} {}: {}".format(claim["verdict"], claim["id"], claim["summary"][:160]))
        tr.write_line(summary_line(self.report["summary"]))
        tr.write_line(f"report: {os.path.relpath(self.report_path)}")


_WARNINGS = pytest.StashKey()
_CHILDREN = pytest.StashKey()


def _timeout(config) -> float | None:
    """The per-check time limit in force (pytest-timeout's --timeout), if any."""
    try:
        value = config.getoption("timeout")
    except ValueError:  # pytest-timeout is not installed
        return None
    return float(value) if value else None


def _children() -> dict[int, str]:
    """Live child processes of this process, {pid: command line} (Linux /proc; empty elsewhere)."""
    found = {}
    me = str(os.getpid())
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if fields[1] == me and fields[0] != "Z":
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    found[int(entry)] = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError):
            continue
    return found


def _result(nodeid: str, phases: list[dict]) -> CheckResult:
    """One check's result from what its phases reported."""
    by_phase = {p["when"]: p for p in phases}
    outcomes = {when: p["outcome"] for when, p in by_phase.items()}
    call = by_phase.get("call", {})
    failed = next((p for p in phases if p["outcome"] == "failed"), {})
    warned = call.get("warnings", [])
    deprecations = [{k: w[k] for k in ("category", "message")} for w in warned if w["deprecation"]]
    others = [{k: w[k] for k in ("category", "message")} for w in warned if not w["deprecation"]]
    verdict = check_verdict(
        outcomes.get("setup", "failed"),
        outcomes.get("call"),
        outcomes.get("teardown"),
        bool(call.get("finding")),
        bool(deprecations),
    )
    error = failed.get("error")
    if verdict == ERROR and error is None:
        error = {"type": "error", "message": "the check did not complete"}
    example = failed.get("example")
    records = by_phase.get("teardown", {}).get("evidence", [])
    outcome = outcomes.get("call") or ("skipped" if outcomes.get("setup") == "skipped" else "error")
    if outcomes.get("teardown") == "failed":
        outcome = "error"
    first = phases[0]
    return CheckResult(
        nodeid,
        first["claim"],
        first["role"],
        outcome,
        verdict,
        sum(p["duration"] for p in phases),
        error=error,
        example=example,
        snippet=evidence.snippet(example, error or {}),
        skip_reason=next((p["skip_reason"] for p in phases if p.get("skip_reason")), None),
        deprecations=deprecations,
        warnings=others,
        notes=list(dict.fromkeys(r["text"] for r in records if r["kind"] == "note")),
        measurements=[{k: v for k, v in r.items() if k != "kind"} for r in records if r["kind"] == "measurement"],
    )


def _workers(config) -> int:
    """How many processes ran checks: pytest-xdist workers, or 1 (this process)."""
    count = getattr(config.option, "numprocesses", None)
    return int(count) if isinstance(count, int) and count > 0 else 1


def _skip_reason(report) -> str | None:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).replace("Skipped: ", "", 1)
    return str(longrepr) if longrepr else None


class Evidence:
    """What a check records beyond pass or fail: notes and measured figures."""

    def __init__(self, node) -> None:
        self._node = node

    def __repr__(self) -> str:  # printed with an explicit example's arguments: no address
        return "evidence"

    def _add(self, record: dict) -> None:
        entry = (EVIDENCE_KEY, record)
        if entry not in self._node.user_properties:  # a Hypothesis check records once per example
            self._node.user_properties.append(entry)

    def note(self, text: str) -> None:
        self._add({"kind": "note", "text": evidence.strip_ansi(str(text))})

    def measure(
        self,
        name: str,
        value,
        unit: str,
        detail: str | None = None,
        iqr: float | None = None,
        rounds: int | None = None,
    ) -> None:
        """A figure measured in this run; `unit` is required ("bytes", "s", "ratio").

        A timing gives its median as `value`, with its interquartile range and
        number of rounds.
        """
        if not unit:
            raise ValueError(f"measurement {name!r} needs a unit")
        record = {"kind": "measurement", "name": name, "value": value, "unit": unit}
        if detail:
            record["detail"] = detail
        if iqr is not None:
            record["iqr"] = iqr
        if rounds is not None:
            record["rounds"] = int(rounds)
        self._add(record)


@pytest.fixture(name="evidence")
def evidence_fixture(request) -> Evidence:
    """Record notes and measurements that go into the claim's evidence."""
    return Evidence(request.node)
