import boto3
from botocore.awsrequest import AWSResponse

from checks import config_recording
from preflight.aws.access import AwsAccess
from preflight.model import Status
from sim.account import start_config_recorder
from sim.cloudformation import ACCOUNT_ID, REGION

CHECK = config_recording.config_recording_enabled


def test_no_recorder_fails(run_check):
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert result.message == f"AWS Config has no configuration recorder in {REGION}."


def test_recorder_recording_everything_passes(run_check):
    start_config_recorder()
    assert run_check(CHECK).status is Status.PASS


def test_stopped_recorder_fails(run_check):
    start_config_recorder(recording=False)
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "recorder 'default' is not recording" in result.message


def test_recorder_limited_to_some_resource_types_fails(run_check):
    start_config_recorder(all_supported=False, resource_types=["AWS::S3::Bucket"])
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert "records only some resource types" in result.message


def test_recorder_in_another_region_does_not_count(run_check):
    start_config_recorder(region="eu-west-1")
    assert run_check(CHECK, region=REGION).status is Status.FAIL


def _stubbed_config(recorders, statuses):
    """AWS answers moto cannot give (a recorder whose last delivery failed), keyed by operation because
    the check makes both calls concurrently."""
    client = boto3.client("config", region_name=REGION)
    answers = {
        "DescribeConfigurationRecorders": {"ConfigurationRecorders": recorders},
        "DescribeConfigurationRecorderStatus": {"ConfigurationRecordersStatus": statuses},
    }
    client.meta.events.register(
        "before-call.config-service.*",
        lambda model, **_: (AWSResponse("https://config.local", 200, {}, None), answers[model.name]),
    )
    return AwsAccess(region=REGION, account_id=ACCOUNT_ID, clients={("config", REGION): client})


def test_recorder_that_records_but_last_delivery_failed_fails(run_check):
    aws = _stubbed_config(
        [{"name": "default", "recordingGroup": {"allSupported": True}}],
        [{"name": "default", "recording": True, "lastStatus": "Failure", "lastErrorCode": "AccessDenied",
          "lastErrorMessage": "config role cannot write to the bucket"}],
    )
    result = run_check(CHECK, aws=aws)
    assert result.status is Status.FAIL
    assert "last delivered with FAILURE (config role cannot write to the bucket)" in result.message


SERVICE_LINKED_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def test_recorder_with_successful_last_status_passes(run_check):
    aws = _stubbed_config(
        [{"name": "default", "recordingGroup": {"allSupported": True}, "roleARN": SERVICE_LINKED_ROLE}],
        [{"name": "default", "recording": True, "lastStatus": "Success"}],
    )
    assert run_check(CHECK, aws=aws).status is Status.PASS


def test_a_recorder_that_has_not_delivered_yet_fails_as_cis_3_3_asks(run_check):
    """CIS 3.3's audit asks for lastStatus SUCCESS: a PENDING recorder has recorded nothing yet."""
    pending = ([{"name": "default", "recordingGroup": {"allSupported": True}, "roleARN": SERVICE_LINKED_ROLE}],
               [{"name": "default", "recording": True, "lastStatus": "Pending"}])
    result = run_check(CHECK, aws=_stubbed_config(*pending))
    assert result.status is Status.FAIL and "has not delivered yet (lastStatus Pending, not SUCCESS)" in result.message
    assert run_check(CHECK, aws=_stubbed_config(*pending),
                     require_last_status_success=False).status is Status.PASS


def test_a_recorder_without_the_service_linked_role_fails_as_security_hub_config_1_does(run_check):
    other = ([{"name": "default", "recordingGroup": {"allSupported": True},
               "roleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/config-recorder"}],
             [{"name": "default", "recording": True, "lastStatus": "Success"}])
    result = run_check(CHECK, aws=_stubbed_config(*other))
    assert result.status is Status.FAIL and "not AWS Config's service-linked role" in result.message
    assert run_check(CHECK, aws=_stubbed_config(*other),
                     include_service_linked_role_check=False).status is Status.PASS
