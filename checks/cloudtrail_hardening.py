"""A well-built organization trail (issue 22): CloudTrail Insights, Lambda Invoke data events, and Object Lock on
the trails' S3 buckets. No CIS recommendation asks for them and no Security Hub control judges them as they are
judged here; each follows the AWS document its docstring names. Trails are found and read as every CloudTrail check
finds them (checks/_trails.py): DescribeTrails and GetEventSelectors are not asked again."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from botocore.exceptions import ClientError

from checks._iam_entities import partition
from checks._trails import CLOUDTRAIL_READ_ACTIONS, FOREIGN_ORG_TRAIL_CODES, TrailAssessment, assessment_futures
from checks.cloudtrail_logging_extras import judge_buckets, judge_trail_data_events
from checks.s3_buckets import Bucket, bucket_call
from preflight.concurrency import fan_out
from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import CheckMeta, Controls, Parameter, Result, Severity, Stricter, failed, not_applicable, passed
from preflight.registry import check

CT_GUIDE = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide"
INSIGHT_TYPES = ("ApiCallRateInsight", "ApiErrorRateInsight")
LOCK_MODES = ("COMPLIANCE", "GOVERNANCE", "any")  # strictest first: COMPLIANCE retention no one can lift


@dataclass(frozen=True)
class TrailInsights:
    """One trail's Insights, as GetInsightSelectors gives them: the types enabled on management events (an
    InsightSelector without EventCategories is on management events) and those on data events only."""

    trail: TrailAssessment
    management: tuple[str, ...] = ()
    data_only: tuple[str, ...] = ()
    unreadable: bool = False  # an organization trail of another account that refused GetInsightSelectors
    error_code: str | None = None
    error: str | None = None

    def silent(self) -> dict[str, str]:
        """The management-event types this trail cannot produce, and why: API-call-rate Insights analyse write
        management events, error-rate Insights read or write ones."""
        trail, why = self.trail, {}
        logs_writes = trail.management_writes is not False or bool(trail.management_narrowing)
        logs_any = logs_writes or trail.management_reads is not False
        for kind in self.management:
            if kind == "ApiCallRateInsight" and not logs_writes:
                why[kind] = "the trail logs no write management events, so it cannot produce them"
            elif kind == "ApiErrorRateInsight" and not logs_any:
                why[kind] = "the trail logs no management events, so it cannot produce them"
        return why

    def producing(self) -> set[str]:
        return set(self.management) - set(self.silent())


def _insights_of(ctx: CheckContext, trail: TrailAssessment) -> TrailInsights:
    if not trail.has_insight_selectors:  # DescribeTrails says so: no call needed
        return TrailInsights(trail)
    try:
        answer = ctx.client("cloudtrail", trail.home_region).get_insight_selectors(TrailName=trail.arn)
    except ClientError as error:
        detail = error.response.get("Error", {})
        code = detail.get("Code")
        if code == "InsightNotEnabledException":  # turned off since DescribeTrails answered
            return TrailInsights(trail)
        if trail.owner_account != ctx.account_id and code in FOREIGN_ORG_TRAIL_CODES:
            return TrailInsights(trail, unreadable=True)
        return TrailInsights(trail, error_code=code, error=f"{code}: {detail.get('Message')}")
    management, data = set(), set()
    for selector in answer.get("InsightSelectors") or []:
        categories = selector.get("EventCategories") or ["Management"]
        (management if "Management" in categories else data).add(selector.get("InsightType", ""))
    return TrailInsights(trail, tuple(sorted(management)), tuple(sorted(data - management)))


def _insights_evidence(insights: TrailInsights) -> dict[str, Any]:
    trail = insights.trail
    return {"name": trail.name, "arn": trail.arn, "logging": trail.logging,
            "has_insight_selectors": trail.has_insight_selectors, "insight_types": list(insights.management),
            "data_event_insight_types": list(insights.data_only), "cannot_produce": insights.silent()}


def _insights_shortfall(insights: TrailInsights, required: set[str]) -> str:
    name = f"trail '{insights.trail.name}'"
    if insights.unreadable:
        return f"{name} (of account {insights.trail.owner_account}) has Insights whose types are not readable here"
    if not insights.management:
        extra = f" (only on data events: {', '.join(insights.data_only)})" if insights.data_only else ""
        return f"{name} has no Insights on management events{extra}"
    silent = "; ".join(f"{kind}: {why}" for kind, why in insights.silent().items())
    missing = sorted(required - insights.producing())
    words = [f"lacks {', '.join(missing)}"] if missing else []
    return f"{name} " + " and ".join(words + ([f"has {silent}"] if silent else []))


@check(CheckMeta(
    id="cloudtrail-insights-enabled",
    title="A logging multi-region CloudTrail trail has CloudTrail Insights on",
    severity=Severity.LOW,
    controls=Controls(),  # no CIS recommendation, no Security Hub control, no AWS Config managed rule
    remediation="Turn CloudTrail Insights on for the multi-region trail (it must log write management events): aws "
                "cloudtrail put-insight-selectors --trail-name TRAIL --insight-selectors "
                "'[{\"InsightType\":\"ApiCallRateInsight\"},{\"InsightType\":\"ApiErrorRateInsight\"}]'",
    remediation_url=f"{CT_GUIDE}/insights-events-CLI-enable.html",
    iam_actions=(*CLOUDTRAIL_READ_ACTIONS, "cloudtrail:GetInsightSelectors"),
    parameters=(Parameter("insight_types", tuple, (),
                          "Insights types one trail must have on management events (ApiCallRateInsight, "
                          "ApiErrorRateInsight); none listed: any one.", Stricter.MORE,
                          item_pattern=r"ApiCallRateInsight|ApiErrorRateInsight", max_items=2),),
))
def cloudtrail_insights_enabled(ctx: CheckContext) -> Result:
    """PASS when a multi-region trail that is logging (DescribeTrails with shadow trails, GetTrailStatus, as the
    other CloudTrail checks read them) has CloudTrail Insights on management events that it can produce: every
    type `insight_types` lists, or any one when it lists none. Candidates come from DescribeTrails'
    HasInsightSelectors (no call for a trail without it); GetInsightSelectors, in the trail's home region, gives
    the types (ApiCallRateInsight, ApiErrorRateInsight) and their EventCategories (none: management events) - all
    are in the evidence. InsightNotEnabledException means Insights are off. A type the trail cannot produce does
    not count, and the finding says why: API-call-rate Insights need the trail to log write management events,
    error-rate Insights read or write ones (a trail whose selectors record only some management events is trusted
    to log them). Insights on data events only are noted, not counted. An organization trail of another account
    that refuses GetInsightSelectors counts by its HasInsightSelectors when no type is asked for.
    FAIL when there is no trail, no logging multi-region trail, or none with Insights as asked; the account is the
    resource named. NOT_APPLICABLE when only such an organization trail might qualify and its types are not
    readable here (trusted to the organization). ERROR when DescribeTrails is refused, or when no trail qualifies
    and one that might (its status, selectors or Insights refused, e.g. AccessDenied) could not be read.

    Source: CloudTrail API Reference, GetInsightSelectors
    (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetInsightSelectors.html) and InsightSelector;
    CloudTrail User Guide, "Logging Insights events with the AWS CLI"
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/insights-events-CLI-enable.html): "To log Insights
    events on the API call rate, the trail must log write management events. To log Insights events on the API
    error rate, the trail must log read or write management events." No AWS Config managed rule or Security Hub
    control checks Insights (none found).
    """
    required = set(ctx.param("insight_types"))
    trails = [f.result() for f in assessment_futures(ctx)]
    if not trails:
        return failed("No CloudTrail trail exists in this account.", trails=[])
    candidates = [t for t in trails if t.multi_region and t.logging is not False]
    readings = fan_out(lambda t: _insights_of(ctx, t), [t for t in candidates if not t.error])
    evidence = [_insights_evidence(r) for r in readings]
    asked = ", ".join(sorted(required)) if required else "any type"
    for reading in readings:
        producing = reading.producing()
        if producing and required <= producing or reading.unreadable and not required:
            kinds = ", ".join(sorted(producing)) or "types not readable from this account"
            return passed(f"Multi-region trail '{reading.trail.name}' has CloudTrail Insights on ({kinds}).",
                          trails=evidence)
    trusted = [r for r in readings if r.unreadable]
    if trusted:
        return not_applicable(f"Organization trail '{trusted[0].trail.name}' of account "
                              f"{trusted[0].trail.owner_account} has Insights; their types are not readable here "
                              "and are that account's to judge.", trails=evidence)
    unreadable = [t for t in candidates if t.error] + [r for r in readings if r.error]
    if unreadable:
        first = unreadable[0]
        name = first.name if isinstance(first, TrailAssessment) else first.trail.name
        raise EvaluationError(first.error_code or "Unknown", f"trail '{name}' could not be read ({first.error})")
    why = "no multi-region trail is logging" if not candidates else "; ".join(
        _insights_shortfall(r, required) for r in readings)
    account = f"arn:{partition(ctx.region)}:iam::{ctx.account_id}:root"
    return failed(f"No logging multi-region trail has CloudTrail Insights ({asked}) it can produce ({why}).",
                  resources=(account,), trails=evidence)


@check(CheckMeta(
    id="cloudtrail-lambda-data-events",
    title="A logging multi-region CloudTrail trail logs Lambda Invoke data events for all functions",
    severity=Severity.LOW,
    controls=Controls(),  # no CIS recommendation, no Security Hub control, no AWS Config managed rule
    remediation="Log Lambda data events for all functions on a multi-region trail: aws cloudtrail "
                "put-event-selectors --trail-name TRAIL --advanced-event-selectors "
                "'[{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}]},"
                "{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},"
                "{\"Field\":\"resources.type\",\"Equals\":[\"AWS::Lambda::Function\"]}]}]' (keep the trail's "
                "other selectors in the list)",
    remediation_url=f"{CT_GUIDE}/logging-data-events-with-cloudtrail.html",
    iam_actions=CLOUDTRAIL_READ_ACTIONS,
))
def cloudtrail_lambda_data_events(ctx: CheckContext) -> Result:
    """PASS when a multi-region trail that is logging records Lambda data events - the Invoke API - for all
    current and future functions. Trails are those DescribeTrails lists from the audit's home region (shadow trails
    included); their selectors are the GetEventSelectors answers the other CloudTrail checks share (no extra call).
    Classic selectors count when a DataResources entry has Type AWS::Lambda::Function and Values arn:aws:lambda
    (every function; arn:aws-cn:lambda / arn:aws-us-gov:lambda in the other partitions) - a function ARN covers
    that function only - with ReadWriteType All or WriteOnly. Advanced selectors count when they have eventCategory
    Equals Data and resources.type Equals AWS::Lambda::Function, no resources.ARN, userIdentity.arn or other
    narrowing field, an eventName condition (if any) that lets Invoke through, and a readOnly condition (if any)
    that lets write events (readOnly false) through: CloudTrail records Invoke as a write data event, so a
    read-only selector logs no invocation. FAIL when no logging multi-region trail does; the account is the
    resource named. NOT_APPLICABLE when an organization trail owned by another account covers this account and its
    selectors are not readable from here (trusted to the organization). ERROR when DescribeTrails is refused, or
    when a trail that might qualify could not be read.

    Source: CloudTrail API Reference, DataResource
    (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DataResource.html: arn:aws:lambda logs "data
    events for all Lambda functions in your AWS account") and AdvancedFieldSelector; CloudTrail User Guide,
    "Logging data events"
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html: Lambda
    function execution activity, the Invoke API). No AWS Config managed rule or Security Hub control checks it
    (none found); Prowler's awslambda_function_invoke_api_operations_cloudtrail_logging_enabled judges it per
    function.
    """
    return judge_trail_data_events(ctx, lambda trail: trail.lambda_invokes, "Lambda Invoke data events",
                                   "all functions", "all_lambda_invoke_data_events")


def _lock_shortfall(mode: str) -> Callable[[CheckContext, str], str | None]:
    accepted = LOCK_MODES[:LOCK_MODES.index(mode) + 1] if mode != "any" else ()

    def why_not(ctx: CheckContext, bucket: str) -> str | None:
        try:
            answer = bucket_call(ctx, Bucket(bucket, None), "get_object_lock_configuration",
                                 missing="ObjectLockConfigurationNotFoundError")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
                return "the bucket does not exist"
            raise
        configuration = (answer or {}).get("ObjectLockConfiguration") or {}
        if configuration.get("ObjectLockEnabled") != "Enabled":
            return "Object Lock is not enabled"
        if not accepted:
            return None
        retention = (configuration.get("Rule") or {}).get("DefaultRetention") or {}
        if not retention.get("Mode"):
            return "Object Lock is enabled but the bucket has no default retention rule"
        if retention["Mode"] not in accepted:
            return f"its default retention mode is {retention['Mode']}"
        return None
    return why_not


@check(CheckMeta(
    id="cloudtrail-s3-bucket-object-lock",
    title="The S3 bucket of every CloudTrail trail has Object Lock enabled",
    severity=Severity.MEDIUM,
    controls=Controls(),  # Security Hub S3.15 judges every bucket, not the trails' buckets: see the docstring
    remediation="Enable Object Lock on the trail bucket, with a default retention rule (versioning must be on): aws "
                "s3api put-bucket-versioning --bucket TRAIL_BUCKET --versioning-configuration Status=Enabled; aws "
                "s3api put-object-lock-configuration --bucket TRAIL_BUCKET --object-lock-configuration "
                "'ObjectLockEnabled=Enabled,Rule={DefaultRetention={Mode=GOVERNANCE,Days=365}}'",
    remediation_url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html",
    iam_actions=(*CLOUDTRAIL_READ_ACTIONS, "s3:GetBucketObjectLockConfiguration"),
    parameters=(Parameter("mode", str, "any",
                          "Default retention the trail buckets must have: COMPLIANCE, GOVERNANCE (or COMPLIANCE), "
                          "or any (Object Lock enabled, with or without a default retention rule).",
                          Stricter.EARLIER_CHOICE, LOCK_MODES),),
))
def cloudtrail_s3_bucket_object_lock(ctx: CheckContext) -> Result:
    """PASS when the S3 bucket of every trail this account owns has Object Lock enabled (GetObjectLockConfiguration
    answers ObjectLockEnabled Enabled; ObjectLockConfigurationNotFoundError means it is not) and, when `mode` is
    set, a default retention rule in that mode: COMPLIANCE asks for COMPLIANCE; GOVERNANCE accepts GOVERNANCE or
    COMPLIANCE, which protects more (no user, the root user included, can lift a compliance-mode retention, while
    s3:BypassGovernanceRetention lifts a governance one) - so that `mode` orders strictest first, as a baseline
    parameter must; AWS Config's rule compares the mode as given. Each distinct bucket is asked once, in the audit's
    region (S3 redirects a bucket homed elsewhere and botocore follows). FAIL when any trail bucket falls short or
    no longer exists - each is named by ARN with its trails and why - or when the account has no trail at all.
    NOT_APPLICABLE when the account owns no trail and an organization trail of another account covers it (its
    bucket is that account's to judge; noted, never failed). ERROR when DescribeTrails or
    GetObjectLockConfiguration is refused (AccessDenied).

    Source: AWS Config rule s3-bucket-default-lock-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-default-lock-enabled.html), "NON_COMPLIANT if
    the lock is not enabled", parameter mode (GOVERNANCE or COMPLIANCE); S3 User Guide, "Object Lock retention modes"
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html). Not mapped to Security Hub S3.15
    (https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-15), the control on the same
    rule: S3.15 judges every general purpose bucket, and this check only the trails' buckets - its PASS says
    nothing of the account's other buckets, so naming S3.15 would overstate it.
    """
    mode = ctx.param("mode")
    setting = {"any": "Object Lock", "GOVERNANCE": "Object Lock in GOVERNANCE or COMPLIANCE mode"}.get(
        mode, f"Object Lock in {mode} mode")
    return judge_buckets(ctx, _lock_shortfall(mode), setting)


CHECKS = (cloudtrail_insights_enabled, cloudtrail_lambda_data_events, cloudtrail_s3_bucket_object_lock)
