"""The controller half of the plugin: gather each check's result, decide whether the run is complete, write the report.

Runs in the process that writes (the only one, or the pytest-xdist
controller, which never imports the library under test). A run is complete
only when every check of every claim ran to its end; anything less (a check
deselected, a worker killed, Ctrl-C, SIGTERM, `-x`) writes `report.partial.*`
with what finished, and the complete report beside it stays as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from . import environment
from .atomic import write_all_atomically
from .finding import STATE_VARIABLE
from .model import AS_WRITTEN, REPLACEMENT, Check, Environment, ErrorInfo, HypothesisInfo, RunInfo, RunReport
from .recorder import OUTPUT_KEY, Recorder
from .registry import Registry
from .render import cheatsheet_md, report_md, terminal
from .report import build_report, check_from_phases, dumps
from .verdicts import ERROR

REPORT_STEMS = ("report", "cheatsheet")


def report_files(folder: str, partial: bool) -> dict[str, str]:
    """{kind: path} of one report's files: json, md, cheatsheet."""
    suffix = ".partial" if partial else ""
    return {
        "json": os.path.join(folder, f"report{suffix}.json"),
        "md": os.path.join(folder, f"report{suffix}.md"),
        "cheatsheet": os.path.join(folder, f"cheatsheet{suffix}.md"),
    }


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) reached the writing process: stop as Ctrl-C does, so the finished checks are written."""


class Writer:
    def __init__(
        self, config: pytest.Config, registry: Registry, profile: str, seed: str | None, recorder: Recorder
    ) -> None:
        self.config = config
        self.registry = registry
        self.profile = profile
        self.seed = seed
        self.recorder = recorder  # this process's: it collected, unless xdist workers did
        self.claims_dir = os.path.dirname(registry.path)
        self.phases: dict[str, list[dict[str, Any]]] = {}  # nodeid -> what each phase reported
        self.setup_at: dict[str, float] = {}  # nodeid -> when its setup report arrived
        self.broken_modules: dict[str, str] = {}  # path of a check module that failed to import -> why
        self.results: list[Check] = []
        self.started = time.time()
        self.worker_output: dict[str, Any] | None = None  # the first xdist worker's environment and collection
        self.report_path: str | None = None
        self.report: RunReport | None = None
        self.outcome_message: str | None = None
        self.terminated: str | None = None  # the signal that ended the run: SIGTERM, or SIGHUP (a closed terminal)
        self._previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGHUP):
                self._previous[number] = signal.signal(number, self._on_sigterm)

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        if self.terminated:  # a second signal: stop at once
            raise SystemExit(128 + signum)
        self.terminated = signal.Signals(signum).name
        raise Terminated(self.terminated)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        state = os.environ.pop(STATE_VARIABLE, None)
        if state and os.path.basename(state).startswith("claimcheck-state-"):
            shutil.rmtree(state, ignore_errors=True)
        for number, previous in self._previous.items():
            if previous is not None:
                signal.signal(number, previous)
        self._previous = {}

    # -- what the checks reported --------------------------------------------

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        # node ids are relative to rootdir, not to the working directory
        path = os.path.join(str(self.config.rootpath), report.nodeid.split("::")[0]) if report.nodeid else ""
        if report.failed and path.startswith(self.claims_dir + os.sep):
            self.broken_modules[path] = report.longreprtext[-1500:]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
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
            phases = self.phases.pop(report.nodeid)
            self.results.append(check_from_phases(report.nodeid, phases, self.registry.snippet_imports))

    def _crash(self, report: pytest.TestReport) -> dict[str, Any] | None:
        """The process running a started check died (pytest-xdist reports it with none of our data)."""
        started = self.phases.get(report.nodeid)
        if not started or not report.failed:
            return None
        elapsed = time.time() - self.setup_at.get(report.nodeid, time.time())
        inside = _statement_running(report.nodeid)
        if inside is not None:  # the subject itself killed the interpreter: a finding
            call, signal_text = inside
            return {
                "claim": started[0]["claim"],
                "role": started[0]["role"],
                "facet": started[0].get("facet"),
                "when": "call",
                "outcome": "failed",
                "duration": elapsed,
                "finding": True,
                "crashed": True,
                "error": {
                    "type": "crash",
                    "message": f"the interpreter died ({signal_text}) inside {call}",
                    "call": call,
                },
            }
        limit = _timeout(self.config)
        if limit and elapsed >= 0.9 * limit:  # the setup report reaches us a moment after setup ends
            cause = f"the check ran past its time limit of {limit} s and its worker was stopped"
        else:
            cause = (
                f"the process running the check died after {elapsed:.1f} s (a crash: segfault, abort, os._exit, "
                "a signal, or the out-of-memory killer)"
            )
        return {
            "claim": started[0]["claim"],
            "role": started[0]["role"],
            "when": "call",
            "outcome": "failed",
            "facet": started[0].get("facet"),
            "duration": elapsed,
            "finding": False,
            "crashed": True,
            "error": {"type": "crash", "message": f"{cause}: {report.longreprtext.strip()}"},
        }

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {}).get(OUTPUT_KEY)
        if output and self.worker_output is None:
            self.worker_output = output

    def _uncollected_results(self) -> list[Check]:
        """An error for every claim whose check module failed to import, named from its source."""
        found = []
        for path, why in sorted(self.broken_modules.items()):
            try:
                with open(path, encoding="utf-8") as handle:
                    source = handle.read()
            except OSError:
                continue
            # every claim the module names: its checks there did not run, whatever ran elsewhere
            for role, claim_id in re.findall(r"mark\.(claim|replacement)\(\s*[\"']([\w.]+)[\"']", source):
                if claim_id in self.registry:
                    found.append(
                        Check(
                            os.path.relpath(path, str(self.config.rootpath)),
                            claim_id,
                            AS_WRITTEN if role == "claim" else REPLACEMENT,
                            "error",
                            ERROR,
                            0.0,
                            error=ErrorInfo("collection", "the check module could not be imported: " + why),
                        )
                    )
        return found

    # -- completeness ---------------------------------------------------------

    def _not_run(self) -> dict[str, int]:
        """{claim id: how many of its collected checks did not run} in a partial run."""
        collection = self._collection() or {}
        ran = {r.nodeid for r in self.results}
        claim_of = collection.get("claim_of", {})  # from the process that collected (a worker, under xdist)
        missing: dict[str, int] = {}
        for nodeid in collection.get("bound", []):
            if nodeid not in ran and nodeid in claim_of:
                missing[claim_of[nodeid]] = missing.get(claim_of[nodeid], 0) + 1
        return missing

    def _collection(self) -> dict[str, Any] | None:
        if self.worker_output is not None:
            collection: dict[str, Any] | None = self.worker_output.get("collection")
            return collection
        return self.recorder.collection()

    def partial_reason(self, session: pytest.Session, exitstatus: int) -> str | None:
        """Why this run is not complete, in words; None when every check of every claim ran to its end."""
        reasons = []
        if self.terminated:
            reasons.append(f"terminated by {self.terminated}")
        elif int(exitstatus) == int(pytest.ExitCode.INTERRUPTED) or session.shouldstop:
            reasons.append("interrupted")
        if session.shouldfail:
            reasons.append(f"stopped early ({session.shouldfail})")
        if getattr(self.config.option, "benchmark_skip", False):
            reasons.append("--benchmark-skip: the checks that measure (the benchmark fixture's) were skipped")
        collection = self._collection()
        if collection is None:
            reasons.append("no process reported which checks it collected")
        else:
            deselected = collection["deselected"]
            if collection.get("filtered"):
                reasons.append(collection["filtered"])
            uncollected = collection.get("uncollected", [])
            if uncollected:
                more = f" and {len(uncollected) - 1} more" if len(uncollected) > 1 else ""
                why = "failed to import" if self.broken_modules else "was not collected (--ignore, or files named)"
                reasons.append(f"check module {uncollected[0]}{more} {why}: its checks did not run")
            if deselected:
                reasons.append(
                    f"{len(deselected)} of {len(collection['bound'])} checks deselected (-k, -m or another "
                    f"plugin), {deselected[0]} first"
                )
            ran = {r.nodeid for r in self.results}
            missing = sorted(set(collection["bound"]) - set(deselected) - ran)
            if missing and not reasons:
                reasons.append(f"{len(missing)} collected checks did not run, {missing[0]} first")
        crashed = sorted(r.nodeid for r in self.results if r.crashed)
        if crashed:
            more = f" and {len(crashed) - 1} more" if len(crashed) > 1 else ""
            reasons.append(f"the process running {crashed[0]}{more} died before the check ended")
        checked = {r.claim for r in self.results}
        if checked != {c.id for c in self.registry.claims}:
            stopped = (
                self.terminated
                or session.shouldstop
                or session.shouldfail
                or int(exitstatus) == int(pytest.ExitCode.INTERRUPTED)
            )
            words = "had a check finish before the stop" if stopped else "selected"
            reasons.append(f"{len(checked)} of {len(self.registry.claims)} claims {words}")
        return "; ".join(reasons) or None

    # -- writing --------------------------------------------------------------

    def _environment(self) -> Environment:
        """Described by a worker under xdist (the controller never imports the library); else by this process."""
        described = (self.worker_output or {}).get("environment") or environment.describe_for(self.config)
        return Environment.from_json(described)

    def _run_info(self, exitstatus: int, reason: str | None) -> RunInfo:
        from hypothesis import settings

        return RunInfo(
            started=datetime.fromtimestamp(self.started, timezone.utc).isoformat(timespec="seconds"),
            duration_s=round(time.time() - self.started, 2),
            checks=len(self.results),
            hypothesis=HypothesisInfo(
                self.profile,
                None if self.seed is None else int(self.seed),
                bool(settings().derandomize),
                settings().max_examples,
            ),
            timeout_s=_timeout(self.config),
            memory_limit_mb=self.config.getoption("claims_memory_limit"),
            workers=_workers(self.config),
            pytest_exit_status=int(exitstatus),
            argv=tuple(sys.argv[1:]),
            complete=reason is None,
            partial_reason=reason,
        )

    def reports_folder(self) -> str:
        return reports_folder(self.config)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.config.getoption("claims_no_report"):
            return
        self.results.extend(self._uncollected_results())
        if not self.results:
            collection = self._collection()
            if collection and collection["bound"]:  # checks were collected, none ran to the end
                self.outcome_message = "no check of a claim ran to its end, so no report was written"
            return
        reason = self.partial_reason(session, exitstatus)
        checked = {r.claim for r in self.results}
        run = self._run_info(exitstatus, reason)
        report = build_report(
            self.registry, self.results, self._environment(), run, checked if reason else None,
            self._not_run() if reason else None,
        )  # fmt: skip
        folder = os.path.join(self.reports_folder(), report.environment.name)
        files = report_files(folder, partial=reason is not None)
        try:
            write_all_atomically(
                {
                    files["json"]: dumps(report),
                    files["md"]: report_md.render(report),
                    files["cheatsheet"]: cheatsheet_md.render(report),
                }
            )
        except OSError as exc:
            self.outcome_message = (
                f"cannot write the report to {folder}: {exc.strerror or exc}; no report file there was changed. "
                "Choose a writable folder with --claims-reports DIR, or free disk space"
            )
            sys.stderr.write(f"claimcheck: {self.outcome_message}\n")
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
            return
        if reason is None:
            _remove_stale_partial(folder)
        self.report_path, self.report = files["json"], report
        self.config.hook.pytest_claimcheck_report_written(config=self.config, path=files["json"], report=report)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        tr = terminalreporter
        if self.report is None:
            if self.outcome_message:
                tr.section("claims")
                tr.write_line(self.outcome_message)
            return
        tr.section("claims")
        for line in terminal.act_lines(self.report):
            tr.write_line(line)
        tr.write_line("claims: " + terminal.counts_line(self.report.summary))
        if any(self.report.additions_summary.values()):
            tr.write_line("the suite's additions: " + terminal.counts_line(self.report.additions_summary))
        assert self.report_path is not None
        tr.write_line(written_message(self.report, self.report_path))


def written_message(report: RunReport, path: str) -> str:
    """What was written, truly: the partial files and the complete report left alone, or the complete report."""
    folder = os.path.dirname(path)
    if report.run.complete:
        return f"report: {os.path.relpath(path)} (with report.md and cheatsheet.md)"
    complete = report_files(folder, partial=False)["json"]
    kept = (
        f"the complete report {os.path.relpath(complete)} was left as it was"
        if os.path.exists(complete)
        else "there is no complete report for this environment yet"
    )
    return f"partial report: {os.path.relpath(path)} ({report.run.partial_reason}); {kept}"


def _remove_stale_partial(folder: str) -> None:
    """A complete report supersedes an older partial one of the same environment."""
    for path in report_files(folder, partial=True).values():
        try:
            os.unlink(path)
        except OSError:
            pass


def _statement_running(nodeid: str) -> tuple[str, str] | None:
    """(the call, the fatal error) when a process died inside `finding(call)` of check `nodeid`; else None.

    Each process notes the statement it runs in <state>/<pid>.statement and has
    faulthandler write a fatal signal to <state>/<pid>.fault (claimcheck.finding).
    """
    import glob
    import json

    folder = os.environ.get(STATE_VARIABLE)
    if not folder:
        return None
    for path in glob.glob(os.path.join(folder, "*.statement")):
        try:
            with open(path, encoding="utf-8") as handle:
                noted = json.load(handle)  # an empty file (no statement running) is not JSON
        except (OSError, ValueError):
            continue
        if noted.get("nodeid") != nodeid:
            continue
        fatal = "a fatal signal"
        try:
            with open(path[: -len(".statement")] + ".fault", encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if line.startswith("Timeout ("):  # the watchdog ended it: past its limit, not the statement
                        return None
                    if line.startswith("Fatal Python error:"):
                        fatal = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        return str(noted.get("call")), fatal
    return None


def _timeout(config: pytest.Config) -> float | None:
    """The per-check time limit in force (pytest-timeout's --timeout), if any."""
    try:
        value = config.getoption("timeout")
    except ValueError:  # pytest-timeout is not installed
        return None
    return float(value) if value else None


def _workers(config: pytest.Config) -> int:
    """How many processes ran checks: pytest-xdist workers, or 1 (this process)."""
    count = getattr(config.option, "numprocesses", None)
    return int(count) if isinstance(count, int) and count > 0 else 1


def reports_folder(config: pytest.Config) -> str:
    """Where the run's reports go: --claims-reports, else the claims_reports ini value under rootdir."""
    folder: str = config.getoption("claims_reports") or os.path.join(
        str(config.rootpath), config.getini("claims_reports")
    )
    return folder
