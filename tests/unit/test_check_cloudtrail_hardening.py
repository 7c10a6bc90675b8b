"""A well-built organization trail: CloudTrail Insights, Lambda Invoke data events, Object Lock on the trail buckets.

Sources: CloudTrail API Reference GetInsightSelectors / DataResource / AdvancedFieldSelector; CloudTrail User Guide
"Logging Insights events with the AWS CLI", "Logging data events"; AWS Config rule s3-bucket-default-lock-enabled.
"""
import pytest

from checks import cloudtrail_hardening as hardening
from preflight.model import Status
from sim.account import (
    ALL_LAMBDA_FUNCTIONS, ALL_MANAGEMENT_EVENTS, client, create_bucket, create_trail, enable_insights, lock_bucket,
)
from sim.stubs import answering, error
from tests.support.network import run_audit

INSIGHTS, LAMBDA, LOCK = hardening.CHECKS
BUCKET = "audit-trail-logs-us-east-1"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
ACCOUNT_ARN = "arn:aws:iam::123456789012:root"
ORG_TRAIL = {
    "Name": "org-trail", "TrailARN": "arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail",
    "HomeRegion": "us-east-1", "IsMultiRegionTrail": True, "IsOrganizationTrail": True,
    "S3BucketName": "org-log-archive", "HasInsightSelectors": True,
}
REFUSED = error("CloudTrailARNInvalidException", "AccountID in ARN is wrong")
DENIED = error("AccessDenied", "not authorized", 403)


def member_account(extra=None):
    """A member account that sees only its organization's trail and may read none of its details."""
    return answering({("cloudtrail", "DescribeTrails"): {"trailList": [ORG_TRAIL]},
                      ("cloudtrail", "GetTrailStatus"): REFUSED, ("cloudtrail", "GetEventSelectors"): REFUSED,
                      ("cloudtrail", "GetInsightSelectors"): REFUSED, **(extra or {})})


# --- CloudTrail Insights ----------------------------------------------------------------------------------------

def test_a_logging_trail_with_insights_passes_and_names_the_types(run_check):
    create_trail("audit")
    enable_insights("audit")
    result = run_check(INSIGHTS)
    assert result.status is Status.PASS, result.message
    assert "ApiCallRateInsight, ApiErrorRateInsight" in result.message
    assert result.evidence["trails"][0]["insight_types"] == ["ApiCallRateInsight", "ApiErrorRateInsight"]


def test_no_trail_fails_insights(run_check):
    assert run_check(INSIGHTS).message == "No CloudTrail trail exists in this account."


def test_a_trail_without_insights_fails_and_gets_no_extra_call(run_check):
    create_trail("audit")
    session = answering({("cloudtrail", "GetInsightSelectors"): DENIED})  # HasInsightSelectors false: never asked
    result = run_check(INSIGHTS, session=session)
    assert result.status is Status.FAIL and result.resources == (ACCOUNT_ARN,)
    assert "trail 'audit' has no Insights on management events" in result.message


def test_insights_turned_off_again_fail(run_check):
    create_trail("audit")
    enable_insights("audit")
    enable_insights("audit", ())  # PutInsightSelectors with no types turns Insights off
    assert client("cloudtrail").describe_trails()["trailList"][0]["HasInsightSelectors"] is False
    with pytest.raises(client("cloudtrail").exceptions.InsightNotEnabledException):
        client("cloudtrail").get_insight_selectors(TrailName="audit")
    assert run_check(INSIGHTS).status is Status.FAIL


def test_insight_not_enabled_after_describe_trails_means_not_enabled(run_check):
    create_trail("audit")
    enable_insights("audit")
    session = answering({("cloudtrail", "GetInsightSelectors"): error("InsightNotEnabledException", "off")})
    assert run_check(INSIGHTS, session=session).status is Status.FAIL


def test_a_stopped_or_single_region_trail_with_insights_does_not_count(run_check):
    create_trail("stopped", logging=False)
    enable_insights("stopped")
    create_trail("local", multi_region=False)
    enable_insights("local")
    result = run_check(INSIGHTS)
    assert result.status is Status.FAIL and "no multi-region trail is logging" in result.message


def test_api_call_rate_insights_on_a_trail_without_write_management_events_cannot_produce_them(run_check):
    create_trail("audit", event_selectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])
    enable_insights("audit", ("ApiCallRateInsight",))
    result = run_check(INSIGHTS)
    assert result.status is Status.FAIL
    assert "logs no write management events, so it cannot produce them" in result.message
    assert set(result.evidence["trails"][0]["cannot_produce"]) == {"ApiCallRateInsight"}


def test_error_rate_insights_need_only_read_management_events(run_check):
    create_trail("audit", event_selectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])
    enable_insights("audit", ("ApiErrorRateInsight",))
    assert run_check(INSIGHTS).status is Status.PASS


def test_a_required_type_missing_fails_naming_it(run_check):
    create_trail("audit")
    enable_insights("audit", ("ApiErrorRateInsight",))
    assert run_check(INSIGHTS).status is Status.PASS
    result = run_check(INSIGHTS, insight_types=("ApiCallRateInsight", "ApiErrorRateInsight"))
    assert result.status is Status.FAIL and "lacks ApiCallRateInsight" in result.message


def test_insights_on_data_events_only_are_noted_not_counted(run_check):
    create_trail("audit")
    enable_insights("audit", ("ApiCallRateInsight",), categories=["Data"])
    result = run_check(INSIGHTS)
    assert result.status is Status.FAIL and "only on data events: ApiCallRateInsight" in result.message
    assert result.evidence["trails"][0]["data_event_insight_types"] == ["ApiCallRateInsight"]


def test_a_member_whose_organization_trail_has_insights_passes_on_has_insight_selectors(run_check):
    result = run_check(INSIGHTS, session=member_account())
    assert result.status is Status.PASS and "org-trail" in result.message


def test_a_member_asked_for_types_it_cannot_read_is_not_applicable(run_check):
    result = run_check(INSIGHTS, session=member_account(), insight_types=("ApiCallRateInsight",))
    assert result.status is Status.NOT_APPLICABLE and "999999999999" in result.message


def test_a_member_whose_organization_trail_has_no_insights_fails(run_check):
    trail = ORG_TRAIL | {"HasInsightSelectors": False}
    session = member_account({("cloudtrail", "DescribeTrails"): {"trailList": [trail]}})
    assert run_check(INSIGHTS, session=session).status is Status.FAIL


@pytest.mark.parametrize("operation", ["GetInsightSelectors", "GetTrailStatus", "DescribeTrails"])
def test_a_refused_insights_read_is_an_error(operation):
    create_trail("audit")
    enable_insights("audit")
    [finding] = run_audit([INSIGHTS], session=answering({("cloudtrail", operation): DENIED}))
    assert (finding.status, finding.error_code) == (Status.ERROR, "AccessDenied")


def test_one_trail_with_insights_passes_though_another_is_refused(run_check):
    create_trail("audit")
    enable_insights("audit")
    create_trail("second")
    enable_insights("second")
    calls = {"n": 0}

    def first_refused():
        calls["n"] += 1
        if calls["n"] == 1:
            return DENIED
        return {"TrailARN": "arn:aws:cloudtrail:us-east-1:123456789012:trail/x",
                "InsightSelectors": [{"InsightType": "ApiErrorRateInsight"}]}
    result = run_check(INSIGHTS, session=answering({("cloudtrail", "GetInsightSelectors"): first_refused}))
    assert result.status is Status.PASS


def test_an_exemption_of_the_account_makes_the_insights_failure_exempt():
    create_trail("audit")
    [finding] = run_audit([INSIGHTS], exemption=ACCOUNT_ARN)
    assert finding.status is Status.EXEMPT


# --- Lambda data events -----------------------------------------------------------------------------------------

CLASSIC = [
    ("All", ["arn:aws:lambda"], True),
    ("WriteOnly", ["arn:aws:lambda"], True),
    ("ReadOnly", ["arn:aws:lambda"], False),  # Invoke is a write data event
    ("All", ["arn:aws:lambda:us-east-1:123456789012:function:one"], False),  # one function is not all
]


@pytest.mark.parametrize(("read_write", "values", "passes"), CLASSIC, ids=str)
def test_classic_lambda_selectors(run_check, read_write, values, passes):
    create_trail("audit", event_selectors=[{"ReadWriteType": read_write, "IncludeManagementEvents": True,
                                            "DataResources": [{"Type": "AWS::Lambda::Function", "Values": values}]}])
    result = run_check(LAMBDA)
    assert (result.status is Status.PASS) == passes, result.message
    assert result.evidence["trails"][0]["all_lambda_invoke_data_events"] is passes


def advanced(*extra, resource_type="AWS::Lambda::Function"):
    return [{"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
            {"Name": "lambda", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                                  {"Field": "resources.type", "Equals": [resource_type]}, *extra]}]


ADVANCED = [
    ((), True),
    (({"Field": "readOnly", "Equals": ["false"]},), True),
    (({"Field": "eventName", "Equals": ["Invoke"]},), True),
    (({"Field": "eventName", "NotEquals": ["GetFunction"]},), True),
    (({"Field": "readOnly", "Equals": ["true"]},), False),
    (({"Field": "eventName", "NotEquals": ["Invoke"]},), False),
    (({"Field": "eventName", "StartsWith": ["Get"]},), False),
    (({"Field": "resources.ARN", "StartsWith": ["arn:aws:lambda:us-east-1:123456789012:function:prod-"]},), False),
    (({"Field": "userIdentity.arn", "NotStartsWith": ["arn:aws:sts::123456789012:assumed-role/ci"]},), False),
]


@pytest.mark.parametrize(("extra", "passes"), ADVANCED, ids=str)
def test_advanced_lambda_selectors(run_check, extra, passes):
    create_trail("audit", advanced_event_selectors=advanced(*extra))
    result = run_check(LAMBDA)
    assert (result.status is Status.PASS) == passes, result.message


def test_s3_data_events_are_not_lambda_data_events(run_check):
    create_trail("audit", advanced_event_selectors=advanced(resource_type="AWS::S3::Object"))
    result = run_check(LAMBDA)
    assert result.status is Status.FAIL and result.resources == (ACCOUNT_ARN,)
    assert "does not select them for all functions" in result.message


def test_only_management_events_fail_lambda(run_check):
    create_trail("audit", event_selectors=ALL_MANAGEMENT_EVENTS)
    assert run_check(LAMBDA).status is Status.FAIL


def test_a_single_region_or_stopped_trail_does_not_count_for_lambda(run_check):
    selectors = [{"ReadWriteType": "All", "DataResources": [ALL_LAMBDA_FUNCTIONS]}]
    create_trail("local", multi_region=False, event_selectors=selectors)
    create_trail("stopped", logging=False, event_selectors=selectors)
    result = run_check(LAMBDA)
    assert result.status is Status.FAIL and "no multi-region trail is logging" in result.message


def test_no_trail_fails_lambda(run_check):
    assert run_check(LAMBDA).status is Status.FAIL


def test_a_member_whose_organization_trail_is_unreadable_is_not_applicable_for_lambda(run_check):
    result = run_check(LAMBDA, session=member_account())
    assert result.status is Status.NOT_APPLICABLE and "org-trail" in result.message


def test_own_trail_selectors_refused_is_an_error_for_lambda():
    create_trail("audit")
    [finding] = run_audit([LAMBDA], session=answering({("cloudtrail", "GetEventSelectors"): DENIED}))
    assert (finding.status, finding.error_code) == (Status.ERROR, "AccessDenied")


def test_in_another_partition_the_all_functions_value_is_its_own():
    from checks._event_selectors import LAMBDA_FUNCTIONS, data_events

    selectors = {"EventSelectors": [{"ReadWriteType": "All",
                                     "DataResources": [{"Type": "AWS::Lambda::Function",
                                                        "Values": ["arn:aws-cn:lambda"]}]}]}
    assert data_events(selectors, LAMBDA_FUNCTIONS, "aws-cn") == (True, True)
    assert data_events(selectors, LAMBDA_FUNCTIONS, "aws") == (False, False)


# --- Object Lock on the trail buckets -----------------------------------------------------------------------------

@pytest.mark.parametrize(("lock", "mode", "passes"), [
    ("GOVERNANCE", "any", True), (None, "any", True),
    ("GOVERNANCE", "GOVERNANCE", True), ("COMPLIANCE", "GOVERNANCE", True),  # compliance protects more
    ("COMPLIANCE", "COMPLIANCE", True), ("GOVERNANCE", "COMPLIANCE", False), (None, "GOVERNANCE", False),
], ids=str)
def test_object_lock_and_its_default_retention_mode(run_check, lock, mode, passes):
    create_trail("audit")
    lock_bucket(BUCKET, lock)
    result = run_check(LOCK, mode=mode)
    assert (result.status is Status.PASS) == passes, result.message
    assert result.evidence["buckets"][0]["arn"] == BUCKET_ARN


def test_a_trail_bucket_without_object_lock_fails_naming_it(run_check):
    create_trail("audit")
    result = run_check(LOCK)
    assert result.status is Status.FAIL and result.resources == (BUCKET_ARN,)
    assert "Object Lock is not enabled" in result.message and "'audit'" in result.message


def test_the_wrong_mode_is_named(run_check):
    create_trail("audit")
    lock_bucket(BUCKET, "GOVERNANCE")
    result = run_check(LOCK, mode="COMPLIANCE")
    assert "its default retention mode is GOVERNANCE" in result.message
    assert "lacks Object Lock in COMPLIANCE mode" in result.message


def test_no_trail_fails_object_lock(run_check):
    assert run_check(LOCK).message == "No CloudTrail trail exists in this account."


def test_each_trail_bucket_is_judged(run_check):
    create_trail("audit")
    lock_bucket(BUCKET)
    create_trail("local", multi_region=False)
    result = run_check(LOCK)
    assert result.status is Status.FAIL and "(1 of 2 trail buckets)" in result.message
    assert result.resources == ("arn:aws:s3:::local-trail-logs-us-east-1",)


def test_a_trail_bucket_in_another_region_is_judged(run_check):
    create_bucket("eu-trail-logs", "eu-west-1")
    lock_bucket("eu-trail-logs", "COMPLIANCE", region="eu-west-1")
    client("cloudtrail").create_trail(Name="audit", S3BucketName="eu-trail-logs", IsMultiRegionTrail=True)
    result = run_check(LOCK, mode="COMPLIANCE")
    assert result.status is Status.PASS, result.message
    create_bucket("eu-other-logs", "eu-west-1")
    client("cloudtrail").update_trail(Name="audit", S3BucketName="eu-other-logs")
    assert run_check(LOCK).status is Status.FAIL


def test_a_deleted_trail_bucket_fails_object_lock(run_check):
    create_trail("audit")
    result = run_check(LOCK, session=answering({("s3", "GetObjectLockConfiguration"): error("NoSuchBucket", "gone")}))
    assert result.status is Status.FAIL and "does not exist" in result.message


def test_a_member_covered_by_its_organization_trail_is_not_applicable_and_its_bucket_not_asked(run_check):
    session = member_account({("s3", "GetObjectLockConfiguration"): DENIED})
    result = run_check(LOCK, session=session)
    assert result.status is Status.NOT_APPLICABLE
    assert "org-log-archive" in result.evidence["notes"][0]


def test_a_refused_object_lock_read_is_an_error():
    create_trail("audit")
    [finding] = run_audit([LOCK], session=answering({("s3", "GetObjectLockConfiguration"): DENIED}))
    assert (finding.status, finding.error_code) == (Status.ERROR, "AccessDenied")


def test_an_exemption_by_bucket_arn_lets_the_unlocked_bucket_through():
    create_trail("audit")
    [finding] = run_audit([LOCK], exemption=BUCKET_ARN)
    assert finding.status is Status.EXEMPT
