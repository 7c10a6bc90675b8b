"""The CIS monitoring items (CIS AWS Foundations v3.0 section 4, Security Hub CloudWatch.1-14): for each, a
metric filter on the CloudWatch Logs group of a logging multi-region trail, an alarm on its metric, and an
SNS topic with a confirmed subscription behind the alarm. One check per item, sharing every lookup.

A filter matches an item when its pattern contains each required term. Patterns are compared with
whitespace and double quotes removed, so `{ ($.eventName = "CreateTrail") }` and `{($.eventName=CreateTrail)}`
are the same; the boolean structure of the pattern is not interpreted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from checks.trails import CLOUDTRAIL_READ_ACTIONS, described_trails, no_trail_message, satisfying_trails
from preflight.concurrency import spawn
from preflight.context import CheckContext
from preflight.model import Check, CheckMeta, Controls, Result, Severity, failed, not_applicable, passed

MONITORING_ACTIONS = CLOUDTRAIL_READ_ACTIONS + (
    "logs:DescribeMetricFilters", "cloudwatch:DescribeAlarms", "sns:ListSubscriptionsByTopic",
)
URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html"


@dataclass(frozen=True)
class Item:
    suffix: str
    what: str
    cis: str
    control: str
    terms: tuple[str, ...]


def _names(*names: str) -> tuple[str, ...]:
    return tuple(f"$.eventName={n}" for n in names)


ITEMS = (
    Item("unauthorized-api-calls", "unauthorized API calls", "4.1", "CloudWatch.2",
         ("$.errorCode=*UnauthorizedOperation", "$.errorCode=AccessDenied*")),
    Item("console-signin-without-mfa", "console sign-in without MFA", "4.2", "CloudWatch.3",
         ("$.eventName=ConsoleLogin", "$.additionalEventData.MFAUsed!=Yes")),
    Item("root-usage", "use of the root user", "4.3", "CloudWatch.1",
         ("$.userIdentity.type=Root", "$.userIdentity.invokedByNOTEXISTS", "$.eventType!=AwsServiceEvent")),
    Item("iam-policy-changes", "IAM policy changes", "4.4", "CloudWatch.4", _names(
        "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
        "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
        "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
        "DetachGroupPolicy")),
    Item("cloudtrail-changes", "CloudTrail configuration changes", "4.5", "CloudWatch.5", _names(
        "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")),
    Item("console-auth-failures", "console authentication failures", "4.6", "CloudWatch.6",
         ("$.eventName=ConsoleLogin", "$.errorMessage=Failedauthentication")),
    Item("cmk-disable-or-deletion", "disabling or scheduled deletion of customer managed keys", "4.7",
         "CloudWatch.7", ("$.eventSource=kms.amazonaws.com",) + _names("DisableKey", "ScheduleKeyDeletion")),
    Item("s3-bucket-policy-changes", "S3 bucket policy changes", "4.8", "CloudWatch.8",
         ("$.eventSource=s3.amazonaws.com",) + _names(
             "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
             "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication")),
    Item("config-changes", "AWS Config configuration changes", "4.9", "CloudWatch.9",
         ("$.eventSource=config.amazonaws.com",) + _names(
             "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
             "PutConfigurationRecorder")),
    Item("security-group-changes", "security group changes", "4.10", "CloudWatch.10", _names(
        "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup")),
    Item("nacl-changes", "network ACL changes", "4.11", "CloudWatch.11", _names(
        "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation")),
    Item("network-gateway-changes", "network gateway changes", "4.12", "CloudWatch.12", _names(
        "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
        "DeleteInternetGateway", "DetachInternetGateway")),
    Item("route-table-changes", "route table changes", "4.13", "CloudWatch.13", _names(
        "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
        "DeleteRoute", "DisassociateRouteTable")),
    Item("vpc-changes", "VPC changes", "4.14", "CloudWatch.14", _names(
        "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
        "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
        "DisableVpcClassicLink", "EnableVpcClassicLink")),
)


def compact(pattern: str) -> str:
    return re.sub(r'[\s"]', "", pattern)


@dataclass(frozen=True)
class LogGroup:
    region: str
    account: str
    name: str

    @classmethod
    def from_arn(cls, arn: str) -> "LogGroup":
        # arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*
        parts = arn.split(":")
        return cls(parts[3], parts[4], parts[6])


def _metric_filters(ctx: CheckContext, group: LogGroup) -> list[dict[str, Any]]:
    def fetch():
        pages = ctx.client("logs", group.region).get_paginator("describe_metric_filters").paginate(
            logGroupName=group.name)
        return [f for page in pages for f in page["metricFilters"]]
    return ctx.remember(("logs", "metric_filters", group), fetch)


def _alarms(ctx: CheckContext, region: str) -> list[dict[str, Any]]:
    def fetch():
        pages = ctx.client("cloudwatch", region).get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
        return [a for page in pages for a in page["MetricAlarms"]]
    return ctx.remember(("cloudwatch", "alarms", region), fetch)


def _confirmed_subscriptions(ctx: CheckContext, topic_arn: str) -> int:
    def fetch():
        region = topic_arn.split(":")[3]
        pages = ctx.client("sns", region).get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
        return sum(1 for page in pages for s in page["Subscriptions"]
                   if s.get("SubscriptionArn", "").startswith("arn:"))  # not "PendingConfirmation"
    return ctx.remember(("sns", "subscriptions", topic_arn), fetch)


def _monitored_groups(ctx: CheckContext) -> list[LogGroup]:
    # Start fetching filters and alarms for every candidate log group while the trails are still being
    # judged: the answers are memoised, so the real lookups below find them ready.
    for trail in described_trails(ctx):
        if trail.get("IsMultiRegionTrail") and trail.get("CloudWatchLogsLogGroupArn"):
            group = LogGroup.from_arn(trail["CloudWatchLogsLogGroupArn"])
            if group.account == ctx.account_id:
                spawn(_metric_filters, ctx, group)
                spawn(_alarms, ctx, group.region)
    groups = [LogGroup.from_arn(t.log_group_arn) for t in satisfying_trails(ctx) if t.log_group_arn]
    return list(dict.fromkeys(groups))


def _evaluate(ctx: CheckContext, item: Item, group: LogGroup) -> tuple[bool, str, dict[str, Any]]:
    """(satisfied, what was found or missing, evidence) for one log group."""
    matching = [f for f in _metric_filters(ctx, group)
                if all(term in compact(f.get("filterPattern", "")) for term in item.terms)]
    if not matching:
        return False, f"log group '{group.name}' has no metric filter for {item.what}", {"filters": []}
    metrics = {(t["metricName"], t["metricNamespace"]) for f in matching for t in f.get("metricTransformations", [])}
    alarms = [a for a in _alarms(ctx, group.region) if (a.get("MetricName"), a.get("Namespace")) in metrics]
    evidence: dict[str, Any] = {"filters": [f["filterName"] for f in matching], "alarms": [a["AlarmName"] for a in alarms]}
    if not alarms:
        return False, f"metric filter '{matching[0]['filterName']}' has no alarm", evidence
    topics = [arn for a in alarms for arn in a.get("AlarmActions", []) if arn.startswith("arn:aws") and ":sns:" in arn]
    confirmed = {topic: _confirmed_subscriptions(ctx, topic) for topic in dict.fromkeys(topics)}
    evidence["topics"] = confirmed
    good = [t for t, count in confirmed.items() if count]
    if good:
        return True, f"alarm on filter '{matching[0]['filterName']}' notifies {good[0]}", evidence
    if not topics:
        return False, f"alarm '{alarms[0]['AlarmName']}' notifies no SNS topic", evidence
    return False, f"alarm '{alarms[0]['AlarmName']}' notifies SNS topics with no confirmed subscription", evidence


def _check(item: Item) -> Check:
    meta = CheckMeta(
        id=f"cis-monitoring-{item.suffix}",
        title=f"An alarm with a subscribed SNS topic watches for {item.what}",
        severity=Severity.LOW,
        controls=Controls(cis_aws_v3=item.cis, security_hub=item.control),
        remediation=(f"On the trail's CloudWatch Logs group, create a metric filter for {item.what} (CIS "
                     f"{item.cis} gives the pattern), an alarm on its metric, and an SNS topic with a confirmed "
                     "subscription as the alarm's action."),
        remediation_url=f"{URL}#{item.control.lower().replace('.', '-')}",
        iam_actions=MONITORING_ACTIONS,
    )

    def run(ctx: CheckContext) -> Result:
        groups = _monitored_groups(ctx)
        if not groups:
            trails = satisfying_trails(ctx)
            if not trails:
                return failed(no_trail_message())
            return failed("No logging multi-region trail delivers to CloudWatch Logs, so nothing can watch for "
                          f"{item.what}.", trails=[t.name for t in trails])
        foreign = [g for g in groups if g.account != ctx.account_id]
        own = [g for g in groups if g.account == ctx.account_id]
        results = {g.name: _evaluate(ctx, item, g) for g in own}
        for name, (ok, found, evidence) in results.items():
            if ok:
                return passed(f"On log group '{name}', an {found}.", **evidence)
        if not own:
            accounts = ", ".join(sorted({g.account for g in foreign}))
            return not_applicable(f"The organization trail delivers to a log group in account {accounts}; "
                                  f"its alarms for {item.what} are evaluated there.")
        return failed("Nothing watches for " + item.what + ": " + "; ".join(r[1] for r in results.values()) + ".",
                      log_groups={n: r[2] for n, r in results.items()})

    return Check(meta, run)


CHECKS = tuple(_check(item) for item in ITEMS)
