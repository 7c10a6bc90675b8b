"""config-global-resources-recorded: the four global IAM types are recorded in an eligible audited region.

Source: AWS Config Developer Guide, "Recording global resource types" and "Managed Rules and Global IAM
Resource Types": AWS::IAM::User, Group, Role and Policy "can only be recorded by AWS Config in AWS Regions
where AWS Config was available before February 2022"; RecordingGroup (API Reference): allSupported with
includeGlobalResourceTypes, or the recordingStrategy EXCLUSION_BY_RESOURCE_TYPES / INCLUSION_BY_RESOURCE_TYPES.
"""
import boto3
import pytest

from checks import config_recording
from preflight.model import Status
from sim.account import start_config_recorder

CHECK = config_recording.config_global_resources_recorded
IAM_TYPES = ["AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"]


def record(group: dict, region: str = "us-east-1") -> None:
    start_config_recorder(region=region)
    boto3.client("config", region_name=region).put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::123456789012:role/config-recorder", "recordingGroup": group})


def test_a_recorder_with_global_types_passes(run_check):
    start_config_recorder()
    assert run_check(CHECK).status is Status.PASS


def test_no_recorder_records_global_types_fails(run_check):
    record({"allSupported": True, "includeGlobalResourceTypes": False})
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert result.message == ("No recording AWS Config recorder records the global IAM resource types (User, Group, "
                              "Role, Policy) in us-east-1.")


def test_global_types_recorded_in_another_audited_region_suffice(run_check):
    start_config_recorder(region="eu-west-1")
    assert run_check(CHECK, regions=("us-east-1", "eu-west-1")).status is Status.PASS
    assert run_check(CHECK).status is Status.FAIL  # eu-west-1 is not audited by default


def test_a_stopped_recorder_does_not_count(run_check):
    start_config_recorder(recording=False)
    assert run_check(CHECK).status is Status.FAIL


@pytest.mark.parametrize("region", ["ap-south-2", "ap-southeast-4", "ca-west-1", "eu-south-2", "eu-central-2",
                                    "il-central-1", "me-central-1", "ap-southeast-5", "ap-southeast-7",
                                    "mx-central-1", "ap-east-2"])
def test_a_recorder_in_a_region_newer_than_february_2022_does_not_satisfy(run_check, region):
    start_config_recorder(region=region)
    result = run_check(CHECK, region=region)
    assert result.status is Status.FAIL
    assert f"{region} cannot record them" in result.message


def test_recording_one_iam_type_is_not_recording_the_global_types(run_check):
    record({"allSupported": False, "includeGlobalResourceTypes": False, "resourceTypes": ["AWS::IAM::Role"]})
    assert run_check(CHECK).status is Status.FAIL


def test_including_all_four_iam_types_passes(run_check):
    record({"allSupported": False, "includeGlobalResourceTypes": False, "resourceTypes": IAM_TYPES,
            "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"}})
    assert run_check(CHECK).status is Status.PASS


def test_an_exclusion_strategy_that_leaves_iam_in_records_the_global_types(run_check):
    record({"allSupported": False, "includeGlobalResourceTypes": False,
            "exclusionByResourceTypes": {"resourceTypes": ["AWS::EC2::Instance"]},
            "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}})
    assert run_check(CHECK).status is Status.PASS


def test_an_exclusion_strategy_that_excludes_an_iam_type_does_not(run_check):
    record({"allSupported": False, "includeGlobalResourceTypes": False,
            "exclusionByResourceTypes": {"resourceTypes": ["AWS::IAM::User"]},
            "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}})
    assert run_check(CHECK).status is Status.FAIL
