"""IAM users' credentials as the credential report shows them: console MFA, unused credentials, one active
access key, key rotation (CIS 1.10 (CIS AWS Foundations v3.0.0), 1.12, 1.13, 1.14).

The four checks share one credential report per audit (checks/_credential_report.py); the root user's row is
left to the root-account checks. A user is named by ARN: the first few in the message, up to 100 in the
evidence, all of them in the finding's resources.
"""
from __future__ import annotations

import datetime
from typing import Mapping

from checks import _credential_report as report
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Parameter, Result, Severity, Stricter, failed, not_applicable, passed
from preflight.registry import check

IAM_URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html"
KEYS = ("access_key_1", "access_key_2")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _days(delta: datetime.timedelta) -> int:
    return delta.days


@check(CheckMeta(
    id="mfa-enabled-for-iam-console-access",
    title="Every IAM user with a console password has MFA enabled",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="1.10", security_hub="IAM.5", cis_aws_v5="1.9"),
    remediation="Have each listed user assign an MFA device (a passkey or security key is best) under 'Security "
                "credentials' in the IAM console, or remove the console password of users who do not need one.",
    remediation_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html",
    iam_actions=report.IAM_ACTIONS,
), about_data=report.about_data)
def mfa_enabled_for_iam_console_access(ctx: CheckContext) -> Result:
    """Reads the IAM credential report. FAIL when any IAM user's row has `password_enabled` TRUE and `mfa_active`
    not TRUE, naming those users; PASS when every user with a console password has MFA; NOT_APPLICABLE if no IAM
    user has a console password; ERROR if the report cannot be had (AccessDenied, or IAM still generating it
    after 20 polls). Source: CIS 1.10 (CIS AWS Foundations v3.0.0; v5.0.0 1.9); AWS Security Hub IAM.5
    (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-5); AWS Config
    mfa-enabled-for-iam-console-access
    (https://docs.aws.amazon.com/config/latest/developerguide/mfa-enabled-for-iam-console-access.html)."""
    credentials = report.credential_report(ctx)
    age = credentials.evidence(_now())
    with_password = [row for row in credentials.users if report.flag(row, "password_enabled")]
    if not with_password:
        return not_applicable("No IAM user has a console password.", **age)
    without_mfa = [row for row in with_password if not report.flag(row, "mfa_active")]
    if not without_mfa:
        return passed(f"All {len(with_password)} IAM users with a console password have MFA.",
                      users_with_console_password=len(with_password), **age)
    arns, named = report.listed(report.arn_of(row) for row in without_mfa)
    return failed(f"{len(arns)} of {len(with_password)} IAM users with a console password have no MFA: {named}.",
                  resources=arns, users_without_mfa=report.bounded(list(arns)),
                  users_with_console_password=len(with_password), **age)


@check(CheckMeta(
    id="iam-user-unused-credentials-check",
    title="No IAM user keeps a console password or an active access key it has not used for 45 days",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="1.12", security_hub="IAM.22", cis_aws_v5="1.11"),
    remediation="Remove the console password (delete login profile) and deactivate or delete the access keys that "
                "have not been used within the limit; create them again when someone needs them.",
    remediation_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html",
    iam_actions=report.IAM_ACTIONS,
    parameters=(
        Parameter("max_unused_days", int, 45, "Days a console password or an active access key may go unused "
                  "(CIS 1.12 and IAM.22: 45).", Stricter.LOWER, minimum=1, maximum=365),
    ),
), about_data=report.about_data)
def iam_user_unused_credentials_check(ctx: CheckContext) -> Result:
    """Reads the IAM credential report. For every IAM user with `password_enabled` TRUE, the password's last use
    is `password_last_used`, or `password_last_changed` when that is `no_information` (never used); for every
    active access key (`access_key_N_active` TRUE), `access_key_N_last_used_date`, or `access_key_N_last_rotated`
    when that is `N/A` (never used). FAIL when any such date is `max_unused_days` (default 45) or more days ago,
    naming the users and credentials; PASS when none is; NOT_APPLICABLE if no user has a password or an active key;
    ERROR if the report cannot be had. Source: CIS 1.12 (CIS AWS Foundations v3.0.0; v5.0.0 1.11); AWS Security Hub
    IAM.22 (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-22); AWS Config
    iam-user-unused-credentials-check
    (https://docs.aws.amazon.com/config/latest/developerguide/iam-user-unused-credentials-check.html)."""
    credentials = report.credential_report(ctx)
    now = _now()
    age = credentials.evidence(now)
    limit = datetime.timedelta(days=ctx.param("max_unused_days"))
    judged, unused = 0, []
    for row in credentials.users:
        for credential, used, fallback in _credentials_in_use(row):
            judged += 1
            last = report.date(row, used) or report.date(row, fallback) or report.date(row, "user_creation_time")
            if last is None or now - last >= limit:
                unused.append({"arn": report.arn_of(row), "credential": credential,
                               "last_used": row[used] if report.date(row, used) else None,
                               "judged_from": used if report.date(row, used) else fallback,
                               "unused_days": _days(now - last) if last else None})
    if not judged:
        return not_applicable("No IAM user has a console password or an active access key.", **age)
    if not unused:
        return passed(f"All {judged} console passwords and active access keys were used within "
                      f"{ctx.param('max_unused_days')} days.", credentials_judged=judged, **age)
    arns, named = report.listed(item["arn"] for item in unused)
    return failed(f"{len(unused)} credentials of {len(arns)} IAM users have not been used for "
                  f"{ctx.param('max_unused_days')} days or more: {named}.",
                  resources=arns, unused_credentials=report.bounded(unused), credentials_judged=judged, **age)


def _credentials_in_use(row: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(credential, its last-used field, the field to judge by when it was never used)."""
    found = []
    if report.flag(row, "password_enabled"):
        found.append(("password", "password_last_used", "password_last_changed"))
    for key in KEYS:
        if report.flag(row, f"{key}_active"):
            found.append((key, f"{key}_last_used_date", f"{key}_last_rotated"))
    return found


@check(CheckMeta(
    id="iam-user-single-active-access-key",
    title="No IAM user has two active access keys",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="1.13", cis_aws_v5="1.12"),
    remediation="For each listed user, find which key is in use (IAM console, 'Security credentials', last used), "
                "then deactivate and delete the other one.",
    remediation_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
    iam_actions=report.IAM_ACTIONS,
), about_data=report.about_data)
def iam_user_single_active_access_key(ctx: CheckContext) -> Result:
    """Reads the IAM credential report. FAIL when any IAM user's row has both `access_key_1_active` and
    `access_key_2_active` TRUE, naming those users; PASS when every user has at most one active key;
    NOT_APPLICABLE if no IAM user has an active access key; ERROR if the report cannot be had. Source: CIS 1.13
    (CIS AWS Foundations v3.0.0; v5.0.0 1.12), audit "only one active access key" per user (CIS's own CLI lists
    each user's keys; the credential report holds the same two flags in one call). No AWS Security Hub control
    or AWS Config managed rule judges this item (Security Hub's CIS v3.0.0 standard has none for 1.13). The
    credential report's fields: IAM User Guide, "Getting credential reports"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html)."""
    credentials = report.credential_report(ctx)
    age = credentials.evidence(_now())
    with_keys = [row for row in credentials.users if any(report.flag(row, f"{key}_active") for key in KEYS)]
    if not with_keys:
        return not_applicable("No IAM user has an active access key.", **age)
    two = [row for row in with_keys if all(report.flag(row, f"{key}_active") for key in KEYS)]
    if not two:
        return passed(f"None of the {len(with_keys)} IAM users with an active access key has two.",
                      users_with_active_keys=len(with_keys), **age)
    arns, named = report.listed(report.arn_of(row) for row in two)
    return failed(f"{len(arns)} IAM users have two active access keys: {named}.", resources=arns,
                  users_with_two_active_keys=report.bounded(list(arns)), users_with_active_keys=len(with_keys), **age)


@check(CheckMeta(
    id="access-keys-rotated",
    title="Every active IAM access key was created or rotated within 90 days",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="1.14", security_hub="IAM.3", cis_aws_v5="1.13"),
    remediation="Rotate each listed key: create a second key, move its users to it, deactivate and then delete "
                "the old one (or replace long-term keys with roles).",
    remediation_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys",
    iam_actions=report.IAM_ACTIONS,
    parameters=(
        Parameter("max_access_key_age_days", int, 90, "Days an active access key may live before it is rotated "
                  "(CIS 1.14 and IAM.3: 90).", Stricter.LOWER, minimum=1, maximum=365),
    ),
), about_data=report.about_data)
def access_keys_rotated(ctx: CheckContext) -> Result:
    """Reads the IAM credential report. FAIL when any active access key (`access_key_N_active` TRUE) has an
    `access_key_N_last_rotated` (its creation or last rotation) more than `max_access_key_age_days` (default
    90) days ago, or none at all, naming the users and keys; PASS when none is; NOT_APPLICABLE if no IAM user has an
    active access key; ERROR if the report cannot be had. Source: CIS 1.14 (CIS AWS Foundations v3.0.0; v5.0.0
    1.13); AWS Security Hub IAM.3 (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-3);
    AWS Config access-keys-rotated, maxAccessKeyAge 90
    (https://docs.aws.amazon.com/config/latest/developerguide/access-keys-rotated.html)."""
    credentials = report.credential_report(ctx)
    now = _now()
    age = credentials.evidence(now)
    limit = datetime.timedelta(days=ctx.param("max_access_key_age_days"))
    active, old = 0, []
    for row in credentials.users:
        for key in KEYS:
            if not report.flag(row, f"{key}_active"):
                continue
            active += 1
            rotated = report.date(row, f"{key}_last_rotated")
            if rotated is None or now - rotated > limit:
                old.append({"arn": report.arn_of(row), "key": key, "last_rotated": rotated.isoformat() if rotated else None,
                            "age_days": _days(now - rotated) if rotated else None})
    if not active:
        return not_applicable("No IAM user has an active access key.", **age)
    if not old:
        return passed(f"All {active} active access keys were rotated within {ctx.param('max_access_key_age_days')} "
                      "days.", active_keys=active, **age)
    arns, named = report.listed(item["arn"] for item in old)
    return failed(f"{len(old)} active access keys of {len(arns)} IAM users are older than "
                  f"{ctx.param('max_access_key_age_days')} days: {named}.",
                  resources=arns, keys_not_rotated=report.bounded(old), active_keys=active, **age)


CHECKS = (mfa_enabled_for_iam_console_access, iam_user_unused_credentials_check, iam_user_single_active_access_key,
          access_keys_rotated)
