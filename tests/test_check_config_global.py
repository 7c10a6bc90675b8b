import boto3

from checks import config_recording
from preflight.model import Status
from sim.account import start_config_recorder

CHECK = config_recording.GLOBAL_RESOURCES


def test_a_recorder_with_global_types_passes(run_check):
    start_config_recorder()
    assert run_check(CHECK).status is Status.PASS


def test_no_recorder_records_global_types_fails(run_check):
    start_config_recorder()
    boto3.client("config").put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::123456789012:role/config-recorder",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": False}})
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert result.message == "No recording AWS Config recorder records global (IAM) resource types in us-east-1."


def test_global_types_recorded_in_another_audited_region_suffice(run_check):
    start_config_recorder(region="eu-west-1")
    assert run_check(CHECK, regions=("us-east-1", "eu-west-1")).status is Status.PASS
    assert run_check(CHECK).status is Status.FAIL  # eu-west-1 is not audited by default


def test_a_stopped_recorder_does_not_count(run_check):
    start_config_recorder(recording=False)
    assert run_check(CHECK).status is Status.FAIL
