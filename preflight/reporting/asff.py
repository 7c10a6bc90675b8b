"""Findings in the AWS Security Finding Format, with stable ids so a later audit updates the same findings.

- One **check finding** per check, account and region (id `preflight/{account}/{region}/{check}`): the summary,
  the account-level verdict, how many failing resources were not named. FAILED -> PASSED resolves it.
- One **resource finding** per named failing resource of a FAIL or EXEMPT (id
  `preflight/{account}/{region}/{check}/{resource}`, or `.../sha256:{digest of the resource}` when that would
  pass ASFF's 512-character limit on Id): Resources is that resource, with the ASFF type its ARN shows (Other
  when none is obvious), the Description says why it fails. At most MAX_RESOURCE_FINDINGS per check and
  region - the first the check names; the rest are counted in the check finding. A resource a current
  per-resource exemption covers is FAILED with Workflow SUPPRESSED. A resource is named when it is not one of
  the checks' "(... not named)" markers; template checks (which name a template's resources, not the
  account's) get no resource findings.
- A resource finding whose resource no longer fails is resolved only by someone who can ask Security Hub which
  it holds (destinations.py, from `resolvable()` and `resolved()` here).

Every string goes through `inert.text` (what AWS named cannot forge a field or a control character).
"""
from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any

from preflight import inert
from preflight.model import CheckMeta, ExemptionNote, Finding, Report, Scope, Severity, Status

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
MAX_ID = 512  # ASFF's limit on a finding's Id
MAX_PRODUCT_FIELD = 2048  # ASFF's limit on a ProductFields value
MAX_RESOURCE_FINDINGS = 100  # per check and region: what the per-resource checks name (_per_resource.MAX_NAMED)
RESOURCE_FIELD = "preflight/Resource"  # ProductFields key naming a resource finding's resource

# ASFF resource types by (ARN service, resource type before "/" or ":"); others are "Other".
ARN_TYPES = {
    ("s3", ""): "AwsS3Bucket", ("ec2", "security-group"): "AwsEc2SecurityGroup", ("ec2", "vpc"): "AwsEc2Vpc",
    ("ec2", "instance"): "AwsEc2Instance", ("ec2", "network-acl"): "AwsEc2NetworkAcl",
    ("ec2", "subnet"): "AwsEc2Subnet", ("ec2", "volume"): "AwsEc2Volume",
    ("ec2", "network-interface"): "AwsEc2NetworkInterface", ("iam", "user"): "AwsIamUser",
    ("iam", "role"): "AwsIamRole", ("iam", "group"): "AwsIamGroup", ("iam", "policy"): "AwsIamPolicy",
    ("iam", "root"): "AwsAccount", ("kms", "key"): "AwsKmsKey", ("rds", "db"): "AwsRdsDbInstance",
    ("rds", "cluster"): "AwsRdsDbCluster", ("elasticfilesystem", "file-system"): "AwsEfsFileSystem",
    ("cloudtrail", "trail"): "AwsCloudTrailTrail", ("lambda", "function"): "AwsLambdaFunction",
    ("dynamodb", "table"): "AwsDynamoDbTable", ("sns", ""): "AwsSnsTopic", ("sqs", ""): "AwsSqsQueue",
    ("guardduty", "detector"): "AwsGuardDutyDetector", ("acm", "certificate"): "AwsCertificateManagerCertificate",
}
# AWS Config names resources whose id makes no ARN "TYPE/ID" (checks/_resources.py).
CONFIG_TYPES = {"AWS::IAM::User": "AwsIamUser", "AWS::IAM::Role": "AwsIamRole", "AWS::IAM::Policy": "AwsIamPolicy",
                "AWS::RDS::DBInstance": "AwsRdsDbInstance", "AWS::KMS::Key": "AwsKmsKey"}
_ARN = re.compile(r"arn:[^:]*:([^:]+):[^:]*:[^:]*:([^/:]*)")


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def finding_id(account: str, region: str, check_id: str) -> str:
    return f"preflight/{account}/{region}/{check_id}"


def resource_finding_id(account: str, region: str, check_id: str, resource: str) -> str:
    """Stable per (account, region, check, resource): the resource's name as `inert.line` shows it (one line;
    the same whether computed from the check's answer or from the `inert.text` form Security Hub holds) when
    the id fits ASFF's limit, its SHA-256 otherwise."""
    prefix = inert.line(f"{finding_id(account, region, check_id)}/")
    name = inert.line(resource)
    whole = prefix + name
    if len(whole.encode()) <= MAX_ID:
        return whole
    return f"{prefix}sha256:{hashlib.sha256(name.encode()).hexdigest()}"


def resource_type(resource: str) -> str:
    if match := _ARN.match(resource):
        service, kind = match.groups()
        if service == "s3" and "/" in resource.split(":", 5)[5]:
            return "Other"  # an object, not a bucket
        if service in ("s3", "sns", "sqs"):
            kind = ""
        return ARN_TYPES.get((service, kind), "Other")
    return CONFIG_TYPES.get(resource.split("/", 1)[0], "Other")


def named(resource: str) -> bool:
    """Whether a finding's resource entry names a resource, not the "(and N more not named)" kind of marker."""
    return bool(resource.strip()) and not (resource.startswith("(") and resource.endswith(")"))


def related_requirements(meta: CheckMeta) -> list[str]:
    controls = meta.controls
    requirements = []
    if controls.cis_aws_v3:
        requirements += [f"CIS AWS Foundations Benchmark v3.0.0/{item.strip()}" for item in controls.cis_aws_v3.split(",")]
    if controls.cis_aws_v5:
        requirements += [f"CIS AWS Foundations Benchmark v5.0.0/{item.strip()}" for item in controls.cis_aws_v5.split(",")]
    if controls.security_hub:
        requirements += [f"AWS Security Hub/{c.strip()}" for c in controls.security_hub.split(",")]
    return requirements


def _stamp(now: datetime.datetime | None) -> str:
    return (now or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _document(meta: CheckMeta, account: str, region: str, *, id_: str, status: Status, severity: Severity,
              description: str, resources: list[dict[str, Any]], timestamp: str, workflow: str,
              fields: dict[str, str]) -> dict[str, Any]:
    partition = partition_of(region)
    failing = status.is_failure or status is Status.EXEMPT
    return inert.json_data({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": id_,
        "ProductArn": product_arn(account, region),
        "GeneratorId": generator_id(meta.id),
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"
                  if meta.controls.cis_aws_v3 else "Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": timestamp,
        "UpdatedAt": timestamp,
        "Severity": {"Label": severity.value if failing else Severity.INFORMATIONAL.value, "Original": severity.value},
        "Title": inert.text(meta.title)[:256],
        # escaped before it is cut to ASFF's limits, so an escape cannot push a field past them
        "Description": inert.text(description)[:1024],
        "Remediation": {"Recommendation": {"Text": inert.text(meta.remediation)[:512], "Url": meta.remediation_url}},
        "ProductFields": {"preflight/CheckId": meta.id, "preflight/Status": status.value,
                          **{k: inert.text(v)[:MAX_PRODUCT_FIELD] for k, v in fields.items()}},
        "Resources": [{**r, "Partition": partition, "Region": region} for r in resources],
        "Compliance": {"Status": COMPLIANCE[status], "RelatedRequirements": related_requirements(meta)},
        "Workflow": {"Status": workflow},
        "RecordState": "ACTIVE",
    }, inert.text)


def product_arn(account: str, region: str) -> str:
    return f"arn:{partition_of(region)}:securityhub:{region}:{account}:product/{account}/default"


def generator_id(check_id: str) -> str:
    return f"preflight/{check_id}"


def _where(finding: Finding, report: Report) -> tuple[str, str]:
    return report.account_id, finding.region or report.region


def to_asff(finding: Finding, report: Report, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The check finding."""
    account, region = _where(finding, report)
    resources = [{"Type": "AwsAccount", "Id": f"AWS::::Account:{account}"}]
    resources += [{"Type": "Other", "Id": arn} for arn in finding.resources[: MAX_RESOURCES - 1]]
    unnamed = finding.evidence.get("not_named")
    return _document(
        finding.check, account, region, id_=finding_id(account, region, finding.check.id), status=finding.status,
        severity=finding.effective_severity, resources=resources, timestamp=_stamp(now),
        description=finding.message + (f" ({finding.exemption.text})" if finding.exemption else ""),
        workflow=WORKFLOW.get(finding.status, "NEW"),
        fields={"preflight/NotNamed": str(unnamed)} if isinstance(unnamed, int) and unnamed else {})


def _reasons(finding: Finding) -> dict[str, str]:
    """Why each failing resource fails, where the check said (per-resource checks' `failing` evidence)."""
    failing = finding.evidence.get("failing")
    if not isinstance(failing, list):
        return {}
    return {str(f["arn"]): str(f.get("why", "")) for f in failing if isinstance(f, dict) and "arn" in f}


def failing_resources(finding: Finding) -> tuple[str, ...]:
    """The named resources of a FAIL or EXEMPT that get resource findings (none for template checks)."""
    if finding.status not in (Status.FAIL, Status.EXEMPT) or finding.check.scope is Scope.TEMPLATE:
        return ()
    return tuple(dict.fromkeys(r for r in finding.resources if named(r)))


def resource_findings(finding: Finding, report: Report, now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    account, region = _where(finding, report)
    reasons, timestamp = _reasons(finding), _stamp(now)
    documents = []
    for resource in failing_resources(finding)[:MAX_RESOURCE_FINDINGS]:
        note: ExemptionNote | None = finding.resource_exemptions.get(resource)
        if note is None and finding.status is Status.EXEMPT:
            note = finding.exemption
        exempt = note is not None and note.applied
        why = reasons.get(resource) or finding.message
        documents.append(_document(
            finding.check, account, region, id_=resource_finding_id(account, region, finding.check.id, resource),
            status=Status.EXEMPT if exempt else Status.FAIL, severity=finding.effective_severity,
            resources=[{"Type": resource_type(resource), "Id": resource}], timestamp=timestamp,
            description=f"{resource}: {why}" + (f" ({note.text})" if note else ""),
            workflow="SUPPRESSED" if exempt else "NEW", fields={RESOURCE_FIELD: resource}))
    return documents


def findings_for(report: Report, now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """Each finding's check finding, then its resource findings."""
    return [document for f in report.findings for document in (to_asff(f, report, now), *resource_findings(f, report, now))]


def resolvable(finding: Finding) -> bool:
    """Whether the check's reading is complete, so a resource it does not name now is known not to fail: a PASS,
    or a FAIL (or EXEMPT) whose listing finished (evidence `complete` true) and named every failing resource.
    Never an ERROR, TIMEOUT, NOT_AUDITED or NOT_APPLICABLE (nothing unjudged is called resolved), nor a FAIL
    beyond the named resources (the unnamed failures look like resolved ones), nor a template check."""
    if finding.check.scope is Scope.TEMPLATE:
        return False
    if finding.status is Status.PASS:
        return True
    return (finding.status in (Status.FAIL, Status.EXEMPT) and finding.evidence.get("complete") is True
            and not finding.evidence.get("not_named") and all(named(r) for r in finding.resources)
            and len(failing_resources(finding)) <= MAX_RESOURCE_FINDINGS)


def resolved(finding: Finding, report: Report, resource: str, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The resource finding of a resource `finding` (resolvable) no longer names: PASSED, Workflow RESOLVED."""
    account, region = _where(finding, report)
    meta = finding.check
    return _document(
        meta, account, region, id_=resource_finding_id(account, region, meta.id, resource), status=Status.PASS,
        severity=finding.effective_severity, resources=[{"Type": resource_type(resource), "Id": resource}], timestamp=_stamp(now),
        description=f"{resource}: no longer among the failures of this check (its latest complete reading).",
        workflow="RESOLVED", fields={RESOURCE_FIELD: resource})
