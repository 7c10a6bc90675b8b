import boto3

from checks import iam_password_policy
from preflight.model import Status

CHECK = iam_password_policy.iam_password_policy


def set_policy(**fields):
    boto3.client("iam").update_account_password_policy(**fields)


def test_no_password_policy_fails(run_check):
    result = run_check(CHECK)
    assert (result.status, result.message) == (Status.FAIL, "The account has no IAM password policy.")


def test_cis_lengths_pass_with_default_parameters(run_check):
    set_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    assert run_check(CHECK).status is Status.PASS


def test_short_passwords_and_reuse_fail_naming_both(run_check):
    set_policy(MinimumPasswordLength=8)
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert result.message == ("The IAM password policy is too weak: minimum length is 8, not at least 14; "
                              "reuse prevention is off, not at least 24.")


def test_parameters_raise_the_bar(run_check):
    set_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    result = run_check(CHECK, minimum_length=16, require_symbols=True)
    assert result.status is Status.FAIL
    assert "minimum length is 14, not at least 16" in result.message and "a symbol is not required" in result.message


def test_the_classic_90_day_expiry_can_be_required(run_check):
    """The account-hardening template's rule: passwords expire within 90 days (AWS Config's MaxPasswordAge)."""
    set_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    assert run_check(CHECK).status is Status.PASS  # not asked by default (CIS no longer asks for expiry)
    never = run_check(CHECK, require_password_expiry=True)
    assert never.status is Status.FAIL and "passwords never expire (at most 90 days wanted)" in never.message
    set_policy(MinimumPasswordLength=14, PasswordReusePrevention=24, MaxPasswordAge=180)
    late = run_check(CHECK, require_password_expiry=True)
    assert late.status is Status.FAIL and "passwords expire after 180 days, not at most 90" in late.message
    set_policy(MinimumPasswordLength=14, PasswordReusePrevention=24, MaxPasswordAge=60)
    assert run_check(CHECK, require_password_expiry=True).status is Status.PASS
