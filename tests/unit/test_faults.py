"""Faults injected one at a time; each ends in exactly one response, sent before the Lambda's deadline."""
from __future__ import annotations

import boto3
import pytest

from preflight import handler
from preflight.aws.access import AwsAccess, new_session
from sim.account import create_trail, make_compliant
from sim.cloudformation import ACCOUNT_ID, REGION
from sim.faults import BlackHole, slow_region, storm
from tests.support.handler import invoke


@pytest.fixture
def session(monkeypatch):
    """The handler's AWS access, built on a session the test can attach faults to."""
    session = new_session(region_name=REGION)
    monkeypatch.setattr(handler, "_aws", AwsAccess(session, account_id=ACCOUNT_ID))
    return session


def answered_in_time(invocation) -> dict:
    assert invocation.arrived_at[0] < invocation.context.deadline
    return invocation.response


def test_throttling_on_every_call_is_answered_in_time_with_bounded_retries(cfn, session):
    """Throttled without end: each check retries (adaptive, at most 6 attempts) until it gives up (ERROR) or the
    audit's deadline abandons it (TIMEOUT); either way the stack gets its answer before the Lambda's deadline."""
    make_compliant()
    errors = storm(session, "ThrottlingException")
    # 4 s: an audit deadline of 2 s after the 2 s reserve for the answer - time for each check's first retries
    # (botocore's first backoff is under 1 s), and the reserve, which is what proves "in time", as before.
    response = answered_in_time(invoke(cfn, "Create", remaining_s=4))
    assert response["Status"] == "FAILED"
    for check_id in ("cloudtrail-enabled", "root-account-mfa-enabled", "config-recording-enabled",
                     "s3-account-level-public-access-blocks"):
        assert f"{check_id} (ERROR)" in response["Reason"] or f"{check_id} (TIMEOUT)" in response["Reason"]
    assert response["Data"]["PassedChecks"] == ""
    # 5 first calls (DescribeTrails, GetAccountSummary, GetPublicAccessBlock, 2 Config), 6 attempts each at most.
    assert 5 < len(errors.attempts) <= 5 * 6


def test_access_denied_on_one_service_fails_only_that_check(cfn, session):
    make_compliant()
    storm(session, "AccessDenied", status=403, services={"iam"})
    response = answered_in_time(invoke(cfn, "Create"))
    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith("FAIL: root-account-mfa-enabled (ERROR): AccessDenied calling GetAccountSummary")
    assert response["Data"]["FailedChecks"] == "root-account-mfa-enabled"
    assert response["Data"]["PassedChecks"].count(",") == 2


def test_a_call_hanging_at_the_socket_times_out_and_the_stack_still_gets_its_answer(cfn, monkeypatch):
    hole = BlackHole()
    monkeypatch.setenv("AWS_ENDPOINT_URL", hole.url)
    monkeypatch.setattr(handler, "_aws", AwsAccess(new_session(region_name=REGION), account_id=ACCOUNT_ID))
    try:
        invocation = invoke(cfn, "Create", {"Checks": ["root-account-mfa-enabled"]}, remaining_s=3)
        response = answered_in_time(invocation)
        assert response["Status"] == "FAILED"
        assert response["Reason"].startswith("FAIL: root-account-mfa-enabled (TIMEOUT)")
    finally:
        hole.close()


def test_a_hanging_region_does_not_hold_up_a_trail_that_already_passes(cfn, session):
    make_compliant()  # a good trail at home in us-east-1
    create_trail("global", region="eu-west-1", logging=False)
    slow_region(session, "eu-west-1", seconds=30)
    response = answered_in_time(invoke(cfn, "Create", remaining_s=4))
    assert response["Status"] == "SUCCESS"


def test_a_region_that_hangs_times_out_the_check_that_needs_it_while_others_answer(cfn, session):
    make_compliant()
    boto3.client("cloudtrail", region_name=REGION).delete_trail(Name="audit")
    create_trail("global", region="eu-west-1")  # the only trail lives in the hanging region
    slow_region(session, "eu-west-1", seconds=30)
    response = answered_in_time(invoke(cfn, "Create", remaining_s=4))
    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith("FAIL: cloudtrail-enabled (TIMEOUT)")
    assert len(response["Data"]["PassedChecks"].split(",")) == 3


def test_very_little_time_left_still_answers(cfn):
    make_compliant()
    invocation = invoke(cfn, "Create", remaining_s=3)
    assert answered_in_time(invocation)["Status"] == "SUCCESS"


def test_the_same_request_twice_gets_the_same_answer(cfn):
    first = invoke(cfn, "Create", request_id="same-request").response
    second = invoke(cfn, "Create", request_id="same-request").response
    assert {k: first[k] for k in ("Status", "Reason", "PhysicalResourceId", "Data")} == \
           {k: second[k] for k in ("Status", "Reason", "PhysicalResourceId", "Data")}
