"""Findings in the AWS Security Finding Format, one per check, account and region, with a stable id so a
later audit updates the same finding (FAILED -> PASSED resolves it)."""
from __future__ import annotations

import datetime
from typing import Any

from preflight import inert
from preflight.model import Finding, Report, Severity, Status

SCHEMA_VERSION = "2018-10-08"
COMPLIANCE = {
    Status.PASS: "PASSED",
    Status.FAIL: "FAILED",
    Status.EXEMPT: "FAILED",  # still failing; the workflow says it is suppressed by an exemption
    Status.ERROR: "NOT_AVAILABLE",
    Status.TIMEOUT: "NOT_AVAILABLE",
    Status.NOT_AUDITED: "NOT_AVAILABLE",
    Status.NOT_APPLICABLE: "NOT_AVAILABLE",
}
WORKFLOW = {Status.PASS: "RESOLVED", Status.EXEMPT: "SUPPRESSED"}  # otherwise NEW
MAX_RESOURCES = 32  # ASFF's limit per finding


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def finding_id(account: str, region: str, check_id: str) -> str:
    return f"preflight/{account}/{region}/{check_id}"


def related_requirements(finding: Finding) -> list[str]:
    controls = finding.check.controls
    requirements = []
    if controls.cis_aws_v3:
        requirements += [f"CIS AWS Foundations Benchmark v3.0.0/{item.strip()}" for item in controls.cis_aws_v3.split(",")]
    if controls.cis_aws_v5:
        requirements += [f"CIS AWS Foundations Benchmark v5.0.0/{item.strip()}" for item in controls.cis_aws_v5.split(",")]
    if controls.security_hub:
        requirements += [f"AWS Security Hub/{c.strip()}" for c in controls.security_hub.split(",")]
    return requirements


def to_asff(finding: Finding, report: Report, now: datetime.datetime | None = None) -> dict[str, Any]:
    account, region = report.account_id, finding.region or report.region
    partition = partition_of(region)
    timestamp = (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    meta = finding.check
    cis = bool(meta.controls.cis_aws_v3)
    resources = [{"Type": "AwsAccount", "Id": f"AWS::::Account:{account}", "Partition": partition, "Region": region}]
    resources += [{"Type": "Other", "Id": arn, "Partition": partition, "Region": region}
                  for arn in finding.resources[: MAX_RESOURCES - 1]]
    # escaped before it is cut to ASFF's limits, so an escape cannot push a field past them
    description = inert.text(finding.message + (f" ({finding.exemption.text})" if finding.exemption else ""))
    return inert.json_data({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(account, region, meta.id),
        "ProductArn": f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": f"preflight/{meta.id}",
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"
                  if cis else "Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": timestamp,
        "UpdatedAt": timestamp,
        "Severity": {"Label": finding.effective_severity.value if finding.status.is_failure or finding.status is Status.EXEMPT
                     else Severity.INFORMATIONAL.value,
                     "Original": finding.effective_severity.value},
        "Title": inert.text(meta.title)[:256],
        "Description": description[:1024],
        "Remediation": {"Recommendation": {"Text": inert.text(meta.remediation)[:512], "Url": meta.remediation_url}},
        "ProductFields": {"preflight/CheckId": meta.id, "preflight/Status": finding.status.value},
        "Resources": resources,
        "Compliance": {"Status": COMPLIANCE[finding.status], "RelatedRequirements": related_requirements(finding)},
        "Workflow": {"Status": WORKFLOW.get(finding.status, "NEW")},
        "RecordState": "ACTIVE",
    }, inert.text)


def findings_for(report: Report, now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    return [to_asff(f, report, now) for f in report.findings]
