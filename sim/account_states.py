"""Named account states (for `make sandbox` and the tests): empty, compliant, fully compliant, or compliant but
for one check. Built with the account builders, inside moto (in-process or through its server)."""
from __future__ import annotations

from typing import Callable

from sim import account
from sim.cloudformation import REGION


def _stop_trail() -> None:
    account.client("cloudtrail", region_name=REGION).stop_logging(Name="audit")


def _stop_recorder() -> None:
    account.client("config", region_name=REGION).stop_configuration_recorder(ConfigurationRecorderName="default")


def _old_access_key() -> None:
    import datetime

    account.create_iam_user("deploy-bot", access_keys=1, keys_last_used=(datetime.datetime.now(datetime.timezone.utc),),
                            keys_created=(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=400),))


BREAKERS: dict[str, Callable[[], None]] = {
    "cloudtrail-enabled": _stop_trail,
    "root-account-mfa-enabled": lambda: account.set_root_mfa(False),
    "s3-account-level-public-access-blocks": lambda: account.put_public_access_block(RestrictPublicBuckets=False),
    "config-recording-enabled": _stop_recorder,
    "iam-password-policy": lambda: account.client("iam").delete_account_password_policy(),
    "ebs-encryption-by-default": lambda: account.client("ec2", region_name=REGION).disable_ebs_encryption_by_default(),
    "mfa-enabled-for-iam-console-access": lambda: account.create_iam_user("alice", console_password=True),
    "access-keys-rotated": _old_access_key,
    "iam-support-role-exists": lambda: account.client("iam").detach_role_policy(
        RoleName="support", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess"),
    "security-account-information-provided": lambda: account.client("account").delete_alternate_contact(
        AlternateContactType="SECURITY"),
}
STATES = ("empty", "compliant", "fully-compliant", *(f"failing:{check}" for check in BREAKERS))


def prepare(state: str) -> None:
    """Builds `state` (one of STATES) in the account the default boto3 session reaches."""
    if state == "empty":
        return
    if state == "compliant":
        account.make_compliant()
        return
    account.make_fully_compliant()
    if state.startswith("failing:"):
        BREAKERS[state.split(":", 1)[1]]()


