"""The worker half of the plugin: bind checks to claims, and record what each check's phases saw.

Runs in every process that runs checks (this one, or each pytest-xdist
worker). It writes nothing: what it records travels as plain JSON data on
pytest's reports (`report.claimcheck`) and, at the end, in the worker's
`workeroutput`, to the writer (claimcheck.writer).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import re
import signal
from typing import Any, Callable, Dict, Sequence, Set

import pytest

from . import attribution, environment, evidence, pristine, warm
from .finding import STATE_VARIABLE, current_check
from .model import AS_WRITTEN, REPLACEMENT
from .registry import Registry
from .verdicts import check_verdict

EVIDENCE_KEY = "claimcheck"
#: The facet of a check that names none: the claim's whole domain.
WHOLE = "all"
#: What a worker leaves in its workeroutput for the writer.
OUTPUT_KEY = "claimcheck"

_WARNINGS = pytest.StashKey[Sequence[Dict[str, Any]]]()
_CHILDREN = pytest.StashKey[Set[int]]()
# The phases of a check so far, for the verdict its teardown report carries to --junitxml.
_PHASES = pytest.StashKey[Dict[str, Any]]()


def _marker_ids(item: pytest.Item) -> list[tuple[str, str]]:
    found = []
    for role, name in ((AS_WRITTEN, "claim"), (REPLACEMENT, "replacement")):
        for mark in item.iter_markers(name=name):
            if len(mark.args) != 1 or mark.kwargs or not isinstance(mark.args[0], str):
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.{name} takes exactly one claim id, got {mark.args!r}"
                )
            found.append((role, mark.args[0]))
    return found


def item_path(item: Any) -> str:
    return os.path.abspath(str(getattr(item, "path", getattr(item, "fspath", ""))))


class Recorder:
    """Binds collected checks to claims and records their phases, warnings, evidence and child processes."""

    def __init__(self, config: pytest.Config, registry: Registry) -> None:
        self.config = config
        self.registry = registry
        self.claims_dir = os.path.dirname(registry.path)
        self.bindings: dict[str, tuple[str, str]] = {}  # nodeid -> (role, claim id)
        self.facets: dict[str, str] = {}  # nodeid -> the facet its check covers
        self.deselected: set[str] = set()  # bound checks that -k, -m or another plugin deselected
        self.collected = False
        self.uncollected: list[str] = []  # check modules of the tree that gave no check (see _uncollected_files)
        self._fault_log: Any = None
        self._children_after_last_check: set[int] | None = None
        self._places: attribution.Places | None = None
        self._template: pristine.Template | None = None  # see warnings_once

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """A crash of this process leaves its signal and traceback in the state folder, for the writer to read.

        Here, not at configure: pytest's own faulthandler plugin enables itself
        (on stderr) at configure, after this plugin, and would take the place.
        """
        folder = os.environ.get(STATE_VARIABLE)
        if folder and os.path.isdir(folder):
            import faulthandler

            self._fault_log = open(os.path.join(folder, f"{os.getpid()}.fault"), "w")  # noqa: SIM115 (closed at unconfigure)
            faulthandler.enable(file=self._fault_log)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self._template is not None:
            self._template.close()
            self._template = None
        if self._fault_log is not None:
            import faulthandler

            faulthandler.disable()
            self._fault_log.close()
            self._fault_log = None
        # The interpreter's last collections walk every object torch, Hypothesis
        # and the checks made (0.5 s after `import torch` alone, 1.1 s after an
        # ONNX export, each worker, measured): the run is over, so they are
        # spared. Destructors and atexit handlers still run; only cycles that
        # would die with the process anyway are left to it.
        atexit.register(gc.freeze)

    # -- collection ---------------------------------------------------------

    def _is_check(self, item: pytest.Item) -> bool:
        return item_path(item).startswith(self.claims_dir + os.sep)

    def _uncollected_files(self, items: list[pytest.Item]) -> list[str]:
        """The check modules of the claims tree that gave no check to this collection (one that failed to
        import, an --ignore, or files named on the command line leave them out)."""
        wanted: set[str] = set()
        for folder, _dirs, files in os.walk(self.claims_dir):
            wanted.update(os.path.join(folder, f) for f in files if re.match(r"^test_.*\.py$", f))
        root = str(self.config.rootpath)
        return sorted(os.path.relpath(p, root) for p in wanted - {item_path(i) for i in items})

    def _collected_every_file(self, items: list[pytest.Item]) -> bool:
        return not self._uncollected_files(items)

    def _problems(self, items: list[pytest.Item]) -> list[str]:
        problems = []
        path = self.registry.path
        for item in items:
            if not self._is_check(item):
                continue
            ids = _marker_ids(item)
            if len(ids) != 1:
                problems.append(
                    f"{item.nodeid} names {len(ids) or 'no'} claims; a check names exactly one with "
                    "@pytest.mark.claim('<id>') or @pytest.mark.replacement('<id>')"
                )
                continue
            role, claim_id = ids[0]
            claim = self.registry.get(claim_id)
            if claim is None:
                hint = self.registry.did_you_mean(claim_id)
                problems.append(
                    f"{item.nodeid} names unknown claim '{claim_id}'{hint}; add it to {path} or fix the marker"
                )
                continue
            if role == REPLACEMENT and not claim.replacement:
                problems.append(
                    f"{item.nodeid} is a replacement check, but claim '{claim_id}' in {path} has no 'replacement' field"
                )
                continue
            self.bindings[item.nodeid] = (role, claim_id)
            facets = [m.args[0] for m in item.iter_markers(name="facet") if len(m.args) == 1]
            if len(set(facets)) > 1 or any(not isinstance(f, str) or not f.strip() for f in facets):
                problems.append(
                    f"{item.nodeid} names facets {facets!r}; a check covers one facet: @pytest.mark.facet('<name>')"
                )
                continue
            self.facets[item.nodeid] = facets[0] if facets else WHOLE
        if self._collected_every_file(items) and not self._filtered_at_collection():
            bound = set(self.bindings.values())
            checked = {
                (claim_id, self.facets[n]) for n, (role, claim_id) in self.bindings.items() if role == AS_WRITTEN
            }
            for claim in self.registry.claims:
                for facet, _why in claim.beyond:
                    if (claim.id, facet) not in checked:
                        problems.append(
                            f"claim '{claim.id}' in {path} puts facet '{facet}' beyond its scope, but no check of the "
                            f"claim covers that facet; fix the name or mark a check with @pytest.mark.facet('{facet}')"
                        )
            for claim in self.registry.claims:
                if (AS_WRITTEN, claim.id) not in bound:
                    problems.append(
                        f"claim '{claim.id}' in {path} has no check; mark one with @pytest.mark.claim('{claim.id}')"
                    )
                if claim.replacement and (REPLACEMENT, claim.id) not in bound:
                    problems.append(
                        f"claim '{claim.id}' in {path} has a replacement but no replacement check; mark one with "
                        f"@pytest.mark.replacement('{claim.id}')"
                    )
        return problems

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]):
        problems = self._problems(items)  # before any deselection: validate the whole collection
        if problems:
            raise pytest.UsageError("claim registry and checks disagree:\n  " + "\n  ".join(problems))
        self.uncollected = self._uncollected_files(items)
        self._select(config, items)
        yield
        self.collected = True
        # What is alive now (torch, numpy, Hypothesis, the collected checks) lives
        # to the end: kept out of the collector's full passes, which the checks'
        # allocations start hundreds of times and which walked all of it each time.
        gc.freeze()

    def _select(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """--claims-select ID (repeatable): only the checks of those claims (their replacements included) run."""
        wanted = config.getoption("claims_select") or []  # known ids: the plugin checked them at configure
        if not wanted:
            return
        keep = [i for i in items if i.nodeid not in self.bindings or self.bindings[i.nodeid][1] in wanted]
        dropped = [i for i in items if i not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected.update(i.nodeid for i in items if i.nodeid in self.bindings)

    def _filtered_at_collection(self) -> str | None:
        """Why checks may be missing from the collection without a deselection, or None.

        --lf (pytest's last-failed plugin) drops the checks that passed last
        time while it collects, and tells no one: a run under it checks part
        of a claim's facets and can never be complete.
        """
        last_failed = self.config.pluginmanager.get_plugin("lfplugin")
        if (
            last_failed is None
            or not getattr(last_failed, "active", False)
            or not getattr(last_failed, "lastfailed", None)
        ):
            return None
        # an outdated cache (none of its failures collected) runs everything: a whole run, not a filtered one
        # (pytest's own state: files skipped, checks of a module dropped while collecting, failures rerun)
        skipped_files = getattr(last_failed, "_skipped_files", 0)
        wrapper = self.config.pluginmanager.get_plugin("lfplugin-collwrapper")
        dropped = getattr(wrapper, "_collected_at_least_one_failure", False)
        rerun = getattr(last_failed, "_previously_failed_count", None)  # known once the collection is done
        if skipped_files or dropped or (rerun and self.config.getoption("lf")):
            return "--lf: only the checks that failed last time were collected"
        return None

    def collection(self) -> dict[str, Any] | None:
        """The bound checks, those deselected, and what filtered the collection, as plain data; None before it ended."""
        if not self.collected:
            return None
        data: dict[str, Any] = {
            "bound": sorted(self.bindings),
            "claim_of": {nodeid: claim_id for nodeid, (_role, claim_id) in self.bindings.items()},
            "deselected": sorted(self.deselected),
        }
        filtered = self._filtered_at_collection()
        if filtered:
            data["filtered"] = filtered
        if self.uncollected:
            data["uncollected"] = self.uncollected
        return data

    # -- running ------------------------------------------------------------

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        if item.nodeid not in self.bindings:
            yield
            return
        # Record every warning of every example, whatever filters and
        # warn-once registries say, so a verdict never depends on test order.
        with attribution.recording() as raised:
            yield
        records = self._warning_records(raised)
        if self._template is not None and not any(r["deprecation"] for r in records) and _once_eligible(item):
            # warn-once warnings another check may have used up: looked for where nothing ran before
            fresh = [r for r in self._template.warnings_of(item.nodeid) or [] if r.get("deprecation")]
            if fresh:
                records.extend(fresh)
                note = "deprecation seen where no check ran before (this subject shows it once per process): "
                Evidence(item).note(note + "; ".join(r["message"] for r in evidence.unique(fresh)))
        item.stash[_WARNINGS] = records

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not self.config.stash.get(_WARN_ONCE, None) or not session.items:
            return
        checks = [item for item in session.items if item.nodeid in self.bindings and _once_eligible(item)]
        if checks:
            self._template = pristine.Template(checks, self._run_in_template)

    def _run_in_template(self, item: pytest.Item) -> list[dict[str, Any]]:
        """In the template's child: the check's whole protocol, unreported; what it recorded."""
        from _pytest.runner import runtestprotocol

        self._template = None
        runtestprotocol(item, nextitem=None, log=False)
        records: Sequence[dict[str, Any]] = item.stash.get(_WARNINGS, ())
        return list(records)

    def _warning_records(self, raised: Sequence[attribution.Raised]) -> list[dict[str, Any]]:
        """Each warning as plain data, with whether it deprecates the statement (see attribution.py)."""
        if self._places is None:
            self._places = attribution.Places(self.registry.subject)
        patterns = self.registry.deprecation_patterns
        return [
            dict(
                evidence.warning_record(r.message),
                deprecation=attribution.about_the_statement(r, self._places, patterns),
            )
            for r in raised
        ]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item):
        if item.nodeid in self.bindings:
            # The children left by the last check's teardown, after it killed its
            # leftovers (nothing starts a process between two checks), or a scan.
            known = self._children_after_last_check
            item.stash[_CHILDREN] = set(_children()) if known is None else known
        current_check["nodeid"] = item.nodeid
        self._watch(item)
        yield

    def _watch(self, item: pytest.Item) -> None:
        """In an xdist worker, a watchdog that needs no GIL: a check stuck in C code that holds it (a
        catastrophic regular expression) never lets pytest-timeout's thread run, so faulthandler's own
        thread dumps the stacks into the fault log and ends the worker, a while after the time limit; the
        writer reports the check as past its limit. The controller is never ended this way."""
        if self._fault_log is None or not hasattr(self.config, "workerinput") or item.nodeid not in self.bindings:
            return
        try:
            limit = float(self.config.getoption("timeout") or 0)
        except ValueError:  # pytest-timeout is not installed
            return
        if limit > 0:
            import faulthandler

            faulthandler.dump_traceback_later(
                limit * WATCHDOG_FACTOR + WATCHDOG_GRACE_S, exit=True, file=self._fault_log
            )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item):
        yield
        if self._fault_log is not None:
            import faulthandler

            faulthandler.cancel_dump_traceback_later()
        if _CHILDREN not in item.stash:
            return
        helpers = set(warm.helper_pids())  # long-lived by design, stopped when this process ends
        before = item.stash[_CHILDREN]
        now = _children()
        left = {pid: cmd for pid, cmd in now.items() if pid not in before and pid not in helpers}
        self._children_after_last_check = set(now) - set(left)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
        if left:
            listed = "; ".join(f"pid {pid} ({cmd[:80]})" for pid, cmd in sorted(left.items()))
            raise RuntimeError(f"the check left {len(left)} child process(es) running, now killed: {listed}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]):
        outcome = yield
        if item.nodeid not in self.bindings:
            return
        report = outcome.get_result()
        role, claim_id = self.bindings[item.nodeid]
        # Plain JSON data on the report: it travels from an xdist worker to
        # the controller unchanged, and is all the writer needs.
        data: dict[str, Any] = {
            "claim": claim_id,
            "role": role,
            "facet": self.facets.get(item.nodeid, WHOLE),
            "when": report.when,
            "outcome": report.outcome,
            "duration": getattr(report, "duration", 0.0) or 0.0,
        }
        if report.when == "call":
            data["warnings"] = evidence.unique(item.stash.get(_WARNINGS, []))
            untried = self._untried_forms(item, role, claim_id) if report.passed else []
            if untried:
                # a claim that something is impossible holds only when every documented form was tried
                report.outcome = "failed"
                report.longrepr = "the check never tried {} listed for this release in {}".format(
                    ", ".join(untried), self.registry.path
                )
                data["outcome"] = "failed"
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
        self._carry_verdict(item, report, data)
        if self._limit_as_expected_failure(report, data):
            item.stash.setdefault(_PHASES, {})["limit"] = True
        # --junitxml writes each property's value with str(): evidence records as JSON, not Python's printout
        report.user_properties = [
            (key, value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str))
            for key, value in report.user_properties
        ]

    def _limit_as_expected_failure(self, report: pytest.TestReport, data: dict[str, Any]) -> bool:
        """A finding in a facet beyond the statement's scope is a limit, never a failure of the claim: pytest
        reports it as an expected failure (xfail, with the facet and why), and the report keeps its evidence."""
        claim = self.registry.get(data["claim"])
        why = claim.why_beyond(data["facet"]) if claim is not None and data["role"] == AS_WRITTEN else None
        if why is None or report.when != "call" or not report.failed or not data.get("finding"):
            return False
        report.outcome = "skipped"
        report.wasxfail = f"limit beyond the statement's scope, facet {data['facet']!r}: {why}"
        return True

    def _untried_forms(self, item: pytest.Item, role: str, claim_id: str) -> list[str]:
        """The supported forms the registry lists for this release that the check did not name as tried."""
        claim = self.registry.get(claim_id)
        if role != AS_WRITTEN or claim is None or not claim.forms:
            return []
        version = environment.package_version(self.registry.subject) if self.registry.subject else None
        tried = {r.get("form") for key, r in item.user_properties if key == EVIDENCE_KEY and isinstance(r, dict)}
        return [f"the form {f.text!r} ({f.source})" for f in claim.forms_for(version) if f.text not in tried]

    @staticmethod
    def _carry_verdict(item: pytest.Item, report: pytest.TestReport, data: dict[str, Any]) -> None:
        """The check's verdict as properties of its teardown report, which --junitxml writes with the test.

        pytest's own outcome already says most of it (broken: a failure;
        not-run: a skip); the properties say which claim and facet, the verdict
        itself (a deprecated check passes), and the deprecation's text.
        """
        phases = item.stash.setdefault(_PHASES, {})
        phases[report.when] = data["outcome"]
        if report.when == "call":
            phases["finding"] = bool(data.get("finding"))
            phases["deprecations"] = [w["message"] for w in data.get("warnings", []) if w.get("deprecation")]
        if report.when != "teardown":
            return
        verdict = check_verdict(
            phases.get("setup", "passed"),
            phases.get("call"),
            phases.get("teardown"),
            phases.get("finding", False),
            bool(phases.get("deprecations")),
        )
        report.user_properties.extend(
            [("claim", data["claim"]), ("claim_role", data["role"]), ("facet", data["facet"]), ("verdict", verdict)]
        )
        if phases.get("limit"):
            report.user_properties.append(("scope", "beyond: a limit, never the claim's verdict"))
        report.user_properties.extend(("deprecation", text) for text in phases.get("deprecations", [])[:3])

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """In an xdist worker: hand the environment and the collection to the controller."""
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is None or self.config.getoption("claims_no_report"):
            return
        # plain JSON data only: anything else would kill the worker in transit
        workeroutput[OUTPUT_KEY] = json.loads(
            json.dumps(
                {"environment": environment.describe_for(self.config), "collection": self.collection()}, default=str
            )
        )


#: The watchdog of a check (Recorder._watch) fires this long after its time limit, which pytest-timeout enforces
#: first wherever it can.
WATCHDOG_FACTOR, WATCHDOG_GRACE_S = 1.2, 5.0

_WARN_ONCE = pytest.StashKey[Callable[[pytest.Item], bool]]()


def warnings_once(config: pytest.Config, eligible: Callable[[pytest.Item], bool] = lambda item: True) -> None:
    """Say that the subject shows some warnings only once per process, with no way to ask for all of them.

    Each eligible check that saw no deprecation then runs again, with a few
    examples, in a child of a process forked before any check ran (see
    claimcheck.pristine), and the deprecations it sees there count as its own.
    Checks that run their statement in fresh processes anyway need not be eligible.
    """
    config.stash[_WARN_ONCE] = eligible


def _once_eligible(item: pytest.Item) -> bool:
    eligible = item.config.stash.get(_WARN_ONCE, None)
    return bool(eligible and eligible(item))


def _children() -> dict[int, str]:
    """Live child processes of this process, {pid: command line} (Linux /proc; empty elsewhere)."""
    found: dict[int, str] = {}
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


def _skip_reason(report: pytest.TestReport) -> str | None:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).replace("Skipped: ", "", 1)
    return str(longrepr) if longrepr else None


class Evidence:
    """What a check records beyond pass or fail: notes and measured figures (the `evidence` fixture)."""

    def __init__(self, node: Any) -> None:
        self._node = node

    def __repr__(self) -> str:  # printed with an explicit example's arguments: no address
        return "evidence"

    def _add(self, record: dict[str, Any]) -> None:
        entry = (EVIDENCE_KEY, record)
        if entry not in self._node.user_properties:  # a Hypothesis check records once per example
            self._node.user_properties.append(entry)

    def note(self, text: str) -> None:
        self._add({"kind": "note", "text": evidence.strip_ansi(str(text))})

    def tried(self, form: str, outcome: str) -> None:
        """One supported form (of the claim's `forms` in the registry) was tried, with what happened.

        A claim that something is impossible holds only when its check named every form the
        registry lists for the release under test; the outcome is a note of the evidence.
        """
        self._add({"kind": "note", "text": evidence.strip_ansi(f"{form}: {outcome}"), "form": form})

    def measure(
        self,
        name: str,
        value: Any,
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
        record: dict[str, Any] = {"kind": "measurement", "name": name, "value": value, "unit": unit}
        if detail:
            record["detail"] = detail
        if iqr is not None:
            record["iqr"] = iqr
        if rounds is not None:
            record["rounds"] = int(rounds)
        self._add(record)


@pytest.fixture(name="evidence")
def evidence_fixture(request: pytest.FixtureRequest) -> Evidence:
    """Record notes and measurements that go into the claim's evidence."""
    return Evidence(request.node)
