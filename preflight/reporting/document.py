"""Renders a Report: the CloudFormation Reason and Data, the JSON log object, and a terminal table."""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from preflight.model import Finding, Mode, Report, Severity, Status, Verdict

if TYPE_CHECKING:
    from preflight.registry import Registry


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


def report_from_dict(data: dict[str, Any], registry: Registry) -> Report:
    """The Report a summary log line (report_to_dict) describes, its checks' metadata from the catalogue:
    what someone reading the function's log - or the demo - renders as a table. A baseline's detective
    controls are not in the catalogue: their metadata is rebuilt from the id."""
    from preflight.detective import from_id

    def finding(f: dict[str, Any]) -> Finding:
        check = registry.get(f["check"]) if f["check"] in registry else from_id(f["check"])
        if check is None:
            raise ValueError(f"the report names a check preflight does not know: {f['check'][:80]!r}")
        meta = check.meta
        severity = Severity(f["severity"])
        return Finding(meta, Status(f["status"]), f["message"], f["evidence"], f["duration_s"], f["error_code"],
                       f["region"], tuple(f["resources"]), None if severity is meta.severity else severity,
                       LoggedExemption(f["exemption"]) if f["exemption"] else None)  # type: ignore[arg-type]

    findings = tuple(finding(f) for f in data["findings"])
    return Report(Verdict(data["verdict"]), Mode(data["mode"]), data["region"], data["account_id"], findings,
                  data["duration_s"], tuple(f for f in findings if f.status.is_failure and f.check.id in data["blocking"]),
                  tuple(data["regions"]), data["baseline"], data["policy_digest"])


