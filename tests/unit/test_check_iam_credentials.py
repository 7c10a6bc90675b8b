"""IAM users' credentials from the one credential report an audit shares: console MFA, unused credentials, one
active key, key rotation; a report that never finishes; AccessDenied; the report's age in every finding."""
from __future__ import annotations

import datetime
from collections import Counter

import pytest

from checks import _credential_report, iam_credentials
from preflight.audit import run_audit
from preflight.aws.access import AwsAccess, new_session
from preflight.concurrency import Deadline
from preflight.model import Status
from preflight.policy import Policy, Selection
from preflight.runner import Runner
from sim.account import create_iam_user, set_credential_report_time
from sim.cloudformation import ACCOUNT_ID, REGION
from sim.stubs import answering, error

MFA, UNUSED, SINGLE_KEY, ROTATED = iam_credentials.CHECKS
NOW = datetime.datetime.now(datetime.timezone.utc)
POLL_DELAYS_S = _credential_report.POLL_DELAYS_S  # as shipped (the scenarios below do not wait)
HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
          "access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
          "access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
          "cert_1_last_rotated,cert_2_active,cert_2_last_rotated")


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"


def finding(check, session=None):
    """The check as the runner reports it (an exception becomes ERROR)."""
    aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
    [found], _ = Runner().run(Policy((Selection.of(check),)), aws, Deadline.after(10), REGION)
    return found


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr(_credential_report, "POLL_DELAYS_S", (0.0,) * 20)


# --- mfa-enabled-for-iam-console-access (CIS 1.10, IAM.5) ---

def test_no_users_is_not_applicable_for_every_report_check(run_check):
    for check in iam_credentials.CHECKS:
        result = run_check(check)
        assert result.status is Status.NOT_APPLICABLE, check.id
        assert result.evidence["report_generated_at"] and result.evidence["report_age_s"] >= 0


def test_console_users_with_mfa_pass(run_check):
    create_iam_user("alice", console_password=True, mfa=True)
    create_iam_user("robot", access_keys=1)  # no console password: not judged
    result = run_check(MFA)
    assert (result.status, result.message) == (Status.PASS, "All 1 IAM users with a console password have MFA.")


def test_a_console_user_without_mfa_fails_by_arn(run_check):
    create_iam_user("alice", console_password=True, mfa=True)
    create_iam_user("bob", console_password=True)
    result = run_check(MFA)
    assert result.status is Status.FAIL
    assert result.message == f"1 of 2 IAM users with a console password have no MFA: {arn('bob')}."
    assert result.resources == (arn("bob"),)
    assert result.evidence["users_without_mfa"] == {"count": 1, "items": [arn("bob")], "truncated": False}


def test_api_only_users_without_mfa_are_not_applicable(run_check):
    create_iam_user("robot", access_keys=1)
    assert run_check(MFA).status is Status.NOT_APPLICABLE


def test_many_failing_users_are_named_first_few_in_the_message_and_all_in_the_evidence(run_check):
    for n in range(5):
        create_iam_user(f"user{n}", console_password=True)
    result = run_check(MFA)
    assert result.message.endswith(f"{arn('user0')}, {arn('user1')}, {arn('user2')} and 2 more.")
    assert result.evidence["users_without_mfa"]["count"] == 5 and len(result.resources) == 5


def test_the_evidence_list_is_bounded():
    listed = _credential_report.bounded(list(range(250)))
    assert (listed["count"], len(listed["items"]), listed["truncated"]) == (250, 100, True)


def report_session(*rows: str, generated=None):
    content = "\n".join((HEADER, *rows)) + "\n"
    return answering({("iam", "GenerateCredentialReport"): {"State": "COMPLETE"},
                      ("iam", "GetCredentialReport"): {"Content": content.encode(), "ReportFormat": "text/csv",
                                                       "GeneratedTime": generated or NOW}})


ROOT_ROW = ("<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,"
            "2026-01-01T00:00:00+00:00,not_supported,not_supported,false,true,2020-01-01T00:00:00+00:00,N/A,N/A,N/A,"
            "true,2020-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A")


def test_the_root_row_aws_adds_is_left_to_the_root_checks(run_check):
    session = report_session(ROOT_ROW)
    for check in iam_credentials.CHECKS:
        assert run_check(check, session=session).status is Status.NOT_APPLICABLE, check.id


def test_report_values_are_read_as_aws_writes_them(run_check):
    # AWS writes TRUE/FALSE in either case, N/A and no_information for missing dates
    row = (f"carol,{arn('carol')},2020-01-01T00:00:00+00:00,TRUE,no_information,{days_ago(3).isoformat()},N/A,"
           "FALSE,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
    session = report_session(ROOT_ROW, row)
    assert run_check(MFA, session=session).resources == (arn("carol"),)
    assert run_check(UNUSED, session=session).status is Status.PASS  # never used, but set 3 days ago


# --- iam-user-unused-credentials-check (CIS 1.12, IAM.22) ---

def test_recently_used_credentials_pass(run_check):
    create_iam_user("alice", console_password=True, password_last_used=days_ago(10), access_keys=1,
                    keys_last_used=(days_ago(1),))
    result = run_check(UNUSED)
    assert result.status is Status.PASS
    assert result.message == "All 2 console passwords and active access keys were used within 45 days."


def test_a_password_unused_for_45_days_fails(run_check):
    create_iam_user("alice", console_password=True, password_last_used=days_ago(50))
    result = run_check(UNUSED)
    assert result.status is Status.FAIL
    assert result.resources == (arn("alice"),)
    [item] = result.evidence["unused_credentials"]["items"]
    assert (item["credential"], item["judged_from"], item["unused_days"]) == ("password", "password_last_used", 50)


def test_a_never_used_password_is_judged_by_when_it_was_set(run_check):
    create_iam_user("old", console_password=True, created=days_ago(60))  # moto: password set at creation
    create_iam_user("new", console_password=True, created=days_ago(5))
    result = run_check(UNUSED)
    assert result.resources == (arn("old"),)
    assert result.evidence["unused_credentials"]["items"][0]["judged_from"] == "password_last_changed"


def test_an_active_key_unused_or_never_used_for_too_long_fails(run_check):
    create_iam_user("stale", access_keys=1, keys_created=(days_ago(200),), keys_last_used=(days_ago(60),))
    create_iam_user("never", access_keys=1, keys_created=(days_ago(46),))
    create_iam_user("fresh", access_keys=1, keys_created=(days_ago(2),))
    result = run_check(UNUSED)
    assert result.status is Status.FAIL
    assert set(result.resources) == {arn("stale"), arn("never")}
    judged = {i["arn"]: i["judged_from"] for i in result.evidence["unused_credentials"]["items"]}
    assert judged == {arn("stale"): "access_key_1_last_used_date", arn("never"): "access_key_1_last_rotated"}
    assert "2 credentials of 2 IAM users have not been used for 45 days or more" in result.message


def test_an_inactive_key_is_not_judged(run_check):
    create_iam_user("parked", access_keys=1, inactive_keys=(1,), keys_created=(days_ago(300),))
    assert run_check(UNUSED).status is Status.NOT_APPLICABLE


def test_the_unused_limit_is_a_parameter(run_check):
    create_iam_user("alice", console_password=True, password_last_used=days_ago(50))
    assert run_check(UNUSED, max_unused_days=90).status is Status.PASS
    assert run_check(UNUSED, max_unused_days=30).status is Status.FAIL
    assert UNUSED.meta.parameter("max_unused_days").is_stricter_or_equal(30, 45)


# --- iam-user-single-active-access-key (CIS 1.13) ---

def test_two_active_keys_fail_and_one_active_one_inactive_pass(run_check):
    create_iam_user("double", access_keys=2)
    create_iam_user("spare", access_keys=2, inactive_keys=(2,))
    result = run_check(SINGLE_KEY)
    assert result.status is Status.FAIL
    assert result.message == f"1 IAM users have two active access keys: {arn('double')}."
    assert result.resources == (arn("double"),)


def test_one_active_key_each_passes(run_check):
    create_iam_user("alice", access_keys=1)
    create_iam_user("spare", access_keys=2, inactive_keys=(1,))
    result = run_check(SINGLE_KEY)
    assert (result.status, result.evidence["users_with_active_keys"]) == (Status.PASS, 2)


def test_only_inactive_keys_is_not_applicable(run_check):
    create_iam_user("parked", access_keys=2, inactive_keys=(1, 2))
    assert run_check(SINGLE_KEY).status is Status.NOT_APPLICABLE


# --- access-keys-rotated (CIS 1.14, IAM.3) ---

def test_keys_younger_than_90_days_pass(run_check):
    create_iam_user("alice", access_keys=2, keys_created=(days_ago(89), days_ago(1)))
    result = run_check(ROTATED)
    assert (result.status, result.message) == (Status.PASS, "All 2 active access keys were rotated within 90 days.")


def test_an_active_key_older_than_90_days_fails(run_check):
    create_iam_user("alice", access_keys=2, keys_created=(days_ago(10), days_ago(120)))
    create_iam_user("parked", access_keys=1, inactive_keys=(1,), keys_created=(days_ago(400),))
    result = run_check(ROTATED)
    assert result.status is Status.FAIL
    assert result.resources == (arn("alice"),)
    [item] = result.evidence["keys_not_rotated"]["items"]
    assert (item["key"], item["age_days"]) == ("access_key_2", 120)


def test_the_key_age_is_a_parameter(run_check):
    create_iam_user("alice", access_keys=1, keys_created=(days_ago(45),))
    assert run_check(ROTATED).status is Status.PASS
    assert run_check(ROTATED, max_access_key_age_days=30).status is Status.FAIL


def test_no_active_key_is_not_applicable(run_check):
    create_iam_user("alice", console_password=True, mfa=True)
    assert run_check(ROTATED).status is Status.NOT_APPLICABLE


# --- the report itself ---

def test_every_finding_says_how_old_the_report_is(run_check, monkeypatch):
    monkeypatch.setattr(iam_credentials, "_now", lambda: NOW)  # however long the suite has run so far
    create_iam_user("alice", access_keys=1)
    set_credential_report_time(NOW - datetime.timedelta(hours=3, minutes=5))
    for check in iam_credentials.CHECKS:
        evidence = run_check(check).evidence
        assert evidence["report_age"] == "3 h 5 min", check.id
        assert 3 * 3600 + 300 <= evidence["report_age_s"] < 3 * 3600 + 360
        assert datetime.datetime.fromisoformat(evidence["report_generated_at"]) < NOW
        assert "four hours" in evidence["report_note"]


def test_the_four_report_checks_share_one_report_per_audit():
    create_iam_user("alice", console_password=True, access_keys=2)
    session = new_session(region_name=REGION)
    calls: Counter = Counter()
    session.events.register_first("before-call.iam.*", lambda model, **_: calls.update([model.name]))
    policy = Policy(tuple(Selection.of(c) for c in iam_credentials.CHECKS))
    report = run_audit(policy, AwsAccess(session, region=REGION, account_id=ACCOUNT_ID), Deadline.after(30))
    assert [f.status for f in report.findings] == [Status.FAIL, Status.PASS, Status.FAIL, Status.PASS]
    assert calls == Counter({"GenerateCredentialReport": 1, "GetCredentialReport": 1})


def test_a_report_still_being_generated_is_polled_until_ready(run_check):
    answers = iter([error("ReportInProgress", "Report is being generated", 404)] * 3 + [
        {"Content": (HEADER + "\n").encode(), "GeneratedTime": NOW}])
    session = answering({("iam", "GenerateCredentialReport"): {"State": "STARTED"},
                         ("iam", "GetCredentialReport"): lambda: next(answers)})
    assert run_check(MFA, session=session).status is Status.NOT_APPLICABLE


def test_a_missing_or_expired_report_is_generated_again():
    generated: list[str] = []
    answers = iter([error("ReportExpired", "expired", 410), {"Content": (HEADER + "\n").encode(), "GeneratedTime": NOW}])

    def generate():
        generated.append("GenerateCredentialReport")
        return {"State": "COMPLETE"}
    session = answering({("iam", "GenerateCredentialReport"): generate,
                         ("iam", "GetCredentialReport"): lambda: next(answers)})
    assert finding(MFA, session).status is Status.NOT_APPLICABLE
    assert len(generated) == 2


def test_a_report_that_never_finishes_is_an_error_in_words_after_a_bounded_number_of_polls():
    polls: list[int] = []

    def in_progress():
        polls.append(1)
        return error("ReportInProgress", "Report is being generated", 404)
    session = answering({("iam", "GenerateCredentialReport"): {"State": "INPROGRESS"},
                         ("iam", "GetCredentialReport"): in_progress})
    found = finding(MFA, session)
    assert found.status is Status.ERROR and found.error_code == "ReportInProgress"
    assert found.message.startswith("IAM had not finished generating the credential report after 20 polls")
    assert len(polls) == 20


def test_the_polls_wait_about_25_seconds_in_all_unpatched():
    assert len(POLL_DELAYS_S) == 20 and 20 < sum(POLL_DELAYS_S) < 30 and max(POLL_DELAYS_S) <= 2


@pytest.mark.parametrize("operation", ["GenerateCredentialReport", "GetCredentialReport"])
def test_access_denied_is_an_error_not_a_verdict(operation):
    answers = {("iam", "GenerateCredentialReport"): {"State": "COMPLETE"},
               ("iam", operation): error("AccessDenied", "User is not authorized to perform: iam:" + operation, 403)}
    for check in iam_credentials.CHECKS:
        found = finding(check, answering(answers))
        assert (found.status, found.error_code) == (Status.ERROR, "AccessDenied"), check.id


def test_explain_says_the_report_may_be_hours_old():
    import io

    from preflight.cli import main

    out = io.StringIO()
    assert main(["explain", "access-keys-rotated"], out, io.StringIO()) == 0
    assert "Judged by:     the IAM credential report, one per audit" in out.getvalue()
