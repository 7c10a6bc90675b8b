"""CIS section 4: a metric filter, an alarm and a subscribed SNS topic per item, on the logging trail's
log group."""
import pytest

from checks import cis_monitoring
from preflight.model import Status
from sim.account import CIS_PATTERNS, TRAIL_LOG_GROUP, add_cis_alarms, create_trail, put_metric_filter
from sim.stubs import answering

BY_SUFFIX = {item.suffix: check for item, check in zip(cis_monitoring.ITEMS, cis_monitoring.CHECKS)}


def trail_with_logs():
    create_trail("audit", log_group=TRAIL_LOG_GROUP)


def test_there_is_one_check_per_cis_item_4_1_to_4_15():
    assert sorted(c.meta.controls.cis_aws_v3 for c in cis_monitoring.CHECKS) == sorted(f"4.{i}" for i in range(1, 16))
    assert set(BY_SUFFIX) == set(CIS_PATTERNS)


@pytest.mark.parametrize("check", cis_monitoring.CHECKS, ids=lambda c: c.id)
def test_each_item_passes_with_its_cis_filter_alarm_and_subscribed_topic(run_check, check):
    trail_with_logs()
    add_cis_alarms()
    assert run_check(check).status is Status.PASS


def test_an_item_without_its_filter_fails(run_check):
    trail_with_logs()
    add_cis_alarms(items=("root-usage",))
    result = run_check(BY_SUFFIX["unauthorized-api-calls"])
    assert result.status is Status.FAIL
    assert "log group 'cloudtrail/audit' has no metric filter for unauthorized API calls" in result.message


def test_a_filter_without_an_alarm_fails(run_check):
    trail_with_logs()
    add_cis_alarms(items=("root-usage",), with_alarm=False)
    result = run_check(BY_SUFFIX["root-usage"])
    assert result.status is Status.FAIL
    assert "metric filter 'cis-root-usage' has no alarm" in result.message


def test_an_alarm_whose_topic_has_no_subscription_fails(run_check):
    trail_with_logs()
    add_cis_alarms(items=("root-usage",), subscribed=False)
    result = run_check(BY_SUFFIX["root-usage"])
    assert result.status is Status.FAIL
    assert "notifies SNS topics with no confirmed subscription" in result.message


def test_a_trail_without_cloudwatch_logs_fails(run_check):
    create_trail("audit")
    result = run_check(BY_SUFFIX["vpc-changes"])
    assert result.status is Status.FAIL
    assert result.message.startswith("No logging multi-region trail delivers to CloudWatch Logs")


def test_a_partial_filter_does_not_count(run_check):
    trail_with_logs()
    put_metric_filter("trail-changes", "{ ($.eventName = CreateTrail) || ($.eventName = DeleteTrail) }")
    assert run_check(BY_SUFFIX["cloudtrail-changes"]).status is Status.FAIL


def test_spacing_and_quotes_in_a_pattern_do_not_matter():
    pattern = '{($.eventName="ConsoleLogin")&&($.additionalEventData.MFAUsed!="Yes")}'
    item = next(i for i in cis_monitoring.ITEMS if i.suffix == "console-signin-without-mfa")
    assert cis_monitoring.judge_filter({"filterName": "f", "filterPattern": pattern}, item).qualifies


def test_an_organization_trail_logging_to_another_account_is_not_applicable(run_check):
    org_trail = {
        "Name": "org", "TrailARN": "arn:aws:cloudtrail:us-east-1:999999999999:trail/org", "HomeRegion": "us-east-1",
        "IsMultiRegionTrail": True, "IsOrganizationTrail": True,
        "CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:999999999999:log-group:org-trail:*",
    }
    refused = {"Error": {"Code": "CloudTrailARNInvalidException", "Message": "AccountID in ARN is wrong"}}
    session = answering({("cloudtrail", "DescribeTrails"): {"trailList": [org_trail]},
                         ("cloudtrail", "GetTrailStatus"): {"IsLogging": True},
                         ("cloudtrail", "GetEventSelectors"): refused})
    result = run_check(BY_SUFFIX["root-usage"], session=session)
    assert result.status is Status.NOT_APPLICABLE
    assert "account 999999999999" in result.message


def test_cis_v5_asks_the_security_group_filter_to_catch_modify_security_group_rules_too(run_check):
    """CIS v5.0.0 4.10 adds ModifySecurityGroupRules; a v3.0.0-verbatim filter passes v3 and fails v5."""
    trail_with_logs()
    add_cis_alarms(items=("security-group-changes",))
    check = BY_SUFFIX["security-group-changes"]
    assert run_check(check).status is Status.PASS
    v5 = run_check(check, include_v5_events=True)
    assert v5.status is Status.FAIL and "ModifySecurityGroupRules" in v5.message
