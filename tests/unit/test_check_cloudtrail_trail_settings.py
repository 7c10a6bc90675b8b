"""Log file validation, KMS encryption and CloudWatch Logs delivery, judged on every trail of the account.

Sources: CIS AWS Foundations Benchmark v3.0.0 3.2 "Ensure CloudTrail log file validation is enabled" (audit:
"for each trail") and 3.5 "Ensure CloudTrail logs are encrypted at rest using KMS CMKs"; AWS Security Hub
controls CloudTrail.4, CloudTrail.2 and CloudTrail.5, each evaluated per trail (AWS Config rules
cloud-trail-log-file-validation-enabled, cloud-trail-encryption-enabled, cloud-trail-cloud-watch-logs-enabled).
"""
import datetime

import pytest
from checks import cloudtrail_trail_settings as settings
from preflight.model import Status
from sim import moto_gaps
from sim.account import create_trail
from sim.stubs import answering, error

KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALL = settings.CHECKS
WHAT = {settings.cloudtrail_log_file_validation.id: "log file validation",
        settings.cloudtrail_kms_encryption.id: "KMS encryption",
        settings.cloudtrail_cloudwatch_logs.id: "delivery to CloudWatch Logs in the last 24 hours"}
FULL = {"log_file_validation": True, "kms_key_id": KMS, "log_group": "ct"}


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_an_account_without_trails_fails_each(run_check, check):
    result = run_check(check)
    assert (result.status, result.message) == (Status.FAIL, "No CloudTrail trail exists in this account.")


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_every_trail_fully_set_passes_each(run_check, check):
    create_trail("audit", **FULL)
    create_trail("local", multi_region=False, **FULL)
    result = run_check(check)
    assert result.status is Status.PASS
    assert result.message == f"Every trail of this account has {WHAT[check.id]} ('audit', 'local')."


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_one_trail_without_the_setting_fails_although_another_has_it(run_check, check):
    """CIS 3.2 / CloudTrail.4, .2, .5 judge each trail: one good trail does not excuse another."""
    good = create_trail("audit", **FULL)
    bad = create_trail("app-logs")
    result = run_check(check)
    assert result.status is Status.FAIL
    assert result.message == f"Trail 'app-logs' has no {WHAT[check.id]} (1 of 2 trails)."
    assert result.resources == (bad,)
    assert {t["arn"]: t[WHAT[check.id]] for t in result.evidence["trails"]} == {good: True, bad: False}


def test_each_trail_lacking_a_setting_is_named(run_check):
    create_trail("audit", **FULL)
    create_trail("app-logs")
    create_trail("stopped", logging=False)
    result = run_check(settings.cloudtrail_log_file_validation)
    assert result.message == "Trails 'app-logs', 'stopped' have no log file validation (2 of 3 trails)."
    assert len(result.resources) == 2


def test_a_single_region_trail_is_judged_too(run_check):
    create_trail("audit", **FULL)
    create_trail("local", multi_region=False)
    result = run_check(settings.cloudtrail_kms_encryption)
    assert result.message == "Trail 'local' has no KMS encryption (1 of 2 trails)."


def test_a_stale_cloudwatch_delivery_fails_and_the_age_is_a_parameter(run_check):
    arn = create_trail("audit", log_group="ct")
    moto_gaps.deliver_to_cloudwatch(arn, datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=30))
    assert run_check(settings.cloudtrail_cloudwatch_logs).status is Status.FAIL
    assert run_check(settings.cloudtrail_cloudwatch_logs, max_delivery_age_hours=48).status is Status.PASS


def test_a_log_group_that_never_received_anything_fails(run_check):
    arn = create_trail("audit", log_group="ct")
    moto_gaps.cloudwatch_deliveries.pop(arn)
    assert run_check(settings.cloudtrail_cloudwatch_logs).status is Status.FAIL


def test_a_single_region_trail_delivering_recently_passes(run_check):
    create_trail("local", multi_region=False, log_group="ct")
    assert run_check(settings.cloudtrail_cloudwatch_logs).status is Status.PASS


ORG_TRAIL = {
    "Name": "org-trail", "TrailARN": "arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail",
    "HomeRegion": "us-east-1", "IsMultiRegionTrail": True, "IsOrganizationTrail": True,
    "LogFileValidationEnabled": False,
}


def member_account():
    """A member account whose DescribeTrails lists the organization's trail (owned by the management
    account); detail calls on it are refused, as AWS does (in whatever order they come)."""
    refused = error("CloudTrailARNInvalidException", "AccountID in ARN is wrong")
    return answering({("cloudtrail", "DescribeTrails"): {"trailList": [ORG_TRAIL]},
                      ("cloudtrail", "GetTrailStatus"): refused, ("cloudtrail", "GetEventSelectors"): refused})


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_a_member_covered_only_by_its_organization_trail_is_not_applicable(run_check, check):
    result = run_check(check, session=member_account())
    assert result.status is Status.NOT_APPLICABLE
    assert result.message == ("This account owns no trail; organization trail 'org-trail' of account "
                              "999999999999 covers it.")


def test_a_single_region_trail_homed_in_another_audited_region_is_judged_too(run_check):
    create_trail("audit", **FULL)
    create_trail("eu-local", region="eu-west-1", multi_region=False)
    assert run_check(settings.cloudtrail_log_file_validation).status is Status.PASS  # eu-west-1 is not audited
    result = run_check(settings.cloudtrail_log_file_validation, regions=("us-east-1", "eu-west-1"))
    assert result.message == "Trail 'eu-local' has no log file validation (1 of 2 trails)."
