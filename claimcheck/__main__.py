"""Command line: `python -m claimcheck run|render|summary`.

run      run pytest on the claims (arguments pass through), then print the
         summary and the report path; exit 0 when a complete report was
         written and no check failed to run (verdict `error`).
render   write report.md again from a report.json.
summary  print a report's one-line summary and its broken, deprecated and
         error claims.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from .atomic import write_atomically
from .reading import ReportError, read_report
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


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claimcheck", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the claims with pytest").add_argument("pytest_args", nargs=argparse.REMAINDER)
    commands.add_parser("render", help="re-render report.md from report.json").add_argument("report")
    commands.add_parser("summary", help="summarize a report.json").add_argument("report")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args.pytest_args or ["claims"])
    try:
        report = read_report(args.report)
    except ReportError as exc:
        print("claimcheck: {}".format(exc), file=sys.stderr)
        return 2
    if args.command == "render":
        target = os.path.join(os.path.dirname(args.report), "report.md")
        write_atomically(target, render(report))
        print(target)
    else:
        _print_summary(report, args.report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
