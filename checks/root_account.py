"""The root user: MFA, hardware MFA, no access keys - all three judged from IAM's account summary
(GetAccountSummary, read once per audit). An account whose root credentials were removed (centralized root
access management in AWS Organizations) has nothing to protect: NOT_APPLICABLE instead of FAIL."""
from __future__ import annotations

from typing import Any

from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Parameter, Result, Severity, Stricter, failed, not_applicable, passed
from preflight.registry import check

URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html"
NO_ROOT_CREDENTIALS = ("The root user has no credentials (removed by centralized root access management); "
                       "nothing to protect.")


def account_summary(ctx: CheckContext) -> dict[str, Any]:
    return ctx.remember(("iam", "account_summary"), lambda: ctx.client("iam").get_account_summary()["SummaryMap"])


def root_credentials_removed(summary: dict[str, Any]) -> bool:
    # AccountPasswordPresent is only judged when IAM reports it; without it nothing is assumed.
    return "AccountPasswordPresent" in summary and not any(
        summary.get(key, 0) for key in ("AccountPasswordPresent", "AccountAccessKeysPresent",
                                        "AccountSigningCertificatesPresent", "AccountMFAEnabled")
    )


@check(CheckMeta(
    id="root-account-mfa-enabled",
    title="The root user has multi-factor authentication enabled",
    severity=Severity.CRITICAL,
    controls=Controls(cis_aws_v3="1.5", security_hub="IAM.9", cis_aws_v5="1.4"),
    remediation="Sign in as the root user, open 'Security credentials' and assign an MFA device (a hardware "
                "key or passkey is best) - or remove root credentials with centralized root access management.",
    remediation_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html",
    iam_actions=("iam:GetAccountSummary",),
    parameters=(
        Parameter("pass_without_root_password", bool, False, "A root user without a password passes even without "
                  "MFA (CIS v5.0.0 1.4: AccountMFAEnabled = 1 or AccountPasswordPresent = 0; v3.0.0 1.5 asks for "
                  "MFA). The cis-aws-foundations-v5 baseline sets it.", Stricter.FALSE),
    ),
))
def root_account_mfa_enabled(ctx: CheckContext) -> Result:
    """PASS when IAM's account summary reports AccountMFAEnabled = 1 (any kind of MFA device, virtual or
    hardware). FAIL when it does not, naming the root user's ARN. NOT_APPLICABLE when the summary reports no
    root password, access keys, signing certificates or MFA (root credentials removed centrally); a summary
    without AccountPasswordPresent is not taken to mean that. With `pass_without_root_password` (CIS v5.0.0 1.4's
    rule; off by default, as v3.0.0 1.5) a root user whose password is gone (AccountPasswordPresent = 0) also
    passes. ERROR when GetAccountSummary is refused.

    Source: AWS Config rule root-account-mfa-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/root-account-mfa-enabled.html), behind Security
    Hub IAM.9 and CIS 1.5.
    """
    summary = account_summary(ctx)
    if root_credentials_removed(summary):
        return not_applicable(NO_ROOT_CREDENTIALS, summary=_root_keys(summary))
    if summary.get("AccountMFAEnabled", 0) == 1:
        return passed("The root user has MFA enabled.", account_mfa_enabled=1)
    if ctx.param("pass_without_root_password") and summary.get("AccountPasswordPresent", 1) == 0:
        return passed("The root user has no password, so it cannot sign in without MFA (CIS v5.0.0 1.4).",
                      account_mfa_enabled=0, account_password_present=0)
    return failed("The root user has no MFA device.", account_mfa_enabled=summary.get("AccountMFAEnabled", 0),
                  resources=(f"arn:aws:iam::{ctx.account_id}:root",))


@check(CheckMeta(
    id="root-account-no-access-keys",
    title="The root user has no access keys",
    severity=Severity.CRITICAL,
    controls=Controls(cis_aws_v3="1.4", security_hub="IAM.4", cis_aws_v5="1.3"),
    remediation="Sign in as the root user, open 'Security credentials' and delete every access key; use IAM "
                "roles or users for programmatic access.",
    remediation_url=f"{URL}#iam-4",
    iam_actions=("iam:GetAccountSummary",),
))
def root_account_no_access_keys(ctx: CheckContext) -> Result:
    """PASS when IAM's account summary reports AccountAccessKeysPresent = 0. FAIL when the root user has an
    access key, naming the root user's ARN. NOT_APPLICABLE when root credentials were removed centrally (no root
    password, keys, certificates or MFA in the summary). ERROR when GetAccountSummary is refused.

    Source: AWS Config rule iam-root-access-key-check
    (https://docs.aws.amazon.com/config/latest/developerguide/iam-root-access-key-check.html), behind Security
    Hub IAM.4 and CIS 1.4.
    """
    summary = account_summary(ctx)
    if root_credentials_removed(summary):
        return not_applicable(NO_ROOT_CREDENTIALS, summary=_root_keys(summary))
    if summary.get("AccountAccessKeysPresent", 0):
        return failed("The root user has access keys.", resources=(f"arn:aws:iam::{ctx.account_id}:root",),
                      account_access_keys_present=summary["AccountAccessKeysPresent"])
    return passed("The root user has no access keys.", account_access_keys_present=0)


@check(CheckMeta(
    id="root-account-hardware-mfa",
    title="The root user's MFA is a hardware device, not a virtual one",
    severity=Severity.CRITICAL,
    controls=Controls(cis_aws_v3="1.6", security_hub="IAM.6", cis_aws_v5="1.5"),
    remediation="Replace the root user's virtual MFA device with a hardware key (FIDO security key or hardware "
                "TOTP token) under 'Security credentials'.",
    remediation_url=f"{URL}#iam-6",
    iam_actions=("iam:GetAccountSummary", "iam:ListVirtualMFADevices"),
))
def root_account_hardware_mfa(ctx: CheckContext) -> Result:
    """PASS when the root user has MFA (AccountMFAEnabled = 1 in IAM's account summary) and no assigned virtual
    MFA device (ListVirtualMFADevices, AssignmentStatus Assigned) belongs to the root user. FAIL when the root
    user has no MFA device at all, or when its device is a virtual one (its serial number is the evidence).
    NOT_APPLICABLE when root credentials were removed centrally. ERROR when either call is refused.

    Source: AWS Config rule root-account-hardware-mfa-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/root-account-hardware-mfa-enabled.html), behind
    Security Hub IAM.6 and CIS 1.6.
    """
    summary = account_summary(ctx)
    if root_credentials_removed(summary):
        return not_applicable(NO_ROOT_CREDENTIALS, summary=_root_keys(summary))
    root = f"arn:aws:iam::{ctx.account_id}:root"
    if summary.get("AccountMFAEnabled", 0) != 1:
        return failed("The root user has no MFA device at all.", resources=(root,))
    pages = ctx.client("iam").get_paginator("list_virtual_mfa_devices").paginate(AssignmentStatus="Assigned")
    virtual = [d["SerialNumber"] for page in pages for d in page["VirtualMFADevices"]
               if d.get("User", {}).get("Arn", "").endswith(":root")]
    if virtual:
        return failed("The root user's MFA is a virtual device.", resources=(root,), virtual_devices=virtual)
    return passed("The root user's MFA is a hardware device.", virtual_devices=[])


def _root_keys(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k.startswith("Account")}


CHECKS = (root_account_mfa_enabled, root_account_no_access_keys, root_account_hardware_mfa)
