"""The trails' S3 buckets (server access logging, not public; CIS 3.4, CloudTrail.7 and CloudTrail.6) and S3
object-level data events (CIS 3.8 / 3.9, S3.22 / S3.23), judged from the trail lookups every CloudTrail check
shares (checks/_trails.py): DescribeTrails and GetEventSelectors are not asked again."""
from __future__ import annotations

from typing import Any, Callable

from botocore.exceptions import ClientError

from checks._iam_entities import partition
from checks.s3_buckets import Bucket, bucket_call
from checks._trails import (
    CLOUDTRAIL_READ_ACTIONS, TrailAssessment, assessment_futures, trails_homed_in_other_regions,
)
from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import CheckMeta, Controls, Result, Severity, failed, not_applicable, passed
from preflight.registry import check

CT_URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html"
S3_URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html"
ALL_PUBLIC_ACCESS_BLOCKED = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _bucket_arn(ctx: CheckContext, bucket: str) -> str:
    return f"arn:{partition(ctx.region)}:s3:::{bucket}"


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def judge_buckets(ctx: CheckContext, why_not: Callable[[CheckContext, str], str | None], setting: str) -> Result:
    """Each distinct S3 bucket of the trails this account owns, judged once; an organization trail owned by
    another account is noted (its bucket is that account's to judge). `why_not` says why a bucket falls short,
    or None."""
    trails = [f.result() for f in assessment_futures(ctx)] + trails_homed_in_other_regions(ctx)
    owned = [t for t in trails if t.owner_account == ctx.account_id]
    foreign = [t for t in trails if t.owner_account != ctx.account_id]
    notes = [f"organization trail '{t.name}' belongs to account {t.owner_account}: its bucket "
             f"'{t.s3_bucket}' is that account's to judge" for t in foreign]
    if not owned:
        if foreign:
            return not_applicable(f"This account owns no trail; organization trail '{foreign[0].name}' of account "
                                  f"{foreign[0].owner_account} covers it, and its bucket is that account's to judge.",
                                  buckets=[], notes=notes)
        return failed("No CloudTrail trail exists in this account.", buckets=[])
    buckets: dict[str, list[str]] = {}
    for trail in owned:
        if trail.s3_bucket:
            buckets.setdefault(trail.s3_bucket, []).append(trail.name)
    reasons = {bucket: why_not(ctx, bucket) for bucket in buckets}
    evidence = [{"bucket": b, "arn": _bucket_arn(ctx, b), "trails": names, setting: reasons[b] is None}
                | ({"why": reasons[b]} if reasons[b] else {}) for b, names in buckets.items()]
    lacking = [b for b in buckets if reasons[b]]
    if not lacking:
        return passed(f"Every trail bucket of this account has {setting} ({_quoted(list(buckets))}).",
                      buckets=evidence, notes=notes)
    named = ", ".join(f"'{b}' of trail {_quoted(buckets[b])} ({reasons[b]})" for b in lacking)
    of = f" ({len(lacking)} of {len(buckets)} trail buckets)" if len(buckets) > 1 else ""
    return failed(f"Trail bucket {named} lacks {setting}{of}.", resources=tuple(_bucket_arn(ctx, b) for b in lacking),
                  buckets=evidence, notes=notes)


def _no_access_logging(ctx: CheckContext, bucket: str) -> str | None:
    try:
        answer = bucket_call(ctx, Bucket(bucket, None), "get_bucket_logging") or {}
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
            return "the bucket does not exist"
        raise
    return None if answer.get("LoggingEnabled") else "server access logging is off"


@check(CheckMeta(
    id="cloudtrail-s3-bucket-access-logging",
    title="The S3 bucket of every CloudTrail trail has server access logging on",
    severity=Severity.LOW,
    controls=Controls(cis_aws_v3="3.4", security_hub="CloudTrail.7", cis_aws_v5="3.4"),
    remediation="Turn on server access logging for the trail bucket, to a separate log bucket: aws s3api "
                "put-bucket-logging --bucket TRAIL_BUCKET --bucket-logging-status "
                "'{\"LoggingEnabled\":{\"TargetBucket\":\"LOG_BUCKET\",\"TargetPrefix\":\"TRAIL_BUCKET/\"}}'",
    remediation_url=f"{CT_URL}#cloudtrail-7",
    iam_actions=(*CLOUDTRAIL_READ_ACTIONS, "s3:GetBucketLogging"),
))
def cloudtrail_s3_bucket_access_logging(ctx: CheckContext) -> Result:
    """PASS when the S3 bucket of every trail this account owns has server access logging on (GetBucketLogging
    answers LoggingEnabled); each distinct bucket is asked once. FAIL when any trail bucket has none, or no longer
    exists - each is named by ARN with its trails - or when the account has no trail at all. NOT_APPLICABLE when
    the account owns no trail and an organization trail of another account covers it: that trail's bucket
    normally lives in a log-archive account and is out of this account's hands (noted, never failed). Trails are
    found as the other trail checks find them (shadow trails from the home region, single-region trails homed in
    the other audited regions). ERROR when DescribeTrails or GetBucketLogging is refused.

    Source: AWS Config rule cloudtrail-s3-bucket-access-logging
    (https://docs.aws.amazon.com/config/latest/developerguide/cloudtrail-s3-bucket-access-logging.html), "NON_COMPLIANT
    if at least one S3 bucket for a CloudTrail trail does not have S3 server access logging enabled", behind
    Security Hub CloudTrail.7 (https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html);
    CIS 3.4 (CIS AWS Foundations v3.0.0; v5.0.0 3.4, same rule).
    """
    return judge_buckets(ctx, _no_access_logging, "server access logging")


def _public(ctx: CheckContext, bucket: str) -> str | None:
    try:
        block = bucket_call(ctx, Bucket(bucket, None), "get_public_access_block",
                            missing="NoSuchPublicAccessBlockConfiguration")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
            # a bucket that does not exist is public to nobody (cloudtrail-s3-bucket-access-logging says so)
            return None
        raise
    settings = (block or {}).get("PublicAccessBlockConfiguration") or {}
    if all(settings.get(name) for name in ALL_PUBLIC_ACCESS_BLOCKED):
        return None
    status = bucket_call(ctx, Bucket(bucket, None), "get_bucket_policy_status", missing="NoSuchBucketPolicy") or {}
    if (status.get("PolicyStatus") or {}).get("IsPublic") and not settings.get("RestrictPublicBuckets"):
        return "its bucket policy makes it public and Block Public Access does not restrict it"
    return None


@check(CheckMeta(
    id="cloudtrail-s3-bucket-public-access-prohibited",
    title="The S3 bucket of every CloudTrail trail is not publicly accessible",
    severity=Severity.CRITICAL,
    controls=Controls(security_hub="CloudTrail.6"),  # CIS v1.4 3.3; removed from CIS v3.0
    remediation="Turn on S3 Block Public Access for the trail bucket (aws s3api put-public-access-block --bucket "
                "TRAIL_BUCKET --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
                "BlockPublicPolicy=true,RestrictPublicBuckets=true) and remove public grants from its policy.",
    remediation_url=f"{CT_URL}#cloudtrail-6",
    iam_actions=(*CLOUDTRAIL_READ_ACTIONS, "s3:GetBucketPublicAccessBlock", "s3:GetBucketPolicyStatus"),
))
def cloudtrail_s3_bucket_public_access_prohibited(ctx: CheckContext) -> Result:
    """PASS when no S3 bucket of a trail this account owns is public: its bucket-level Block Public Access
    (GetPublicAccessBlock) has all four settings on, or else its bucket policy is not public (GetBucketPolicyStatus
    IsPublic false, or no policy) or RestrictPublicBuckets restricts it. FAIL when a trail bucket's policy is public
    and unrestricted - each is named by ARN with its trails - or when the account has no trail at all.
    NOT_APPLICABLE when the account owns no trail and an organization trail of another account covers it (its
    bucket is that account's to judge; noted, never failed). Bucket ACLs and the account-level setting
    (s3-account-level-public-access-blocks) are not read here. ERROR when DescribeTrails or an S3 call is refused.

    Source: AWS Config rule cloudtrail-s3-bucket-public-access-prohibited
    (https://docs.aws.amazon.com/config/latest/developerguide/cloudtrail-s3-bucket-public-access-prohibited.html),
    "NON_COMPLIANT if at least one S3 bucket for a CloudTrail trail is publicly accessible", behind Security Hub
    CloudTrail.6 (https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html; CIS v1.4 3.3,
    not in CIS v3.0 or v5.0).
    """
    return judge_buckets(ctx, _public, "no public access")


def judge_trail_data_events(ctx: CheckContext, records: Callable[[TrailAssessment], bool | None], events: str,
                            scope: str, key: str) -> Result:
    """PASS when some multi-region trail that is logging `records` the data events (`events` for `scope`, in
    words); `key` names that fact in each trail's evidence."""
    trails = [f.result() for f in assessment_futures(ctx)]
    candidates = [t for t in trails if t.multi_region and t.logging is not False]
    good = [t for t in candidates if records(t)]
    evidence = [{"name": t.name, "arn": t.arn, "multi_region": t.multi_region, "logging": t.logging,
                 key: records(t)} for t in trails]
    if good:
        return passed(f"Multi-region trail {_quoted([t.name for t in good])} logs {events} for {scope}.",
                      trails=evidence)
    trusted = [t for t in candidates if records(t) is None and not t.error and t.owner_account != ctx.account_id]
    if trusted:
        return not_applicable(f"Organization trail '{trusted[0].name}' of account {trusted[0].owner_account} covers "
                              "this account; its event selectors are not readable here and are that account's to "
                              "judge.", trails=evidence)
    unreadable = [t for t in candidates if t.error]
    if unreadable:
        raise EvaluationError(unreadable[0].error_code or "Unknown",
                              f"trail '{unreadable[0].name}' could not be read ({unreadable[0].error})")
    why = "no multi-region trail is logging" if not candidates else \
        f"trail {_quoted([t.name for t in candidates])} does not select them for {scope}"
    account = f"arn:{partition(ctx.region)}:iam::{ctx.account_id}:root"
    return failed(f"No multi-region trail logs {events} for {scope} ({why}).", resources=(account,), trails=evidence)


def judge_data_events(ctx: CheckContext, kind: str) -> Result:
    """PASS when some multi-region trail that is logging records S3 `kind` ("read" / "write") data events for all
    buckets."""
    def records(trail: TrailAssessment) -> bool | None:
        return trail.s3_data_reads if kind == "read" else trail.s3_data_writes
    return judge_trail_data_events(ctx, records, f"S3 object-level {kind} data events", "all buckets",
                                   f"all_s3_{kind}_data_events")


DATA_EVENTS_RULE = """{verdict} Trails are those DescribeTrails lists from the audit's home region (shadow trails
included); their selectors are the GetEventSelectors answers the other CloudTrail checks share. Classic selectors
count when a DataResources entry has Type AWS::S3::Object and Values arn:aws:s3 or arn:aws:s3::: (all current
and future buckets) with ReadWriteType {types}; advanced selectors count when they have eventCategory Equals Data
and resources.type Equals AWS::S3::Object and are narrowed by no other field than readOnly, which must let {kind}
events through{read_only}. FAIL when no logging multi-region trail does; the account is the resource named.
NOT_APPLICABLE when an organization trail owned by another account covers this account and its selectors are
not readable from here (trusted to the organization). ERROR when DescribeTrails is refused, or when a trail that
might qualify could not be read.

Source: AWS Config rule cloudtrail-all-{kind}-s3-data-event-check
(https://docs.aws.amazon.com/config/latest/developerguide/cloudtrail-all-{kind}-s3-data-event-check.html),
"NON_COMPLIANT if no multi-Region trail logs all {kind} S3 data event types for all current and future S3
buckets", behind Security Hub {control} (https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html);
CIS {cis} (CIS AWS Foundations v3.0.0; v5.0.0 {cis}, same rule).
"""


def _data_events_docstring(kind: str, control: str, cis: str) -> str:
    types = "All or ReadOnly" if kind == "read" else "All or WriteOnly"
    read_only = " (readOnly absent or true)" if kind == "read" else " (readOnly absent or false)"
    verdict = (f"PASS when a multi-region trail that is logging records S3 object-level {kind} data events for "
               "all buckets.")
    return DATA_EVENTS_RULE.format(verdict=verdict, types=types, kind=kind, read_only=read_only, control=control,
                                   cis=cis)


def _data_events_check(kind: str, control: str, cis: str, run_name: str) -> Any:
    def run(ctx: CheckContext) -> Result:
        return judge_data_events(ctx, kind)
    run.__doc__ = _data_events_docstring(kind, control, cis)
    run.__name__ = run.__qualname__ = run_name
    return check(CheckMeta(
        id=f"cloudtrail-all-{kind}-s3-data-event-check",
        title=f"A multi-region trail logs S3 object-level {kind} data events for all buckets",
        severity=Severity.MEDIUM,
        controls=Controls(cis_aws_v3=cis, security_hub=control, cis_aws_v5=cis),  # v5 kept 3.8 and 3.9
        remediation=f"Log S3 {kind} data events for all buckets on a multi-region trail: aws cloudtrail "
                    "put-event-selectors --trail-name TRAIL --advanced-event-selectors "
                    "'[{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},"
                    "{\"Field\":\"resources.type\",\"Equals\":[\"AWS::S3::Object\"]}]}]' (keep the trail's "
                    "management-event selector)",
        remediation_url=f"{S3_URL}#{control.lower().replace('.', '-')}",
        iam_actions=CLOUDTRAIL_READ_ACTIONS,
    ))(run)


cloudtrail_all_write_s3_data_event_check = _data_events_check(
    "write", "S3.22", "3.8", "cloudtrail_all_write_s3_data_event_check")
cloudtrail_all_read_s3_data_event_check = _data_events_check(
    "read", "S3.23", "3.9", "cloudtrail_all_read_s3_data_event_check")

CHECKS = (cloudtrail_s3_bucket_access_logging, cloudtrail_s3_bucket_public_access_prohibited,
          cloudtrail_all_write_s3_data_event_check, cloudtrail_all_read_s3_data_event_check)
