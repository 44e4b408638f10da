"""Command line: `python -m claimcheck run|render|summary`.

run      run pytest on the claims (arguments pass through), then print the
         summary and the report path; exit 0 when a complete report was
         written, no check failed to run (verdict `error`) and, with
         --expectations FILE, every verdict is the one expected.
expect   compare every report on disk with the expectations file; --update
         rewrites the file from what the reports observed.
render   write report.md and cheatsheet.md again from a report.json.
summary  print a report's one-line summary and its broken, deprecated and
         error claims.
merge    merge reports/*/report.json into reports/compatibility.{json,md,html}
         (and, with --heatmap, compatibility.png).
speed    time a claims run against `python -c "import <subject>"` in the same
         environment, and write speed.json beside that environment's report.
"""

from __future__ import annotations

import argparse
import os
import sys

from .atomic import write_atomically
from .reading import ReportError, read_report
from .render_cheatsheet import render as render_cheatsheet
from .render_markdown import render, summary_line
from .verdicts import BROKEN, DEPRECATED, ERROR


class _ReportCatcher:
    def __init__(self) -> None:
        self.path: str | None = None
        self.report: dict | None = None

    def pytest_claimcheck_report_written(self, config, path, report):
        self.path, self.report = path, report


def _print_summary(report: dict, path: str) -> None:
    print("claims: {} ({})".format(summary_line(report["summary"]), report["environment"]["name"]))
    for claim in report["claims"]:
        if claim["verdict"] in (BROKEN, DEPRECATED, ERROR):
            print("  {:<10} {}  {}".format(claim["verdict"], claim["id"], claim["summary"][:150]))
    print(f"report: {os.path.relpath(path)}")


def _load_expectations(path: str):
    """The expectations, or None after saying why they cannot be read."""
    from .expectations import ExpectationsError, load

    try:
        return load(path)
    except ExpectationsError as exc:
        print(f"claimcheck: {exc}", file=sys.stderr)
        return None


def _print_news(news: list[str]) -> None:
    for line in news:
        print("  CHANGED  " + line)


def _gate(expectations, expectations_path: str, report: dict) -> int:
    """Print every verdict that differs from the expectation; 1 if any does."""
    from .expectations import compare

    news = compare(expectations, report)
    _print_news(news)
    if news:
        print(
            f"claimcheck: {len(news)} verdict(s) differ from {expectations_path}: a claim changed, or a check did. Review, then "
            "`python -m claimcheck expect --update` and commit the diff.",
            file=sys.stderr,
        )
        return 1
    print("expectations: all {} verdicts as expected ({})".format(len(report["claims"]), expectations_path))
    return 0


def run(pytest_args: list[str], expectations: str | None = None, benchmarks_json: bool = False) -> int:
    if benchmarks_json:  # written next to the report once the run is complete, never half-written
        import tempfile

        handle, timings = tempfile.mkstemp(prefix="benchmarks-", suffix=".json")
        os.close(handle)
        try:
            status, report, report_path = _run([*pytest_args, "--benchmark-json", timings], expectations)
            if report and os.path.getsize(timings) and report["run"]["complete"]:
                with open(timings, encoding="utf-8") as source:
                    target = os.path.join(os.path.dirname(report_path), "benchmarks.json")
                    write_atomically(target, source.read())
                print(f"benchmarks: {os.path.relpath(target)}")
            else:
                print("claimcheck: no complete run, so no benchmarks.json was written", file=sys.stderr)
            return status
        finally:
            os.unlink(timings)
    return _run(pytest_args, expectations)[0]


def _run(pytest_args: list[str], expectations: str | None):
    """One claims run: (exit status, the report or None, its path or None)."""
    import pytest

    loaded = None
    if expectations:  # a malformed file stops us before the run, not after it
        loaded = _load_expectations(expectations)
        if loaded is None:
            return 2, None, None
    catcher = _ReportCatcher()
    status = pytest.main(pytest_args, plugins=[catcher])
    if catcher.report is None:
        print(
            f"claimcheck: pytest exited with {int(status)} and wrote no report; see its output above", file=sys.stderr
        )
        return int(status) or 2, None, None
    report, path = catcher.report, catcher.path
    _print_summary(report, path)
    if not catcher.report["run"]["complete"]:
        print(
            "claimcheck: the run is partial ({}); the full report was left as it was".format(
                catcher.report["run"].get("partial_reason")
            ),
            file=sys.stderr,
        )
        return 1, report, path
    errors = catcher.report["summary"]["error"]
    gate = _gate(loaded, expectations, catcher.report) if expectations else 0
    if errors:
        print(
            f"claimcheck: {errors} claim(s) could not be checked (verdict error): a bug of the suite or of "
            "this environment, not a finding",
            file=sys.stderr,
        )
        return 1, report, path
    return gate, report, path


def expect(path: str, reports: str, update: bool) -> int:
    from .expectations import compare, derive, stale
    from .expectations import dumps as dump_expectations
    from .matrix import load_reports
    from .registry import load_registry

    loaded, _skipped = load_reports(reports)
    if not loaded:
        print(f"claimcheck: no readable report under {reports}/*/report.json", file=sys.stderr)
        return 2
    if update:
        registry = load_registry(os.path.join(os.path.dirname(path), "claims.toml"))
        derived = derive([report for _p, report in loaded])
        write_atomically(path, dump_expectations(derived, [c.id for c in registry.claims]))
        print(f"{path}: rewritten from {len(loaded)} reports; review `git diff {path}`")
        return 0
    expectations = _load_expectations(path)
    if expectations is None:
        return 2
    news = [line for _p, report in loaded for line in compare(expectations, report)]
    for line in stale(
        expectations,
        [r["environment"]["subject_version"] for _p, r in loaded if r["environment"].get("subject_version")],
    ):
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

    def timed(extra):
        with tempfile.TemporaryDirectory() as scratch:
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
    if plain is None or measuring is None:
        print("claimcheck: a timed claims run failed; no figures written", file=sys.stderr)
        return 2
    unit = statistics.median(imports)
    figures = {
        "environment": report["environment"]["name"],
        "cpu_count": os.cpu_count(),
        "import_seconds": [round(t, 3) for t in imports],
        "import_median_s": round(unit, 3),
        "claims_run_s": round(plain, 2),
        "ratio": round(plain / unit, 1),
        "target_ratio": 10,
        "claims_run_with_quick_benchmarks_s": round(measuring, 2),
        "quick_benchmarks_add_s": round(measuring - plain, 2),
        "checks": report["run"]["checks"],
        "hypothesis": report["run"]["hypothesis"],
        "pytest_args": pytest_args,
    }
    target = os.path.join(reports, report["environment"]["name"], "speed.json")
    write_atomically(target, json.dumps(figures, indent=2) + "\n")
    print(
        "import {}: median {:.2f} s of {}; claims run without timings: {:.1f} s ({} checks); ratio {:.1f}x "
        "(target <= 10x); with quick benchmarks: {:.1f} s (+{:.1f} s)".format(
            subject, unit, repeat, plain, figures["checks"], figures["ratio"], measuring, measuring - plain
        )
    )
    print(f"figures: {os.path.relpath(target)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m claimcheck", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    running = commands.add_parser("run", help="run the claims with pytest")
    running.add_argument("--expectations", metavar="FILE", help="fail when a verdict differs from FILE's")
    running.add_argument(
        "--benchmarks-json",
        action="store_true",
        help="keep pytest-benchmark's JSON as benchmarks.json beside the report",
    )
    running.add_argument("pytest_args", nargs=argparse.REMAINDER)
    expecting = commands.add_parser("expect", help="compare reports with the expectations, or --update them")
    expecting.add_argument("--file", default=os.path.join("claims", "expectations.toml"))
    expecting.add_argument("--update", action="store_true", help="rewrite the file from the reports")
    expecting.add_argument("reports", nargs="?", default="reports")
    commands.add_parser("render", help="re-render report.md from report.json").add_argument("report")
    commands.add_parser("summary", help="summarize a report.json").add_argument("report")
    merging = commands.add_parser("merge", help="merge run reports into the compatibility matrix")
    merging.add_argument("reports", nargs="?", default="reports", help="folder of <env>/report.json (default: reports)")
    merging.add_argument("--heatmap", action="store_true", help="also draw compatibility.png (needs matplotlib)")
    timing = commands.add_parser("speed", help="time a claims run against importing the subject")
    timing.add_argument("--subject", default="torch", help="module whose import is the unit (default: torch)")
    timing.add_argument("--repeat", type=int, default=3, help="import timings to take the median of")
    timing.add_argument("--reports", default="reports", help="folder of environment reports")
    timing.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "run":
        return run([a for a in args.pytest_args if a != "--"] or ["claims"], args.expectations, args.benchmarks_json)
    if args.command == "expect":
        return expect(args.file, args.reports, args.update)
    if args.command == "merge":
        from .matrix import dumps as dump_matrix
        from .matrix import load_reports
        from .matrix import merge as merge_reports
        from .render_matrix import render as render_matrix

        loaded, skipped = load_reports(args.reports)
        if not loaded:
            print(f"claimcheck: no readable report under {args.reports}/*/report.json", file=sys.stderr)
            return 2
        from .render_html import render as render_html

        matrix = merge_reports(loaded, skipped)
        for name, text in (
            ("compatibility.json", dump_matrix(matrix)),
            ("compatibility.md", render_matrix(matrix)),
            ("compatibility.html", render_html(matrix)),
        ):
            write_atomically(os.path.join(args.reports, name), text)
            print(os.path.join(args.reports, name))
        if args.heatmap:
            from .render_heatmap import render as render_heatmap

            render_heatmap(matrix, os.path.join(args.reports, "compatibility.png"))
            print(os.path.join(args.reports, "compatibility.png"))
        return 0
    if args.command == "speed":
        return speed(args.subject, args.repeat, args.reports, [a for a in args.pytest_args if a != "--"] or ["claims"])
    try:
        report = read_report(args.report)
    except ReportError as exc:
        print(f"claimcheck: {exc}", file=sys.stderr)
        return 2
    if args.command == "render":
        folder = os.path.dirname(args.report)
        for name, renderer in (("report.md", render), ("cheatsheet.md", render_cheatsheet)):
            write_atomically(os.path.join(folder, name), renderer(report))
            print(os.path.join(folder, name))
    else:
        _print_summary(report, args.report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
