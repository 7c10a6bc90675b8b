"""Settings every trail of the account must have: log file validation, KMS encryption, recent delivery to
CloudWatch Logs. The three checks share one way of finding the account's trails (`judge`), each judged once, in
its home region."""
from __future__ import annotations

import datetime
from typing import Callable

from checks._trails import (
    CLOUDTRAIL_READ_ACTIONS, TrailAssessment, assessment_futures, trail_status, trails_homed_in_other_regions,
)
from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import CheckMeta, Controls, Parameter, Result, Severity, Stricter, failed, not_applicable, passed
from preflight.registry import check

URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html"


def _quoted(trails: list[TrailAssessment]) -> str:
    return ", ".join(f"'{t.name}'" for t in trails)


def judge(ctx: CheckContext, has_it: Callable[[TrailAssessment], bool], setting: str) -> Result:
    """PASS when every trail this account owns has the setting (a noun phrase: "log file validation")."""
    trails = [f.result() for f in assessment_futures(ctx)] + trails_homed_in_other_regions(ctx)
    owned = [t for t in trails if t.owner_account == ctx.account_id]
    foreign = [t for t in trails if t.owner_account != ctx.account_id]
    notes = [f"organization trail '{t.name}' belongs to account {t.owner_account}: its settings are that "
             "account's to judge" for t in foreign]
    if not owned:
        if foreign:
            return not_applicable(f"This account owns no trail; organization trail '{foreign[0].name}' of account "
                                  f"{foreign[0].owner_account} covers it.", trails=[], notes=notes)
        return failed("No CloudTrail trail exists in this account.", trails=[])
    lacking = [t for t in owned if not has_it(t)]
    evidence = [{"name": t.name, "arn": t.arn, "home_region": t.home_region, setting: t not in lacking}
                for t in owned]
    if not lacking:
        return passed(f"Every trail of this account has {setting} ({_quoted(owned)}).", trails=evidence, notes=notes)
    subject = f"Trail {_quoted(lacking)} has" if len(lacking) == 1 else f"Trails {_quoted(lacking)} have"
    of = f" ({len(lacking)} of {len(owned)} trails)" if len(owned) > 1 else ""
    return failed(f"{subject} no {setting}{of}.", resources=tuple(t.arn for t in lacking), trails=evidence,
                  notes=notes)


@check(CheckMeta(
    id="cloudtrail-log-file-validation",
    title="Every CloudTrail trail validates its log files",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="3.2", security_hub="CloudTrail.4", cis_aws_v5="3.2"),
    remediation="Turn on log file integrity validation: aws cloudtrail update-trail --name TRAIL "
                "--enable-log-file-validation",
    remediation_url=f"{URL}#cloudtrail-4",
    iam_actions=CLOUDTRAIL_READ_ACTIONS,
))
def cloudtrail_log_file_validation(ctx: CheckContext) -> Result:
    """PASS when every trail this account owns has log file integrity validation on (LogFileValidationEnabled).
    FAIL when any does not - each is named, with how many of the account's trails lack it - or when the account
    has no trail at all. NOT_APPLICABLE when the account owns no trail and an organization trail of another
    account covers it. Each trail is judged once, in its home region: the trails DescribeTrails lists from the
    audit's home region with shadow trails, and the single-region trails homed in the audit's other regions
    (`regions: all` reaches every trail); an organization trail owned by another account is noted, never
    failed. ERROR when DescribeTrails is refused.

    Source: AWS Config rule cloud-trail-log-file-validation-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/cloud-trail-log-file-validation-enabled.html),
    behind Security Hub CloudTrail.4; CIS 3.2 ("for each trail").
    """
    return judge(ctx, lambda t: t.log_file_validation, "log file validation")


@check(CheckMeta(
    id="cloudtrail-kms-encryption",
    title="Every CloudTrail trail encrypts its logs with a KMS key",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="3.5", security_hub="CloudTrail.2", cis_aws_v5="3.5"),
    remediation="Encrypt the trail's log files with a customer managed KMS key: aws cloudtrail update-trail "
                "--name TRAIL --kms-key-id KEY_ARN (the key policy must let CloudTrail use it)",
    remediation_url=f"{URL}#cloudtrail-2",
    iam_actions=CLOUDTRAIL_READ_ACTIONS,
))
def cloudtrail_kms_encryption(ctx: CheckContext) -> Result:
    """PASS when every trail this account owns encrypts its log files with a KMS key (the trail has a KmsKeyId;
    SSE-S3 alone does not count). FAIL when any does not - each is named, with how many of the account's trails
    lack it - or when the account has no trail at all. NOT_APPLICABLE when the account owns no trail and an
    organization trail of another account covers it. Each trail is judged once, in its home region: the trails
    DescribeTrails lists from the audit's home region with shadow trails, and the single-region trails homed in
    the audit's other regions (`regions: all` reaches every trail); an organization trail owned by another
    account is noted, never failed. ERROR when DescribeTrails is refused.

    Source: AWS Config rule cloud-trail-encryption-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/cloud-trail-encryption-enabled.html), behind
    Security Hub CloudTrail.2 and CIS 3.5.
    """
    return judge(ctx, lambda t: bool(t.kms_key_id), "KMS encryption")


MAX_DELIVERY_AGE = Parameter(
    "max_delivery_age_hours", int, 24, "How recent the last delivery to CloudWatch Logs must be, in hours.",
    Stricter.LOWER, minimum=1, maximum=24 * 366,
)


def _delivers_recently(ctx: CheckContext) -> Callable[[TrailAssessment], bool]:
    limit = datetime.timedelta(hours=ctx.param(MAX_DELIVERY_AGE.name))

    def delivers(trail: TrailAssessment) -> bool:
        if not trail.log_group_arn:
            return False
        if trail.error:  # the trail's status could not be read
            raise EvaluationError(trail.error_code or "Unknown", f"trail '{trail.name}' could not be read ({trail.error})")
        delivered = trail.cloudwatch_delivery_time if trail.multi_region else \
            trail_status(ctx, trail).get("LatestCloudWatchLogsDeliveryTime")
        if delivered is None:
            return False  # never delivered
        now = datetime.datetime.now(delivered.tzinfo or datetime.timezone.utc)
        return now - delivered <= limit

    return delivers


@check(CheckMeta(
    id="cloudtrail-cloudwatch-logs",
    title="Every CloudTrail trail delivers to CloudWatch Logs, recently",
    severity=Severity.LOW,
    controls=Controls(security_hub="CloudTrail.5"),  # CIS v1.4 3.4; dropped from CIS v3.0
    remediation="Send the trail to a CloudWatch Logs group: aws cloudtrail update-trail --name TRAIL "
                "--cloud-watch-logs-log-group-arn LOG_GROUP_ARN --cloud-watch-logs-role-arn ROLE_ARN",
    remediation_url=f"{URL}#cloudtrail-5",
    iam_actions=CLOUDTRAIL_READ_ACTIONS,
    parameters=(MAX_DELIVERY_AGE,),
))
def cloudtrail_cloudwatch_logs(ctx: CheckContext) -> Result:
    """PASS when every trail this account owns sends its events to a CloudWatch Logs group and last delivered
    there (LatestCloudWatchLogsDeliveryTime, from GetTrailStatus in the trail's home region) within
    `max_delivery_age_hours` (default 24). FAIL when a trail has no log group, has never delivered, or last
    delivered longer ago - each is named, with how many of the account's trails fall short - or when the account
    has no trail at all. NOT_APPLICABLE when the account owns no trail and an organization trail of another
    account covers it. Each trail is judged once, in its home region: the trails DescribeTrails lists from the
    audit's home region with shadow trails, and the single-region trails homed in the audit's other regions
    (`regions: all` reaches every trail); an organization trail owned by another account is noted, never
    failed. ERROR when a trail with a log group has a status that cannot be read, or DescribeTrails is refused.

    Source: AWS Config rule cloud-trail-cloud-watch-logs-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/cloud-trail-cloud-watch-logs-enabled.html), behind
    Security Hub CloudTrail.5 (CIS v1.4 3.4; the item is not in CIS v3.0).
    """
    hours = ctx.param(MAX_DELIVERY_AGE.name)
    return judge(ctx, _delivers_recently(ctx), f"delivery to CloudWatch Logs in the last {hours} hours")


CHECKS = (cloudtrail_log_file_validation, cloudtrail_kms_encryption, cloudtrail_cloudwatch_logs)
