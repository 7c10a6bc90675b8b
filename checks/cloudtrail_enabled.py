"""cloudtrail-enabled: a multi-region trail is logging read and write management events."""
from __future__ import annotations

from concurrent.futures import as_completed
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from preflight.concurrency import fan_out, spawn
from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import Check, CheckMeta, Controls, Result, Severity, failed, passed

META = CheckMeta(
    id="cloudtrail-enabled",
    title="A multi-region CloudTrail trail is logging read and write management events",
    severity=Severity.HIGH,
    controls=Controls(cis_aws_v3="3.1", security_hub="CloudTrail.1"),
    remediation=(
        "Create a multi-region trail (or use an organization trail) that records management events with "
        "ReadWriteType All, and start it: aws cloudtrail create-trail --name audit --s3-bucket-name BUCKET "
        "--is-multi-region-trail; aws cloudtrail start-logging --name audit"
    ),
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-1",
    iam_actions=("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"),
)

# What a member account is told when it asks for details of its organization's trail, which lives in the
# management account. AWS answers one or the other depending on the call and the set-up.
_FOREIGN_ORG_TRAIL_CODES = frozenset({"CloudTrailARNInvalidException", "TrailNotFoundException"})


@dataclass(frozen=True)
class ManagementCoverage:
    reads: bool
    writes: bool

    @property
    def complete(self) -> bool:
        return self.reads and self.writes


@dataclass
class TrailAssessment:
    name: str
    arn: str
    home_region: str
    multi_region: bool
    organization_trail: bool
    logging: bool | None = None  # None: not readable from this account
    management_reads: bool | None = None
    management_writes: bool | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None

    @property
    def accepted(self) -> bool:
        return not self.problems and self.error is None


def coverage_of_classic(selectors: list[dict[str, Any]]) -> ManagementCoverage:
    # AWS defaults: IncludeManagementEvents true, ReadWriteType All.
    kinds = {s.get("ReadWriteType", "All") for s in selectors if s.get("IncludeManagementEvents", True)}
    return ManagementCoverage(reads=bool(kinds & {"All", "ReadOnly"}), writes=bool(kinds & {"All", "WriteOnly"}))


def coverage_of_advanced(selectors: list[dict[str, Any]]) -> ManagementCoverage:
    reads = writes = False
    for selector in selectors:
        fields = {f["Field"]: f for f in selector.get("FieldSelectors", [])}
        if fields.get("eventCategory", {}).get("Equals") != ["Management"]:
            continue
        read_only = fields.get("readOnly")
        if read_only is None:
            return ManagementCoverage(reads=True, writes=True)
        allowed = {"true", "false"}
        if "Equals" in read_only:
            allowed &= {v.lower() for v in read_only["Equals"]}
        if "NotEquals" in read_only:
            allowed -= {v.lower() for v in read_only["NotEquals"]}
        reads = reads or "true" in allowed
        writes = writes or "false" in allowed
    return ManagementCoverage(reads=reads, writes=writes)


def coverage_of(selectors_response: dict[str, Any]) -> ManagementCoverage:
    advanced = selectors_response.get("AdvancedEventSelectors") or []
    if advanced:
        return coverage_of_advanced(advanced)
    return coverage_of_classic(selectors_response.get("EventSelectors") or [])


def _is_foreign_org_refusal(trail: TrailAssessment, account_id: str, error: ClientError) -> bool:
    owner = trail.arn.split(":")[4] if trail.arn.count(":") >= 5 else account_id
    return (
        trail.organization_trail
        and owner != account_id
        and error.response.get("Error", {}).get("Code") in _FOREIGN_ORG_TRAIL_CODES
    )


def _read_details(ctx: CheckContext, trail: TrailAssessment) -> None:
    # Detail calls on a shadow trail must go to its home region, by ARN.
    client = ctx.client("cloudtrail", trail.home_region)

    def call(operation: str) -> dict[str, Any] | None:
        try:
            if operation == "status":
                return client.get_trail_status(Name=trail.arn)
            return client.get_event_selectors(TrailName=trail.arn)
        except ClientError as error:
            if _is_foreign_org_refusal(trail, ctx.account_id, error):
                return None
            raise

    try:
        status, selectors = fan_out(call, ("status", "selectors"))
    except ClientError as error:
        detail = error.response.get("Error", {})
        trail.error_code = detail.get("Code")
        trail.error = f"{trail.error_code}: {detail.get('Message')}"
        return

    if status is None:
        trail.notes.append("logging status not readable from this member account; trusted to the organization")
    else:
        trail.logging = bool(status.get("IsLogging"))
        if not trail.logging:
            trail.problems.append("is not logging")

    if selectors is None:
        trail.notes.append("event selectors not readable from this member account; trusted to the organization")
        return
    coverage = coverage_of(selectors)
    trail.management_reads, trail.management_writes = coverage.reads, coverage.writes
    if not (selectors.get("EventSelectors") or selectors.get("AdvancedEventSelectors")):
        trail.problems.append("records no management events (its event selectors are empty)")
    elif not (coverage.reads or coverage.writes):
        trail.problems.append("records no management events")
    elif not coverage.complete:
        kind = "read-only" if coverage.reads else "write-only"
        trail.problems.append(f"records only {kind} management events")


def assess(ctx: CheckContext, trail: dict[str, Any]) -> TrailAssessment:
    assessment = TrailAssessment(
        name=trail["Name"],
        arn=trail.get("TrailARN", trail["Name"]),
        home_region=trail.get("HomeRegion", ctx.region),
        multi_region=bool(trail.get("IsMultiRegionTrail")),
        organization_trail=bool(trail.get("IsOrganizationTrail")),
    )
    if not assessment.multi_region:
        assessment.problems.append("is single-region")
        return assessment
    _read_details(ctx, assessment)
    return assessment


def describe(assessment: TrailAssessment) -> str:
    if assessment.error:
        return f"trail '{assessment.name}' could not be read ({assessment.error})"
    return f"trail '{assessment.name}' " + " and ".join(assessment.problems)


def run(ctx: CheckContext) -> Result:
    trails = ctx.client("cloudtrail").describe_trails(includeShadowTrails=True)["trailList"]
    if not trails:
        return failed("No CloudTrail trail exists in this account.", trails=[])
    assessments = []
    # The first acceptable trail settles it: a trail whose home region hangs cannot hold the verdict up.
    for future in as_completed([spawn(assess, ctx, trail) for trail in trails]):
        assessment = future.result()
        assessments.append(assessment)
        if assessment.accepted:
            kind = "organization trail" if assessment.organization_trail else "multi-region trail"
            return passed(
                f"The {kind} '{assessment.name}' is logging read and write management events.",
                trails=assessments,
                unfinished=len(trails) - len(assessments),
            )
    order = [t.get("TrailARN", t["Name"]) for t in trails]
    assessments.sort(key=lambda a: order.index(a.arn))
    unreadable = [a for a in assessments if a.error]
    if unreadable:
        # An unreadable multi-region trail might be the compliant one: that is no verdict.
        raise EvaluationError(unreadable[0].error_code or "Unknown", "; ".join(describe(a) for a in unreadable))
    return failed(
        "No multi-region trail logs all management events: "
        + "; ".join(describe(a) for a in assessments)
        + ".",
        trails=assessments,
    )


CHECK = Check(META, run)
