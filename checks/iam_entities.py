"""Per-resource IAM and EC2 identity checks: users hold no policies of their own (CIS 1.15, IAM.2), no attached
policy grants full "*:*" administrative rights (CIS 1.16), running instances use an instance profile (CIS 1.18).
Each lists under the audit's deadline (checks/_per_resource.py): a listing cut short is TIMEOUT, "judged N of M"."""
from __future__ import annotations

import json
import urllib.parse
from typing import Any

from checks._per_resource import Listing, arn, read_tags
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Parameter, Result, Scope, Severity, Stricter
from preflight.registry import check

IAM_URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html"


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")


@check(CheckMeta(
    id="iam-user-no-policies-check",
    title="No IAM user has a policy of its own (permissions come through groups or roles)",
    severity=Severity.LOW,
    controls=Controls(cis_aws_v3="1.15", security_hub="IAM.2", cis_aws_v5="1.14"),
    remediation="Put each listed user in an IAM group that carries the permissions (or let it assume a role), then "
                "detach its managed policies (aws iam detach-user-policy) and delete its inline policies "
                "(aws iam delete-user-policy).",
    remediation_url=f"{IAM_URL}#iam-2",
    iam_actions=("iam:GetAccountAuthorizationDetails",),
))
def iam_user_no_policies_check(ctx: CheckContext) -> Result:
    """Reads every IAM user with its policies in one listing: GetAccountAuthorizationDetails with Filter User,
    1,000 users a page, each with its attached managed policies (AttachedManagedPolicies), its inline policies
    (UserPolicyList) and its tags - one or two calls for a thousand users, where asking ListAttachedUserPolicies
    and ListUserPolicies user by user takes two calls each. FAIL when a user has an attached managed policy or an
    inline policy - each named by ARN, with the policies found and its tags (for exemptions by tag). PASS when no
    user has either; NOT_APPLICABLE when the account has no IAM user; TIMEOUT ("judged N of M IAM users") when the
    audit's deadline comes before every page is read and none judged fails; ERROR when the call is refused.

    Source: AWS Config rule iam-user-no-policies-check
    (https://docs.aws.amazon.com/config/latest/developerguide/iam-user-no-policies-check.html), "NON_COMPLIANT if
    there is at least one policy that is attached to the IAM user", behind Security Hub IAM.2
    (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-2); CIS 1.15 (CIS AWS
    Foundations v3.0.0; v5.0.0 1.14, same audit); IAM API Reference, GetAccountAuthorizationDetails and UserDetail
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html).
    """
    listing = Listing(ctx, "IAM users", where="")
    for user in listing.marker_items("iam", "get_account_authorization_details", "UserDetailList", Filter=["User"]):
        attached = [p.get("PolicyName", "?") for p in user.get("AttachedManagedPolicies") or ()]
        inline = [p.get("PolicyName", "?") for p in user.get("UserPolicyList") or ()]
        listing.judged()
        why = [f"attached {_names(attached)}" if attached else "", f"inline {_names(inline)}" if inline else ""]
        if attached or inline:
            listing.fail(user["Arn"], "; ".join(w for w in why if w), user.get("Tags"))
    return listing.result(passed_message="None of the {count} IAM users has a policy of its own",
                          failing_message="have policies of their own (not through a group or role)",
                          not_applicable_message="The account has no IAM user")


def _document(version: dict[str, Any]) -> dict[str, Any]:
    document = version.get("Document") or {}
    if isinstance(document, str):  # the API's URL-encoded JSON, when not decoded by the SDK
        document = json.loads(urllib.parse.unquote(document))
    return document


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def grants_full_admin(document: dict[str, Any]) -> bool:
    """A statement with Effect Allow, Action "*" and Resource "*" (CIS 1.16's audit)."""
    return any(statement.get("Effect") == "Allow" and "*" in _as_list(statement.get("Action"))
               and "*" in _as_list(statement.get("Resource"))
               for statement in _as_list(document.get("Statement") or []) if isinstance(statement, dict))


@check(CheckMeta(
    id="iam-no-attached-admin-policies",
    title='No attached IAM policy grants full "*:*" administrative privileges',
    severity=Severity.HIGH,
    controls=Controls(cis_aws_v3="1.16", cis_aws_v5="1.15"),
    remediation="Detach each listed policy from its users, groups and roles (aws iam list-entities-for-policy, then "
                "detach-user-policy / detach-group-policy / detach-role-policy) and grant least-privilege policies "
                "instead; keep break-glass administrator access behind an exemption.",
    remediation_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    iam_actions=("iam:ListPolicies", "iam:GetPolicyVersion", "iam:ListPolicyTags"),
))
def iam_no_attached_admin_policies(ctx: CheckContext) -> Result:
    """Lists every policy attached to some user, group or role - customer managed and AWS managed alike
    (ListPolicies OnlyAttached true, Scope All, 1,000 a page) - and reads each one's default version
    (GetPolicyVersion). FAIL when a default version has a statement with "Effect": "Allow", "Action": "*" and
    "Resource": "*" (a string or a list holding "*"), whatever its conditions - each policy named by ARN, an
    attached AdministratorAccess included, with its tags (ListPolicies returns none: ListPolicyTags per failing
    customer managed policy; an AWS managed policy carries none). PASS when none does; NOT_APPLICABLE when no policy is attached;
    TIMEOUT ("judged N of M attached policies") when the deadline comes first and none judged fails; ERROR when a
    call is refused. Inline policies are not judged: CIS 1.16's audit lists attached managed policies.

    Source: CIS 1.16 (CIS AWS Foundations v3.0.0; v5.0.0 1.15, same audit: list-policies --only-attached, then
    get-policy-version of the default version); no Security Hub control in the CIS v3.0.0 standard - IAM.1
    (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-1, AWS Config
    iam-policy-no-statements-with-admin-access) judges customer managed policies only.
    """
    iam = ctx.client("iam")
    listing = Listing(ctx, "attached policies", where="")
    for policy in listing.marker_items("iam", "list_policies", "Policies", OnlyAttached=True, Scope="All"):
        if not listing.time_for_another():
            break
        version = listing.timed(iam.get_policy_version, PolicyArn=policy["Arn"],
                                VersionId=policy["DefaultVersionId"])["PolicyVersion"]
        listing.judged()
        if grants_full_admin(_document(version)):
            count = policy.get("AttachmentCount")
            aws_managed = policy["Arn"].split(":")[4] == "aws"  # arn:PARTITION:iam::aws:policy/NAME
            listing.fail(policy["Arn"], "allows * on *" + (f", attached {count} times" if count else ""),
                         {} if aws_managed else read_tags(listing, iam.list_policy_tags, PolicyArn=policy["Arn"]))
    return listing.result(passed_message="None of the {count} attached policies grants \"*:*\"",
                          failing_message='grant "Effect": "Allow", "Action": "*", "Resource": "*"',
                          not_applicable_message="No IAM policy is attached to any user, group or role")


REQUIRE_ROLE = Parameter(
    "require_role_in_profile", bool, False,
    "Also fail an instance whose instance profile holds no role (CIS v5.0.0 1.17); off: CIS v3.0.0 1.18.",
    Stricter.TRUE,
)


def _profiles_with_roles(ctx: CheckContext) -> dict[str, int]:
    """Every instance profile's ARN and how many roles it holds (ListInstanceProfiles, every page), once per audit
    (IAM is global)."""
    def fetch() -> dict[str, int]:
        found = {}
        for page in ctx.client("iam").get_paginator("list_instance_profiles").paginate():
            for profile in page.get("InstanceProfiles") or ():
                found[profile["Arn"]] = len(profile.get("Roles") or ())
        return found
    return ctx.remember(("iam", "instance_profiles"), fetch)


@check(CheckMeta(
    id="ec2-instance-profile-attached",
    title="Every running EC2 instance has an IAM instance profile",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="1.18", cis_aws_v5="1.17"),
    remediation="Attach an instance profile holding a role with the permissions the instance needs: aws ec2 "
                "associate-iam-instance-profile --instance-id ID --iam-instance-profile Name=PROFILE; remove any "
                "access keys stored on the instance.",
    remediation_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html",
    iam_actions=("ec2:DescribeInstances", "iam:ListInstanceProfiles"),
    scope=Scope.REGIONAL,
    parameters=(REQUIRE_ROLE,),
))
def ec2_instance_profile_attached(ctx: CheckContext) -> Result:
    """Lists the region's running instances (DescribeInstances, instance-state-name running, 1,000 a page). FAIL
    when a running instance has no IamInstanceProfile - each named by ARN, with its tags - and, with
    `require_role_in_profile` (CIS v5.0.0 1.17: a profile showing "No roles attached to instance profile" counts as
    no role), when its profile holds no role (ListInstanceProfiles, every page, once per audit, joined on the
    profile ARN; asked only when some instance has a profile). PASS when every running instance has one;
    NOT_APPLICABLE when the region has no running instance; TIMEOUT ("judged N of M instances") when the deadline
    cuts the listing short with nothing found; ERROR when a call is refused. Whether credentials are embedded on
    an instance (the rest of CIS's audit) no API decides.

    Source: CIS 1.18 (CIS AWS Foundations v3.0.0) "Ensure IAM instance roles are used for AWS resource access from
    instances"; v5.0.0 1.17; no Security Hub control; IAM User Guide, "Use an IAM role to grant permissions to
    applications running on Amazon EC2 instances"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html).
    """
    require_role = ctx.param(REQUIRE_ROLE.name)
    listing = Listing(ctx, "instances")
    for page in listing.pages("ec2", "describe_instances", "Reservations",
                              Filters=[{"Name": "instance-state-name", "Values": ["running"]}]):
        for reservation in page:
            for instance in reservation.get("Instances") or ():
                listing.listed += 1
                listing.judged()
                profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
                why = None
                if not profile:
                    why = "no instance profile"
                elif require_role and not _profiles_with_roles(ctx).get(profile):
                    why = f"instance profile {profile} holds no role"
                if why:
                    listing.fail(arn(ctx, "instance", instance["InstanceId"], reservation.get("OwnerId")), why,
                                 instance.get("Tags"))
    return listing.result(passed_message="All {count} running instances have an instance profile",
                          failing_message="have no usable instance profile",
                          not_applicable_message="There are no running instances")


CHECKS = (iam_user_no_policies_check, iam_no_attached_admin_policies, ec2_instance_profile_attached)
