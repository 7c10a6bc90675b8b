"""A sweep of many accounts: each account within its own deadline, the sweep within its budget, nothing
reported that was not read, and --concurrency bounding the AWS work actually running."""
from __future__ import annotations

import json
import threading
import time

import pytest

from preflight.cli import EXIT_INCOMPLETE, UsageError
from preflight.cli.organization import accounts_file
from preflight.model import Check, CheckMeta, Controls, Severity, Status, Verdict, failed, passed
from preflight.policy import Policy, Selection
from preflight.concurrency import Deadline
from preflight.cli.sweep import Limits, Target, sweep
from sim.account import create_role, set_root_mfa
from tests.support.cli import run


def check(check_id: str, run_fn) -> Check:
    return Check(CheckMeta(check_id, check_id, Severity.HIGH, Controls(), "fix", "https://docs.aws.amazon.com/", ()),
                 run_fn)


def audit_with(policy: Policy):
    from preflight.audit import run_audit
    from preflight.aws.access import AwsAccess

    def audit_one(target: Target, deadline: Deadline, runner):
        return run_audit(policy, AwsAccess(region="us-east-1", account_id=target.account_id), deadline, runner=runner)
    return audit_one


TARGETS = [Target(f"1111222233{i:02d}", f"arn:aws:iam::1111222233{i:02d}:role/audit") for i in range(8)]


def test_concurrency_bounds_the_check_threads_still_running_abandoned_ones_included():
    """Each account's checks outlive its 0.05 s deadline by far; the next account starts only when they end."""
    lock, live, peak = threading.Lock(), [0], [0]

    def slow(ctx):
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
        time.sleep(0.2)
        with lock:
            live[0] -= 1
        return passed("late")

    policy = Policy(tuple(Selection.of(check(f"slow-{i}", slow)) for i in range(3)))
    reports = sweep(TARGETS, audit_with(policy), policy, Limits(2, 0.05), "us-east-1")
    assert len(reports) == len(TARGETS)
    assert peak[0] <= 2 * 3  # two accounts at once, three checks each


def test_an_account_in_which_no_check_finished_is_not_audited_even_when_errors_only_warn():
    release = threading.Event()
    hanging = check("hanging", lambda ctx: (release.wait(5), passed("late"))[1])
    policy = Policy((Selection.of(hanging),), on_error=__import__("preflight.model").model.OnError.WARN)
    try:
        [report] = sweep(TARGETS[:1], audit_with(policy), policy, Limits(1, 0.05), "us-east-1")
    finally:
        release.set()
    assert report.verdict is Verdict.NOT_AUDITED
    assert [f.status for f in report.findings] == [Status.NOT_AUDITED]
    assert "no check finished within the account's 0.05 s" in report.findings[0].message


def test_a_breach_found_before_the_budget_ran_out_is_still_a_fail():
    release = threading.Event()
    policy = Policy((Selection.of(check("breach", lambda ctx: failed("root has no MFA"))),
                     Selection.of(check("hanging", lambda ctx: (release.wait(5), passed("late"))[1]))))
    try:
        [report] = sweep(TARGETS[:1], audit_with(policy), policy, Limits(1, 60, Deadline.after(0.2)), "us-east-1")
    finally:
        release.set()
    assert report.verdict is Verdict.FAIL
    assert {f.check.id: f.status for f in report.findings} == {"breach": Status.FAIL, "hanging": Status.NOT_AUDITED}


def test_accounts_the_budget_left_unread_are_each_listed_not_audited():
    release = threading.Event()
    hanging = check("hanging", lambda ctx: (release.wait(5), passed("late"))[1])
    policy = Policy((Selection.of(hanging),))
    try:
        reports = sweep(TARGETS[:4], audit_with(policy), policy, Limits(1, 60, Deadline.after(0.2)), "us-east-1")
    finally:
        release.set()
    assert [r.account_id for r in reports] == [t.account_id for t in TARGETS[:4]]
    assert {r.verdict for r in reports} == {Verdict.NOT_AUDITED}
    assert reports[0].findings[0].message.endswith("while the account was being audited")
    assert all(r.findings[0].message.endswith("before this account's audit started") for r in reports[1:])


# Through the CLI.

@pytest.fixture
def slow_role(monkeypatch):
    """AssumeRole into the first member hangs until the test ends (an account that does not answer)."""
    import preflight.cli.organization as organization_cli

    release = threading.Event()
    real = organization_cli.assumed

    def assumed(sts, role_arn, external_id=None):
        if ":111111111111:" in role_arn:
            release.wait(10)  # and then refused: nothing of this sweep may go on into the next test
            raise UsageError(f"could not assume {role_arn}: the test is over")
        return real(sts, role_arn, external_id)

    monkeypatch.setattr(organization_cli, "assumed", assumed)
    yield
    release.set()


def test_a_sweep_whose_budget_runs_out_lists_every_unaudited_account_and_exits_incomplete(slow_role):
    from preflight.reporting.formats import Format, render
    from preflight.registry import default_registry
    from preflight.reporting.document import report_from_dict

    accounts = ["111111111111", "222222222222", "333333333333"]
    code, out, err = run("audit", *(a for account in accounts for a in ("--account", account)), "--concurrency", "1",
                         "--sweep-timeout", "0.5", "--checks", "root-account-mfa-enabled", "--format", "json")
    assert code == EXIT_INCOMPLETE
    assert "3 of 3 accounts not audited (111111111111, 222222222222, 333333333333); exit code 3" in err
    data = json.loads(out)["reports"]
    assert [(r["account_id"], r["verdict"]) for r in data] == [(a, "NOT_AUDITED") for a in accounts]
    from preflight.registry import Registry
    from preflight.cli.sweep import ACCOUNT_AUDITED

    catalogue = Registry([*default_registry(), Check(ACCOUNT_AUDITED, lambda ctx: passed("-"))])
    reports = [report_from_dict(r, catalogue) for r in data]
    for fmt in Format:  # its own row in every format, never a PASS
        text = render(reports, fmt, False)
        assert all(account in text for account in accounts), fmt
        assert text.lower().replace("_", " ").count("not audited") >= 3, fmt
        assert "PASS" not in text.replace("PASSED", ""), fmt


def test_one_account_that_does_not_answer_is_bounded_by_its_own_deadline_and_the_rest_are_audited(slow_role):
    code, out, _ = run("audit", "--account", "111111111111", "--account", "222222222222", "--concurrency", "1",
                       "--timeout", "0.5", "--checks", "root-account-mfa-enabled", "--format", "json")
    verdicts = {r["account_id"]: r for r in json.loads(out)["reports"]}
    assert verdicts["111111111111"]["verdict"] == "NOT_AUDITED"
    assert "AssumeRole did not answer within the account's 0.5 s" in verdicts["111111111111"]["findings"][0]["message"]
    assert verdicts["222222222222"]["findings"][0]["check"] == "root-account-mfa-enabled"
    assert code == EXIT_INCOMPLETE


def test_the_management_account_is_audited_with_the_callers_own_credentials(organization):  # noqa: F811
    """AWS refuses a role that does not exist; Organizations creates OrganizationAccountAccessRole only in
    the member accounts it creates, never in the management account."""
    from sim import moto_gaps

    moto_gaps.roles_must_exist = True  # moto's CreateAccount made OrganizationAccountAccessRole in each member
    for account in ["123456789012", *organization]:
        set_root_mfa(True, account_id=account)
    code, out, _ = run("audit", "--organization", "--checks", "root-account-mfa-enabled", "--format", "json")
    reports = {r["account_id"]: r for r in json.loads(out)["reports"]}
    assert reports["123456789012"]["findings"][0]["check"] == "root-account-mfa-enabled"
    assert code == 0 and {r["verdict"] for r in reports.values()} == {"PASS"}


def test_a_member_without_the_role_is_unreachable_in_words(organization):  # noqa: F811
    from sim import moto_gaps

    moto_gaps.roles_must_exist = True
    create_role(organization[0], "SomeOtherRole")
    code, out, _ = run("audit", "--account", organization[0], "--role-name", "AuditRole", "--checks",
                       "root-account-mfa-enabled", "--format", "json")
    [report] = json.loads(out)["reports"]
    assert code == 1 and report["findings"][0]["check"] == "account-access"
    assert "AccessDenied" in report["findings"][0]["message"]


# The accounts file.

def test_the_whole_accounts_file_is_read_however_long(tmp_path):
    path = tmp_path / "accounts.txt"
    path.write_text("".join(f"{n:012d}  # team {n}\n" for n in range(1, 20_001)))
    assert len(accounts_file(str(path))) == 20_000
    path.write_text("".join(f"{n:012d}\n" for n in range(1, 80_001)))
    accounts = accounts_file(str(path))
    assert len(accounts) == 80_000 and accounts[-1] == "000000080000"


def test_a_byte_order_mark_is_accepted_and_non_ascii_digits_are_refused_naming_the_line(tmp_path):
    path = tmp_path / "accounts.txt"
    path.write_bytes("\ufeff111122223333\n# comment\n\n444455556666\n".encode())
    assert accounts_file(str(path)) == ["111122223333", "444455556666"]
    path.write_text("111122223333\n١١١١٢٢٢٢٣٣٣٣\n")  # Arabic-Indic digits: \\d would take them
    with pytest.raises(UsageError, match="line 2 is not a 12-digit account id"):
        accounts_file(str(path))
