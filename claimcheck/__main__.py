"""Command line: `python -m claimcheck run|expect|render|summary|merge|bisect|diff|speed`.

run      run pytest on the claims (arguments pass through; --standard adds
         the project's standard ones), then print the summary and the
         report path; exit 0 when a complete report was written, no check
         failed to run (verdict `error`) and, with --expectations FILE,
         every verdict is the one expected.
expect   compare every report on disk with the expectations file; --update
         rewrites the file from what the reports observed.
render   write report.md and cheatsheet.md again from a report.json.
summary  print a report's one-line summary and its broken, deprecated and
         error claims.
merge    merge reports/*/report.json into reports/compatibility.{json,md,html}
         (and, with --heatmap, compatibility.png).
bisect   the first version where a claim's (or a facet's) verdict changes,
         from the reports on disk; --run-missing runs the claims (through
         nox) for versions the search needs and has no report of.
diff     what changed between two versions of the subject, claim by claim
         and facet by facet, with the evidence on both sides (from the
         reports on disk): what to read before moving torch.
replay   at a Python, Hypothesis or numpy boundary between two versions, run
         each changed facet's counterexample on the other side, into
         reports/replays.json (the matrix does it; the merge reads it).
speed    time a claims run against `python -c "import <subject>"` in the same
         environment, and write speed.json beside that environment's report.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from typing import Any, Sequence

from .atomic import write_all_atomically, write_atomically
from .expectations import Expectations
from .matrix import Loaded
from .model import RunReport, Skipped
from .reading import ReportError, read_report
from .variants import Variant
from .variants import parse as parse_variant
from .verdicts import ERROR


class _ReportCatcher:
    def __init__(self) -> None:
        self.path: str | None = None
        self.report: RunReport | None = None

    def pytest_claimcheck_report_written(self, config: Any, path: str, report: RunReport) -> None:
        self.path, self.report = path, report


def _print_summary(report: RunReport, path: str, acts: bool = True) -> None:
    """The verdicts' counts, the claims to act on (unless the run's own closing lines listed them), the report."""
    from .render import terminal

    print(f"claims: {terminal.counts_line(report.summary)} ({report.environment.name})")
    if acts:
        for line in terminal.act_lines(report):
            print("  " + line)
    print(f"report: {os.path.relpath(path)}")


def _siblings(path: str) -> tuple[Any, list[str]]:
    """The registry and the checked versions beside an expectations file, where they exist."""
    from .registry import load_registry
    from .tomlfile import read_toml

    folder = os.path.dirname(os.path.abspath(path))
    registry_path = os.path.join(folder, "claims.toml")
    versions_path = os.path.join(folder, "versions.toml")
    registry = load_registry(registry_path) if os.path.exists(registry_path) else None
    versions: list[str] = []
    if os.path.exists(versions_path):
        from .expectations import ExpectationsError

        table = read_toml(versions_path, "the versions file", ExpectationsError).get("torch", [])
        versions = [str(e["version"]) for e in table if isinstance(e, dict) and "version" in e]
    return registry, versions


def _load_expectations(path: str) -> Expectations | None:
    """The expectations, checked against the registry and versions beside them; None after saying why not."""
    from .expectations import ExpectationsError, load
    from .registry import RegistryError

    try:
        registry, versions = _siblings(path)
        return load(path, registry, versions)
    except (ExpectationsError, RegistryError) as exc:
        print(f"claimcheck: {exc}", file=sys.stderr)
        return None


def _print_news(news: list[str]) -> None:
    for line in news:
        print("  CHANGED  " + line)


def _gate(expectations: Expectations, expectations_path: str, report: RunReport) -> int:
    """Print every verdict that differs from the expectation; 1 if any does."""
    from .expectations import compare

    news = compare(expectations, report)
    _print_news(news)
    if news:
        print(
            f"claimcheck: {len(news)} verdict(s) differ from {expectations_path}: a claim changed, or a check "
            "did. Review, then `python -m claimcheck expect --update` and commit the diff.",
            file=sys.stderr,
        )
        return 1
    print(f"expectations: all {len(report.claims)} verdicts as expected ({expectations_path})")
    return 0


def run(
    pytest_args: list[str],
    expectations: str | None = None,
    benchmarks_json: bool = False,
    variants: Sequence[str] = (),
    variant_checks: Sequence[str] = (),
    variant_args: Sequence[str] = (),
) -> int:
    try:
        parsed = [parse_variant(v) for v in variants]
    except ValueError as exc:
        print(f"claimcheck: {exc}", file=sys.stderr)
        return 2
    if parsed and not variant_checks:
        print("claimcheck: --variant needs --variant-checks PATH (the checks to run again)", file=sys.stderr)
        return 2
    if not benchmarks_json:
        status, report, path = _run(pytest_args, expectations)
        if parsed and report is not None and path is not None:
            _run_variants(report, path, parsed, variant_checks, variant_args)
        return status
    # pytest-benchmark's JSON goes beside the report once the run is complete, never half-written
    import tempfile

    with tempfile.TemporaryDirectory(prefix="claimcheck-") as scratch:
        timings = os.path.join(scratch, "benchmarks.json")
        status, report, report_path = _run([*pytest_args, "--benchmark-json", timings], expectations)
        if report and report_path and report.run.complete and os.path.exists(timings) and os.path.getsize(timings):
            with open(timings, encoding="utf-8") as source:
                target = os.path.join(os.path.dirname(report_path), "benchmarks.json")
                write_atomically(target, source.read())
            print(f"benchmarks: {os.path.relpath(target)}")
        else:
            print("claimcheck: no complete run, so no benchmarks.json was written", file=sys.stderr)
        if parsed and report is not None and report_path is not None:
            _run_variants(report, report_path, parsed, variant_checks, variant_args)
        return status


def _run_variants(
    report: RunReport, path: str, variants: Sequence[Variant], checks: Sequence[str], pytest_args: Sequence[str]
) -> None:
    """Run `checks` again under each variant and rewrite the report with every facet's verdicts side by side."""
    from . import variants as variation
    from .render import cheatsheet_md, report_md
    from .report import dumps
    from .writer import report_files

    if not report.run.complete:
        print("claimcheck: the run is partial, so no variant ran", file=sys.stderr)
        return
    report = dataclasses.replace(
        report, run=dataclasses.replace(report.run, main_setting=variation.main_setting(variants))
    )
    for variant in variants:
        print(f"variant {variant.name} ({variant.setting}): running {' '.join(checks)} again")
        other, problem = variation.run(variant, checks, pytest_args)
        if other is None:
            print(f"claimcheck: variant {variant.name}: {problem}; the report keeps the main run only", file=sys.stderr)
            continue
        report = variation.attach(report, f"main run ({report.run.main_setting})", variant, other)
    differ = [(c.id, f) for c in report.claims for f in c.facets if variation.differing(f)]
    for claim_id, facet in differ:
        runs = "; ".join(f"{v.name}: {v.verdict}" for v in facet.variants)
        print(f"  differs by variant: {claim_id} [{facet.name}]: {runs}")
    if not differ:
        print("variants: every facet they ran has the main run's verdict")
    names = report_files(os.path.dirname(path), partial=False)
    write_all_atomically(
        {
            names["json"]: dumps(report),
            names["md"]: report_md.render(report),
            names["cheatsheet"]: cheatsheet_md.render(report),
        }
    )


def _run(pytest_args: list[str], expectations: str | None) -> tuple[int, RunReport | None, str | None]:
    """One claims run: (exit status, the report or None, its path or None)."""
    import pytest

    loaded = None
    if expectations:  # a malformed file stops us before the run, not after it
        loaded = _load_expectations(expectations)
        if loaded is None:
            return 2, None, None
    catcher = _ReportCatcher()
    status = pytest.main(pytest_args, plugins=[catcher])
    report, path = catcher.report, catcher.path
    if report is None or path is None:
        print(
            f"claimcheck: pytest exited with {int(status)} and wrote no report; see its output above", file=sys.stderr
        )
        return int(status) or 2, None, None
    _print_summary(report, path, acts=False)  # pytest's closing lines listed the claims to act on
    if not report.run.complete:
        from .writer import written_message

        print(f"claimcheck: the run is partial: {written_message(report, path)}", file=sys.stderr)
        return 1, report, path
    errors = report.summary[ERROR] + report.additions_summary[ERROR]  # an addition that could not run is a failure too
    gate = _gate(loaded, expectations, report) if loaded is not None and expectations else 0
    if errors:
        print(
            f"claimcheck: {errors} claim(s) could not be checked (verdict error): a bug of the suite or of "
            "this environment, not a finding",
            file=sys.stderr,
        )
        return 1, report, path
    return gate, report, path


def _is_installed(requirement: str) -> bool:
    """Whether the installed distribution is the one asked for (`torch==2.5.1`); if not, say so and what to do."""
    from packaging.version import InvalidVersion, Version

    from .environment import installed_version

    name, _, wanted = requirement.partition("==")
    try:
        asked = Version(wanted)
    except InvalidVersion:
        print(f"claimcheck: --subject-version {requirement!r}: give NAME==VERSION, e.g. torch==2.13.0", file=sys.stderr)
        return False
    found = installed_version(name)
    if found is not None and Version(Version(found).public) == Version(asked.public):
        return True
    held = f"holds {name} {found}" if found else f"has no {name} installed"
    print(
        f"claimcheck: this environment {held}, not {wanted} as asked: nothing was run and no report written. "
        f"Under nox, -R reuses an environment as it is: run without -R to install {name} {wanted}",
        file=sys.stderr,
    )
    return False


def _reports_or_say(folder: str, consequence: str) -> tuple[Loaded, list[Skipped]]:
    """The complete reports under `folder`; none after saying why (duplicates, or nothing readable)."""
    from .matrix import MatrixError, load_reports

    try:
        loaded, skipped = load_reports(folder)
    except MatrixError as exc:
        print(f"claimcheck: {exc}; {consequence}", file=sys.stderr)
        return [], []
    if not loaded:
        print(f"claimcheck: no readable complete report under {folder}/*/report.json; {consequence}", file=sys.stderr)
    return loaded, skipped


def expect(path: str, reports: str, update: bool) -> int:
    from .expectations import ExpectationsError, compare, derive, stale
    from .expectations import dumps as dump_expectations

    loaded, _skipped = _reports_or_say(reports, f"{path} was left as it was")
    if not loaded:
        return 2
    if update:
        from .registry import RegistryError, load_registry

        try:
            registry = load_registry(os.path.join(os.path.dirname(os.path.abspath(path)), "claims.toml"))
            derived = derive(loaded)
        except (ExpectationsError, RegistryError) as exc:
            print(f"claimcheck: {exc}; {path} was left as it was", file=sys.stderr)
            return 2
        write_atomically(path, dump_expectations(derived, [c.id for c in registry.claims]))
        print(f"{path}: rewritten from {len(loaded)} reports; review `git diff {path}`")
        return 0
    expectations = _load_expectations(path)
    if expectations is None:
        return 2
    news = [line for _p, report in loaded for line in compare(expectations, report)]
    versions = [r.environment.subject_version for _p, r in loaded if r.environment.subject_version]
    for line in stale(expectations, versions):
        print("warning: stale expectation: " + line, file=sys.stderr)
    _print_news(news)
    print(f"expectations: {len(loaded)} report(s), {len(news)} disagreement(s)")
    return 1 if news else 0


def speed(subject: str, repeat: int, reports: str, pytest_args: list[str]) -> int:
    """Wall-clock seconds of a whole claims run, as a multiple of importing the subject.

    Two runs: the claims without the cost checks' timings (--benchmark-skip),
    whose ratio is the target, then the run as given (quick benchmarks
    included), whose difference is what measuring costs adds.
    """
    import json
    import statistics
    import subprocess
    import tempfile
    import time

    imports = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import " + subject], check=True)
        imports.append(time.perf_counter() - start)

    def timed(extra: list[str]) -> tuple[float | None, RunReport | None]:
        with tempfile.TemporaryDirectory(prefix="claimcheck-speed-") as scratch:
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "claimcheck", "run", *pytest_args, *extra, "--claims-reports", scratch],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            elapsed = time.perf_counter() - start
            written = [os.path.join(scratch, d, "report.json") for d in os.listdir(scratch)]
            if done.returncode not in (0, 1) or not written or not os.path.exists(written[0]):
                print(done.stdout[-3000:])
                return None, None
            return elapsed, read_report(written[0])

    plain, report = timed(["--benchmark-skip"])
    measuring, _ = timed([]) if plain is not None else (None, None)
    if plain is None or measuring is None or report is None:
        print("claimcheck: a timed claims run failed; no figures written", file=sys.stderr)
        return 2
    unit = statistics.median(imports)
    figures = {
        "environment": report.environment.name,
        "cpu_count": os.cpu_count(),
        "import_seconds": [round(t, 3) for t in imports],
        "import_median_s": round(unit, 3),
        "claims_run_s": round(plain, 2),
        "ratio": round(plain / unit, 1),
        "target_ratio": 10,
        "claims_run_with_quick_benchmarks_s": round(measuring, 2),
        "quick_benchmarks_add_s": round(measuring - plain, 2),
        "checks": report.run.checks,
        "hypothesis": report.run.hypothesis.to_json(),
        "pytest_args": pytest_args,
    }
    target = os.path.join(reports, report.environment.name, "speed.json")
    write_atomically(target, json.dumps(figures, indent=2) + "\n")
    print(
        f"import {subject}: median {unit:.2f} s of {repeat}; claims run without timings: {plain:.1f} s "
        f"({report.run.checks} checks); ratio {plain / unit:.1f}x (target <= 10x); with quick benchmarks: "
        f"{measuring:.1f} s (+{measuring - plain:.1f} s)"
    )
    print(f"figures: {os.path.relpath(target)}")
    return 0


def merge(folder: str, heatmap: bool) -> int:
    """reports/*/report.json into compatibility.{json,md,html} (and .png): written together or not at all."""
    from .matrix import dumps
    from .matrix import merge as merge_reports
    from .render import matrix_html, matrix_md

    loaded, skipped = _reports_or_say(folder, "nothing was written")
    if not loaded:
        return 2
    from .replay import load as load_replays

    try:
        replays = load_replays(folder)
    except ValueError as exc:
        print(f"claimcheck: {exc}; nothing was written", file=sys.stderr)
        return 2
    matrix = merge_reports(loaded, skipped, replays=replays)
    files: dict = {
        os.path.join(folder, "compatibility.json"): dumps(matrix),
        os.path.join(folder, "compatibility.md"): matrix_md.render(matrix),
        os.path.join(folder, "compatibility.html"): matrix_html.render(matrix),
    }
    png = os.path.join(folder, "compatibility.png")
    if heatmap:
        from .render import heatmap as drawing

        files[png] = drawing.render(matrix)
    if not _write_or_say(files, folder):
        return 2
    if not heatmap and os.path.exists(png):
        print(f"warning: {png} was drawn from an earlier merge; redraw it with --heatmap", file=sys.stderr)
    return 0


def bisect_command(args: argparse.Namespace) -> int:
    """Binary search over claims/versions.toml for where a verdict changes (see claimcheck.bisect)."""
    import subprocess

    from packaging.version import Version

    from .bisect import BisectError, Verdict, bisect, check_claim_id, facet_key, missing, verdicts_on_disk
    from .registry import RegistryError, load_registry
    from .tomlfile import read_toml

    try:
        check_claim_id(load_registry(os.path.join("claims", "claims.toml")), args.claim)
        table = read_toml(os.path.join("claims", "versions.toml"), "the torch versions to check", BisectError)
        known = {str(e["version"]): str(e["python"]) for e in table.get("torch", [])}
    except (BisectError, RegistryError, KeyError) as exc:
        print(f"claimcheck: {exc}", file=sys.stderr)
        return 2
    ordered = sorted(known, key=Version)
    low, high = args.low or ordered[0], args.high or ordered[-1]
    for version in (low, high):
        if version not in known:
            print(
                f"claimcheck: torch {version} is not in claims/versions.toml; known: {', '.join(ordered)}",
                file=sys.stderr,
            )
            return 2
    versions = [v for v in ordered if Version(low) <= Version(v) <= Version(high)]
    loaded, _skipped = _reports_or_say(args.reports, "bisect looks at the reports on disk")
    absent = missing(loaded, versions)
    if absent:
        print(
            f"no report on disk for torch {', '.join(absent)}: the search may need some; each costs an install of "
            "that torch (several GB) and a claims run" + ("" if args.run_missing else " (--run-missing allows it)")
        )

    target = facet_key(args.claim, args.facet) if args.facet else args.claim
    if not absent:
        return _every_change(loaded, versions, target, low, high)

    def observe(version: str) -> dict[str, Verdict] | None:
        found = verdicts_on_disk(loaded, version)
        if found is not None:
            print(f"torch {version}: report on disk")
            return found
        if not args.run_missing:
            raise BisectError(
                f"torch {version} has no report under {args.reports}/; run `nox -s claims --force-python "
                f"{known[version]} -- --torch {version}` first, or bisect again with --run-missing"
            )
        print(f"torch {version}: no report on disk; running the claims (--run-missing)")
        command = ["nox", "--error-on-missing-interpreters", "-s", "claims", "--force-python", known[version]]
        subprocess.call([*command, "--", "--torch", version])
        from .matrix import load_reports

        loaded[:] = load_reports(args.reports, warn=False)[0]  # the run wrote a new report
        return verdicts_on_disk(loaded, version)

    try:
        result = bisect(versions, target, observe)
    except BisectError as exc:
        print(f"claimcheck: {exc}", file=sys.stderr)
        return 2
    looked = ", ".join(f"{v} {s[0]}" for v, s in sorted(result.checked.items(), key=lambda p: Version(p[0])))
    if not result.changed:
        print(f"{target}: {result.verdict_before[0]} at both {result.before} and {result.after} (looked at: {looked})")
        return 0
    print(f"{target} changes between torch {result.before} and {result.after}:")
    print("  {}: {}: {}".format(result.before, *result.verdict_before))
    print("  {}: {}: {}".format(result.after, *result.verdict_after))
    print(f"looked at {len(result.checked)} of {len(versions)} versions: {looked}")
    print("the search finds one change between the ends; with every report on disk, bisect lists them all")
    return 0


def _every_change(loaded: Loaded, versions: list[str], target: str, low: str, high: str) -> int:
    """With a report on disk for every version of the range: every change inside it, not only the first."""
    from .bisect import verdicts_on_disk
    from .render.text import shorten

    seen = [(v, (verdicts_on_disk(loaded, v) or {}).get(target)) for v in versions]
    checked = [(v, s) for v, s in seen if s is not None]
    if not checked:
        print(f"claimcheck: no report on disk between torch {low} and {high} checks {target}", file=sys.stderr)
        return 2
    changes = [(a, x, b, y) for (a, x), (b, y) in zip(checked, checked[1:]) if x[0] != y[0]]
    if not changes:
        print(f"{target}: {checked[0][1][0]} from torch {checked[0][0]} to {checked[-1][0]} (every report on disk)")
        return 0
    print(f"{target} changes {len(changes)} time(s) between torch {low} and {high} (every report on disk):")
    for before, was, after, now in changes:
        print(f"  {before} → {after}: {was[0]} → {now[0]}: {shorten(now[1], 160)}")
    return 0


def _two_reports(folder: str, old: str, new: str, nothing: str) -> tuple[RunReport, RunReport] | None:
    """The reports of versions `old` and `new` on disk; None, having said why, when either is missing."""
    from .bisect import BisectError
    from .diff import report_of

    loaded, _skipped = _reports_or_say(folder, nothing)
    if not loaded:
        return None
    try:
        (_p, before), (_q, after) = report_of(loaded, old), report_of(loaded, new)
    except (BisectError, ValueError) as exc:
        print(f"claimcheck: {exc}", file=sys.stderr)
        return None
    return before, after


def upgrade_notes(old: str, new: str, folder: str, form: str = "text") -> int:
    """Print the upgrade notes between the reports of two versions, as text, Markdown or JSON."""
    import json

    from .bisect import BisectError
    from .diff import markdown, text, upgrade

    pair = _two_reports(folder, old, new, "nothing to compare")
    if pair is None:
        return 2
    try:
        notes = upgrade(*pair)
    except BisectError as exc:
        print(f"claimcheck: {exc}", file=sys.stderr)
        return 2
    if form == "json":
        print(json.dumps(notes.to_json(), indent=2, ensure_ascii=False))
    elif form == "md":
        print(markdown(notes), end="")
    else:
        for line in text(notes):
            print(line)
    return 0


def replay_command(old: str, new: str, python_old: str, python_new: str, folder: str) -> int:
    """Replay, across a search boundary, the counterexamples of what changed between two versions' reports."""
    from .replay import boundary, replay_changes, save

    pair = _two_reports(folder, old, new, "nothing to replay")
    if pair is None:
        return 2
    before, after = pair
    for python in (python_old, python_new):
        if not os.access(python, os.X_OK):
            print(f"claimcheck: {python} is not an interpreter this user can run; give the environments' "
                  "python (.nox/matrix/<version>/claims-<python>/bin/python)", file=sys.stderr)  # fmt: skip
            return 2
    crossing = boundary(before, after)
    replays = replay_changes(before, after, python_old, python_new)
    path = save(folder, replays, (before.environment.name, after.environment.name))
    print(f"{before.environment.name} → {after.environment.name}: {crossing or 'no search boundary'}; "
          f"{len(replays)} change(s) replayed, {sum(not r.confirmed for r in replays)} unconfirmed ({path})")  # fmt: skip
    return 0


def _write_or_say(files: dict, folder: str) -> bool:
    """Write `files` together and name them; or say that none was changed, and why."""
    try:
        write_all_atomically(files)
    except OSError as exc:
        print(f"claimcheck: cannot write to {folder}: {exc.strerror or exc}; no file was changed", file=sys.stderr)
        return False
    for path in files:
        print(path)
    return True


def _standard(args: argparse.Namespace) -> list[str] | None:
    """The pytest arguments of a claims run: the standard ones (runargs) where asked, then the user's."""
    given = [a for a in args.pytest_args if a != "--"]
    if not args.standard:
        return given or ["claims"]
    from .runargs import standard_args

    try:
        standard = standard_args(
            os.environ, parallel=not args.serial, benchmarks="full" if args.full_benchmarks else "quick"
        )
    except ValueError as exc:
        print(f"claimcheck: {exc}", file=sys.stderr)
        return None
    return ["claims", *standard, *given]


def _prog() -> str:
    """How the user called us: `claimcheck` (the console script) or `python -m claimcheck`."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m claimcheck" if name in ("__main__.py", "-c", "") else name


def console() -> None:
    """The `claimcheck` console script."""
    sys.exit(main())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_prog(),
        description="Check the statements of the 2017 PyTorch cheatsheet against the installed torch, by\n"
        "experiment, and read, merge and compare the reports that runs write.",
        epilog="examples:\n"
        "  claimcheck run --standard                 check every claim, write reports/<environment>/\n"
        "  claimcheck run --standard --claims-select functions.pow\n"
        "  claimcheck diff 2.6.0 2.7.1               what changes when moving torch\n"
        "  claimcheck merge --heatmap reports        the compatibility report of every run\n"
        "  claimcheck screenshots                    pictures of it for the README\n"
        "Each command has its own --help.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    running = commands.add_parser(
        "run",
        help="run the claims with pytest (its arguments pass through) and print the verdicts",
        description="Run pytest on the claims, print the summary and the report's path. Exit 0 when a complete "
        "report was written, no check failed to run (verdict error) and, with --expectations, every verdict is "
        "the one expected.",
    )
    running.add_argument("--expectations", metavar="FILE", help="fail when a verdict differs from FILE's")
    running.add_argument(
        "--benchmarks-json",
        action="store_true",
        help="keep pytest-benchmark's JSON as benchmarks.json beside the report",
    )
    running.add_argument(
        "--standard",
        action="store_true",
        help="the project's standard run: the claims folder, $CLAIMS_PROFILE (default ci), one worker per core, "
        "$CLAIMS_TIMEOUT s per check (default 300), quick benchmarks; the arguments given follow them",
    )
    running.add_argument("--serial", action="store_true", help="with --standard: one process, no xdist workers")
    running.add_argument(
        "--full-benchmarks", action="store_true", help="with --standard: pytest-benchmark's own rounds, not quick mode"
    )
    running.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:VAR[=VALUE]",
        help="after a complete run, run --variant-checks again with VAR set to VALUE (or unset) and report each "
        "facet's verdict in both runs, e.g. 'best CPU kernel:ATEN_CPU_CAPABILITY' (repeatable)",
    )
    running.add_argument(
        "--variant-checks", action="append", default=[], metavar="PATH", help="the checks each --variant runs again"
    )
    running.add_argument(
        "--subject-version",
        metavar="NAME==VERSION",
        help="refuse to run unless the installed NAME is VERSION (its public part: 2.13.0 takes 2.13.0+cpu)",
    )
    running.add_argument("pytest_args", nargs=argparse.REMAINDER)
    expecting = commands.add_parser("expect", help="compare reports with the expectations, or --update them")
    expecting.add_argument("--file", default=os.path.join("claims", "expectations.toml"))
    expecting.add_argument("--update", action="store_true", help="rewrite the file from the reports")
    expecting.add_argument("reports", nargs="?", default="reports")
    commands.add_parser("render", help="re-render report.md and cheatsheet.md from report.json").add_argument("report")
    commands.add_parser("summary", help="summarize a report.json").add_argument("report")
    merging = commands.add_parser(
        "merge", help="merge the run reports into reports/compatibility.{json,md,html} (and .png with --heatmap)"
    )
    merging.add_argument("reports", nargs="?", default="reports", help="folder of <env>/report.json (default: reports)")
    merging.add_argument("--heatmap", action="store_true", help="also draw compatibility.png (needs matplotlib)")
    bisecting = commands.add_parser("bisect", help="the first version where a claim's or facet's verdict changes")
    bisecting.add_argument("claim", help="the claim id")
    bisecting.add_argument("--facet", help="search one facet of the claim")
    bisecting.add_argument("--from", dest="low", help="the first version to consider (default: the oldest listed)")
    bisecting.add_argument("--to", dest="high", help="the last version to consider (default: the newest)")
    bisecting.add_argument("--run-missing", action="store_true", help="run the claims for versions with no report")
    bisecting.add_argument("--reports", default="reports", help="folder of <env>/report.json (default: reports)")
    differing = commands.add_parser("diff", help="what changed between two versions, claim by claim and facet by facet")
    differing.add_argument("old", help="the version you have (2.5.1, or 2.5 for the newest 2.5.x on disk)")
    differing.add_argument("new", help="the version you move to (2.6.0, or 2.6)")
    differing.add_argument("--format", choices=("text", "md", "json"), default="text", help="output (default: text)")
    differing.add_argument("--reports", default="reports", help="folder of <env>/report.json (default: reports)")
    replaying = commands.add_parser(
        "replay", help="replay, across a Python/Hypothesis/numpy boundary, the counterexamples of what changed"
    )
    replaying.add_argument("old", help="the older version (1.4.0)")
    replaying.add_argument("new", help="the newer version, checked next (1.5.1)")
    replaying.add_argument("--python-old", required=True, help="the older version's environment's python")
    replaying.add_argument("--python-new", required=True, help="the newer version's environment's python")
    replaying.add_argument("--reports", default="reports", help="folder of <env>/report.json (default: reports)")
    shooting = commands.add_parser(
        "screenshots",
        help="pictures of compatibility.html (1,400 and 390 px), the heatmap and the top of compatibility.md",
    )
    shooting.add_argument("reports", nargs="?", default="reports", help="folder of the compatibility files")
    shooting.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium to drive")
    timing = commands.add_parser("speed", help="time a claims run against importing the subject")
    timing.add_argument("--subject", default="torch", help="module whose import is the unit (default: torch)")
    timing.add_argument("--repeat", type=int, default=3, help="import timings to take the median of")
    timing.add_argument("--reports", default="reports", help="folder of environment reports")
    timing.add_argument("pytest_args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # options pytest knows (--claims-reports DIR, -k ...) go to pytest, in order
        if args.command not in ("run", "speed"):
            parser.error("unrecognized arguments: " + " ".join(unknown))
        args.pytest_args = [*unknown, *args.pytest_args]
    if args.command == "run":
        if args.subject_version and not _is_installed(args.subject_version):
            return 2
        pytest_args = _standard(args)
        if pytest_args is None:
            return 2
        from .runargs import standard_args

        again = standard_args(os.environ, parallel=not args.serial) if args.standard else []
        return run(pytest_args, args.expectations, args.benchmarks_json, args.variant, args.variant_checks, again)
    if args.command == "expect":
        return expect(args.file, args.reports, args.update)
    if args.command == "merge":
        return merge(args.reports, args.heatmap)
    if args.command == "bisect":
        return bisect_command(args)
    if args.command == "diff":
        return upgrade_notes(args.old, args.new, args.reports, args.format)
    if args.command == "replay":
        return replay_command(args.old, args.new, args.python_old, args.python_new, args.reports)
    if args.command == "screenshots":
        from .screenshots import ScreenshotError, take

        try:
            for path in take(args.reports, args.chromium):
                print(f"wrote {os.path.relpath(path)}")
        except ScreenshotError as exc:
            print(f"claimcheck: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "speed":
        return speed(args.subject, args.repeat, args.reports, [a for a in args.pytest_args if a != "--"] or ["claims"])
    try:
        report = read_report(args.report)
    except ReportError as exc:
        print(f"claimcheck: {exc}", file=sys.stderr)
        return 2
    if args.command == "render":
        from .render import cheatsheet_md, report_md
        from .writer import report_files

        folder = os.path.dirname(args.report)
        names = report_files(folder, partial=not report.run.complete)
        files = {names["md"]: report_md.render(report), names["cheatsheet"]: cheatsheet_md.render(report)}
        if not _write_or_say(files, folder):
            return 2
    else:
        _print_summary(report, args.report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
