"""The Reason CloudFormation shows: short, verdict first, every failing id named."""
import json

from preflight.model import CheckMeta, Controls, Finding, Mode, Report, Severity, Status, Verdict
from preflight.cloudformation.reason import MAX_REASON_CHARS, reason, response_data
from preflight.reporting.document import report_to_dict


def finding(check_id: str, status: Status, message: str = "something is wrong", severity=Severity.HIGH) -> Finding:
    meta = CheckMeta(check_id, check_id, severity, Controls(), "fix", "https://docs.aws.amazon.com/", ())
    return Finding(meta, status, message, {}, 0.1)


def report(*findings: Finding, mode: Mode = Mode.ENFORCE, blocking=None, regions=("us-east-1",)) -> Report:
    blocking = tuple(f for f in findings if f.status.is_failure) if blocking is None else blocking
    verdict = Verdict.FAIL if blocking else Verdict.PASS
    return Report(verdict, mode, "us-east-1", "123456789012", findings, 0.2, blocking, regions)


def test_passing_reason_counts_the_checks():
    assert reason(report(finding("a", Status.PASS), finding("b", Status.PASS))) == "PASS: all 2 checks passed."


def test_errors_and_timeouts_are_labelled():
    text = reason(report(finding("a", Status.ERROR, "AccessDenied"), finding("b", Status.TIMEOUT, "slow")))
    assert text == "FAIL: a (ERROR): AccessDenied | b (TIMEOUT): slow"


def test_most_severe_failure_comes_first():
    text = reason(report(finding("low", Status.FAIL, severity=Severity.LOW),
                         finding("crit", Status.FAIL, severity=Severity.CRITICAL)))
    assert text.startswith("FAIL: crit: ")


def test_long_messages_are_cut_but_every_id_stays():
    findings = [finding(f"check-number-{i}", Status.FAIL, "x" * 400) for i in range(5)]
    text = reason(report(*findings))
    assert len(text) <= MAX_REASON_CHARS
    assert all(f"check-number-{i}" in text for i in range(5))


def test_a_short_message_is_never_cut_to_make_room_for_a_long_one():
    text = reason(report(finding("long", Status.FAIL, "y" * 500), finding("short", Status.FAIL, "MFA is off.")))
    assert "short: MFA is off." in text
    assert len(text) <= MAX_REASON_CHARS


def test_too_many_failures_to_name_are_counted():
    findings = [finding(f"a-rather-long-check-identifier-{i:02d}", Status.FAIL) for i in range(20)]
    text = reason(report(*findings))
    assert len(text) <= MAX_REASON_CHARS
    assert text.endswith("more")


def test_audit_mode_says_it_is_not_enforced():
    assert reason(report(finding("a", Status.FAIL), mode=Mode.AUDIT)).startswith("FAIL (audit mode, not enforced): a")


def test_response_data_lists_failed_and_passed_ids():
    data = response_data(report(finding("a", Status.FAIL), finding("b", Status.PASS), finding("c", Status.ERROR)))
    assert data == {"Verdict": "FAIL", "FailedChecks": "a,c", "PassedChecks": "b", "ExemptChecks": ""}


def test_a_pass_names_what_it_let_through():
    text = reason(report(finding("a", Status.PASS), finding("b", Status.ERROR, "Throttling"), blocking=()))
    assert text == "PASS: not blocking: b (ERROR): Throttling"


def test_a_regional_failure_names_its_regions():
    from dataclasses import replace

    east, west = (replace(finding("config", Status.FAIL, "not recording"), region=r) for r in ("us-east-1", "eu-west-1"))
    text = reason(report(east, west, regions=("us-east-1", "eu-west-1")))
    assert text == "FAIL: config [us-east-1, eu-west-1]: not recording"


def test_a_regional_check_failing_in_one_region_is_failed_not_passed():
    from dataclasses import replace

    east = replace(finding("config", Status.PASS), region="us-east-1")
    west = replace(finding("config", Status.FAIL), region="eu-west-1")
    data = response_data(report(east, west, regions=("us-east-1", "eu-west-1")))
    assert (data["FailedChecks"], data["PassedChecks"]) == ("config", "")


def test_response_stays_under_cloudformations_4096_bytes_with_a_large_catalogue():
    findings = [finding(f"a-rather-long-check-identifier-{i:03d}", Status.FAIL, "z" * 300) for i in range(150)]
    findings += [finding(f"a-rather-long-passing-identifier-{i:03d}", Status.PASS) for i in range(150)]
    built = report(*findings)
    body = {"Status": "FAILED", "Reason": reason(built), "PhysicalResourceId": "Preflight-0123456789abcdef",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/app/" + "0" * 36,
            "RequestId": "0" * 36, "LogicalResourceId": "Preflight", "Data": response_data(built), "NoEcho": False}
    assert len(json.dumps(body)) < 4096


def test_json_report_is_one_object_with_evidence():
    parsed = json.loads(json.dumps(report_to_dict(report(finding("a", Status.FAIL))), default=str))
    assert parsed["verdict"] == "FAIL" and parsed["findings"][0]["check"] == "a"
