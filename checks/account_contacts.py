"""security-account-information-provided: the account has a security alternate contact (CIS AWS
Foundations v3.0.0 1.2)."""
from __future__ import annotations

from botocore.exceptions import ClientError

from checks._iam_entities import partition
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Result, Severity, failed, passed
from preflight.registry import check


@check(CheckMeta(
    id="security-account-information-provided",
    title="The account has a security contact registered",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="1.2", security_hub="Account.1", cis_aws_v5="1.2"),
    remediation="Register a security alternate contact, ideally a team mailbox reaching several people: aws account "
                "put-alternate-contact --alternate-contact-type SECURITY --email-address <address> --name <name> "
                "--phone-number <number> --title <title>",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/account-controls.html#account-1",
    iam_actions=("account:GetAlternateContact",),
))
def security_account_information_provided(ctx: CheckContext) -> Result:
    """Calls account:GetAlternateContact with AlternateContactType SECURITY for the audited account. FAIL when
    it answers ResourceNotFoundException (no security contact registered); PASS when a contact is returned (its
    name and email address in the evidence); ERROR on any other refusal (AccessDenied, ...). CIS also asks that
    the contact reach more than one person, which no API decides. Source: CIS 1.2 (CIS AWS Foundations v3.0.0)
    (v5.0.0 1.2), a **Manual** recommendation in CIS; AWS Security Hub Account.1
    (https://docs.aws.amazon.com/securityhub/latest/userguide/account-controls.html#account-1), AWS Config
    security-account-information-provided
    (https://docs.aws.amazon.com/config/latest/developerguide/security-account-information-provided.html);
    Account Management API Reference, GetAlternateContact (ResourceNotFoundException)."""
    try:
        contact = ctx.client("account").get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return failed("The account has no security contact registered.",
                          resources=(f"arn:{partition(ctx.region)}:iam::{ctx.account_id}:root",), security_contact=None)
        raise
    return passed("The account has a security contact registered.",
                  security_contact={"name": contact.get("Name"), "email_address": contact.get("EmailAddress")})


CHECKS = (security_account_information_provided,)
