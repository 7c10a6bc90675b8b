"""What every CloudTrail-based check needs: the account's trails, looked up once per audit, and the facts
about each multi-region trail (status, selectors), fetched once and shared.

Detail calls on a shadow trail go to its home region, by ARN. An organization trail owned by the
management account answers a member's detail calls with CloudTrailARNInvalidException or
TrailNotFoundException; its unreadable facts are then trusted to the organization and noted.
"""
from __future__ import annotations

import datetime
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from checks._event_selectors import LAMBDA_FUNCTIONS, S3_OBJECTS, coverage_of, data_events
from preflight.aws.names import account_in_arn
from preflight.concurrency import fan_out, spawn
from preflight.context import CheckContext
from preflight.errors import EvaluationError

CLOUDTRAIL_READ_ACTIONS = ("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors")
FOREIGN_ORG_TRAIL_CODES = frozenset({"CloudTrailARNInvalidException", "TrailNotFoundException"})
READ_WRITE_TYPES = ("All", "WriteOnly", "ReadOnly")  # strictest first


@dataclass
class TrailAssessment:
    """Facts about one trail; acceptance is judged per check, with that check's parameters."""

    name: str
    arn: str
    home_region: str
    multi_region: bool
    organization_trail: bool
    owner_account: str
    log_file_validation: bool
    kms_key_id: str | None
    log_group_arn: str | None
    s3_bucket: str | None = None
    logging: bool | None = None  # None: not readable from this account (or not asked: single-region)
    management_reads: bool | None = None
    management_writes: bool | None = None
    management_narrowing: tuple[str, ...] = ()  # how selectors that record only some management events narrow
    selectors_empty: bool = False
    # S3 object-level data events for all buckets (CIS 3.8 / 3.9); None: selectors not asked, or not readable
    s3_data_reads: bool | None = None
    s3_data_writes: bool | None = None
    lambda_invokes: bool | None = None  # Lambda Invoke data events for all functions; None as for S3
    has_insight_selectors: bool = False  # DescribeTrails' HasInsightSelectors
    cloudwatch_delivery_time: datetime.datetime | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None


def account_partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def trail_status(ctx: CheckContext, trail: TrailAssessment) -> dict[str, Any]:
    """GetTrailStatus, once per trail and audit, in the trail's home region."""
    return ctx.remember(("cloudtrail", "status", trail.arn),
                        lambda: ctx.client("cloudtrail", trail.home_region).get_trail_status(Name=trail.arn))


def _read_details(ctx: CheckContext, trail: TrailAssessment) -> None:
    client = ctx.client("cloudtrail", trail.home_region)
    foreign = trail.organization_trail and trail.owner_account != ctx.account_id

    def call(operation: str) -> dict[str, Any] | None:
        try:
            if operation == "status":
                return trail_status(ctx, trail)
            return client.get_event_selectors(TrailName=trail.arn)
        except ClientError as error:
            if foreign and error.response.get("Error", {}).get("Code") in FOREIGN_ORG_TRAIL_CODES:
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
        trail.cloudwatch_delivery_time = status.get("LatestCloudWatchLogsDeliveryTime")
    if selectors is None:
        trail.notes.append("event selectors not readable from this member account; trusted to the organization")
        return
    partition = account_partition(trail.home_region)
    trail.s3_data_reads, trail.s3_data_writes = data_events(selectors, S3_OBJECTS, partition)
    trail.lambda_invokes = data_events(selectors, LAMBDA_FUNCTIONS, partition)[1]  # Invoke is a write (readOnly false)
    coverage = coverage_of(selectors)
    trail.management_reads, trail.management_writes = coverage.reads, coverage.writes
    trail.management_narrowing = coverage.narrowing
    trail.selectors_empty = not (selectors.get("EventSelectors") or selectors.get("AdvancedEventSelectors"))


def assess(ctx: CheckContext, trail: dict[str, Any]) -> TrailAssessment:
    arn = trail.get("TrailARN", trail["Name"])
    assessment = TrailAssessment(
        name=trail["Name"],
        arn=arn,
        home_region=trail.get("HomeRegion", ctx.region),
        multi_region=bool(trail.get("IsMultiRegionTrail")),
        organization_trail=bool(trail.get("IsOrganizationTrail")),
        owner_account=account_in_arn(arn) or ctx.account_id,
        log_file_validation=bool(trail.get("LogFileValidationEnabled")),
        kms_key_id=trail.get("KmsKeyId"),
        log_group_arn=trail.get("CloudWatchLogsLogGroupArn"),
        s3_bucket=trail.get("S3BucketName"),
        has_insight_selectors=bool(trail.get("HasInsightSelectors")),
    )
    if assessment.multi_region:  # a single-region trail never qualifies: no need to ask about it
        _read_details(ctx, assessment)
    return assessment


def described_trails(ctx: CheckContext) -> list[dict[str, Any]]:
    """DescribeTrails, once per audit, shadow trails included."""
    return ctx.remember(
        ("cloudtrail", "describe_trails"),
        lambda: ctx.client("cloudtrail", ctx.home_region).describe_trails(includeShadowTrails=True)["trailList"],
    )


def assessment_futures(ctx: CheckContext) -> list[Future]:
    """Every trail assessed concurrently, once per audit; callers wait for what they need."""
    trails = described_trails(ctx)
    return ctx.remember(("cloudtrail", "assessments"), lambda: [spawn(assess, ctx, t) for t in trails])


def trails_homed_in_other_regions(ctx: CheckContext) -> list[TrailAssessment]:
    """Single-region trails homed in the audit's other regions, which the home region's DescribeTrails does not
    list (multi-region trails it lists as shadow trails). Once per audit and region."""
    def in_region(region: str) -> list[TrailAssessment]:
        def fetch() -> list[TrailAssessment]:
            listed = ctx.client("cloudtrail", region).describe_trails(includeShadowTrails=False)["trailList"]
            return [assess(ctx, t) for t in listed if not t.get("IsMultiRegionTrail") and t.get("HomeRegion") == region]
        return ctx.remember(("cloudtrail", "homed_in", region), fetch)

    others = [r for r in ctx.audited_regions() if r != ctx.home_region]
    return [trail for trails in fan_out(in_region, others) for trail in trails]


def problems_of(trail: TrailAssessment, read_write_type: str = "All", organization_trail_suffices: bool = True
                ) -> list[str]:
    """Why this trail does not satisfy cloudtrail-enabled; empty when it does."""
    if not trail.multi_region:
        return ["is single-region"]
    problems = []
    if trail.organization_trail and not organization_trail_suffices:
        problems.append("is an organization trail, which this baseline does not accept")
    if trail.logging is False:
        problems.append("is not logging")
    reads_needed = read_write_type in ("All", "ReadOnly")
    writes_needed = read_write_type in ("All", "WriteOnly")
    short_of_reads = reads_needed and trail.management_reads is False
    short_of_writes = writes_needed and trail.management_writes is False
    if trail.selectors_empty:
        problems.append("records no management events (its event selectors are empty)")
    elif (short_of_reads or short_of_writes) and trail.management_narrowing:
        problems.append(f"records only some management events: it {'; '.join(trail.management_narrowing)}")
    elif trail.management_reads is False and trail.management_writes is False:
        problems.append("records no management events")
    elif short_of_reads or short_of_writes:
        kind = "read-only" if trail.management_reads else "write-only"
        problems.append(f"records only {kind} management events")
    return problems


def describe(trail: TrailAssessment, problems: list[str]) -> str:
    if trail.error:
        return f"trail '{trail.name}' could not be read ({trail.error})"
    return f"trail '{trail.name}' " + " and ".join(problems)


def satisfying_trails(ctx: CheckContext) -> list[TrailAssessment]:
    """The trails that satisfy cloudtrail-enabled with its default parameters, for the checks that build on
    it. Raises EvaluationError when none does and an unreadable trail might have."""
    assessments = [f.result() for f in assessment_futures(ctx)]
    good = [a for a in assessments if not a.error and not problems_of(a)]
    unreadable = [a for a in assessments if a.error]
    if not good and unreadable:
        raise EvaluationError(unreadable[0].error_code or "Unknown", describe(unreadable[0], []))
    return good


def no_trail_message() -> str:
    return "No multi-region trail logs all management events (see cloudtrail-enabled)."
