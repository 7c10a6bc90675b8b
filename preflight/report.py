"""Renders a Report: the CloudFormation Reason and Data, the JSON log object, and a terminal table."""
from __future__ import annotations

import dataclasses
import enum
import textwrap
from dataclasses import dataclass
from typing import Any

from preflight import inert
from preflight.model import Finding, Mode, Report, Severity, Status, Verdict

MAX_REASON_CHARS = 256  # CloudFormation's limit; crhelper would cut a longer one from the front
MAX_ID_LIST_CHARS = 1500  # per Data attribute: two of them, the Reason and the envelope stay under 4096 bytes
MIN_DETAIL_CHARS = 24  # a shorter cut of a check's message says nothing useful


@dataclass(frozen=True)
class _Group:
    """One check's findings (one per audited region for a regional check)."""

    findings: tuple[Finding, ...]
    home: str = ""  # the function's region: a failure only there is not labelled with it

    @property
    def first(self) -> Finding:
        return self.findings[0]

    @property
    def label(self) -> str:
        first = self.first
        statuses = {f.status for f in self.findings}
        label = first.check.id
        if statuses != {Status.FAIL}:
            label += f" ({'/'.join(sorted(s.value for s in statuses))})"
        regions = [f.region for f in self.findings if f.region]
        if regions and (len(regions) > 1 or regions[0] != self.home):
            label += f" [{', '.join(regions)}]"
        expired = [f.exemption.exemption.expires for f in self.findings if f.exemption and not f.exemption.applied]
        if expired:
            label += f" (exemption expired {max(expired).isoformat()})"
        return inert.line(label)


def _groups(findings: tuple[Finding, ...], home: str) -> list[_Group]:
    """Grouped by check, most severe check first, in the order found otherwise."""
    by_id: dict[str, list[Finding]] = {}
    for finding in findings:
        by_id.setdefault(finding.check.id, []).append(finding)
    groups = [_Group(tuple(items), home) for items in by_id.values()]
    return sorted(groups, key=lambda g: g.first.effective_severity.rank)


def fit(text: str, limit: int) -> str:
    """The text within `limit` characters, cut at the end with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def headline(report: Report) -> str:
    """The verdict, in audit mode marked as not enforced."""
    suffix = " (audit mode, not enforced)" if report.mode is Mode.AUDIT else ""
    return f"{report.verdict.value}{suffix}"


def _share_out(lengths: list[int], room: int) -> list[int]:
    """Water-filling: short messages get all they need, long ones split what is left equally."""
    budgets = [0] * len(lengths)
    pending = sorted(range(len(lengths)), key=lambda i: lengths[i])
    while pending:
        share = room // len(pending)
        index = pending.pop(0)
        budgets[index] = min(lengths[index], share)
        room -= budgets[index]
    return budgets


def _listing(head: str, groups: list[_Group], limit: int) -> str:
    """head, then every group's label with as much of its message as fits."""
    labels = [g.label for g in groups]
    bare = f"{head}{' | '.join(labels)}"
    if len(bare) > limit:  # too many to name: name what fits and count the rest
        for shown in range(len(labels) - 1, 0, -1):
            text = f"{head}{', '.join(labels[:shown])} +{len(labels) - shown} more"
            if len(text) <= limit:
                break
        return fit(text, limit)
    separator = ": "
    # the Reason and the hook's message reach the CloudFormation console and `aws cloudformation` output
    details = [separator + inert.line(g.first.message) for g in groups]
    budgets = _share_out([len(detail) for detail in details], limit - len(bare))
    parts = []
    for group, budget, detail in zip(groups, budgets, details):
        parts.append(group.label + (fit(detail, budget) if budget >= MIN_DETAIL_CHARS or budget >= len(detail) else ""))
    return fit(f"{head}{' | '.join(parts)}", limit)


def reason(report: Report, limit: int = MAX_REASON_CHARS) -> str:
    """Most important first: the verdict, then every check that decided it, most severe first, each with
    as much of its message as fits. A PASS names what it let through (errors under on_error: warn,
    failures below fail_on, exemptions)."""
    checks = len({f.check.id for f in report.findings})
    where = f" in {len(report.regions)} regions" if len(report.regions) > 1 else ""
    if not report.findings:
        return fit(f"{headline(report)}: the audit produced no findings, so nothing was shown to pass.", limit)
    if report.blocking:
        return _listing(f"{headline(report)}: ", _groups(report.blocking, report.region), limit)
    let_through = tuple(f for f in report.findings if f.status.is_failure or f.status is Status.EXEMPT)
    if not let_through:
        return fit(f"{headline(report)}: all {checks} checks passed{where}.", limit)
    return _listing(f"{headline(report)}: not blocking: ", _groups(let_through, report.region), limit)


def _id_list(ids: list[str], limit: int = MAX_ID_LIST_CHARS) -> str:
    total = len(ids)
    text = ",".join(ids)
    while len(text) > limit and ids:  # keep the whole response under CloudFormation's 4096 bytes
        ids.pop()
        text = ",".join(ids) + f",+{total - len(ids)} more"
    return text


def with_report_uri(text: str, report: Report, limit: int = MAX_REASON_CHARS) -> str:
    """The reason, naming the S3 report when there is room for it."""
    uri = report.report_uri
    suffix = f" Report: {uri}" if uri else ""
    return text + suffix if suffix and len(text) + len(suffix) <= limit else text


def response_data(report: Report) -> dict[str, str]:
    """Check ids by outcome. A regional check failing in any region is failed."""
    failed = list(dict.fromkeys(f.check.id for f in report.failures))
    exempt = [i for i in dict.fromkeys(f.check.id for f in report.with_status(Status.EXEMPT)) if i not in failed]
    passed = [i for i in dict.fromkeys(f.check.id for f in report.passes) if i not in failed and i not in exempt]
    data = {
        "Verdict": report.verdict.value,
        "FailedChecks": _id_list(failed),
        "PassedChecks": _id_list(passed),
        "ExemptChecks": _id_list(exempt),
    }
    if any(d.destination == "s3" for d in report.deliveries):
        data["ReportUri"] = report.report_uri or ""
    return data


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    meta = finding.check
    return {
        "check": meta.id,
        "title": meta.title,
        "region": finding.region,
        "severity": finding.effective_severity.value,
        "status": finding.status.value,
        "message": finding.message,
        "error_code": finding.error_code,
        "resources": list(finding.resources),
        "exemption": finding.exemption.text if finding.exemption else None,
        "duration_s": round(finding.duration_s, 3),
        "controls": _plain(meta.controls),
        "remediation": meta.remediation if finding.status.is_failure else None,
        "remediation_url": meta.remediation_url,
        "evidence": _plain(dict(finding.evidence)),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    return {
        "verdict": report.verdict.value,
        "mode": report.mode.value,
        "account_id": report.account_id,
        "region": report.region,
        "regions": list(report.regions),
        "baseline": report.baseline,
        "policy_digest": report.policy_digest,
        "duration_s": round(report.duration_s, 3),
        "blocking": list(dict.fromkeys(f.check.id for f in report.blocking)),
        "failed_checks": list(dict.fromkeys(f.check.id for f in report.failures)),
        "findings": [finding_to_dict(f) for f in report.findings],
        "deliveries": [_plain(d) for d in report.deliveries],
    }


@dataclass(frozen=True)
class LoggedExemption:
    """An exemption note as the log line states it (the exemption itself is in the baseline)."""

    text: str


def report_from_dict(data: dict[str, Any], registry: Any) -> Report:
    """The Report a summary log line (report_to_dict) describes, its checks' metadata from the catalogue:
    what someone reading the function's log - or the demo - renders as a table. A baseline's detective
    controls are not in the catalogue: their metadata is rebuilt from the id."""
    from preflight.detective import from_id

    def finding(f: dict[str, Any]) -> Finding:
        meta = (registry.get(f["check"]) if f["check"] in registry else from_id(f["check"])).meta
        severity = Severity(f["severity"])
        return Finding(meta, Status(f["status"]), f["message"], f["evidence"], f["duration_s"], f["error_code"],
                       f["region"], tuple(f["resources"]), None if severity is meta.severity else severity,
                       LoggedExemption(f["exemption"]) if f["exemption"] else None)  # type: ignore[arg-type]

    findings = tuple(finding(f) for f in data["findings"])
    return Report(Verdict(data["verdict"]), Mode(data["mode"]), data["region"], data["account_id"], findings,
                  data["duration_s"], tuple(f for f in findings if f.status.is_failure and f.check.id in data["blocking"]),
                  tuple(data["regions"]), data["baseline"], data["policy_digest"])


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
