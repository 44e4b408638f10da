"""Render a run report (the JSON dict) as Markdown for people.

Everything that came from a run is data, not markup: table cells and prose are
escaped, and code goes in fences longer than any backtick run inside it.
"""

from __future__ import annotations

import re

from .verdicts import MARKS, VERDICTS

# Characters that would start markup; `_` only where it could open or close emphasis.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def escape(text: object) -> str:
    """Inline text safe in a Markdown table cell: no markup, no HTML, one line."""
    value = str(text).replace("&", "&amp;")
    value = _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group(1))};", value)
    return " ".join(value.split())


def code(text: str, language: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return "{}{}\n{}\n{}".format(fence, language, text.rstrip("\n"), fence)


def inline_code(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return "{}{}{}{}{}".format(ticks, pad, text.replace("\n", " "), pad, ticks)


def verdict_cell(verdict: str) -> str:
    return "{} {}".format(MARKS.get(verdict, "?"), verdict)


def summary_line(counts: dict[str, int]) -> str:
    return " · ".join(f"{MARKS[v]} {counts.get(v, 0)} {v}" for v in VERDICTS)


def _lines(claim: dict[str, object], url: str) -> str:
    return ", ".join(f"[{n}]({url}#L{n})" for n in claim["lines"])


def _environment(report: dict[str, object]) -> list[str]:
    env = report["environment"]
    run = report["run"]
    subject = env.get("subject") or {}
    hyp = run["hypothesis"]
    rows = [
        ("environment", env["name"]),
        ("subject", ", ".join(f"{k}={v}" for k, v in sorted(subject.items()) if not isinstance(v, (dict, list)))),
        ("Python", "{} {}".format(env["python"]["implementation"], env["python"]["version"])),
        ("packages", ", ".join(f"{k} {v}" for k, v in sorted(env["packages"].items()))),
        ("platform", "{} ({} cores, {})".format(env["platform"], env["cpu"]["count"], env["cpu"]["model"])),
        ("run", "started {} · {:.1f} s · {} checks".format(run["started"], run["duration_s"], run["checks"])),
        (
            "Hypothesis",
            "profile {} · seed {} · max_examples {}".format(
                hyp["profile"], "derandomized" if hyp.get("derandomize") else hyp.get("seed"), hyp["max_examples"]
            ),
        ),
        (
            "suite",
            "{} {} · registry sha256 {}".format(
                report["suite"]["name"], report["suite"]["version"], report["suite"]["registry_sha256"][:12]
            ),
        ),
    ]
    out = ["| | |", "|---|---|"]
    out.extend(f"| {k} | {escape(v)} |" for k, v in rows)
    return out


def quantity(value, unit: str) -> str:
    """A figure in its unit; times in s, ms, µs or ns, whichever reads best."""
    if unit == "s" and isinstance(value, (int, float)):
        for name, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
            if abs(value) >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value / 1e-9:.3g} ns"
    if unit == "bytes" and isinstance(value, int):
        return f"{value:,} bytes"
    return f"{value} {unit}"


def _measurements(claims: list[dict[str, object]]) -> list[str]:
    """Every measured figure, by claim, with the statements it supports."""
    out: list[str] = []
    for c in claims:
        checks = [(None, k) for k in c["checks"]]
        if c["replacement"]:
            checks += [(c["replacement"]["idiom"], k) for k in c["replacement"]["checks"]]
        measured = [(idiom, k) for idiom, k in checks if k.get("measurements")]
        if not measured:
            continue
        out += [
            "### {} (line {})".format(c["id"], ", ".join(str(n) for n in c["lines"])),
            "",
            "> {}".format(inline_code(c["quote"])),
            "",
        ]
        for idiom, k in measured:
            role = f"replacement {inline_code(idiom)}" if idiom else "as written"
            out.append("`{}` ({}): {}".format(k["nodeid"].split("::", 1)[-1], role, verdict_cell(k["verdict"])))
            out.append("")
            out.extend(f"- {escape(note)}" for note in k.get("notes", []))
            out += ["", "| figure | median | IQR | rounds |", "|---|---|---|---|"]
            for m in k["measurements"]:
                out.append(
                    "| {} | {} | {} | {} |".format(
                        escape(m["name"]),
                        escape(quantity(m["value"], m["unit"])),
                        escape(quantity(m["iqr"], m["unit"])) if "iqr" in m else "",
                        m.get("rounds", ""),
                    )
                )
            out.append("")
    if not out:
        return []
    return [
        "",
        "## Measurements",
        "",
        "Figures measured in this run; a ratio compares figures taken together in one check."
        " Medians over the rounds shown; IQR is the interquartile range.",
        "",
        *out,
    ]


def _check_details(check: dict[str, object]) -> list[str]:
    out = ["- {} `{}` ({:.2f} s)".format(verdict_cell(check["verdict"]), check["nodeid"], check["duration_s"])]
    if check.get("skip_reason"):
        out.append("  - skipped: {}".format(escape(check["skip_reason"])))
    if check.get("error"):
        out.append("  - {}: {}".format(escape(check["error"]["type"]), escape(check["error"]["message"])))
    for warning in check.get("deprecations", []):
        out.append("  - warning ({}): {}".format(escape(warning["category"]), escape(warning["message"])))
    for note in check.get("notes", []):
        out.append(f"  - {escape(note)}")
    for measure in check.get("measurements", []):
        out.append(
            "  - {} = **{}**{}".format(
                escape(measure["name"]),
                escape(quantity(measure["value"], measure["unit"])),
                " ({})".format(escape(measure["detail"])) if measure.get("detail") else "",
            )
        )
    if check.get("snippet"):
        out.append("")
        out.extend("  " + line for line in code(check["snippet"], "python").splitlines())
        out.append("")
    return out


def render(report: dict[str, object]) -> str:
    url = report["suite"]["document"]["url"]
    claims = report["claims"]
    status = "" if report["run"].get("complete", True) else " (PARTIAL: {})".format(report["run"].get("partial_reason"))
    out = [
        "# Claims report: {}{}".format(escape(report["environment"]["name"]), status),
        "",
        "**{}** across {} claims".format(summary_line(report["summary"]), len(claims)),
        "",
        "Checked against [{}]({}) at commit `{}`. Written from `report.json` beside this file.".format(
            escape(report["suite"]["document"]["title"]), url, report["suite"]["document"]["commit"][:12]
        ),
        "",
    ]
    out.extend(_environment(report))
    for section in report["suite"]["sections"]:
        rows = [c for c in claims if c["section"] == section]
        if not rows:
            continue
        out += [
            "",
            f"## {escape(section)}",
            "",
            "| claim | lines | quote | verdict | evidence | replacement |",
            "|---|---|---|---|---|---|",
        ]
        for c in rows:
            replacement = ""
            if c["replacement"]:
                r = c["replacement"]
                replacement = "{} → {}".format(inline_code(r["idiom"]), verdict_cell(r["verdict"]))
            out.append(
                "| [`{}`](#{}) | {} | {} | {} | {} | {} |".format(
                    c["id"],
                    c["id"].replace(".", ""),
                    _lines(c, url),
                    inline_code(c["quote"]),
                    verdict_cell(c["verdict"]),
                    escape(c["summary"]),
                    replacement,
                )
            )
    out.extend(_measurements(claims))
    out += ["", "## Evidence", ""]
    for c in claims:
        out += [
            "### {}".format(c["id"]),
            "",
            "> line {}: {}".format(_lines(c, url), inline_code(c["quote"])),
            "",
            "{} — {}".format(verdict_cell(c["verdict"]), escape(c["wording"])),
            "",
        ]
        if c.get("note"):
            out += ["*{}*".format(escape(c["note"])), ""]
        for check in c["checks"]:
            out.extend(_check_details(check))
        if c["replacement"]:
            r = c["replacement"]
            out += ["", "Replacement {}: {}".format(inline_code(r["idiom"]), verdict_cell(r["verdict"])), ""]
            for check in r["checks"]:
                out.extend(_check_details(check))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
