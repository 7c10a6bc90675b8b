"""CIS 4.1-4.14: a metric filter qualifies when its pattern, evaluated as CloudWatch Logs evaluates it, catches
every CloudTrail event the CIS item prescribes; an alarm qualifies when its actions are enabled and one of
its SNS topics has a confirmed subscription.

Sources: CIS AWS Foundations Benchmark v3.0.0, section 4 (each item's filter pattern and its audit: "at least
one active subscriber" to the alarm's SNS topic); CloudWatch Logs User Guide, "Filter pattern syntax for
metric filters" (JSON patterns: selectors, =, !=, numeric comparisons, IS NULL, NOT EXISTS, &&, ||, *);
AWS Security Hub CloudWatch.17 (alarm actions should be activated).
"""
import re

import boto3
import pytest

from checks import _filter_pattern as filter_pattern, cis_monitoring
from checks.cis_monitoring import judge_filter
from preflight.errors import EvaluationError
from preflight.model import Status
from sim.account import CIS_PATTERNS, TRAIL_LOG_GROUP, add_cis_alarms, create_trail, put_metric_filter

ITEMS = {item.suffix: item for item in cis_monitoring.ITEMS}
BY_SUFFIX = {item.suffix: check for item, check in zip(cis_monitoring.ITEMS, cis_monitoring.CHECKS)}


def verdict(suffix: str, pattern: str):
    return judge_filter({"filterName": "f", "filterPattern": pattern}, ITEMS[suffix])


def without_spaces(pattern: str) -> str:
    """No space around operators and parentheses (words such as NOT EXISTS keep theirs)."""
    return re.sub(r"\s*(&&|\|\||[(){}]|!=|=)\s*", r"\1", pattern)


def quoted_values(pattern: str) -> str:
    return re.sub(r'(=|!=)\s*([A-Za-z0-9.*]+)', r'\1 "\2"', pattern)


def unquoted_values(pattern: str) -> str:
    return re.sub(r'"([A-Za-z0-9.*]+)"', r"\1", pattern)


def reordered(pattern: str) -> str:
    """The ||-alternatives of the outermost parenthesised group, in reverse order."""
    body = pattern.strip()[1:-1]
    depth, parts, start = 0, [], 0
    for i, c in enumerate(body):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and body[i:i + 2] == "||":
            parts.append(body[start:i])
            start = i + 2
    parts.append(body[start:])
    return "{" + "||".join(reversed(parts)) + "}"


@pytest.mark.parametrize("suffix", CIS_PATTERNS)
@pytest.mark.parametrize("spelling", [lambda p: p, without_spaces, quoted_values, unquoted_values, reordered],
                         ids=["as-printed", "no-spaces", "quoted", "unquoted", "reordered"])
def test_the_cis_patterns_and_their_respellings_qualify(suffix, spelling):
    result = verdict(suffix, spelling(CIS_PATTERNS[suffix]))
    assert result.qualifies, (spelling(CIS_PATTERNS[suffix]), result)


@pytest.mark.parametrize("suffix, pattern, missed", [
    ("iam-policy-changes", "{ ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) }",
     "CreatePolicy"),
    ("route-table-changes", "{ ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRouteTableAssociation) }",
     "CreateRoute"),
    ("nacl-changes", "{ ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAclEntry) }",
     "CreateNetworkAcl"),
    ("vpc-changes", "{ ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) }",
     "CreateVpc"),
])
def test_a_name_that_only_contains_the_required_one_does_not_catch_it(suffix, pattern, missed):
    """`$.eventName=CreatePolicy` is a substring of `$.eventName=CreatePolicyVersion`; the event is not."""
    result = verdict(suffix, pattern)
    assert not result.qualifies and missed in result.missed


def test_and_where_or_was_meant_catches_nothing():
    result = verdict("cloudtrail-changes", "{ ($.eventName = CreateTrail) && ($.eventName = UpdateTrail) && "
                                           "($.eventName = DeleteTrail) && ($.eventName = StartLogging) && "
                                           "($.eventName = StopLogging) }")
    assert result.missed == ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")


def test_a_broader_filter_qualifies():
    assert verdict("cmk-disable-or-deletion", "{ $.eventSource = kms.amazonaws.com }").qualifies
    assert verdict("unauthorized-api-calls", '{ $.errorCode = "*" }').qualifies


def test_a_narrower_root_filter_misses_the_console_login():
    result = verdict("root-usage", '{ $.userIdentity.type = "Root" && $.eventType = "AwsApiCall" }')
    assert result.missed == ("a root ConsoleLogin",)


def test_the_cis_4_2_variant_for_iam_users_qualifies():
    """CIS v3.0 4.2 also prints a variant that leaves out SSO sign-ins."""
    assert verdict("console-signin-without-mfa",
                   '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
                   '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }').qualifies


@pytest.mark.parametrize("pattern, problem", [
    ("ConsoleLogin", "not a JSON filter pattern"),
    ("{ ($.eventName = ConsoleLogin) ", "not a JSON filter pattern"),
    ("{ ($.eventName = ConsoleLogin }", "expected close"),
    ("{ $.eventName = %Console.*% }", "regular-expression values"),
    ("{ $.eventName ~ ConsoleLogin }", "expected op but found '~'"),
])
def test_a_pattern_that_does_not_parse_is_reported_as_such(pattern, problem):
    result = verdict("console-auth-failures", pattern)
    assert not result.qualifies and problem in result.problem


@pytest.mark.parametrize("pattern, event, expected", [
    ("{ $.a NOT EXISTS }", {"b": 1}, True),
    ("{ $.a NOT EXISTS }", {"a": None}, False),
    ("{ $.a EXISTS }", {"a": 0}, True),
    ("{ $.a IS NULL }", {"a": None}, True),
    ("{ $.a IS TRUE }", {"a": True}, True),
    ("{ $.a IS FALSE }", {"a": True}, False),
    ("{ $.n >= 10 }", {"n": 10}, True),
    ("{ $.n < 10 }", {"n": 10.5}, False),
    ("{ $.n = 5 }", {"n": "5"}, True),
    ("{ $.list[1].x = y }", {"list": [{"x": "z"}, {"x": "y"}]}, True),
    ("{ $.a != x }", {}, False),  # a comparison on a missing field is false
    ("{ $.a = x || $.b = y && $.c = z }", {"a": "x"}, True),  # && binds tighter than ||
    ("{ ($.a = x || $.b = y) && $.c = z }", {"a": "x"}, False),
    ('{ $.m = "Access*Denied" }', {"m": "Access is Denied"}, True),
    ('{ $.m = "a?c" }', {"m": "abc"}, False),  # only * is a wildcard
])
def test_pattern_semantics(pattern, event, expected):
    assert filter_pattern.matches(filter_pattern.parse(pattern), event) is expected


def trail_with_logs():
    create_trail("audit", log_group=TRAIL_LOG_GROUP)


def test_a_filter_missing_events_fails_naming_them(run_check):
    trail_with_logs()
    put_metric_filter("policy-versions", "{ ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) }")
    result = run_check(BY_SUFFIX["iam-policy-changes"])
    assert result.status is Status.FAIL
    assert ("metric filter 'policy-versions' misses DeleteGroupPolicy, DeleteRolePolicy, DeleteUserPolicy, "
            "PutGroupPolicy, PutRolePolicy, PutUserPolicy and 8 more") in result.message


def test_an_unparsable_filter_is_a_fail_that_says_so_not_an_error(run_check):
    trail_with_logs()
    put_metric_filter("text-match", '"ConsoleLogin"')
    result = run_check(BY_SUFFIX["console-auth-failures"])
    assert result.status is Status.FAIL
    assert "metric filter 'text-match': its pattern does not parse (not a JSON filter pattern" in result.message


def test_an_alarm_with_its_actions_disabled_does_not_count(run_check):
    """Security Hub CloudWatch.17: alarm actions should be activated."""
    trail_with_logs()
    add_cis_alarms(items=("root-usage",))
    boto3.client("cloudwatch").disable_alarm_actions(AlarmNames=["cis-root-usage"])
    result = run_check(BY_SUFFIX["root-usage"])
    assert result.status is Status.FAIL
    assert "alarm 'cis-root-usage' has its actions disabled" in result.message


def alarm_notifying(topics: list[str]) -> None:
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_alarm(AlarmName="cis-root-usage", MetricName="cis-root-usage", Namespace="CISBenchmark",
                                Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=topics)


def test_a_deleted_topic_is_skipped_and_the_next_subscribed_one_counts(run_check):
    trail_with_logs()
    live = add_cis_alarms(items=("root-usage",))
    gone = live.replace("security-alarms", "deleted-topic")
    alarm_notifying([gone, live])
    result = run_check(BY_SUFFIX["root-usage"])
    assert result.status is Status.PASS
    assert result.evidence["topics_skipped"] == {gone: "NotFound"}


def test_only_unreadable_topics_is_an_error(run_check):
    trail_with_logs()
    live = add_cis_alarms(items=("root-usage",))
    alarm_notifying([live.replace("security-alarms", "deleted-topic")])
    with pytest.raises(EvaluationError, match="no SNS topic of alarm 'cis-root-usage' could be read"):
        run_check(BY_SUFFIX["root-usage"])
