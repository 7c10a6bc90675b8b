"""root-account-mfa-enabled: the root user has an MFA device."""
from __future__ import annotations

from preflight.context import CheckContext
from preflight.model import Check, CheckMeta, Controls, Result, Severity, failed, passed

META = CheckMeta(
    id="root-account-mfa-enabled",
    title="The root user has multi-factor authentication enabled",
    severity=Severity.CRITICAL,
    controls=Controls(cis_aws_v3="1.5", security_hub="IAM.9"),
    remediation=(
        "Sign in as the root user, open 'Security credentials' and assign an MFA device (a hardware key "
        "or passkey is best)."
    ),
    remediation_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html",
    iam_actions=("iam:GetAccountSummary",),
)


def run(ctx: CheckContext) -> Result:
    summary = ctx.client("iam").get_account_summary()["SummaryMap"]
    mfa_enabled = summary.get("AccountMFAEnabled", 0)
    if mfa_enabled == 1:
        return passed("The root user has MFA enabled.", account_mfa_enabled=mfa_enabled)
    return failed("The root user has no MFA device.", account_mfa_enabled=mfa_enabled)


CHECK = Check(META, run)
