"""What a Lambda door says of a report: the custom resource's Reason (at most 256 characters, most
important first) and Data, and the hook's message."""
from __future__ import annotations

from dataclasses import dataclass

from preflight import inert
from preflight.model import Finding, Report, Status
from preflight.text import fit, headline

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
