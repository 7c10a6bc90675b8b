"""Renders a Report: the CloudFormation Reason and Data, the JSON log object, and a terminal table."""
from __future__ import annotations

import dataclasses
import enum
import json
import textwrap
from typing import Any

from preflight.model import Finding, Mode, Report, Severity, Status

MAX_REASON_CHARS = 256  # CloudFormation's limit; crhelper would cut a longer one from the front
MAX_ID_LIST_CHARS = 1500  # per Data attribute: two of them, the Reason and the envelope stay under 4096 bytes
MIN_DETAIL_CHARS = 24  # a shorter cut of a check's message says nothing useful
_SEVERITY_ORDER = list(Severity)


def _status_label(finding: Finding) -> str:
    return finding.check.id if finding.status is Status.FAIL else f"{finding.check.id} ({finding.status.value})"


def _fit(text: str, limit: int) -> str:
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


def reason(report: Report, limit: int = MAX_REASON_CHARS) -> str:
    """Most important first: the verdict, then every failing check id with as much of its message as fits,
    most severe first."""
    failures = sorted(report.failures, key=lambda f: _SEVERITY_ORDER.index(f.check.severity))
    if not failures:
        return _fit(f"{headline(report)}: all {len(report.findings)} checks passed.", limit)
    labels = [_status_label(f) for f in failures]
    bare = f"{headline(report)}: {' | '.join(labels)}"
    if len(bare) > limit:  # too many to name: name what fits and count the rest
        for shown in range(len(labels) - 1, 0, -1):
            text = f"{headline(report)}: {', '.join(labels[:shown])} +{len(labels) - shown} more"
            if len(text) <= limit:
                break
        return _fit(text, limit)
    separator = ": "
    budgets = _share_out([len(separator + f.message) for f in failures], limit - len(bare))
    parts = []
    for label, finding, budget in zip(labels, failures, budgets):
        detail = separator + finding.message
        parts.append(label + (_fit(detail, budget) if budget >= MIN_DETAIL_CHARS or budget >= len(detail) else ""))
    return _fit(f"{headline(report)}: {' | '.join(parts)}", limit)


def _id_list(findings: tuple[Finding, ...], limit: int = MAX_ID_LIST_CHARS) -> str:
    ids = [f.check.id for f in findings]
    text = ",".join(ids)
    while len(text) > limit and ids:  # keep the whole response under CloudFormation's 4096 bytes
        ids.pop()
        text = ",".join(ids) + f",+{len(findings) - len(ids)} more"
    return text


def response_data(report: Report) -> dict[str, str]:
    return {
        "Verdict": report.verdict.value,
        "FailedChecks": _id_list(report.failures),
        "PassedChecks": _id_list(report.passes),
    }


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
        "severity": meta.severity.value,
        "status": finding.status.value,
        "message": finding.message,
        "error_code": finding.error_code,
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
        "duration_s": round(report.duration_s, 3),
        "failed_checks": [f.check.id for f in report.failures],
        "findings": [finding_to_dict(f) for f in report.findings],
    }


def report_to_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), default=str)


def render_table(report: Report, width: int = 100) -> str:
    rows = [(f.status.value, f.check.severity.value, f.check.id, f.message) for f in report.findings]
    w_status = max(len("STATUS"), *(len(r[0]) for r in rows)) if rows else 6
    w_sev = max(len("SEVERITY"), *(len(r[1]) for r in rows)) if rows else 8
    w_id = max(len("CHECK"), *(len(r[2]) for r in rows)) if rows else 5
    indent = w_status + w_sev + w_id + 6
    lines = [f"{'STATUS':<{w_status}}  {'SEVERITY':<{w_sev}}  {'CHECK':<{w_id}}  MESSAGE"]
    for status, severity, check_id, message in rows:
        wrapped = textwrap.wrap(message, max(30, width - indent), break_on_hyphens=False) or [""]
        lines.append(f"{status:<{w_status}}  {severity:<{w_sev}}  {check_id:<{w_id}}  {wrapped[0]}")
        lines.extend(" " * indent + more for more in wrapped[1:])
    failures = report.failures
    if failures:
        lines.append("")
        lines.append("How to fix:")
        for f in failures:
            lines.append(f"- {f.check.id}: {f.check.title}")
            lines.extend(textwrap.wrap(f.check.remediation, width, initial_indent="    ", subsequent_indent="    ",
                                       break_on_hyphens=False))
            lines.append(f"    {f.check.remediation_url}")
    lines.append("")
    lines.append(f"Verdict: {headline(report)}  ({len(report.passes)} passed, {len(failures)} failed, "
                 f"{report.duration_s:.2f} s, account {report.account_id or 'unknown'}, region {report.region})")
    return "\n".join(lines)
