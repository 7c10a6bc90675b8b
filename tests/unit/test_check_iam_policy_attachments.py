"""AWS managed policies CIS judges by their attachments: a support role (AWSSupportAccess, CIS 1.17, IAM.18)
and nobody with AWSCloudShellFullAccess (CIS 1.22, IAM.27) - every page of ListEntitiesForPolicy."""
from __future__ import annotations

import pytest

from checks import iam_policy_attachments
from preflight.aws.access import AwsAccess
from preflight.concurrency import Deadline
from preflight.model import Status
from preflight.policy import Policy, Selection
from preflight.runner import Runner
from sim.account import attach_managed_policy
from sim.cloudformation import ACCOUNT_ID, REGION
from sim.stubs import answering, error, paged

SUPPORT, CLOUDSHELL = iam_policy_attachments.CHECKS
EMPTY_PAGE = {"PolicyUsers": [], "PolicyGroups": [], "PolicyRoles": []}


def finding(check, session):
    aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
    [found], _ = Runner().run(Policy((Selection.of(check),)), aws, Deadline.after(10), REGION)
    return found


def iam_arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}"


# --- iam-support-role-exists ---

def test_no_support_role_fails(run_check):
    result = run_check(SUPPORT)
    assert result.status is Status.FAIL
    assert result.message.startswith("No IAM role has the AWSSupportAccess policy attached")
    assert result.evidence["policy_arn"] == "arn:aws:iam::aws:policy/AWSSupportAccess"


def test_a_role_with_aws_support_access_passes(run_check):
    attach_managed_policy("role", "support", "AWSSupportAccess")
    result = run_check(SUPPORT)
    assert result.status is Status.PASS
    assert result.message == f"AWSSupportAccess is attached to 1 roles: {iam_arn('role', 'support')}."


def test_a_user_or_group_with_the_policy_is_not_a_support_role(run_check):
    # IAM.18 (policyUsageType ANY) would pass these; CIS 1.17 asks for a role.
    attach_managed_policy("user", "helpdesk", "AWSSupportAccess")
    attach_managed_policy("group", "helpdesk-group", "AWSSupportAccess")
    assert run_check(SUPPORT).status is Status.FAIL


def test_the_support_role_is_found_on_a_later_page(run_check):
    markers: list = []
    session = paged("iam", "ListEntitiesForPolicy", [
        EMPTY_PAGE, EMPTY_PAGE, {**EMPTY_PAGE, "PolicyRoles": [{"RoleName": "support", "RoleId": "AROA1"}]}],
        markers_seen=markers)
    result = run_check(SUPPORT, session=session)
    assert result.status is Status.PASS and markers == [None, "page-1", "page-2"]


def test_the_support_role_is_looked_for_among_roles_only():
    seen = []

    def answer(model, params, **_):
        if model.name == "ListEntitiesForPolicy":
            seen.append(params["body"])
    session = answering({})
    session.events.register_first("before-call.iam.*", answer)
    finding(SUPPORT, session)
    assert seen[0]["EntityFilter"] == "Role" and seen[0]["PolicyArn"].endswith(":policy/AWSSupportAccess")


# --- iam-cloudshell-full-access-restricted ---

def test_cloudshell_full_access_attached_to_nobody_passes(run_check):
    result = run_check(CLOUDSHELL)
    assert (result.status, result.message) == (Status.PASS, "AWSCloudShellFullAccess is attached to no IAM user, "
                                                            "group or role.")


def test_cloudshell_full_access_on_a_user_group_and_role_fails_naming_each(run_check):
    for kind in ("user", "group", "role"):
        attach_managed_policy(kind, f"shell-{kind}", "AWSCloudShellFullAccess")
    result = run_check(CLOUDSHELL)
    assert result.status is Status.FAIL
    expected = (iam_arn("user", "shell-user"), iam_arn("group", "shell-group"), iam_arn("role", "shell-role"))
    assert result.resources == expected
    assert result.message == f"AWSCloudShellFullAccess is attached to 3 IAM identities: {', '.join(expected)}."
    assert {i["kind"] for i in result.evidence["attached_to"]["items"]} == {"user", "group", "role"}


def test_cloudshell_attachments_on_every_page_count(run_check):
    session = paged("iam", "ListEntitiesForPolicy", [
        {**EMPTY_PAGE, "PolicyUsers": [{"UserName": "u1", "UserId": "AIDA1"}]},
        {**EMPTY_PAGE, "PolicyRoles": [{"RoleName": "r1", "RoleId": "AROA1"}]}])
    result = run_check(CLOUDSHELL, session=session)
    assert result.resources == (iam_arn("user", "u1"), iam_arn("role", "r1"))


@pytest.mark.parametrize("check", iam_policy_attachments.CHECKS, ids=lambda c: c.id)
def test_access_denied_is_an_error_not_a_verdict(check):
    session = answering({("iam", "ListEntitiesForPolicy"): error(
        "AccessDenied", "User is not authorized to perform: iam:ListEntitiesForPolicy", 403)})
    found = finding(check, session)
    assert (found.status, found.error_code) == (Status.ERROR, "AccessDenied")
