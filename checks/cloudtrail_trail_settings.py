"""The settings of the trail(s) that satisfy cloudtrail-enabled: log file validation, KMS encryption, and
delivery to CloudWatch Logs. Each passes when at least one such trail has the setting."""
from __future__ import annotations

import datetime
from typing import Callable

from checks.trails import CLOUDTRAIL_READ_ACTIONS, TrailAssessment, no_trail_message, satisfying_trails
from preflight.context import CheckContext
from preflight.model import Check, CheckMeta, Controls, Parameter, Result, Severity, Stricter, failed, passed

URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html"


def judge(ctx: CheckContext, has_it: Callable[[TrailAssessment], bool], setting: str) -> Result:
    """PASS when a trail that satisfies cloudtrail-enabled has the setting ("validates its log files")."""
    trails = satisfying_trails(ctx)
    if not trails:
        return failed(no_trail_message(), trails=[])
    good = [t for t in trails if has_it(t)]
    if good:
        return passed(f"Trail '{good[0].name}' {setting}.", trails=[t.name for t in good])
    names = ", ".join(f"'{t.name}'" for t in trails)
    return failed(f"No logging multi-region trail {setting} (checked {names}).",
                  resources=tuple(t.arn for t in trails), trails=[t.name for t in trails])


LOG_FILE_VALIDATION = Check(
    CheckMeta(
        id="cloudtrail-log-file-validation",
        title="The logging multi-region trail validates its log files",
        severity=Severity.MEDIUM,
        controls=Controls(cis_aws_v3="3.2", security_hub="CloudTrail.4"),
        remediation="Turn on log file integrity validation: aws cloudtrail update-trail --name TRAIL "
                    "--enable-log-file-validation",
        remediation_url=f"{URL}#cloudtrail-4",
        iam_actions=CLOUDTRAIL_READ_ACTIONS,
    ),
    lambda ctx: judge(ctx, lambda t: t.log_file_validation, "validates its log files"),
)

KMS_ENCRYPTION = Check(
    CheckMeta(
        id="cloudtrail-kms-encryption",
        title="The logging multi-region trail encrypts its logs with a KMS key",
        severity=Severity.MEDIUM,
        controls=Controls(cis_aws_v3="3.5", security_hub="CloudTrail.2"),
        remediation="Encrypt the trail's log files with a customer managed KMS key: aws cloudtrail update-trail "
                    "--name TRAIL --kms-key-id KEY_ARN (the key policy must let CloudTrail use it)",
        remediation_url=f"{URL}#cloudtrail-2",
        iam_actions=CLOUDTRAIL_READ_ACTIONS,
    ),
    lambda ctx: judge(ctx, lambda t: bool(t.kms_key_id), "encrypts its logs with a KMS key"),
)

MAX_DELIVERY_AGE = Parameter(
    "max_delivery_age_hours", int, 24, "How recent the last delivery to CloudWatch Logs must be, in hours.",
    Stricter.LOWER, minimum=1, maximum=24 * 366,
)


def _delivers_recently(ctx: CheckContext) -> Callable[[TrailAssessment], bool]:
    limit = datetime.timedelta(hours=ctx.param(MAX_DELIVERY_AGE.name))

    def check(trail: TrailAssessment) -> bool:
        if not trail.log_group_arn:
            return False
        if trail.cloudwatch_delivery_time is None:
            # Never delivered - unless this member account cannot read its organization trail's status.
            return trail.logging is None
        now = datetime.datetime.now(trail.cloudwatch_delivery_time.tzinfo or datetime.timezone.utc)
        return now - trail.cloudwatch_delivery_time <= limit

    return check


def _run_cloudwatch_logs(ctx: CheckContext) -> Result:
    hours = ctx.param(MAX_DELIVERY_AGE.name)
    return judge(ctx, _delivers_recently(ctx), f"delivered to CloudWatch Logs in the last {hours} hours")


CLOUDWATCH_LOGS_META = CheckMeta(
    id="cloudtrail-cloudwatch-logs",
    title="The logging multi-region trail delivers to CloudWatch Logs, recently",
    severity=Severity.LOW,
    controls=Controls(security_hub="CloudTrail.5"),  # CIS v1.4 3.4; dropped from CIS v3.0
    remediation="Send the trail to a CloudWatch Logs group: aws cloudtrail update-trail --name TRAIL "
                "--cloud-watch-logs-log-group-arn LOG_GROUP_ARN --cloud-watch-logs-role-arn ROLE_ARN",
    remediation_url=f"{URL}#cloudtrail-5",
    iam_actions=CLOUDTRAIL_READ_ACTIONS,
    parameters=(MAX_DELIVERY_AGE,),
)
CLOUDWATCH_LOGS = Check(CLOUDWATCH_LOGS_META, _run_cloudwatch_logs)
