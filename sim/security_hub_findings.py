"""Security Hub's GetFindings filters, which moto 5.2.5 ignores ("Filters and SortCriteria is not yet
implemented": every imported finding comes back, whatever was asked).

Modelled from the Security Hub API Reference: `AwsSecurityFindingFilters` (a finding matches when it matches
every attribute named; within one attribute, EQUALS values are alternatives and NOT_EQUALS values must all
hold - "StringFilter"), the attributes this project asks for mapped to their ASFF fields
(`ComplianceSecurityControlId` -> Compliance.SecurityControlId, `ComplianceStatus` -> Compliance.Status,
`RecordState`, `WorkflowStatus` -> Workflow.Status, `Region`, `AwsAccountId`, `ProductArn`, `GeneratorId`),
MaxResults 1-100 and NextToken, and "for each attribute, you can provide up to 20 filter values" (more are
refused). An attribute the model does not know is refused rather than ignored, so a test cannot pass on a
filter that was never applied. `Region` "Security Hub populates ... automatically for each finding" (the
AwsSecurityFinding reference): moto does not, so a finding without one has the region it was imported in. Findings are moto's own (BatchImportFindings); `control_finding()` imports one as a
security control of Security Hub's consolidated findings would look.
"""
from __future__ import annotations

import json
from typing import Any

FIELDS = {
    "ComplianceSecurityControlId": ("Compliance", "SecurityControlId"),
    "ComplianceStatus": ("Compliance", "Status"),
    "RecordState": ("RecordState",),
    "WorkflowStatus": ("Workflow", "Status"),
    "Region": ("Region",),
    "AwsAccountId": ("AwsAccountId",),
    "ProductArn": ("ProductArn",),
    "GeneratorId": ("GeneratorId",),
}
MAX_FILTER_VALUES = 20


def _value(finding: dict[str, Any], path: tuple[str, ...]) -> Any:
    for part in path:
        finding = finding.get(part) if isinstance(finding, dict) else None
    return finding


def matches(finding: dict[str, Any], filters: dict[str, list[dict[str, str]]]) -> bool:
    for name, conditions in filters.items():
        if name not in FIELDS:
            raise ValueError(f"the simulation does not model the GetFindings filter {name}")
        value = _value(finding, FIELDS[name])
        equals = [c["Value"] for c in conditions if c.get("Comparison") == "EQUALS"]
        not_equals = [c["Value"] for c in conditions if c.get("Comparison") == "NOT_EQUALS"]
        if (equals and value not in equals) or value in not_equals:
            return False
    return True


def _get_findings(self) -> str:
    from moto.core.exceptions import JsonRESTError

    limit = self._get_param("MaxResults") or 100
    if not 1 <= int(limit) <= 100:
        raise JsonRESTError("InvalidInputException", "MaxResults must be a number between 1 and 100")
    filters = self._get_param("Filters") or {}
    if any(len(conditions) > MAX_FILTER_VALUES for conditions in filters.values()):
        raise JsonRESTError("InvalidInputException", f"at most {MAX_FILTER_VALUES} values per filter attribute")
    region = self.securityhub_backend.region_name
    held = [{"Region": region, **f.as_dict()} for f in self.securityhub_backend.findings]
    found = [f for f in held if matches(f, filters)]
    start = int(self._get_param("NextToken") or 0)
    end = start + int(limit)
    return json.dumps({"Findings": found[start:end], **({"NextToken": str(end)} if end < len(found) else {})})


def patch_responses() -> None:
    from moto.securityhub.responses import SecurityHubResponse

    SecurityHubResponse.get_findings = _get_findings


def control_finding(control_id: str, resource_arn: str, status: str = "FAILED", *, workflow: str = "NEW",
                    record_state: str = "ACTIVE", tags: dict[str, str] | None = None, note: str | None = None,
                    region: str = "us-east-1", account: str = "123456789012") -> dict[str, Any]:
    """A consolidated control finding (ASFF) for one resource, imported with BatchImportFindings."""
    import boto3

    finding: dict[str, Any] = {
        "SchemaVersion": "2018-10-08", "Id": f"arn:aws:securityhub:{region}:{account}:security-control/"
                                             f"{control_id}/finding/{abs(hash(resource_arn)):x}",
        "ProductArn": f"arn:aws:securityhub:{region}::product/aws/securityhub", "GeneratorId": f"security-control/{control_id}",
        "AwsAccountId": account, "Region": region, "Types": ["Software and Configuration Checks"],
        "CreatedAt": "2026-11-30T00:00:00Z", "UpdatedAt": "2026-11-30T00:00:00Z",
        "Severity": {"Label": "HIGH"}, "Title": f"{control_id} finding", "Description": control_id,
        "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": resource_arn, **({"Tags": tags} if tags else {})}],
        "Compliance": {"Status": status, "SecurityControlId": control_id},
        "Workflow": {"Status": workflow}, "RecordState": record_state,
        **({"Note": {"Text": note, "UpdatedBy": "security-team", "UpdatedAt": "2026-11-30T00:00:00Z"}} if note else {}),
    }
    answer = boto3.client("securityhub", region_name=region).batch_import_findings(Findings=[finding])
    assert answer["FailedCount"] == 0, answer
    return finding
