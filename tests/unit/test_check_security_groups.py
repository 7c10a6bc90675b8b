"""Per-resource network checks on security groups (CIS 5.2/5.3, restricted-ssh, restricted-common-ports) and the
per-resource machinery under every network check (paging, deadline, bounded failures, exemptions)."""
import pytest

from checks import _per_resource, security_groups
from preflight.aws.access import AwsAccess, new_session
from preflight.concurrency import Deadline
from preflight.model import Status
from preflight.policy import Policy, Selection
from preflight.runner import Runner
from sim.cloudformation import ACCOUNT_ID, REGION
from tests.support.network import context, ec2, run_audit, slow_listing

SG_PORTS, SSH, CIFS = security_groups.CHECKS


def group(name="web", *permissions, tags=None):
    vpc = ec2().describe_vpcs()["Vpcs"][0]["VpcId"]
    tag_spec = [{"ResourceType": "security-group", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
    group_id = ec2().create_security_group(GroupName=name, Description=name, VpcId=vpc, TagSpecifications=tag_spec)["GroupId"]
    if permissions:
        ec2().authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(permissions))
    return group_id


def rule(protocol="tcp", low=22, high=None, v4="0.0.0.0/0", v6=None):
    permission = {"IpProtocol": protocol}
    if protocol != "-1":
        permission.update(FromPort=low, ToPort=low if high is None else high)
    if v4:
        permission["IpRanges"] = [{"CidrIp": v4}]
    if v6:
        permission["Ipv6Ranges"] = [{"CidrIpv6": v6}]
    return permission


# --- security groups --------------------------------------------------------------------------------------

def test_groups_without_internet_admin_ports_pass(run_check):
    group("web", rule("tcp", 443), rule("tcp", 22, v4="10.0.0.0/8"))
    for check in (SG_PORTS, SSH, CIFS):
        assert run_check(check).status is Status.PASS, check.id


@pytest.mark.parametrize("permission, why", [
    (rule("tcp", 22), "tcp 22 from 0.0.0.0/0"),
    (rule("tcp", 3389, v4=None, v6="::/0"), "tcp 3389 from ::/0"),
    (rule("-1"), "all traffic from 0.0.0.0/0"),
    (rule("tcp", 0, 1024), "tcp 0-1024 from 0.0.0.0/0"),
    (rule("udp", 3389), "udp 3389 from 0.0.0.0/0"),
])
def test_each_internet_admin_rule_fails_the_port_restriction_check(run_check, permission, why):
    group_id = group("open", permission)
    result = run_check(SG_PORTS)
    assert result.status is Status.FAIL
    assert result.resources == (f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group/{group_id}",)
    assert why in result.message and result.evidence["failing"][0]["why"] == why


def test_restricted_ssh_looks_at_port_22_over_tcp_and_all_traffic_only(run_check):
    group("rdp", rule("tcp", 3389), rule("udp", 22))
    assert run_check(SSH).status is Status.PASS
    group("ssh6", rule("tcp", 20, 30, v4=None, v6="::/0"))
    result = run_check(SSH)
    assert result.status is Status.FAIL and "tcp 20-30 from ::/0" in result.message


def test_restricted_common_ports_blocks_cifs_over_tcp_with_its_parameter(run_check):
    group("smb", rule("udp", 445))
    assert run_check(CIFS).status is Status.PASS  # TCP or all traffic (v5 5.1.2 reference)
    group("smb-tcp", rule("tcp", 445, v4=None, v6="::/0"))
    assert run_check(CIFS).status is Status.FAIL
    group("db", rule("tcp", 3306))
    assert "tcp 3306" in run_check(CIFS, blocked_ports=("3306",)).message


def test_the_ports_parameter_is_honoured(run_check):
    group("http", rule("tcp", 80))
    assert run_check(SG_PORTS).status is Status.PASS
    assert run_check(SG_PORTS, ports=("80",)).status is Status.FAIL


def test_the_failing_groups_tags_are_kept_in_the_evidence(run_check):
    group_id = group("tagged", rule("tcp", 22), tags={"owner": "team-a", "exempt": "yes"})
    result = run_check(SG_PORTS)
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group/{group_id}"
    assert result.resource_tags == {arn: {"owner": "team-a", "exempt": "yes"}}


# --- the machinery ---------------------------------------------------------------------------------------

def test_listing_pages_past_one_page(monkeypatch, run_check):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 5)
    for i in range(12):
        group(f"g{i}", rule("tcp", 22) if i == 11 else rule("tcp", 443))
    session = new_session(region_name=REGION)
    calls = []
    session.events.register("after-call.ec2.DescribeSecurityGroups", lambda **_: calls.append(1))
    result = SG_PORTS.run(context(session, ports=("22", "3389")))
    assert result.status is Status.FAIL and result.evidence["judged"] == 13  # 12 and the default group
    assert len(calls) == 3


def test_a_deadline_mid_listing_is_a_timeout_saying_how_much_was_judged(monkeypatch):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 5)
    for i in range(12):
        group(f"g{i}", rule("tcp", 22) if i == 11 else rule("tcp", 443))  # the open one is on the last page
    session, clock = new_session(region_name=REGION), [0.0]
    slow_listing(session, "DescribeSecurityGroups", 2, clock)
    result = SG_PORTS.run(context(session, Deadline(50.0, lambda: clock[0]), ports=("22",)))
    assert result.status is Status.TIMEOUT
    assert "judged 10 of 10+ security groups" in result.message and "not a PASS" in result.message
    assert result.evidence["complete"] is False


def test_a_violation_found_before_the_deadline_is_a_fail(monkeypatch):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 5)
    for i in range(12):
        group(f"g{i}", rule("tcp", 22) if i == 0 else rule("tcp", 443))
    session, clock = new_session(region_name=REGION), [0.0]
    slow_listing(session, "DescribeSecurityGroups", 1, clock)
    result = SG_PORTS.run(context(session, Deadline(50.0, lambda: clock[0]), ports=("22",)))
    assert result.status is Status.FAIL and "judged 5 of 5+ security groups" in result.message


def test_the_runner_hands_the_audit_deadline_to_checks():
    seen = []
    from preflight.model import CheckMeta, Controls, Severity, passed
    from preflight.registry import check

    @check(CheckMeta("sees-deadline", "t", Severity.LOW, Controls(), "r", "https://docs.aws.amazon.com/", ()))
    def sees_deadline(ctx):
        """PASS, noting the deadline it was given."""
        seen.append(ctx.deadline)
        return passed("ok")

    deadline = Deadline.after(10)
    Runner().run(Policy((Selection.of(sees_deadline),)), AwsAccess(new_session(region_name=REGION), region=REGION,
                                                                  account_id=ACCOUNT_ID), deadline)
    assert seen == [deadline]


def test_a_check_without_a_docstring_is_refused():
    from preflight.model import CheckMeta, Controls, Severity
    from preflight.registry import check

    from preflight.registry import UndocumentedCheckError

    with pytest.raises(UndocumentedCheckError, match="docstring"):
        check(CheckMeta("x", "t", Severity.LOW, Controls(), "r", "https://docs.aws.amazon.com/", ()))(lambda ctx: None)


def test_failing_resources_are_bounded_and_an_arn_exemption_cannot_cover_the_unnamed(monkeypatch, run_check):
    monkeypatch.setattr(_per_resource, "MAX_NAMED", 4)
    for i in range(6):
        group(f"g{i}", rule("tcp", 22))
    result = run_check(SG_PORTS)
    assert result.evidence["failing_count"] == 6 and len(result.evidence["failing"]) == 4
    assert result.evidence["not_named"] == 2 and len(result.resource_tags) == 4
    assert result.resources[-1] == "(and 2 more not named)" and len(result.resources) == 5
    assert "and 3 more" in result.message  # three named in the message
    [finding] = run_audit([SG_PORTS], exemption="arn:aws:ec2:*:*:security-group/*")
    assert finding.status is Status.FAIL


def test_a_resource_exemption_by_arn_lets_the_failing_group_through():
    group_id = group("bastion", rule("tcp", 22))
    [finding] = run_audit([SG_PORTS], exemption=f"arn:aws:ec2:*:*:security-group/{group_id}")
    assert finding.status is Status.EXEMPT
    group("other", rule("tcp", 3389))
    [finding] = run_audit([SG_PORTS], exemption=f"arn:aws:ec2:*:*:security-group/{group_id}")
    assert finding.status is Status.FAIL


def test_the_three_security_group_checks_share_one_listing_per_region():
    group("open", rule("tcp", 22), rule("tcp", 445))
    session, calls = new_session(region_name=REGION), []
    session.events.register("after-call.ec2.DescribeSecurityGroups", lambda **_: calls.append(1))
    findings = run_audit([SG_PORTS, SSH, CIFS], session=session)
    assert [f.status for f in findings] == [Status.FAIL] * 3 and len(calls) == 1


def test_more_ports_are_stricter():
    ports = SG_PORTS.meta.parameter("ports")
    assert ports.is_stricter_or_equal(("22", "3389", "445"), ("22", "3389"))
    assert not ports.is_stricter_or_equal(("22",), ("22", "3389"))




def test_in_a_real_audit_a_slow_listing_answers_timeout_in_words_before_the_runner_gives_up(monkeypatch):
    import time

    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 5)
    for i in range(12):
        group(f"g{i}", rule("tcp", 443))
    session = new_session(region_name=REGION)
    session.events.register("before-call.ec2.DescribeSecurityGroups", lambda **_: time.sleep(0.9))
    policy = Policy((Selection.of(SG_PORTS),))
    aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
    [finding], _ = Runner().run(policy, aws, Deadline.after(2.0))
    assert finding.status is Status.TIMEOUT and "judged 5 of 5+ security groups" in finding.message
    assert finding.duration_s < 2.0
