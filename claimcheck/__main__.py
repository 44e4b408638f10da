"""Command line: `python -m claimcheck run|render|summary`.

run      run pytest on the claims (arguments pass through), then print the
         summary and the report path; exit 0 when a complete report was
         written and no check failed to run (verdict `error`).
render   write report.md and cheatsheet.md again from a report.json.
summary  print a report's one-line summary and its broken, deprecated and
         error claims.
merge    merge reports/*/report.json into reports/compatibility.{json,md}.
speed    time a claims run against `python -c "import <subject>"` in the same
         environment, and write speed.json beside that environment's report.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from .atomic import write_atomically
from .reading import ReportError, read_report
from .render_cheatsheet import render as render_cheatsheet
from .render_markdown import render, summary_line
from .verdicts import BROKEN, DEPRECATED, ERROR


class _ReportCatcher:
    def __init__(self) -> None:
        self.path: Optional[str] = None
        self.report: Optional[dict] = None

    def pytest_claimcheck_report_written(self, config, path, report):
        self.path, self.report = path, report


def _print_summary(report: dict, path: str) -> None:
    print("claims: {} ({})".format(summary_line(report["summary"]), report["environment"]["name"]))
    for claim in report["claims"]:
        if claim["verdict"] in (BROKEN, DEPRECATED, ERROR):
            print("  {:<10} {}  {}".format(claim["verdict"], claim["id"], claim["summary"][:150]))
    print("report: {}".format(os.path.relpath(path)))


def run(pytest_args: List[str]) -> int:
    import pytest

    catcher = _ReportCatcher()
    status = pytest.main(pytest_args, plugins=[catcher])
    if catcher.report is None:
        print("claimcheck: pytest exited with {} and wrote no report; see its output above".format(int(status)),
              file=sys.stderr)
        return int(status) or 2
    _print_summary(catcher.report, catcher.path)
    if not catcher.report["run"]["complete"]:
        print("claimcheck: the run is partial ({}); the full report was left as it was".format(
            catcher.report["run"].get("partial_reason")), file=sys.stderr)
        return 1
    errors = catcher.report["summary"]["error"]
    if errors:
        print("claimcheck: {} claim(s) could not be checked (verdict error): a bug of the suite or of "
              "this environment, not a finding".format(errors), file=sys.stderr)
        return 1
    return 0


def speed(subject: str, repeat: int, reports: str, pytest_args: List[str]) -> int:
    """Wall-clock seconds of a whole claims run, as a multiple of importing the subject."""
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
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "claimcheck", "run"] + pytest_args
                              + ["--claims-reports", scratch], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True)
        elapsed = time.perf_counter() - start
        written = [os.path.join(scratch, d, "report.json") for d in os.listdir(scratch)]
        if done.returncode not in (0, 1) or not written or not os.path.exists(written[0]):
            print(done.stdout[-3000:])
            print("claimcheck: the timed claims run failed; no figures written", file=sys.stderr)
            return 2
        report = read_report(written[0])
    figures = {
        "environment": report["environment"]["name"],
        "cpu_count": os.cpu_count(),
        "import_seconds": [round(t, 3) for t in imports],
        "import_median_s": round(statistics.median(imports), 3),
        "claims_run_s": round(elapsed, 2),
        "ratio": round(elapsed / statistics.median(imports), 1),
        "target_ratio": 10,
        "checks": report["run"]["checks"],
        "hypothesis": report["run"]["hypothesis"],
        "pytest_args": pytest_args,
    }
    target = os.path.join(reports, report["environment"]["name"], "speed.json")
    write_atomically(target, json.dumps(figures, indent=2) + "\n")
    print("import {}: median {:.2f} s of {}; claims run: {:.1f} s ({} checks); ratio {:.1f}x (target <= 10x)".format(
        subject, figures["import_median_s"], repeat, elapsed, figures["checks"], figures["ratio"]))
    print("figures: {}".format(os.path.relpath(target)))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claimcheck", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the claims with pytest").add_argument("pytest_args", nargs=argparse.REMAINDER)
    commands.add_parser("render", help="re-render report.md from report.json").add_argument("report")
    commands.add_parser("summary", help="summarize a report.json").add_argument("report")
    merging = commands.add_parser("merge", help="merge run reports into the compatibility matrix")
    merging.add_argument("reports", nargs="?", default="reports", help="folder of <env>/report.json (default: reports)")
    timing = commands.add_parser("speed", help="time a claims run against importing the subject")
    timing.add_argument("--subject", default="torch", help="module whose import is the unit (default: torch)")
    timing.add_argument("--repeat", type=int, default=3, help="import timings to take the median of")
    timing.add_argument("--reports", default="reports", help="folder of environment reports")
    timing.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args.pytest_args or ["claims"])
    if args.command == "merge":
        from .matrix import dumps as dump_matrix, load_reports, merge as merge_reports
        from .render_matrix import render as render_matrix
        loaded, skipped = load_reports(args.reports)
        if not loaded:
            print("claimcheck: no readable report under {}/*/report.json".format(args.reports), file=sys.stderr)
            return 2
        matrix = merge_reports(loaded, skipped)
        for name, text in (("compatibility.json", dump_matrix(matrix)), ("compatibility.md", render_matrix(matrix))):
            write_atomically(os.path.join(args.reports, name), text)
            print(os.path.join(args.reports, name))
        return 0
    if args.command == "speed":
        return speed(args.subject, args.repeat, args.reports, [a for a in args.pytest_args if a != "--"] or ["claims"])
    try:
        report = read_report(args.report)
    except ReportError as exc:
        print("claimcheck: {}".format(exc), file=sys.stderr)
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
