"""Per-resource network checks: network ACLs (CIS 5.1), VPC flow logs (CIS 3.7), IMDSv2 (CIS 5.6); and the
regional guardrail EBS snapshot Block Public Access (EC2.182)."""
import pytest

from checks import _per_resource, ec2_guardrails, ec2_imdsv2, network_acls, security_groups, vpc_flow_logs
from preflight.aws.access import new_session
from preflight.concurrency import Deadline
from preflight.context import CheckContext
from preflight.model import Status
from sim import ec2_account_settings, stubs
from sim.account import add_flow_logs, close_admin_ports_in_network_acls, make_region_compliant
from sim.cloudformation import ACCOUNT_ID, REGION
from tests.support.network import context, ec2, run_audit, slow_listing

NACL, = network_acls.CHECKS
FLOW_LOGS, = vpc_flow_logs.CHECKS
IMDS, = ec2_imdsv2.CHECKS


# --- network ACLs ----------------------------------------------------------------------------------------

def acl_with(*entries):
    vpc = ec2().describe_vpcs()["Vpcs"][0]["VpcId"]
    acl = ec2().create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for number, protocol, action, cidr, ports in entries:
        source = {"Ipv6CidrBlock": cidr} if ":" in cidr else {"CidrBlock": cidr}
        ec2().create_network_acl_entry(NetworkAclId=acl, RuleNumber=number, Protocol=protocol, RuleAction=action,
                                       Egress=False, **source, **({"PortRange": dict(zip(("From", "To"), ports))}
                                                                  if ports else {}))
    return acl


def test_the_default_acl_allowing_everything_fails_and_denies_first_pass(run_check):
    result = run_check(NACL)
    assert result.status is Status.FAIL and "rule 100 allows tcp 22, tcp 3389, udp 22, udp 3389 from 0.0.0.0/0" in result.message
    close_admin_ports_in_network_acls(REGION)
    assert run_check(NACL).status is Status.PASS


def test_as_security_hub_ec2_21_does_the_default_acl_can_be_left_out(run_check):
    """CIS judges every network ACL; EC2.21 "doesn't generate findings for a default network ACL"."""
    skipped = run_check(NACL, skip_default_acls=True)
    assert skipped.status is Status.NOT_APPLICABLE and "but default ones, left out" in skipped.message
    assert skipped.evidence["default_acls_skipped"] == 1
    acl = acl_with((100, "6", "allow", "0.0.0.0/0", (22, 22)))
    result = run_check(NACL, skip_default_acls=True)
    assert result.status is Status.FAIL and result.resources == (f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:network-acl/{acl}",)


@pytest.mark.parametrize("entry, why", [
    ((100, "6", "allow", "0.0.0.0/0", (22, 22)), "rule 100 allows tcp 22 from 0.0.0.0/0"),
    ((100, "17", "allow", "0.0.0.0/0", (3000, 4000)), "rule 100 allows udp 3389 from 0.0.0.0/0"),
    ((100, "-1", "allow", "::/0", None), "rule 100 allows tcp 22, tcp 3389, udp 22, udp 3389 from ::/0"),
])
def test_each_internet_allow_to_admin_ports_fails(run_check, entry, why):
    close_admin_ports_in_network_acls(REGION)  # the default ACL: denies first
    acl = acl_with(entry)
    result = run_check(NACL)
    assert result.status is Status.FAIL and why in result.message
    assert result.resources == (f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:network-acl/{acl}",)


def test_a_lower_numbered_deny_shadows_a_later_allow_but_a_narrower_deny_does_not(run_check):
    close_admin_ports_in_network_acls(REGION)
    acl_with((10, "6", "deny", "0.0.0.0/0", (0, 65535)), (20, "6", "allow", "0.0.0.0/0", (22, 22)))
    assert run_check(NACL).status is Status.PASS
    acl_with((10, "6", "deny", "10.0.0.0/8", (22, 22)), (20, "6", "allow", "0.0.0.0/0", (22, 22)))
    assert run_check(NACL).status is Status.FAIL


def test_network_acls_page_past_one_page(monkeypatch, run_check):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 5)
    close_admin_ports_in_network_acls(REGION)
    for _ in range(6):
        acl_with((100, "6", "allow", "10.0.0.0/8", (22, 22)))
    acl_with((100, "6", "allow", "0.0.0.0/0", (22, 22)))
    result = run_check(NACL)
    assert result.status is Status.FAIL and result.evidence["judged"] == 8


# --- VPC flow logs ---------------------------------------------------------------------------------------

def test_a_vpc_without_a_flow_log_fails_and_one_with_a_reject_flow_log_passes(run_check):
    result = run_check(FLOW_LOGS)
    assert result.status is Status.FAIL and ":vpc/vpc-" in result.resources[0] and "(no flow log)" in result.message
    add_flow_logs(REGION)
    assert run_check(FLOW_LOGS).status is Status.PASS


def test_an_accept_only_flow_log_does_not_count_and_all_does(run_check):
    add_flow_logs(REGION, "ACCEPT")
    result = run_check(FLOW_LOGS)
    assert result.status is Status.FAIL and "only accepted traffic" in result.message
    add_flow_logs(REGION, "ALL", log_group="all-traffic")
    assert run_check(FLOW_LOGS).status is Status.PASS


def test_no_vpcs_is_not_applicable(run_check):
    session = stubs.answering({("ec2", "DescribeVpcs"): {"Vpcs": []}})
    assert run_check(FLOW_LOGS, session=session).status is Status.NOT_APPLICABLE


def test_flow_logs_join_across_pages_and_a_deadline_in_the_flow_logs_is_a_timeout(monkeypatch, run_check):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 5)
    for i in range(6):
        ec2().create_vpc(CidrBlock=f"10.{i}.0.0/16")
    add_flow_logs(REGION)
    assert run_check(FLOW_LOGS).status is Status.PASS
    session, clock = new_session(region_name=REGION), [0.0]
    slow_listing(session, "DescribeFlowLogs", 1, clock)
    result = FLOW_LOGS.run(context(session, Deadline(50.0, lambda: clock[0])))
    assert result.status is Status.TIMEOUT and "judged 5 of 7 VPCs" in result.message


def test_flow_logs_denied_is_an_error():
    session = stubs.answering({("ec2", "DescribeFlowLogs"): stubs.error("AccessDenied", "not authorized", 403)})
    [finding] = run_audit([FLOW_LOGS], session=session)
    assert finding.status is Status.ERROR


# --- IMDSv2 ----------------------------------------------------------------------------------------------

def instances(count, tokens="optional"):
    """`count` instances, each in a reservation of its own (DescribeInstances pages reservations)."""
    return [ec2().run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, MetadataOptions={
        "HttpTokens": tokens, "HttpEndpoint": "enabled"})["Instances"][0]["InstanceId"] for _ in range(count)]


def test_no_instances_is_not_applicable_and_terminated_ones_are_ignored(run_check):
    assert run_check(IMDS).status is Status.NOT_APPLICABLE
    ec2().terminate_instances(InstanceIds=instances(1))
    assert run_check(IMDS).status is Status.NOT_APPLICABLE


def test_instances_requiring_imdsv2_pass_and_an_optional_one_fails(run_check):
    instances(2, "required")
    assert run_check(IMDS).status is Status.PASS
    [optional] = instances(1)
    result = run_check(IMDS)
    assert result.status is Status.FAIL and "HttpTokens optional" in result.message
    assert result.resources == (f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:instance/{optional}",)


def test_instances_page_past_one_page_and_time_out_mid_way(monkeypatch, run_check):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 5)
    instances(7, "required")
    assert run_check(IMDS).evidence["judged"] == 7
    session, clock = new_session(region_name=REGION), [0.0]
    slow_listing(session, "DescribeInstances", 1, clock)
    result = IMDS.run(context(session, Deadline(50.0, lambda: clock[0])))
    assert result.status is Status.TIMEOUT and "judged 5 of 5+ instances" in result.message


def test_instances_denied_is_an_error():
    session = stubs.answering({("ec2", "DescribeInstances"): stubs.error("AccessDenied", "not authorized", 403)})
    [finding] = run_audit([IMDS], session=session)
    assert finding.status is Status.ERROR


def test_the_compliant_region_passes_every_network_check(run_check):
    make_region_compliant(REGION)
    for check in (*security_groups.CHECKS, NACL, FLOW_LOGS, *ec2_guardrails.CHECKS):
        assert run_check(check).status is Status.PASS, check.id


# --- EBS snapshot Block Public Access ------------------------------------------------------------------------

SNAPSHOT_BPA = ec2_guardrails.ebs_snapshot_block_public_access


@pytest.mark.parametrize("state, status", [(None, Status.FAIL), ("block-new-sharing", Status.FAIL),
                                           ("block-all-sharing", Status.PASS)])
def test_only_blocking_all_snapshot_sharing_passes(run_check, state, status):
    if state:
        ec2_account_settings.region(REGION).snapshot_block_public_access = state
    result = run_check(SNAPSHOT_BPA)
    assert result.status is status and result.evidence["state"] == (state or "unblocked")
    assert ("already public stay public" in result.message) == (state == "block-new-sharing")


def test_snapshot_block_public_access_is_regional_and_a_refusal_is_an_error(run_check):
    ec2_account_settings.region("eu-west-1").snapshot_block_public_access = "block-all-sharing"
    assert run_check(SNAPSHOT_BPA, region="eu-west-1").status is Status.PASS
    assert run_check(SNAPSHOT_BPA).status is Status.FAIL
    session = stubs.answering({("ec2", "GetSnapshotBlockPublicAccessState"): stubs.error("UnauthorizedOperation", "no", 403)})
    [finding] = run_audit([SNAPSHOT_BPA], session=session)
    assert finding.status is Status.ERROR and finding.error_code == "UnauthorizedOperation"


def test_an_ipv6_deny_shadows_only_the_ipv6_allow(run_check):
    close_admin_ports_in_network_acls(REGION)
    acl_with((10, "-1", "deny", "::/0", None), (20, "-1", "allow", "::/0", None))
    assert run_check(NACL).status is Status.PASS
    acl_with((10, "-1", "deny", "::/0", None), (20, "6", "allow", "0.0.0.0/0", (3389, 3389)))
    result = run_check(NACL)
    assert result.status is Status.FAIL and "rule 20 allows tcp 3389 from 0.0.0.0/0" in result.message


def test_arns_are_built_in_the_regions_partition_with_the_items_owner():
    from preflight.aws.access import AwsAccess

    aws = AwsAccess(new_session(region_name="us-gov-west-1"), region="us-gov-west-1", account_id=ACCOUNT_ID)
    ctx = CheckContext(aws, "us-gov-west-1")
    assert _per_resource.arn(ctx, "vpc", "vpc-1", "210987654321") == "arn:aws-us-gov:ec2:us-gov-west-1:210987654321:vpc/vpc-1"
    assert _per_resource.arn(ctx, "vpc", "vpc-1") == f"arn:aws-us-gov:ec2:us-gov-west-1:{ACCOUNT_ID}:vpc/vpc-1"
