"""Log file validation, KMS encryption and CloudWatch Logs delivery, on the trails that satisfy
cloudtrail-enabled."""
import datetime

import pytest

from checks import cloudtrail_trail_settings as settings
from preflight.model import Status
from sim import moto_gaps
from sim.account import create_trail

KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALL = (settings.LOG_FILE_VALIDATION, settings.KMS_ENCRYPTION, settings.CLOUDWATCH_LOGS)


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_without_a_satisfying_trail_each_fails(run_check, check):
    create_trail("local", multi_region=False, log_file_validation=True, kms_key_id=KMS, log_group="ct")
    result = run_check(check)
    assert result.status is Status.FAIL
    assert "see cloudtrail-enabled" in result.message


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_a_fully_set_trail_passes_each(run_check, check):
    create_trail("audit", log_file_validation=True, kms_key_id=KMS, log_group="ct")
    assert run_check(check).status is Status.PASS


@pytest.mark.parametrize("check, missing", [
    (settings.LOG_FILE_VALIDATION, "validates its log files"),
    (settings.KMS_ENCRYPTION, "encrypts its logs with a KMS key"),
    (settings.CLOUDWATCH_LOGS, "delivered to CloudWatch Logs in the last 24 hours"),
], ids=lambda v: getattr(v, "id", ""))
def test_a_bare_trail_fails_each_naming_what_is_missing(run_check, check, missing):
    create_trail("audit")
    result = run_check(check)
    assert result.status is Status.FAIL
    assert result.message == f"No logging multi-region trail {missing} (checked 'audit')."


def test_only_a_trail_that_satisfies_cloudtrail_enabled_counts(run_check):
    create_trail("stopped", logging=False, log_file_validation=True)
    create_trail("audit")
    assert run_check(settings.LOG_FILE_VALIDATION).status is Status.FAIL


def test_a_stale_cloudwatch_delivery_fails_and_the_age_is_a_parameter(run_check):
    arn = create_trail("audit", log_group="ct")
    moto_gaps.deliver_to_cloudwatch(arn, datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=30))
    assert run_check(settings.CLOUDWATCH_LOGS).status is Status.FAIL
    assert run_check(settings.CLOUDWATCH_LOGS, max_delivery_age_hours=48).status is Status.PASS


def test_a_log_group_that_never_received_anything_fails(run_check):
    arn = create_trail("audit", log_group="ct")
    moto_gaps.cloudwatch_deliveries.pop(arn)
    assert run_check(settings.CLOUDWATCH_LOGS).status is Status.FAIL
