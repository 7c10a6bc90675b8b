"""The scenarios every per-resource check (those listing through checks/_per_resource.py's `Listing`) must have
(issue 22), table-driven over the checks: one "make a failing resource (with tags)" and one "make a compliant
resource" builder per check, on moto, then the same scenarios for each.

Coverage of the seven scenarios - C compliant, F each failing condition, NA not applicable, AD AccessDenied ->
ERROR, P pagination past one page, T a deadline mid-way -> TIMEOUT "judged N of M", X a tag exemption (the
tagged failing resource EXEMPT with the exemption's reason / approver / expiry, an untagged one still FAIL).
"y": covered before, in the check's own test module (tests/unit/test_check_*.py); "y+": covered before and run
here too; "+": missing before, added here; "-": does not apply; "*": see the notes; "!": the scenario found a
defect, fixed with it.

| check id (module)                                     | C | F  | NA | AD | P   | T  | X   |
|-------------------------------------------------------|---|----|----|----|-----|----|-----|
| ec2-ami-block-public-access (ec2_guardrails)          | y | y  | -  | y+ | y   | y* | y+  |
| ec2-imdsv2-check (ec2_imdsv2)                         | y | y+ | y  | y+ | y+  | y+ | +   |
| efs-encrypted-check (efs_file_systems)                | y | y  | y  | y+ | y+  | y+ | y+  |
| iam-user-no-policies-check (iam_entities)             | y | y  | y  | y+ | y+* | y+ | +!  |
| iam-no-attached-admin-policies (iam_entities)         | y | y  | y  | y+ | y+  | y+ | +!  |
| ec2-instance-profile-attached (iam_entities)          | y | y  | y  | y+ | y+  | y+ | +   |
| cmk-backing-key-rotation-enabled (kms_keys)           | y | y  | y  | y+ | y+  | y+ | +!  |
| nacl-no-unrestricted-ssh-rdp (network_acls)           | y | y  | y  | y+ | y+  | +  | +   |
| rds-storage-encrypted (rds_instances)                 | y | y  | y  | y+ | y+  | +  | +   |
| rds-automatic-minor-version-upgrade-enabled (rds)     | y | y  | y  | y+ | +   | +  | +   |
| rds-instance-public-access-check (rds_instances)      | y | y  | y  | y+ | +   | y+ | y+  |
| rds-multi-az-support (rds_instances)                  | y | y  | y  | y+ | +   | +  | +   |
| rds-cluster-multi-az-enabled (rds_instances)          | y | y  | y  | y+ | y*  | y* | y+  |
| s3-bucket-ssl-requests-only (s3_buckets)              | y | y  | y  | y+ | y+  | y+ | +   |
| s3-bucket-level-public-access-prohibited (s3_buckets) | y | y  | y  | y+ | +   | +  | +   |
| s3-bucket-public-read-prohibited (s3_buckets)         | y | y  | y  | y+ | +   | +  | y+* |
| s3-bucket-public-write-prohibited (s3_buckets)        | y | y  | y  | y+ | +   | +  | +   |
| s3-bucket-mfa-delete-enabled (s3_buckets)             | y | y  | y  | y+ | +   | y+ | +   |
| vpc-sg-port-restriction-check (security_groups)       | y | y  | +  | y+ | y+  | y+ | +   |
| restricted-ssh (security_groups)                      | y | y  | +  | +  | +   | +  | +   |
| restricted-common-ports (security_groups)             | y | y  | +  | +  | +   | +  | +   |
| vpc-flow-logs-enabled (vpc_flow_logs)                 | y | y  | y  | y+ | y+  | y+ | +   |

Notes. AD: the modules' own AccessDenied tests that were exact duplicates of this one (the same listing call
refused with the same error, through the runner) were removed from them: efs-encrypted-check, the five RDS checks,
vpc-sg-port-restriction-check and nacl-no-unrestricted-ssh-rdp (whose own test asserted only the status); the
others refuse a different call or another account state, and stay. Before, some checks were refused only on a later
call (S3's per-bucket calls, DescribeFlowLogs); here the listing call itself is refused for every check. T for the
AMI check: its TIMEOUT counts the DescribeImages pages answered instead (every AMI it lists is public, so fails:
"judged N of M" would always say 0 of 0), tested in test_check_ec2_account_defaults.py with a stubbed empty page.
The AMI check lists no compliant resource and moto cannot make a Multi-AZ cluster (a compliant one), so those two
keep P and T in their own modules. P for IAM users: the old test never paged - moto answers the user listing (now
GetAccountAuthorizationDetails) in one piece whatever MaxItems says; sim/moto_gaps.py pages it as AWS does. X for s3-bucket-public-read-prohibited: only the
tagged bucket was tested, not an untagged one still failing. F for ec2-imdsv2-check: metadata options not yet
applied (State pending) was untested. "!": ListUsers, ListPolicies and ListKeys return no tags, so these checks
named their failing resources without tags and no tag exemption could cover them; they now read each failing
resource's tags (ListPolicyTags for a customer managed policy; ListResourceTags; the IAM users check now lists
users with GetAccountAuthorizationDetails, whose UserDetail carries the tags), and a refused tag read leaves the
FAIL standing (`tags_unreadable` in the evidence).
"""
from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

import boto3
import pytest

from checks import (_per_resource, ec2_guardrails, ec2_imdsv2, efs_file_systems, iam_entities, kms_keys, network_acls,
                    rds_instances, s3_buckets, security_groups, vpc_flow_logs)
from preflight.aws.access import AwsAccess, new_session
from preflight.concurrency import Deadline
from preflight.context import CheckContext
from preflight.model import Check, Exemption, Status
from preflight.policy import Policy, Selection
from preflight.runner import Runner
from sim import stubs
from sim.account import (add_flow_logs, close_admin_ports_in_network_acls, create_bucket, create_db_cluster,
                         create_db_instance, create_file_system, create_image, create_kms_key, harden_bucket,
                         run_instance)
from sim.cloudformation import ACCOUNT_ID, REGION
from tests.support.data_stores import slow_calls
from tests.support.sessions import shared_session

Tags = dict[str, str]
EXEMPT_TAG = ("risk-acceptance", "RA-1234")
READ_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
ADMIN_DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def ec2():
    return boto3.client("ec2", region_name=REGION)


def tag_list(tags: Tags) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def tag_spec(kind: str, tags: Tags) -> dict[str, Any]:
    return {"TagSpecifications": [{"ResourceType": kind, "Tags": tag_list(tags)}]} if tags else {}


@dataclass(frozen=True)
class Case:
    check: Check
    failing: Callable[[int, Tags], str]  # makes failing resource i with these tags; its ARN
    compliant: Callable[[int], Any] | None  # makes compliant resource i (None: moto cannot, see the notes above)
    listing: tuple[str, str]  # the (service, Operation) that lists the resources
    paged_by: Any  # the module whose PAGE_SIZE sets the listing's page size
    noun: str  # the listing's plural, as "judged N of M <noun>" says it
    setup: Callable[[], None] = lambda: None  # the region's own resources (default VPC, ACL, group) made compliant
    page_size: int = 2  # the smallest the listing accepts (EC2's Describe* calls: 5)

    def __str__(self) -> str:
        return self.check.id


# --- one failing / one compliant resource per check --------------------------------------------------------

def security_group(name: str, port: int, tags: Tags | None = None) -> str:
    vpc = ec2().describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2().create_security_group(GroupName=name, Description=name, VpcId=vpc,
                                        **tag_spec("security-group", tags or {}))["GroupId"]
    ec2().authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group/{group}"


def network_acl(name: str, source: str, tags: Tags | None = None) -> str:
    vpc = ec2().describe_vpcs()["Vpcs"][0]["VpcId"]
    acl = ec2().create_network_acl(VpcId=vpc, **tag_spec("network-acl", tags or {}))["NetworkAcl"]["NetworkAclId"]
    ec2().create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
                                   CidrBlock=source, PortRange={"From": 22, "To": 22})
    return f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:network-acl/{acl}"


def vpc(i: int, tags: Tags | None = None, flow_log: bool = False) -> str:
    vpc_id = ec2().create_vpc(CidrBlock=f"10.{i + 1}.0.0/16", **tag_spec("vpc", tags or {}))["Vpc"]["VpcId"]
    if flow_log:
        ec2().create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="REJECT",
                               LogDestinationType="cloud-watch-logs", LogGroupName=f"flow-{i}",
                               DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT_ID}:role/flow-logs")
    return f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:vpc/{vpc_id}"


def instance(tags: Tags | None = None, tokens: str = "required") -> str:
    instance_id = ec2().run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, **tag_spec("instance", tags or {}),
        MetadataOptions={"HttpTokens": tokens, "HttpEndpoint": "enabled"})["Instances"][0]["InstanceId"]
    return f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:instance/{instance_id}"


def iam_user(name: str, tags: Tags | None = None, inline: bool = False) -> str:
    iam = boto3.client("iam")
    arn = iam.create_user(UserName=name, **({"Tags": tag_list(tags)} if tags else {}))["User"]["Arn"]
    if inline:
        iam.put_user_policy(UserName=name, PolicyName=f"{name}-inline", PolicyDocument=json.dumps(READ_DOC))
    return arn


def attached_policy(name: str, document: dict, tags: Tags | None = None) -> str:
    iam = boto3.client("iam")
    arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document),
                            **({"Tags": tag_list(tags)} if tags else {}))["Policy"]["Arn"]
    iam.create_user(UserName=f"{name}-user")
    iam.attach_user_policy(UserName=f"{name}-user", PolicyArn=arn)
    return arn


def bucket(name: str, tags: Tags | None = None, *, hardened: bool = False, public: str | None = None) -> str:
    create_bucket(name)
    s3 = boto3.client("s3")
    if hardened:
        harden_bucket(name)
    if public:
        action = "s3:GetObject" if public == "read" else "s3:PutObject"
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": f"arn:aws:s3:::{name}/*"}]}))
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
    return f"arn:aws:s3:::{name}"


def rds_case(check: Check, **deviation: bool) -> Case:
    return Case(check, lambda i, tags: create_db_instance(f"zz-bad-{i}", tags=tags, **deviation),
                lambda i: create_db_instance(f"ok-{i}"), ("rds", "DescribeDBInstances"), rds_instances,
                "DB instances")


def s3_case(check: Check, **failing: Any) -> Case:
    return Case(check, lambda i, tags: bucket(f"zz-bad-{i}", tags, **failing),
                lambda i: bucket(f"ok-{i}", hardened=True), ("s3", "ListBuckets"), s3_buckets, "buckets")


SG_PORTS, SSH, CIFS = security_groups.CHECKS
USERS, ADMIN, PROFILES = iam_entities.CHECKS
ENCRYPTED, MINOR, PUBLIC, MULTI_AZ, CLUSTER = rds_instances.CHECKS
SSL, BUCKET_BPA, PUBLIC_READ, PUBLIC_WRITE, MFA_DELETE = s3_buckets.CHECKS
KMS, = kms_keys.CHECKS

CASES = [
    Case(ec2_guardrails.ec2_ami_block_public_access, lambda i, tags: create_image(f"bad-{i}", public=True, tags=tags),
         None, ("ec2", "DescribeImages"), _per_resource, "public AMIs"),
    Case(ec2_imdsv2.ec2_imdsv2_check, lambda i, tags: instance(tags, tokens="optional"), lambda i: instance(),
         ("ec2", "DescribeInstances"), _per_resource, "instances"),
    Case(efs_file_systems.efs_encrypted_check,
         lambda i, tags: create_file_system(f"bad-{i}", encrypted=False, tags=tags),
         lambda i: create_file_system(f"ok-{i}"), ("efs", "DescribeFileSystems"), efs_file_systems, "file systems"),
    Case(USERS, lambda i, tags: iam_user(f"zz-bad-{i}", tags, inline=True), lambda i: iam_user(f"ok-{i}"),
         ("iam", "GetAccountAuthorizationDetails"), _per_resource, "IAM users"),
    Case(ADMIN, lambda i, tags: attached_policy(f"zz-admin-{i}", ADMIN_DOC, tags),
         lambda i: attached_policy(f"read-{i}", READ_DOC), ("iam", "ListPolicies"), _per_resource, "attached policies"),
    Case(PROFILES, lambda i, tags: instance(tags), lambda i: run_instance(profile_role="app"),
         ("ec2", "DescribeInstances"), _per_resource, "instances"),
    Case(KMS, lambda i, tags: create_kms_key(rotation=False, tags=tags), lambda i: create_kms_key(),
         ("kms", "ListKeys"), kms_keys, "keys"),
    Case(network_acls.nacl_no_unrestricted_ssh_rdp, lambda i, tags: network_acl(f"bad-{i}", "0.0.0.0/0", tags),
         lambda i: network_acl(f"ok-{i}", "10.0.0.0/8"), ("ec2", "DescribeNetworkAcls"), _per_resource,
         "network ACLs", page_size=5, setup=lambda: close_admin_ports_in_network_acls(REGION)),
    rds_case(ENCRYPTED, encrypted=False), rds_case(MINOR, minor_upgrades=False), rds_case(PUBLIC, public=True),
    rds_case(MULTI_AZ, multi_az=False),
    Case(CLUSTER, lambda i, tags: create_db_cluster(f"bad-{i}", tags=tags), None, ("rds", "DescribeDBClusters"),
         rds_instances, "DB clusters"),
    s3_case(SSL), s3_case(BUCKET_BPA), s3_case(PUBLIC_READ, public="read"), s3_case(PUBLIC_WRITE, public="write"),
    s3_case(MFA_DELETE),
    *(Case(check, lambda i, tags, port=port: security_group(f"zz-bad-{i}", port, tags),
           lambda i: security_group(f"ok-{i}", 443), ("ec2", "DescribeSecurityGroups"), _per_resource,
           "security groups", page_size=5) for check, port in ((SG_PORTS, 3389), (SSH, 22), (CIFS, 445))),
    Case(vpc_flow_logs.vpc_flow_logs_enabled, lambda i, tags: vpc(i, tags), lambda i: vpc(50 + i, flow_log=True),
         ("ec2", "DescribeVpcs"), _per_resource, "VPCs", page_size=5, setup=lambda: add_flow_logs(REGION)),
]
LISTED = [case for case in CASES if case.compliant is not None]  # P and T: compliant resources to list past


CASE = {case.check.id: case for case in CASES}


def test_the_table_covers_every_check_that_lists_through_listing():
    """Every check of a module that uses Listing (ec2_guardrails: only its AMI check lists resources)."""
    import ast
    import importlib
    import pathlib

    def uses_listing(path: pathlib.Path) -> bool:
        return path.stem != "_per_resource" and any(
            getattr(node, "id", None) == "Listing" for node in ast.walk(ast.parse(path.read_text())))

    modules = [p.stem for p in sorted(pathlib.Path(_per_resource.__file__).parent.glob("*.py")) if uses_listing(p)]
    ids = {check.id for module in modules for check in importlib.import_module(f"checks.{module}").CHECKS}
    ids -= {ec2_guardrails.ebs_snapshot_block_public_access.id, ec2_guardrails.ec2_instance_metadata_defaults_imdsv2.id}
    assert set(CASE) == ids


# --- running one check ---------------------------------------------------------------------------------------

def context(case: Case, session, deadline: Deadline | None = None) -> CheckContext:
    aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
    return CheckContext(aws, REGION, Selection.of(case.check).parameters, home_region=REGION,
                        deadline=deadline)


def audit(case: Case, *exemptions: Exemption, session=None):
    policy = Policy((Selection.of(case.check),), exemptions=exemptions)
    aws = AwsAccess(session or shared_session(), region=REGION, account_id=ACCOUNT_ID)
    findings, _ = Runner().run(policy, aws, Deadline.after(20))
    [finding] = policy.exempt(findings, today=datetime.date(2030, 1, 1))
    return finding


# --- the scenarios ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_listing_refused_is_an_error(case):
    code = "AccessDeniedException" if case.listing[0] == "kms" else "AccessDenied"
    finding = audit(case, session=stubs.answering({case.listing: stubs.error(code, "not authorized", 403)}))
    assert (finding.status, finding.error_code) == (Status.ERROR, code)


@pytest.mark.parametrize("case", LISTED, ids=str)
def test_a_failing_resource_on_a_later_page_is_found(monkeypatch, case):
    monkeypatch.setattr(case.paged_by, "PAGE_SIZE", case.page_size)
    case.setup()
    for i in range(case.page_size + 1):
        case.compliant(i)
    bad = case.failing(0, {})
    session, pages = new_session(region_name=REGION), []
    session.events.register(f"after-call.{case.listing[0]}.{case.listing[1]}", lambda **_: pages.append(1))
    result = case.check.run(context(case, session))
    assert result.status is Status.FAIL and result.resources == (bad,), result.message
    assert len(pages) >= 2 and result.evidence["judged"] >= case.page_size + 2 and result.evidence["complete"] is True


@pytest.mark.parametrize("case", LISTED, ids=str)
def test_a_deadline_after_the_first_page_is_a_timeout_saying_how_much_was_judged(monkeypatch, case):
    monkeypatch.setattr(case.paged_by, "PAGE_SIZE", case.page_size)
    case.setup()
    for i in range(case.page_size + 1):
        case.compliant(i)
    session, clock = new_session(region_name=REGION), [0.0]
    slow_calls(session, *case.listing, 1, clock)  # the first page's answer takes the clock past the deadline
    result = case.check.run(context(case, session, Deadline(50.0, lambda: clock[0])))
    assert result.status is Status.TIMEOUT, result.message
    assert re.search(rf"judged \d+ of \d+\+ {case.noun}", result.message), result.message
    assert "not a PASS" in result.message and result.evidence["complete"] is False


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_tag_exemption_covers_the_tagged_failing_resource_and_not_an_untagged_one(case):
    case.setup()
    tagged = case.failing(0, {EXEMPT_TAG[0]: EXEMPT_TAG[1], "owner": "team-a"})
    exemption = Exemption(case.check.id, "accepted until the migration", "secops@example.com",
                          datetime.date(2031, 6, 30), tag=EXEMPT_TAG)
    finding = audit(case, exemption)
    assert finding.status is Status.EXEMPT, finding.message
    assert finding.exemption.exemption == exemption and finding.exemption.applied
    assert finding.exemption.text == ("exempt until 2031-06-30 (accepted until the migration; "
                                      "approved by secops@example.com)")
    untagged = case.failing(1, {})
    finding = audit(case, exemption)
    assert finding.status is Status.FAIL and set(finding.resources) == {tagged, untagged}
    assert set(finding.resource_exemptions) == {tagged}  # Security Hub hears which one is exempt


# --- gaps of single checks -------------------------------------------------------------------------------------

@pytest.mark.parametrize("check", security_groups.CHECKS, ids=lambda c: c.id)
def test_a_region_without_security_groups_is_not_applicable(check):
    session = stubs.answering({("ec2", "DescribeSecurityGroups"): {"SecurityGroups": []}})
    result = check.run(context(CASE[check.id], session))
    assert result.status is Status.NOT_APPLICABLE and "There are no security groups" in result.message


def test_an_instance_whose_metadata_options_are_not_yet_applied_fails():
    session = stubs.answering({("ec2", "DescribeInstances"): {"Reservations": [{"OwnerId": ACCOUNT_ID, "Instances": [
        {"InstanceId": "i-1", "State": {"Name": "running"},
         "MetadataOptions": {"HttpTokens": "required", "State": "pending"}}]}]}})
    result = ec2_imdsv2.ec2_imdsv2_check.run(context(CASE["ec2-imdsv2-check"], session))
    assert result.status is Status.FAIL and "metadata options pending, not yet applied" in result.message


@pytest.mark.parametrize("case, operation", [(CASE[ADMIN.id], "ListPolicyTags"), (CASE[KMS.id], "ListResourceTags")],
                         ids=str)
def test_a_failing_resources_tags_refused_leave_the_fail_standing(case, operation):
    case.failing(0, {EXEMPT_TAG[0]: EXEMPT_TAG[1]})
    code = "AccessDeniedException" if case.listing[0] == "kms" else "AccessDenied"
    session = stubs.answering({(case.listing[0], operation): stubs.error(code, "not authorized", 403)})
    finding = audit(case, Exemption(case.check.id, "r", "secops", datetime.date(2031, 1, 1), tag=EXEMPT_TAG),
                    session=session)
    assert finding.status is Status.FAIL and finding.evidence["tags_unreadable"] == code


def test_an_aws_managed_admin_policy_is_named_without_asking_for_its_tags():
    from sim.account import attach_managed_policy, ensure_aws_managed_policy

    policy = ensure_aws_managed_policy("AdministratorAccess")
    attach_managed_policy("user", "breakglass", "AdministratorAccess")
    session, calls = new_session(region_name=REGION), []
    session.events.register("before-call.iam.ListPolicyTags", lambda **_: calls.append(1))
    result = ADMIN.run(context(CASE[ADMIN.id], session))
    assert result.status is Status.FAIL and result.resource_tags == {policy: {}} and not calls
