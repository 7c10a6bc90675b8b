"""Per-resource identity checks: IAM users without policies of their own (CIS 1.15, IAM.2), no attached "*:*"
policy (CIS 1.16), running instances with an instance profile (CIS 1.18; v5.0.0 1.17 also wants a role in it)."""
import json

import pytest

from checks import _per_resource, iam_entities
from preflight.aws.access import new_session
from preflight.concurrency import Deadline
from preflight.model import Status
from sim import stubs
from sim.account import ensure_aws_managed_policy, run_instance
from sim.cloudformation import ACCOUNT_ID
from tests.support.network import context, run_audit

USERS, ADMIN, PROFILES = iam_entities.CHECKS
ADMIN_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}


def iam():
    import boto3
    return boto3.client("iam")


def user(name, managed=None, inline=None):
    iam().create_user(UserName=name)
    if managed:
        arn = iam().create_policy(PolicyName=f"{name}-managed", PolicyDocument=json.dumps(managed))["Policy"]["Arn"]
        iam().attach_user_policy(UserName=name, PolicyArn=arn)
    if inline:
        iam().put_user_policy(UserName=name, PolicyName=f"{name}-inline", PolicyDocument=json.dumps(inline))
    return f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"


def slow(session, operation, after, clock, service="iam"):
    answered = []

    def tick(**_):
        answered.append(1)
        if len(answered) >= after:
            clock[0] += 100

    session.events.register(f"after-call.{service}.{operation}", tick)


def denied(service, operation):
    return stubs.answering({(service, operation): stubs.error("AccessDenied", "not authorized", 403)})


# --- iam-user-no-policies-check ---------------------------------------------------------------------------

def test_users_without_policies_of_their_own_pass(run_check):
    user("alice")
    iam().create_group(GroupName="devs")
    iam().add_user_to_group(GroupName="devs", UserName="alice")
    result = run_check(USERS)
    assert result.status is Status.PASS and result.message == "None of the 1 IAM users has a policy of its own."


def test_no_users_is_not_applicable(run_check):
    assert run_check(USERS).status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(("kind", "why"), [({"managed": READ_DOC}, "attached bob-managed"),
                                           ({"inline": READ_DOC}, "inline bob-inline")], ids=str)
def test_an_attached_or_inline_user_policy_fails(run_check, kind, why):
    user("alice")
    bad = user("bob", **kind)
    result = run_check(USERS)
    assert result.status is Status.FAIL and result.resources == (bad,)
    assert result.evidence["failing"] == [{"arn": bad, "why": why}]
    assert "1 of 2 IAM users" in result.message and " in us-east-1" not in result.message


def test_users_are_listed_past_one_page(monkeypatch, run_check):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 2)
    for i in range(4):
        user(f"u{i}")
    bad = user("zed", inline=READ_DOC)
    result = run_check(USERS)
    assert result.status is Status.FAIL and result.resources == (bad,) and result.evidence["judged"] == 5


def test_a_deadline_mid_way_is_a_timeout_saying_how_much_was_judged(monkeypatch):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 2)
    for i in range(4):
        user(f"u{i}")
    session, clock = new_session(), [0.0]
    slow(session, "GetAccountAuthorizationDetails", 1, clock)
    result = USERS.run(context(session, Deadline(50.0, lambda: clock[0])))
    assert result.status is Status.TIMEOUT and "judged 2 of 2+ IAM users" in result.message


def test_users_and_their_policies_come_in_one_call_not_two_a_user():
    for i in range(30):
        user(f"u{i}", inline=READ_DOC if i == 7 else None)
    session, calls = new_session(), []
    session.events.register("before-call.iam.*", lambda model, **_: calls.append(model.name))
    result = USERS.run(context(session))
    assert result.status is Status.FAIL and result.evidence["judged"] == 30
    assert calls == ["GetAccountAuthorizationDetails"]


@pytest.mark.parametrize("operation", ["GetAccountAuthorizationDetails"])
def test_a_refused_call_is_an_error(operation):
    user("alice")
    [finding] = run_audit([USERS], session=denied("iam", operation))
    assert (finding.status, finding.error_code) == (Status.ERROR, "AccessDenied")


def test_an_arn_exemption_makes_the_user_exempt():
    bad = user("legacy", managed=READ_DOC)
    [finding] = run_audit([USERS], exemption=bad)
    assert finding.status is Status.EXEMPT
    user("other", inline=READ_DOC)
    [finding] = run_audit([USERS], exemption=bad)
    assert finding.status is Status.FAIL


# --- iam-no-attached-admin-policies -----------------------------------------------------------------------

def test_attached_policies_without_full_admin_pass_and_unattached_admin_is_ignored(run_check):
    user("alice", managed=READ_DOC)
    iam().create_policy(PolicyName="unused-admin", PolicyDocument=json.dumps(ADMIN_DOC))
    result = run_check(ADMIN)
    assert result.status is Status.PASS, result.message


def test_no_attached_policy_is_not_applicable(run_check):
    assert run_check(ADMIN).status is Status.NOT_APPLICABLE


def test_an_attached_customer_admin_policy_fails(run_check):
    user("alice", managed=ADMIN_DOC)
    result = run_check(ADMIN)
    assert result.status is Status.FAIL
    assert result.resources == (f"arn:aws:iam::{ACCOUNT_ID}:policy/alice-managed",)


def test_an_attached_aws_managed_administrator_access_fails(run_check):
    arn = ensure_aws_managed_policy("AdministratorAccess")
    iam().create_group(GroupName="admins")
    iam().attach_group_policy(GroupName="admins", PolicyArn=arn)
    result = run_check(ADMIN)
    assert result.status is Status.FAIL and result.resources == (arn,)


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": ["*"]},
    {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
], ids=["lists", "conditioned"])
def test_full_admin_in_lists_or_under_conditions_fails(run_check, statement):
    user("alice", managed={"Version": "2012-10-17", "Statement": [statement]})
    assert run_check(ADMIN).status is Status.FAIL


@pytest.mark.parametrize("statement", [
    {"Effect": "Deny", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket/*"},
    {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
], ids=["deny", "one-resource", "one-service"])
def test_narrower_statements_pass(run_check, statement):
    user("alice", managed={"Version": "2012-10-17", "Statement": [statement]})
    assert run_check(ADMIN).status is Status.PASS


def test_the_default_version_is_the_one_judged(run_check):
    user("alice", managed=READ_DOC)
    arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/alice-managed"
    iam().create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(ADMIN_DOC), SetAsDefault=False)
    assert run_check(ADMIN).status is Status.PASS
    iam().set_default_policy_version(PolicyArn=arn, VersionId="v2")
    assert run_check(ADMIN).status is Status.FAIL


def test_policies_are_listed_past_one_page(monkeypatch, run_check):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 2)
    for i in range(4):
        user(f"u{i}", managed=READ_DOC)
    user("zed", managed=ADMIN_DOC)
    result = run_check(ADMIN)
    assert result.status is Status.FAIL and result.evidence["judged"] == 5


def test_a_deadline_mid_way_through_the_policies_is_a_timeout():
    for i in range(4):
        user(f"u{i}", managed=READ_DOC)
    session, clock = new_session(), [0.0]
    slow(session, "GetPolicyVersion", 3, clock)
    result = ADMIN.run(context(session, Deadline(50.0, lambda: clock[0])))
    assert result.status is Status.TIMEOUT and "judged 3 of 4 attached policies" in result.message


@pytest.mark.parametrize("operation", ["ListPolicies", "GetPolicyVersion"])
def test_a_refused_policy_call_is_an_error(operation):
    user("alice", managed=READ_DOC)
    [finding] = run_audit([ADMIN], session=denied("iam", operation))
    assert (finding.status, finding.error_code) == (Status.ERROR, "AccessDenied")


def test_an_exempted_admin_policy_is_exempt():
    user("breakglass", managed=ADMIN_DOC)
    [finding] = run_audit([ADMIN], exemption=f"arn:aws:iam::{ACCOUNT_ID}:policy/breakglass-managed")
    assert finding.status is Status.EXEMPT


# --- ec2-instance-profile-attached ------------------------------------------------------------------------

def test_running_instances_with_profiles_pass_and_stopped_ones_are_ignored(run_check):
    run_instance(profile_role="app")
    import boto3
    boto3.client("ec2").stop_instances(InstanceIds=[run_instance()])
    result = run_check(PROFILES)
    assert result.status is Status.PASS and result.evidence["judged"] == 1


def test_no_running_instance_is_not_applicable(run_check):
    assert run_check(PROFILES).status is Status.NOT_APPLICABLE


def test_an_instance_without_a_profile_fails_naming_it(run_check):
    run_instance(profile_role="app")
    bare = run_instance()
    result = run_check(PROFILES)
    assert result.status is Status.FAIL
    assert result.resources == (f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/{bare}",)
    assert result.evidence["failing"][0]["why"] == "no instance profile"


def test_a_profile_without_a_role_fails_only_under_the_v5_parameter(run_check):
    run_instance(profile="empty-profile")
    assert run_check(PROFILES).status is Status.PASS
    result = run_check(PROFILES, require_role_in_profile=True)
    assert result.status is Status.FAIL and "holds no role" in result.message
    run_instance(profile_role="app")
    assert len(run_check(PROFILES, require_role_in_profile=True).resources) == 1


def test_instances_are_listed_past_one_page(monkeypatch, run_check):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 2)
    for _ in range(4):
        run_instance(profile_role="app")
    run_instance()
    result = run_check(PROFILES)
    assert result.status is Status.FAIL and result.evidence["judged"] == 5


def test_a_deadline_mid_listing_is_a_timeout(monkeypatch):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 2)
    for _ in range(5):
        run_instance(profile_role="app")
    session, clock = new_session(), [0.0]
    slow(session, "DescribeInstances", 1, clock, service="ec2")
    result = PROFILES.run(context(session, Deadline(50.0, lambda: clock[0]), require_role_in_profile=False))
    assert result.status is Status.TIMEOUT and "judged 2 of 2+ instances" in result.message


@pytest.mark.parametrize(("service", "operation"), [("ec2", "DescribeInstances"), ("iam", "ListInstanceProfiles")])
def test_a_refused_instance_call_is_an_error(service, operation):
    from preflight.model import Exemption  # noqa: F401  (the runner path)
    from preflight.policy import Policy, Selection
    from preflight.runner import Runner
    from preflight.aws.access import AwsAccess
    from sim.cloudformation import REGION

    run_instance(profile="empty-profile")
    policy = Policy((Selection.of(PROFILES, {"require_role_in_profile": True}),))
    aws = AwsAccess(denied(service, operation), region=REGION, account_id=ACCOUNT_ID)
    [finding], _ = Runner().run(policy, aws, Deadline.after(20))
    assert (finding.status, finding.error_code) == (Status.ERROR, "AccessDenied")


def test_an_exempted_instance_is_exempt():
    bare = run_instance()
    [finding] = run_audit([PROFILES], exemption=f"arn:aws:ec2:*:*:instance/{bare}")
    assert finding.status is Status.EXEMPT
