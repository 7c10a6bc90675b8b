"""Judging: exemptions (current, expired, by region, by resource), on_error and fail_on."""
import datetime

from preflight.model import CheckMeta, Controls, Exemption, Finding, OnError, Severity, Status, Verdict
from preflight.policy import Policy

TODAY = datetime.date(2026, 11, 26)


def finding(check_id="c", status=Status.FAIL, severity=Severity.HIGH, region=None, resources=()):
    meta = CheckMeta(check_id, check_id, severity, Controls(), "fix", "https://docs.aws.amazon.com/", ())
    return Finding(meta, status, "bad", {}, 0.1, region=region, resources=resources)


def exemption(check="c", expires=datetime.date(2027, 1, 1), **where):
    return Exemption(check, "accepted risk", "secops", expires, **where)


def test_a_current_exemption_makes_a_failure_exempt_and_the_audit_pass():
    policy = Policy((), exemptions=(exemption(),))
    [judged] = policy.exempt([finding()], TODAY)
    assert judged.status is Status.EXEMPT
    assert judged.exemption.text == "exempt until 2027-01-01 (accepted risk; approved by secops)"
    assert policy.judge([judged]) is Verdict.PASS


def test_an_expired_exemption_no_longer_applies_and_says_so():
    policy = Policy((), exemptions=(exemption(expires=datetime.date(2026, 11, 25)),))
    [judged] = policy.exempt([finding()], TODAY)
    assert judged.status is Status.FAIL
    assert judged.exemption.text == "exemption expired on 2026-11-25 (accepted risk; approved by secops)"
    assert policy.judge([judged]) is Verdict.FAIL


def test_an_exemption_expiring_today_still_applies():
    policy = Policy((), exemptions=(exemption(expires=TODAY),))
    assert policy.exempt([finding()], TODAY)[0].status is Status.EXEMPT


def test_a_regional_exemption_covers_only_its_region():
    policy = Policy((), exemptions=(exemption(region="eu-west-1"),))
    east, west = policy.exempt([finding(region="us-east-1"), finding(region="eu-west-1")], TODAY)
    assert (east.status, west.status) == (Status.FAIL, Status.EXEMPT)


def test_a_resource_exemption_needs_every_offending_resource_to_match():
    policy = Policy((), exemptions=(exemption(resource="arn:aws:ec2:*:*:security-group/sg-legacy*"),))
    covered = finding(resources=("arn:aws:ec2:us-east-1:1:security-group/sg-legacy1",))
    partly = finding(resources=("arn:aws:ec2:us-east-1:1:security-group/sg-legacy1",
                                "arn:aws:ec2:us-east-1:1:security-group/sg-new"))
    assert [f.status for f in policy.exempt([covered, partly], TODAY)] == [Status.EXEMPT, Status.FAIL]


def test_a_resource_exemption_never_covers_an_error():
    policy = Policy((), exemptions=(exemption(resource="*"),))
    assert policy.exempt([finding(status=Status.ERROR)], TODAY)[0].status is Status.ERROR


def test_passing_findings_are_left_alone():
    policy = Policy((), exemptions=(exemption(),))
    assert policy.exempt([finding(status=Status.PASS)], TODAY)[0].exemption is None


def test_on_error_warn_lets_errors_and_timeouts_through_but_not_failures():
    policy = Policy((), on_error=OnError.WARN)
    assert policy.judge([finding(status=Status.ERROR), finding(status=Status.TIMEOUT)]) is Verdict.PASS
    assert policy.judge([finding(status=Status.FAIL)]) is Verdict.FAIL
    assert Policy(()).judge([finding(status=Status.ERROR)]) is Verdict.FAIL


def test_fail_on_sets_the_lowest_severity_that_fails():
    policy = Policy((), fail_on=Severity.HIGH)
    assert policy.judge([finding(severity=Severity.MEDIUM)]) is Verdict.PASS
    assert policy.judge([finding(severity=Severity.HIGH)]) is Verdict.FAIL
    assert policy.judge([finding(severity=Severity.CRITICAL)]) is Verdict.FAIL


def test_not_applicable_never_fails():
    assert Policy(()).judge([finding(status=Status.NOT_APPLICABLE)]) is Verdict.PASS
