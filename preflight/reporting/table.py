"""A report as a table for a terminal."""
from __future__ import annotations

import textwrap

from preflight import inert
from preflight.model import Report, Status
from preflight.text import headline

STATUS_COLOURS = {Status.PASS: "32", Status.FAIL: "31", Status.ERROR: "35", Status.TIMEOUT: "35",
                  Status.NOT_AUDITED: "35", Status.EXEMPT: "33", Status.NOT_APPLICABLE: "2"}


def render_table(report: Report, width: int = 100, colour: bool = False) -> str:
    multi_region = len(report.regions) > 1
    rows = []
    for f in report.findings:
        message = f.message + (f" [{f.exemption.text}]" if f.exemption else "")
        check = f.check.id + (f" @{f.region}" if multi_region and f.region else "")
        rows.append(tuple(inert.line(cell) for cell in (f.status.value, f.effective_severity.value, check, message)))
    header = ("STATUS", "SEVERITY", "CHECK")
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i]) for i in range(3)]
    indent = sum(widths) + 6
    lines = ["  ".join(f"{h:<{w}}" for h, w in zip(header, widths)) + "  MESSAGE"]
    for *cells, message in rows:
        wrapped = textwrap.wrap(message, max(30, width - indent), break_on_hyphens=False) or [""]
        line = "  ".join(f"{c:<{w}}" for c, w in zip(cells, widths)) + f"  {wrapped[0]}"
        if colour:  # only the status word, padded the same, so the columns still line up
            code = STATUS_COLOURS[Status(cells[0])]
            line = f"\033[{code}m{cells[0]}\033[0m" + line[len(cells[0]):]
        lines.append(line)
        lines.extend(" " * indent + more for more in wrapped[1:])
    to_fix = list({f.check.id: f for f in report.failures}.values())
    if to_fix:
        lines += ["", "How to fix:"]
        for f in to_fix:
            lines.append(inert.line(f"- {f.check.id}: {f.check.title}"))
            lines.extend(textwrap.wrap(inert.line(f.check.remediation), width, initial_indent="    ",
                                       subsequent_indent="    ", break_on_hyphens=False))
            lines.append(inert.line(f"    {f.check.remediation_url}"))
    counts = {s: len(report.with_status(s)) for s in Status if report.with_status(s)}
    summary = ", ".join(f"{n} {s.value.lower().replace('_', ' ')}" for s, n in counts.items())
    regions = f"regions {', '.join(report.regions)}" if multi_region else f"region {report.region}"
    lines += ["", inert.line(f"Verdict: {headline(report)}  ({summary}; {report.duration_s:.2f} s; "
                             f"account {report.account_id or 'unknown'}, {regions}; baseline {report.baseline})")]
    return "\n".join(lines)
