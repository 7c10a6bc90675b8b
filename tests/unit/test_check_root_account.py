"""The root user: MFA, hardware MFA, access keys - and accounts whose root credentials were removed."""
import pytest

from checks import root_account
from preflight.model import Status
from sim.account import set_root_mfa
from sim.stubs import answering

ROOT_CHECKS = root_account.CHECKS


def summary(**values):
    base = {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0, "AccountSigningCertificatesPresent": 0}
    return answering({("iam", "GetAccountSummary"): {"SummaryMap": {**base, **values}}})


def test_root_without_mfa_fails(run_check):
    result = run_check(root_account.root_account_mfa_enabled)
    assert result.status is Status.FAIL
    assert result.message == "The root user has no MFA device."


def test_root_with_mfa_passes(run_check):
    set_root_mfa(True)
    assert run_check(root_account.root_account_mfa_enabled).status is Status.PASS


def test_root_without_access_keys_passes(run_check):
    assert run_check(root_account.root_account_no_access_keys).status is Status.PASS


def test_root_with_access_keys_fails(run_check):
    result = run_check(root_account.root_account_no_access_keys,
                       session=summary(AccountAccessKeysPresent=1, AccountMFAEnabled=1))
    assert result.status is Status.FAIL
    assert result.message == "The root user has access keys."


def test_hardware_mfa_passes_when_no_virtual_device_belongs_to_root(run_check):
    set_root_mfa(True)
    assert run_check(root_account.root_account_hardware_mfa).status is Status.PASS


def test_virtual_mfa_on_root_fails_the_hardware_check(run_check):
    session = answering({
        ("iam", "GetAccountSummary"): {"SummaryMap": {"AccountMFAEnabled": 1}},
        ("iam", "ListVirtualMFADevices"): {"VirtualMFADevices": [
            {"SerialNumber": "arn:aws:iam::123456789012:mfa/root-account-mfa-device",
             "User": {"Arn": "arn:aws:iam::123456789012:root", "UserId": "123456789012", "Path": "/",
                      "UserName": "root", "CreateDate": "2020-01-01T00:00:00Z"}}], "IsTruncated": False},
    })
    result = run_check(root_account.root_account_hardware_mfa, session=session)
    assert result.status is Status.FAIL
    assert result.message == "The root user's MFA is a virtual device."


def test_no_mfa_at_all_fails_the_hardware_check(run_check):
    assert run_check(root_account.root_account_hardware_mfa).message == "The root user has no MFA device at all."


@pytest.mark.parametrize("check", ROOT_CHECKS, ids=lambda c: c.id)
def test_root_credentials_removed_centrally_is_not_applicable(run_check, check):
    result = run_check(check, session=summary(AccountPasswordPresent=0))
    assert result.status is Status.NOT_APPLICABLE
    assert "centralized root access management" in result.message


@pytest.mark.parametrize("check", (root_account.root_account_mfa_enabled, root_account.root_account_hardware_mfa),
                         ids=lambda c: c.id)
def test_a_root_password_without_mfa_keeps_the_mfa_checks_failing(run_check, check):
    assert run_check(check, session=summary(AccountPasswordPresent=1)).status is Status.FAIL


def test_a_root_user_without_a_password_passes_mfa_under_cis_v5(run_check):
    """v5.0.0 1.4: AccountMFAEnabled = 1 or AccountPasswordPresent = 0; v3.0.0 1.5 asks for MFA."""
    session = answering({("iam", "GetAccountSummary"): {"SummaryMap": {
        "AccountMFAEnabled": 0, "AccountPasswordPresent": 0, "AccountAccessKeysPresent": 1}}})
    check = root_account.root_account_mfa_enabled
    assert run_check(check, session=session).status is Status.FAIL
    passed = run_check(check, session=session, pass_without_root_password=True)
    assert passed.status is Status.PASS and "no password" in passed.message
