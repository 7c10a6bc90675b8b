"""cloudtrail-enabled: a trail that leaves some management events out does not log "all management events".

Source: AWS Config managed rule multi-region-cloudtrail-enabled (the rule behind Security Hub CloudTrail.1 and
CIS 3.1), AWS Config Developer Guide: NON_COMPLIANT "if the ExcludeManagementEventSources field is not empty
or if AWS CloudTrail is configured to exclude management events such as AWS KMS events or Amazon RDS Data API
events".
"""
import pytest

from checks import cloudtrail_enabled
from preflight.model import Status
from sim.account import create_trail

CHECK = cloudtrail_enabled.cloudtrail_enabled
KMS = "kms.amazonaws.com"
RDS_DATA = "rdsdata.amazonaws.com"


def management(*extra_fields: dict) -> list[dict]:
    return [{"Name": "Management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}, *extra_fields]}]


def test_classic_selector_excluding_kms_events_fails_naming_the_exclusion(run_check):
    """ExcludeManagementEventSources not empty -> NON_COMPLIANT (multi-region-cloudtrail-enabled)."""
    create_trail("audit", event_selectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                            "ExcludeManagementEventSources": [KMS]}])
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "trail 'audit' records only some management events: it excludes kms.amazonaws.com" in result.message
    [trail] = result.evidence["trails"]
    assert trail["management_narrowing"] == ("excludes kms.amazonaws.com",)


def test_classic_selector_excluding_rds_data_api_events_fails(run_check):
    create_trail("audit", event_selectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                            "ExcludeManagementEventSources": [RDS_DATA]}])
    result = run_check(CHECK)
    assert result.status is Status.FAIL and "excludes rdsdata.amazonaws.com" in result.message


def test_classic_selector_with_an_empty_exclusion_list_passes(run_check):
    create_trail("audit", event_selectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                            "ExcludeManagementEventSources": []}])
    assert run_check(CHECK).status is Status.PASS


@pytest.mark.parametrize("narrowing, words", [
    ({"Field": "eventSource", "NotEquals": [KMS]}, "excludes kms.amazonaws.com"),
    ({"Field": "eventSource", "NotEquals": [KMS, RDS_DATA]}, "excludes kms.amazonaws.com, rdsdata.amazonaws.com"),
    ({"Field": "eventSource", "Equals": ["iam.amazonaws.com"]}, "records only eventSource iam.amazonaws.com"),
    ({"Field": "eventName", "NotStartsWith": ["Get"]}, "excludes names starting with Get (eventName)"),
    ({"Field": "eventName", "StartsWith": ["Create"]}, "records only eventName starting with Create"),
    ({"Field": "eventSource", "NotEndsWith": ["kms.amazonaws.com"]}, "excludes names ending with kms.amazonaws.com"),
    ({"Field": "eventSource", "EndsWith": [".amazonaws.com"]}, "records only eventSource ending with .amazonaws.com"),
    ({"Field": "userIdentity.arn", "NotStartsWith": ["arn:aws:sts::123456789012:assumed-role/ci"]},
     "excludes names starting with arn:aws:sts::123456789012:assumed-role/ci (userIdentity.arn)"),
    ({"Field": "resources.type", "Equals": ["AWS::S3::Bucket"]}, "records only resources.type AWS::S3::Bucket"),
])
def test_advanced_management_selector_narrowed_by_any_other_field_fails(run_check, narrowing, words):
    """Any field other than eventCategory and readOnly narrows the management events recorded."""
    create_trail("audit", advanced_event_selectors=management(narrowing))
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert f"trail 'audit' records only some management events: it {words}" in result.message


def test_a_narrowed_selector_beside_a_full_one_still_covers_everything(run_check):
    """Selectors are alternatives: one that records every management event is enough."""
    create_trail("audit", advanced_event_selectors=management({"Field": "eventSource", "NotEquals": [KMS]})
                 + management())
    assert run_check(CHECK).status is Status.PASS


def test_read_only_restriction_is_not_a_narrowing_of_sources(run_check):
    create_trail("audit", advanced_event_selectors=management({"Field": "readOnly", "Equals": ["false"]})
                 + management({"Field": "readOnly", "Equals": ["true"]}))
    assert run_check(CHECK).status is Status.PASS


def test_another_good_trail_still_satisfies_the_check(run_check):
    create_trail("cheap", event_selectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                            "ExcludeManagementEventSources": [KMS]}])
    create_trail("full")
    result = run_check(CHECK)
    assert result.status is Status.PASS and "'full'" in result.message
