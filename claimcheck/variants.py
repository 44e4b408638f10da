"""Variants: some checks run again with one environment variable set otherwise, their facet verdicts
set beside the main run's.

A library may compute differently depending on a setting it reads at start-up (which vectorized
CPU kernels it dispatches to, say). The main run decides the verdicts and the expectations gate;
each variant runs the checks it names again in a fresh pytest, with the variable set (or unset),
and every facet those checks cover gets one entry per run: its verdict there, and the evidence.
A facet whose verdicts differ says so in the report, with both results.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Sequence

from .model import FacetResult, RunReport, VariantResult, VariantRun


@dataclass(frozen=True)
class Variant:
    name: str  # how reports name it
    variable: str
    value: str | None  # None: the variable unset

    @property
    def setting(self) -> str:
        return f"{self.variable} unset" if self.value is None else f"{self.variable}={self.value}"


def parse(spec: str) -> Variant:
    """`NAME:VARIABLE=VALUE` (set it) or `NAME:VARIABLE` (unset it). Raises ValueError saying what to give."""
    name, colon, setting = spec.partition(":")
    variable, equals, value = setting.partition("=")
    if not colon or not name.strip() or not variable.strip() or " " in variable.strip():
        raise ValueError(
            f"--variant {spec!r}: give NAME:VARIABLE=VALUE or NAME:VARIABLE (unset), "
            "for example 'best CPU kernel:ATEN_CPU_CAPABILITY'"
        )
    return Variant(name.strip(), variable.strip(), value if equals else None)


def main_setting(variants: Sequence[Variant]) -> str:
    """How the main run had the variants' variables: `VAR=value` or `VAR unset`, for each."""
    variables = dict.fromkeys(v.variable for v in variants)
    return ", ".join(f"{v}={os.environ[v]}" if v in os.environ else f"{v} unset" for v in variables)


def run(variant: Variant, checks: Sequence[str], pytest_args: Sequence[str]) -> tuple[RunReport | None, str]:
    """Run `checks` again under the variant; (its report, or None with what went wrong)."""
    from .reading import ReportError, read_report

    scratch = tempfile.mkdtemp(prefix="claimcheck-variant-")
    try:
        env = dict(os.environ)
        if variant.value is None:
            env.pop(variant.variable, None)
        else:
            env[variant.variable] = variant.value
        command = [sys.executable, "-m", "pytest", *checks, *pytest_args, "--claims-reports", scratch, "-q"]
        # its output is the main run's again; kept, and shown only when the variant wrote no report
        log = os.path.join(scratch, "pytest.log")
        with open(log, "w") as output:
            status = subprocess.call(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        found = sorted(glob.glob(os.path.join(scratch, "*", "report*.json")))
        if not found:
            with open(log, errors="replace") as output:
                tail = output.read()[-2000:]
            return None, f"pytest exited with {status} and wrote no report; its output ended:\n{tail}"
        try:
            return read_report(found[0]), ""
        except ReportError as exc:
            return None, str(exc)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def attach(report: RunReport, main_name: str, variant: Variant, other: RunReport) -> RunReport:
    """The report, each facet that `other` checked too carrying both verdicts; the run names the variant."""
    theirs = {c.id: {f.name: f for f in c.facets} for c in other.claims}
    claims = []
    for claim in report.claims:
        facets = []
        for facet in claim.facets:
            seen = theirs.get(claim.id, {}).get(facet.name)
            if seen is None:
                facets.append(facet)
                continue
            entries = facet.variants or (VariantResult(main_name, facet.verdict, facet.summary),)
            entries += (VariantResult(variant.name, seen.verdict, seen.summary),)
            facets.append(dataclasses.replace(facet, variants=entries))
        claims.append(dataclasses.replace(claim, facets=tuple(facets)) if facets else claim)
    record = VariantRun(variant.name, variant.setting, other.environment.subject)
    run_info = dataclasses.replace(report.run, variants=(*report.run.variants, record))
    return dataclasses.replace(report, claims=tuple(claims), run=run_info)


def differing(facet: FacetResult) -> bool:
    """Do the facet's runs disagree on its verdict?"""
    return len({v.verdict for v in facet.variants}) > 1
