"""How a baseline's `security_hub_controls` entries are judged: Security Hub's consolidated control findings
for the control in the audited region (Security Hub API Reference, GetFindings and AwsSecurityFindingFilters;
User Guide, "Consolidated control findings").

Only ACTIVE findings count (an ARCHIVED one describes a resource or a control that is gone). At most four
GetFindings calls, each stopping at the first that decides:
1. ComplianceStatus FAILED, WorkflowStatus not SUPPRESSED: any is FAIL, naming `Resources[].Id`, with their
   `Resources[].Tags` (so exemptions by tag need no further call).
2. else ComplianceStatus FAILED, WorkflowStatus SUPPRESSED: any is EXEMPT - exempted in Security Hub, with the
   finding's note as the reason.
3. else ComplianceStatus PASSED (MaxResults 1): PASS.
4. else any ACTIVE finding (MaxResults 1): one that is only WARNING or NOT_AVAILABLE is ERROR (Security Hub
   could not evaluate the control); none is NOT_APPLICABLE (no resource in scope, or the control is not
   enabled in the region).
Security Hub not enabled (InvalidAccessException) is ERROR: there is no verdict to take.
"""
from __future__ import annotations

from botocore.exceptions import ClientError

from checks._resources import IN_EVIDENCE, Offenders
from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import Result, Status, failed, not_applicable, passed


def _equals(value: str) -> list[dict[str, str]]:
    return [{"Value": value, "Comparison": "EQUALS"}]


def _findings(ctx: CheckContext, control: str, limit: int = IN_EVIDENCE, **filters: list[dict[str, str]]
              ) -> tuple[list[dict], bool]:
    query = {"ComplianceSecurityControlId": _equals(control), "RecordState": _equals("ACTIVE"),
             "Region": _equals(ctx.region), **filters}
    try:
        answer = ctx.client("securityhub").get_findings(Filters=query, MaxResults=limit)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "InvalidAccessException":
            raise EvaluationError("SecurityHubNotEnabled", f"Security Hub is not enabled in {ctx.region}: "
                                  f"control {control} has no findings to judge by.") from error
        raise
    return answer["Findings"], bool(answer.get("NextToken"))


def _resources(findings: list[dict]) -> tuple[list[str], dict[str, dict[str, str]]]:
    names: list[str] = []
    tags: dict[str, dict[str, str]] = {}
    for finding in findings:
        for resource in finding.get("Resources", []):
            names.append(resource["Id"])
            if resource.get("Tags"):
                tags[resource["Id"]] = dict(resource["Tags"])
    return list(dict.fromkeys(names)), tags


def run_control(control: str, ctx: CheckContext) -> Result:
    what = f"Security Hub control {control}"
    failing, more = _findings(ctx, control, ComplianceStatus=_equals("FAILED"),
                              WorkflowStatus=[{"Value": "SUPPRESSED", "Comparison": "NOT_EQUALS"}])
    if failing:
        names, tags = _resources(failing)
        offenders = Offenders(tuple(names[:IN_EVIDENCE]), len(names), more or len(names) > IN_EVIDENCE)
        count = f"{len(failing):,}{'+' if more else ''}"
        return failed(f"{what} has {count} FAILED finding{'s' if len(failing) != 1 else ''} in {ctx.region}: "
                      f"{offenders.sentence()}.", resources=offenders.resources, resource_tags=tags,
                      control=control, failed_findings=[f["Id"] for f in failing], non_compliant=list(offenders.names))
    suppressed, _ = _findings(ctx, control, ComplianceStatus=_equals("FAILED"), WorkflowStatus=_equals("SUPPRESSED"))
    if suppressed:
        notes = sorted({f["Note"]["Text"] for f in suppressed if f.get("Note", {}).get("Text")})
        reason = "; ".join(notes) if notes else "workflow status SUPPRESSED, no note"
        names, _ = _resources(suppressed)
        return Result(Status.EXEMPT, f"{what}: {len(suppressed)} FAILED finding{'s' if len(suppressed) != 1 else ''} "
                      f"in {ctx.region}, all suppressed in Security Hub (exempted by Security Hub: {reason}).",
                      {"control": control, "suppressed_findings": [f["Id"] for f in suppressed], "reason": reason},
                      tuple(names[:IN_EVIDENCE]))
    if _findings(ctx, control, limit=1, ComplianceStatus=_equals("PASSED"))[0]:
        return passed(f"{what} has no FAILED findings in {ctx.region}.", control=control)
    undecided, _ = _findings(ctx, control, limit=1)
    if undecided:
        status = undecided[0].get("Compliance", {}).get("Status")
        raise EvaluationError("NoVerdict", f"{what} has no PASSED or FAILED finding in {ctx.region}, only {status} "
                              "ones: Security Hub could not evaluate it.")
    return not_applicable(f"{what} has no findings in {ctx.region} (no resource in scope, or the control is "
                          "not enabled there).", control=control)
