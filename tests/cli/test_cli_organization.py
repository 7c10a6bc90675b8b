"""preflight audit --organization / --accounts / --account: every account through a role assumed in it, a
bounded number at once; an account whose role cannot be assumed is an ERROR row, never the end of the sweep."""
from __future__ import annotations

import json


from preflight.cli import UsageError
from tests.support.cli import run


def test_the_whole_organization_is_audited_one_report_per_account(organization):
    code, out, _ = run("audit", "--organization", "--checks", "root-account-mfa-enabled", "--format", "json")
    assert code == 1  # root MFA is off in every new account
    envelope = json.loads(out)
    audited = {r["account_id"] for r in envelope["reports"]}
    assert set(organization) <= audited and "123456789012" in audited
    assert all(r["verdict"] == "FAIL" for r in envelope["reports"])


def test_each_account_is_audited_with_its_own_role_and_answers_from_its_own_state(organization):
    from sim.account import set_root_mfa

    compliant = organization[1]
    set_root_mfa(True, account_id=compliant)
    _, out, _ = run("audit", "--organization", "--checks", "root-account-mfa-enabled", "--format", "json")
    verdicts = {r["account_id"]: r["verdict"] for r in json.loads(out)["reports"]}
    assert verdicts.pop(compliant) == "PASS"
    assert set(verdicts.values()) == {"FAIL"}


def test_an_account_whose_role_cannot_be_assumed_is_an_error_row_and_the_sweep_goes_on(organization, monkeypatch):
    import preflight.cli.organization as organization_cli

    unreachable = organization[1]
    real = organization_cli.assumed

    def assumed(sts, role_arn, external_id=None):
        if f":{unreachable}:" in role_arn:
            raise UsageError(f"could not assume {role_arn}: AWS refused assuming the role (AccessDenied: not authorized)")
        return real(sts, role_arn, external_id)

    monkeypatch.setattr(organization_cli, "assumed", assumed)
    code, out, _ = run("audit", "--account", organization[0], "--account", unreachable, "--account", organization[2],
                       "--checks", "root-account-mfa-enabled", "--format", "json")
    assert code == 1
    reports = {r["account_id"]: r for r in json.loads(out)["reports"]}
    assert list(reports) == [organization[0], unreachable, organization[2]]  # in the order asked
    [finding] = reports[unreachable]["findings"]
    assert (finding["check"], finding["status"]) == ("account-access", "ERROR")
    assert "AccessDenied" in finding["message"]
    assert reports[organization[2]]["findings"][0]["check"] == "root-account-mfa-enabled"


def test_every_format_aggregates_the_accounts(organization):
    _, junit, _ = run("audit", "--organization", "--checks", "root-account-mfa-enabled", "--format", "junit")
    assert junit.count("<testsuite ") == len(organization) + 1
    _, markdown, _ = run("audit", "--organization", "--checks", "root-account-mfa-enabled", "--format", "markdown")
    summary = markdown.split("### Account")[0]
    assert "| account | verdict | failing checks |" in summary
    assert all(f"| {account} | FAIL | `root-account-mfa-enabled` |" in summary for account in organization)


def test_an_accounts_file_with_a_bad_line_is_refused_naming_it(tmp_path):
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("# team accounts\n111122223333\nnot-an-account\n")
    code, _, err = run("audit", "--accounts", str(accounts))
    assert code == 2 and "line 3 is not a 12-digit account id: 'not-an-account'" in err


def test_role_arn_and_a_sweep_do_not_mix():
    code, _, err = run("audit", "--organization", "--role-arn", "arn:aws:iam::111122223333:role/audit")
    assert code == 2 and "use one or the other" in err
