"""The CIS monitoring items (CIS AWS Foundations v3.0.0 section 4, Security Hub CloudWatch.1-14): one check per
item, built from its entry in ITEMS (how each is judged is built from the item too), all sharing every lookup -
trails, metric filters, alarms, subscriptions."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from checks import _filter_pattern as filter_pattern
from checks._trails import CLOUDTRAIL_READ_ACTIONS, described_trails, no_trail_message, satisfying_trails
from preflight.concurrency import spawn
from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import Check, CheckMeta, Controls, Parameter, Result, Severity, Stricter, failed, not_applicable, passed
from preflight.registry import check, docstring

MONITORING_ACTIONS = CLOUDTRAIL_READ_ACTIONS + (
    "logs:DescribeMetricFilters", "cloudwatch:DescribeAlarms", "sns:ListSubscriptionsByTopic",
)
URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html"
ORGANIZATIONS_URL = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_cloudtrail-integration.html"
# Answers for a topic that is gone or not ours to read: skipped, not an error of the check.
UNREADABLE_TOPIC_CODES = frozenset({"NotFound", "NotFoundException", "AuthorizationError", "AccessDenied",
                                    "AccessDeniedException", "InvalidParameter"})


@dataclass(frozen=True)
class Sample:
    """A CloudTrail event an item's alarm must catch, and how to name it when a filter misses it."""

    label: str
    event: dict[str, Any]


def _event(source: str, name: str, **fields: Any) -> dict[str, Any]:
    """A CloudTrail record as an IAM user's API call would produce it (CloudTrail record contents)."""
    return {
        "eventVersion": "1.09", "eventTime": "2026-11-26T12:00:00Z", "eventSource": f"{source}.amazonaws.com",
        "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.17", "eventType": "AwsApiCall", "readOnly": False, "managementEvent": True,
        "recipientAccountId": "111122223333", "eventCategory": "Management",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": "111122223333",
                         "arn": "arn:aws:iam::111122223333:user/alice", "userName": "alice"},
        **fields,
    }


def _calls(source: str, *names: str) -> tuple[Sample, ...]:
    return tuple(Sample(name, _event(source, name)) for name in names)


@dataclass(frozen=True)
class Item:
    suffix: str
    what: str
    cis: str
    control: str | None  # Security Hub's control (CloudWatch.N), where Security Hub has one
    samples: tuple[Sample, ...] = field(repr=False)
    v5_samples: tuple[Sample, ...] = field(default=(), repr=False)  # events CIS v5.0.0 added to the item


V5_EVENTS = "include_v5_events"  # the parameter of an item whose v5.0.0 filter must catch more


ROOT = {"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root",
        "accountId": "111122223333"}

ITEMS = (
    Item("unauthorized-api-calls", "unauthorized API calls", "4.1", "CloudWatch.2", (
        Sample("an UnauthorizedOperation error", _event("ec2", "RunInstances", errorCode="Client.UnauthorizedOperation",
                                                        errorMessage="You are not authorized to perform this operation.")),
        Sample("an AccessDenied error", _event("s3", "GetBucketPolicy", errorCode="AccessDenied",
                                               errorMessage="Access Denied")),
        Sample("an AccessDeniedException error", _event("iam", "ListRoles", errorCode="AccessDeniedException")),
    )),
    Item("console-signin-without-mfa", "console sign-in without MFA", "4.2", "CloudWatch.3", (
        Sample("a ConsoleLogin without MFA", _event(
            "signin", "ConsoleLogin", eventType="AwsConsoleSignIn", readOnly=False,
            additionalEventData={"LoginTo": "https://console.aws.amazon.com/", "MobileVersion": "No", "MFAUsed": "No"},
            responseElements={"ConsoleLogin": "Success"})),
    )),
    Item("root-usage", "use of the root user", "4.3", "CloudWatch.1", (
        Sample("a root API call", _event("s3", "ListBuckets", userIdentity=ROOT, readOnly=True)),
        Sample("a root ConsoleLogin", _event("signin", "ConsoleLogin", userIdentity=ROOT, eventType="AwsConsoleSignIn",
                                             additionalEventData={"MFAUsed": "Yes"},
                                             responseElements={"ConsoleLogin": "Success"})),
    )),
    Item("iam-policy-changes", "IAM policy changes", "4.4", "CloudWatch.4", _calls(
        "iam", "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
        "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
        "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
        "DetachGroupPolicy")),
    Item("cloudtrail-changes", "CloudTrail configuration changes", "4.5", "CloudWatch.5", _calls(
        "cloudtrail", "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")),
    Item("console-auth-failures", "console authentication failures", "4.6", "CloudWatch.6", (
        Sample("a failed ConsoleLogin", _event("signin", "ConsoleLogin", eventType="AwsConsoleSignIn",
                                               errorMessage="Failed authentication",
                                               responseElements={"ConsoleLogin": "Failure"})),
    )),
    Item("cmk-disable-or-deletion", "disabling or scheduled deletion of customer managed keys", "4.7",
         "CloudWatch.7", _calls("kms", "DisableKey", "ScheduleKeyDeletion")),
    Item("s3-bucket-policy-changes", "S3 bucket policy changes", "4.8", "CloudWatch.8", _calls(
        "s3", "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
        "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication")),
    Item("config-changes", "AWS Config configuration changes", "4.9", "CloudWatch.9", _calls(
        "config", "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
        "PutConfigurationRecorder")),
    Item("security-group-changes", "security group changes", "4.10", "CloudWatch.10", _calls(
        "ec2", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"),
        v5_samples=_calls("ec2", "ModifySecurityGroupRules")),
    Item("nacl-changes", "network ACL changes", "4.11", "CloudWatch.11", _calls(
        "ec2", "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation")),
    Item("network-gateway-changes", "network gateway changes", "4.12", "CloudWatch.12", _calls(
        "ec2", "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
        "DeleteInternetGateway", "DetachInternetGateway")),
    Item("route-table-changes", "route table changes", "4.13", "CloudWatch.13", _calls(
        "ec2", "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
        "DeleteRoute", "DisassociateRouteTable")),
    Item("vpc-changes", "VPC changes", "4.14", "CloudWatch.14", _calls(
        "ec2", "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
        "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
        "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink", "EnableVpcClassicLink")),
    # CIS 4.15: no Security Hub control; the events are the ones CIS's pattern names, all from Organizations.
    Item("organizations-changes", "AWS Organizations changes", "4.15", None, _calls(
        "organizations", "AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy", "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy", "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit")),
)


@dataclass(frozen=True)
class FilterVerdict:
    name: str
    missed: tuple[str, ...] = ()  # labels of the required samples the pattern does not match
    problem: str | None = None  # why the pattern could not be judged (does not parse)

    @property
    def qualifies(self) -> bool:
        return self.problem is None and not self.missed


def samples_of(item: Item, ctx: CheckContext | None = None) -> tuple[Sample, ...]:
    """The events the item's filter must catch: v3.0.0's, and v5.0.0's additions when the baseline asks."""
    wants_v5 = bool(ctx is not None and item.v5_samples and ctx.parameters.get(V5_EVENTS))
    return item.samples + (item.v5_samples if wants_v5 else ())


def judge_filter(metric_filter: dict[str, Any], item: Item, samples: tuple[Sample, ...] | None = None) -> FilterVerdict:
    name = metric_filter.get("filterName", "?")
    try:
        expression = filter_pattern.parse(metric_filter.get("filterPattern", ""))
    except filter_pattern.ParseError as error:
        return FilterVerdict(name, problem=f"its pattern does not parse ({error})")
    return FilterVerdict(name, tuple(s.label for s in (samples or item.samples)
                                     if not filter_pattern.matches(expression, s.event)))


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


def _topic_reach(ctx: CheckContext, topics: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """(confirmed subscriptions per readable topic, error code per topic skipped)."""
    counts, skipped = {}, {}
    for topic in dict.fromkeys(topics):
        try:
            counts[topic] = _confirmed_subscriptions(ctx, topic)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "ClientError")
            if code not in UNREADABLE_TOPIC_CODES:
                raise
            skipped[topic] = code
    return counts, skipped


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


def _missed(verdict: FilterVerdict) -> str:
    if verdict.problem:
        return f"metric filter '{verdict.name}': {verdict.problem}"
    shown = ", ".join(verdict.missed[:6]) + (f" and {len(verdict.missed) - 6} more" if len(verdict.missed) > 6 else "")
    return f"metric filter '{verdict.name}' misses {shown}"


def _evaluate(ctx: CheckContext, item: Item, group: LogGroup) -> tuple[bool, str, dict[str, Any]]:
    """(satisfied, what was found or missing, evidence) for one log group."""
    samples = samples_of(item, ctx)
    verdicts = [(f, judge_filter(f, item, samples)) for f in _metric_filters(ctx, group)]
    matching = [f for f, v in verdicts if v.qualifies]
    evidence: dict[str, Any] = {"filters": {v.name: (v.problem or list(v.missed)) for _, v in verdicts}}
    if not matching:
        if not verdicts:
            return False, f"log group '{group.name}' has no metric filter for {item.what}", evidence
        judged = [v for _, v in verdicts if not v.problem] or [v for _, v in verdicts]
        best = min(judged, key=lambda v: len(v.missed))
        return False, f"log group '{group.name}' has no metric filter for {item.what} ({_missed(best)})", evidence
    metrics = {(t["metricName"], t["metricNamespace"]) for f in matching for t in f.get("metricTransformations", [])}
    alarms = [a for a in _alarms(ctx, group.region) if (a.get("MetricName"), a.get("Namespace")) in metrics]
    evidence["alarms"] = {a["AlarmName"]: a.get("ActionsEnabled", True) for a in alarms}
    if not alarms:
        return False, f"metric filter '{matching[0]['filterName']}' has no alarm", evidence
    enabled = [a for a in alarms if a.get("ActionsEnabled", True)]
    if not enabled:
        return False, f"alarm '{alarms[0]['AlarmName']}' has its actions disabled", evidence
    topics = [arn for a in enabled for arn in a.get("AlarmActions", []) if arn.startswith("arn:aws") and ":sns:" in arn]
    if not topics:
        return False, f"alarm '{enabled[0]['AlarmName']}' notifies no SNS topic", evidence
    confirmed, skipped = _topic_reach(ctx, topics)
    evidence["topics"] = confirmed
    if skipped:
        evidence["topics_skipped"] = skipped
    good = [t for t, count in confirmed.items() if count]
    if good:
        return True, f"alarm on filter '{matching[0]['filterName']}' notifies {good[0]}", evidence
    if not confirmed:  # no action could be read at all: no verdict
        topic, code = next(iter(skipped.items()))
        raise EvaluationError(code, f"no SNS topic of alarm '{enabled[0]['AlarmName']}' could be read ({topic}: {code})")
    return False, f"alarm '{enabled[0]['AlarmName']}' notifies SNS topics with no confirmed subscription", evidence


def how_judged(item: Item) -> str:
    """How the check for `item` is judged: the docstring of its run function."""
    return (
        f"PASS when a logging multi-region trail (one cloudtrail-enabled accepts with its default parameters) "
        f"delivers to a CloudWatch Logs group of this account on which a metric filter catches {item.what}, an "
        "alarm on the filter's metric has its actions enabled, and one of the alarm's SNS topics has a confirmed "
        "subscription. The filter's pattern, parsed and evaluated as CloudWatch Logs evaluates it "
        f"(checks/_filter_pattern.py), must match every CloudTrail event the item requires: {_listed(item)}; a "
        "broader filter is fine, a narrower one is not. FAIL when no trail qualifies or none delivers to "
        "CloudWatch Logs, or when on every such log group the filter, the alarm, its enabled actions, an SNS "
        "action or a confirmed subscription is missing - the message says which, and which events the closest "
        "filter misses. NOT_APPLICABLE when the qualifying trails deliver only to a log group of another account "
        "(an organization trail): its alarms are judged there. A deleted SNS topic, or one this account may not "
        "read, is skipped and noted. ERROR when no trail qualifies and one could not be read, when none of the "
        "alarm's SNS topics could be read, or when a lookup is refused."
        + (f" With `{V5_EVENTS}` (set by the cis-aws-foundations-v5 baseline) the filter must also catch "
           f"{', '.join(s.label for s in item.v5_samples)}, as CIS v5.0.0 {item.cis} asks." if item.v5_samples else "")
        + "\n\n"
        f"Source: CIS AWS Foundations Benchmark v3.0.0, CIS {item.cis} (an alarm with at least one active "
        f"subscriber; Manual in v3.0.0 and v5.0.0, judged here on its CloudWatch path - CIS v5.0.0 also accepts an "
        f"external SIEM); "
        + (f"Security Hub {item.control} ({URL}#{_anchor(item)}), a control of Security Hub's CIS v1.2.0 and "
           "v1.4.0 standards, not of its v3.0.0 or v5.0.0 ones" if item.control else
           f"no Security Hub control; AWS Organizations User Guide, \"Logging AWS Organizations API calls with AWS CloudTrail\" ({ORGANIZATIONS_URL})")
        + "; enabled alarm actions: Security Hub CloudWatch.17."
    )


def _anchor(item: Item) -> str:
    return (item.control or "cloudwatch-17").lower().replace(".", "-")


def _listed(item: Item) -> str:
    labels = [s.label for s in item.samples]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _check(item: Item) -> Check:
    @check(CheckMeta(
        id=f"cis-monitoring-{item.suffix}",
        title=f"An alarm with a subscribed SNS topic watches for {item.what}",
        severity=Severity.LOW,
        controls=Controls(cis_aws_v3=item.cis, security_hub=item.control, cis_aws_v5=item.cis),  # v5 kept 4.1-4.15
        remediation=(f"On the trail's CloudWatch Logs group, create a metric filter for {item.what} (CIS "
                     f"{item.cis} gives the pattern), an alarm on its metric, and an SNS topic with a confirmed "
                     "subscription as the alarm's action."),
        remediation_url=f"{URL}#{_anchor(item)}" if item.control else ORGANIZATIONS_URL,
        iam_actions=MONITORING_ACTIONS,
        parameters=(Parameter(V5_EVENTS, bool, False, "The filter must also catch the events CIS v5.0.0 added to "
                              f"the item ({', '.join(s.label for s in item.v5_samples)}).", Stricter.TRUE),)
        if item.v5_samples else (),
    ))
    @docstring(how_judged(item))
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
        results, unreadable = {}, []
        for group in own:
            try:
                results[group.name] = _evaluate(ctx, item, group)
            except EvaluationError as error:  # another log group may still settle it
                unreadable.append(error)
        for name, (ok, found, evidence) in results.items():
            if ok:
                return passed(f"On log group '{name}', an {found}.", **evidence)
        if unreadable:
            raise unreadable[0]
        if not own:
            accounts = ", ".join(sorted({g.account for g in foreign}))
            return not_applicable(f"The organization trail delivers to a log group in account {accounts}; "
                                  f"its alarms for {item.what} are evaluated there.")
        return failed("Nothing watches for " + item.what + ": " + "; ".join(r[1] for r in results.values()) + ".",
                      log_groups={n: r[2] for n, r in results.items()})

    return run


CHECKS = tuple(_check(item) for item in ITEMS)
