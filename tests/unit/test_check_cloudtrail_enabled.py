"""cloudtrail-enabled: scenarios from an empty account to organization trails seen from a member."""
import boto3
import pytest
from botocore.stub import Stubber

from checks import cloudtrail_enabled
from preflight.aws.access import AwsAccess
from preflight.errors import EvaluationError
from preflight.model import Status
from sim.account import ADVANCED_ALL_MANAGEMENT, create_trail
from sim.cloudformation import ACCOUNT_ID, REGION

CHECK = cloudtrail_enabled.cloudtrail_enabled


def test_account_without_trails_fails(run_check):
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert result.message == "No CloudTrail trail exists in this account."


def test_logging_multi_region_trail_with_all_management_events_passes(run_check):
    create_trail("audit")
    result = run_check(CHECK)
    assert result.status is Status.PASS
    assert "'audit'" in result.message


def test_single_region_trail_only_fails_and_says_so(run_check):
    create_trail("audit", multi_region=False)
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "trail 'audit' is single-region" in result.message


def test_stopped_multi_region_trail_fails(run_check):
    create_trail("audit", logging=False)
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "trail 'audit' is not logging" in result.message


def test_write_only_management_events_fail(run_check):
    create_trail("audit", event_selectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "records only write-only management events" in result.message


def test_read_only_management_events_fail(run_check):
    create_trail("audit", event_selectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])
    assert run_check(CHECK).status is Status.FAIL


def test_trail_excluding_management_events_fails(run_check):
    create_trail(
        "audit",
        event_selectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": False,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
            }
        ],
    )
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "records no management events" in result.message


def test_a_new_trail_keeps_the_default_selector_and_passes_once_logging(run_check):
    """CloudTrail User Guide, "Logging management events": a trail logs all management events by default.
    moto leaves a new trail without selectors; sim.moto_gaps models AWS's default."""
    bucket = "plain-trail-logs"
    boto3.client("s3").create_bucket(Bucket=bucket)
    cloudtrail = boto3.client("cloudtrail", region_name=REGION)
    cloudtrail.create_trail(Name="plain", S3BucketName=bucket, IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name="plain")
    assert cloudtrail.get_event_selectors(TrailName="plain")["EventSelectors"][0]["ReadWriteType"] == "All"
    assert run_check(CHECK).status is Status.PASS


def test_trail_with_empty_event_selectors_records_nothing_and_fails(run_check):
    from moto.cloudtrail.models import cloudtrail_backends

    create_trail("audit")
    cloudtrail_backends[ACCOUNT_ID][REGION].trails["audit"].event_selectors = []  # not reachable through AWS's API
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "event selectors are empty" in result.message


def test_read_and_write_selectors_together_cover_all_management_events(run_check):
    create_trail(
        "audit",
        event_selectors=[
            {"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True},
            {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True},
        ],
    )
    assert run_check(CHECK).status is Status.PASS


def test_advanced_selector_for_all_management_events_passes(run_check):
    create_trail("audit", advanced_event_selectors=ADVANCED_ALL_MANAGEMENT)
    assert run_check(CHECK).status is Status.PASS


def test_advanced_selector_restricted_to_writes_fails(run_check):
    create_trail(
        "audit",
        advanced_event_selectors=[
            {
                "Name": "writes",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ],
            }
        ],
    )
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "records only write-only management events" in result.message


def test_advanced_selectors_for_data_events_only_fail(run_check):
    create_trail(
        "audit",
        advanced_event_selectors=[
            {
                "Name": "s3 data",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                ],
            }
        ],
    )
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "records no management events" in result.message


def test_multi_region_trail_created_in_another_region_counts_as_shadow_trail(run_check):
    create_trail("global-audit", region="eu-west-1")
    result = run_check(CHECK, region="us-east-1")
    assert result.status is Status.PASS
    [trail] = result.evidence["trails"]
    assert trail["home_region"] == "eu-west-1"


def test_organization_trail_counts(run_check):
    create_trail("org-audit", organization=True)
    result = run_check(CHECK)
    assert result.status is Status.PASS
    assert "organization trail 'org-audit'" in result.message


def test_one_good_trail_among_bad_ones_passes(run_check):
    create_trail("local", multi_region=False)
    create_trail("stopped", logging=False)
    create_trail("audit")
    assert run_check(CHECK).status is Status.PASS


def test_every_rejected_trail_is_named_in_the_message(run_check):
    create_trail("local", multi_region=False)
    create_trail("stopped", logging=False)
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "trail 'local' is single-region" in result.message
    assert "trail 'stopped' is not logging" in result.message


# Organization trails as a Control Tower member account sees them (moto lets a member read everything).
MANAGEMENT_ACCOUNT = "999999999999"
ORG_TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{MANAGEMENT_ACCOUNT}:trail/aws-controltower-BaselineCloudTrail"
ORG_TRAIL = {
    "Name": "aws-controltower-BaselineCloudTrail",
    "TrailARN": ORG_TRAIL_ARN,
    "HomeRegion": REGION,
    "IsMultiRegionTrail": True,
    "IsOrganizationTrail": True,
    "S3BucketName": "aws-controltower-logs",
}


def _stub_member(monkeypatch, status, selectors):
    """A client whose detail calls answer per operation, whatever order the threads call them in."""
    client = boto3.client("cloudtrail", region_name=REGION)
    stubber = Stubber(client)
    stubber.add_response("describe_trails", {"trailList": [ORG_TRAIL]}, {"includeShadowTrails": True})
    stubber.activate()

    from botocore.exceptions import ClientError

    def answer(value, operation):
        if isinstance(value, str):
            raise ClientError({"Error": {"Code": value, "Message": "AccountID in ARN is wrong"}}, operation)
        return value

    monkeypatch.setattr(client, "get_trail_status", lambda **_: answer(status, "GetTrailStatus"), raising=False)
    monkeypatch.setattr(client, "get_event_selectors", lambda **_: answer(selectors, "GetEventSelectors"), raising=False)
    return AwsAccess(region=REGION, account_id=ACCOUNT_ID, clients={("cloudtrail", REGION): client})


@pytest.mark.parametrize("refusal", ["CloudTrailARNInvalidException", "TrailNotFoundException"])
def test_member_account_trusts_its_organization_trail_when_details_are_refused(run_check, monkeypatch, refusal):
    aws = _stub_member(monkeypatch, status={"IsLogging": True}, selectors=refusal)
    result = run_check(CHECK, aws=aws)
    assert result.status is Status.PASS
    [trail] = result.evidence["trails"]
    assert trail["logging"] is True
    assert any("trusted to the organization" in note for note in trail["notes"])


def test_member_account_passes_when_both_detail_calls_are_refused(run_check, monkeypatch):
    aws = _stub_member(monkeypatch, status="TrailNotFoundException", selectors="CloudTrailARNInvalidException")
    assert run_check(CHECK, aws=aws).status is Status.PASS


def test_member_account_still_fails_a_stopped_organization_trail(run_check, monkeypatch):
    aws = _stub_member(monkeypatch, status={"IsLogging": False}, selectors="CloudTrailARNInvalidException")
    result = run_check(CHECK, aws=aws)
    assert result.status is Status.FAIL
    assert "is not logging" in result.message


def test_access_denied_on_the_only_multi_region_trail_is_an_error_not_a_verdict(run_check, monkeypatch):
    aws = _stub_member(monkeypatch, status="AccessDeniedException", selectors={"EventSelectors": []})
    with pytest.raises(EvaluationError) as raised:
        run_check(CHECK, aws=aws)
    assert raised.value.code == "AccessDeniedException"


def test_a_baseline_may_require_only_write_events(run_check):
    create_trail("audit", event_selectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    result = run_check(CHECK, read_write_type="WriteOnly")
    assert result.status is Status.PASS
    assert result.message == "The multi-region trail 'audit' is logging write management events."


def test_requiring_all_events_is_the_default_and_stricter_than_write_only(run_check):
    create_trail("audit", event_selectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])
    assert run_check(CHECK, read_write_type="WriteOnly").status is Status.FAIL
    assert CHECK.meta.parameter("read_write_type").is_stricter_or_equal("All", "WriteOnly")


def test_a_baseline_may_refuse_organization_trails(run_check):
    create_trail("org-audit", organization=True)
    result = run_check(CHECK, organization_trail_suffices=False)
    assert result.status is Status.FAIL
    assert "trail 'org-audit' is an organization trail, which this baseline does not accept" in result.message
