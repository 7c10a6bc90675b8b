"""iam-password-policy: the account password policy meets the baseline's parameters."""
from __future__ import annotations

from botocore.exceptions import ClientError

from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Parameter, Result, Severity, Stricter, failed, passed
from preflight.registry import check

REQUIREMENTS = (
    ("require_uppercase", "RequireUppercaseCharacters", "an uppercase letter"),
    ("require_lowercase", "RequireLowercaseCharacters", "a lowercase letter"),
    ("require_numbers", "RequireNumbers", "a number"),
    ("require_symbols", "RequireSymbols", "a symbol"),
)


@check(CheckMeta(
    id="iam-password-policy",
    title="The IAM password policy requires long, non-reused passwords",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="1.8, 1.9", security_hub="IAM.15, IAM.16", cis_aws_v5="1.7, 1.8"),
    remediation="Set the account password policy: aws iam update-account-password-policy "
                "--minimum-password-length 14 --password-reuse-prevention 24 (plus any character requirements "
                "your baseline sets)",
    remediation_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",
    iam_actions=("iam:GetAccountPasswordPolicy",),
    parameters=(
        # IAM accepts 6-128 characters and 1-24 remembered passwords (UpdateAccountPasswordPolicy).
        Parameter("minimum_length", int, 14, "Shortest password allowed (CIS 1.8, IAM.15).", Stricter.HIGHER,
                  minimum=6, maximum=128),
        Parameter("reuse_prevention", int, 24, "How many previous passwords may not be reused (CIS 1.9, IAM.16).",
                  Stricter.HIGHER, minimum=1, maximum=24),
        Parameter("require_uppercase", bool, False, "Require an uppercase letter.", Stricter.TRUE),
        Parameter("require_lowercase", bool, False, "Require a lowercase letter.", Stricter.TRUE),
        Parameter("require_numbers", bool, False, "Require a number.", Stricter.TRUE),
        Parameter("require_symbols", bool, False, "Require a symbol.", Stricter.TRUE),
        # The classic account-hardening rule expires passwords after 90 days; CIS and NIST no longer ask for it.
        Parameter("require_password_expiry", bool, False, "Require passwords to expire (ExpirePasswords).",
                  Stricter.TRUE),
        Parameter("max_password_age_days", int, 90, "With require_password_expiry: the longest MaxPasswordAge "
                  "allowed (AWS Config's MaxPasswordAge).", Stricter.LOWER, minimum=1, maximum=1095),
    ),
))
def iam_password_policy(ctx: CheckContext) -> Result:
    """PASS when the account password policy (GetAccountPasswordPolicy) has a MinimumPasswordLength of at least
    `minimum_length` (default 14), a PasswordReusePrevention of at least `reuse_prevention` (default 24), and
    requires an uppercase letter, a lowercase letter, a number and a symbol where `require_uppercase`,
    `require_lowercase`, `require_numbers` and `require_symbols` ask for them (none by default), and - when
    `require_password_expiry` asks (off by default) - expires passwords after at most `max_password_age_days`
    (default 90, AWS Config's MaxPasswordAge). FAIL when the
    account has no password policy (NoSuchEntity) or when it falls short, naming every gap. ERROR when the call is refused.

    Source: AWS Config rule iam-password-policy
    (https://docs.aws.amazon.com/config/latest/developerguide/iam-password-policy.html); CIS 1.8 (length) and
    CIS 1.9 (reuse), Security Hub IAM.15 and IAM.16
    (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-15).
    """
    try:
        policy = ctx.client("iam").get_account_password_policy()["PasswordPolicy"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return failed("The account has no IAM password policy.", policy=None)
        raise
    gaps = []
    length, wanted_length = policy.get("MinimumPasswordLength", 0), ctx.param("minimum_length")
    if length < wanted_length:
        gaps.append(f"minimum length is {length}, not at least {wanted_length}")
    reuse, wanted_reuse = policy.get("PasswordReusePrevention", 0), ctx.param("reuse_prevention")
    if reuse < wanted_reuse:
        gaps.append(f"reuse prevention is {reuse or 'off'}, not at least {wanted_reuse}")
    for parameter, field, words in REQUIREMENTS:
        if ctx.param(parameter) and not policy.get(field):
            gaps.append(f"{words} is not required")
    if ctx.param("require_password_expiry"):
        age, wanted_age = policy.get("MaxPasswordAge"), ctx.param("max_password_age_days")
        if not policy.get("ExpirePasswords") or not age:
            gaps.append(f"passwords never expire (at most {wanted_age} days wanted)")
        elif age > wanted_age:
            gaps.append(f"passwords expire after {age} days, not at most {wanted_age}")
    if gaps:
        return failed("The IAM password policy is too weak: " + "; ".join(gaps) + ".", policy=policy)
    return passed("The IAM password policy meets the baseline.", policy=policy)


CHECKS = (iam_password_policy,)
