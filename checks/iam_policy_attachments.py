"""Two AWS managed policies whose attachments CIS judges: AWSSupportAccess on some role (a support role,
CIS 1.17 (CIS AWS Foundations v3.0.0)) and AWSCloudShellFullAccess on nobody (1.22)."""
from __future__ import annotations

from checks import _credential_report as listing
from checks._iam_entities import attached_entities, aws_managed_policy_arn, partition
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Result, Severity, failed, passed
from preflight.registry import check

IAM_URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html"


@check(CheckMeta(
    id="iam-support-role-exists",
    title="An IAM role with the AWSSupportAccess policy exists to manage incidents with AWS Support",
    severity=Severity.LOW,
    controls=Controls(cis_aws_v3="1.17", security_hub="IAM.18", cis_aws_v5="1.16"),
    remediation="Create a role for the people who open AWS Support cases and attach the AWS managed policy "
                "AWSSupportAccess to it: aws iam attach-role-policy --role-name <role> "
                "--policy-arn arn:aws:iam::aws:policy/AWSSupportAccess",
    remediation_url=f"{IAM_URL}#iam-18",
    iam_actions=("iam:ListEntitiesForPolicy",),
))
def iam_support_role_exists(ctx: CheckContext) -> Result:
    """Calls iam:ListEntitiesForPolicy for the AWS managed policy AWSSupportAccess with EntityFilter Role,
    every page. PASS when the policy is attached to at least one role (naming them); FAIL when to none; ERROR if the
    call is refused. Source: CIS 1.17 (CIS AWS Foundations v3.0.0; v5.0.0 1.16, same rule: `PolicyRoles` not empty);
    AWS Security Hub IAM.18 (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-18),
    which runs AWS Config iam-policy-in-use
    (https://docs.aws.amazon.com/config/latest/developerguide/iam-policy-in-use.html) with policyUsageType ANY and
    so would also pass a user or group holding the policy; CIS asks for a role, and so does this check."""
    policy = aws_managed_policy_arn(ctx, "AWSSupportAccess")
    roles = attached_entities(ctx, policy, "Role")
    if not roles:
        return failed("No IAM role has the AWSSupportAccess policy attached: nobody can manage AWS Support cases "
                      "through a role.", resources=(f"arn:{partition(ctx.region)}:iam::{ctx.account_id}:root",),
                      policy_arn=policy, roles=[])
    arns, named = listing.listed(role["arn"] for role in roles)
    return passed(f"AWSSupportAccess is attached to {len(arns)} roles: {named}.", policy_arn=policy,
                  roles=listing.bounded(list(arns)))


@check(CheckMeta(
    id="iam-cloudshell-full-access-restricted",
    title="The AWSCloudShellFullAccess policy is attached to no IAM user, group or role",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="1.22", security_hub="IAM.27", cis_aws_v5="1.21"),
    remediation="Detach AWSCloudShellFullAccess from each listed user, group and role; grant a narrower "
                "CloudShell policy (without file upload and download) to those who need CloudShell.",
    remediation_url=f"{IAM_URL}#iam-27",
    iam_actions=("iam:ListEntitiesForPolicy",),
))
def iam_cloudshell_full_access_restricted(ctx: CheckContext) -> Result:
    """Calls iam:ListEntitiesForPolicy for the AWS managed policy AWSCloudShellFullAccess (users, groups and
    roles), every page. FAIL when it is attached to any, naming them (ARNs built from the names the API returns,
    without the entity's path); PASS when to none; ERROR if the call is refused. Source: CIS 1.22 (CIS AWS Foundations v3.0.0; v5.0.0 1.21), a **Manual** recommendation in CIS (whether some principal legitimately needs
    CloudShell's file transfer is a judgement; this check reports every attachment and leaves the judgement to
    an exemption); AWS Security Hub IAM.27
    (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-27), which fails when the
    policy is attached to any IAM identity (AWS Config iam-policy-blacklisted-check,
    https://docs.aws.amazon.com/config/latest/developerguide/iam-policy-blacklisted-check.html)."""
    policy = aws_managed_policy_arn(ctx, "AWSCloudShellFullAccess")
    entities = attached_entities(ctx, policy)
    if not entities:
        return passed("AWSCloudShellFullAccess is attached to no IAM user, group or role.", policy_arn=policy,
                      attached_to=[])
    arns, named = listing.listed(entity["arn"] for entity in entities)
    return failed(f"AWSCloudShellFullAccess is attached to {len(arns)} IAM identities: {named}.", resources=arns,
                  policy_arn=policy, attached_to=listing.bounded(entities))


CHECKS = (iam_support_role_exists, iam_cloudshell_full_access_restricted)
