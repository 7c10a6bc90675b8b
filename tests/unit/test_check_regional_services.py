"""GuardDuty, Security Hub, Access Analyzer, EBS encryption by default, default security groups."""
import boto3

from checks import regional_services as rs
from preflight.model import Status
from sim import moto_gaps
from sim.account import make_region_compliant
from sim.cloudformation import REGION


def test_no_guardduty_detector_fails(run_check):
    assert run_check(rs.guardduty_enabled).message == f"GuardDuty is not enabled in {REGION}."


def test_enabled_guardduty_passes(run_check):
    boto3.client("guardduty").create_detector(Enable=True)
    assert run_check(rs.guardduty_enabled).status is Status.PASS


def test_suspended_guardduty_fails(run_check):
    boto3.client("guardduty").create_detector(Enable=False)
    result = run_check(rs.guardduty_enabled)
    assert (result.status, result.message) == (Status.FAIL, f"GuardDuty's detector is suspended in {REGION}.")


def test_security_hub_off_fails_and_on_passes(run_check):
    assert run_check(rs.securityhub_enabled).status is Status.FAIL
    boto3.client("securityhub").enable_security_hub()
    assert run_check(rs.securityhub_enabled).status is Status.PASS


def test_no_access_analyzer_fails(run_check):
    result = run_check(rs.access_analyzer_enabled)
    assert (result.status, result.message) == (
        Status.FAIL, f"IAM Access Analyzer has no external access analyzer in {REGION}.")


def test_active_external_access_analyzer_passes(run_check):
    moto_gaps.create_analyzer(REGION, "org", kind="ORGANIZATION")
    assert run_check(rs.access_analyzer_enabled).status is Status.PASS


def test_an_unused_access_analyzer_is_not_an_external_access_analyzer(run_check):
    moto_gaps.create_analyzer(REGION, "unused", kind="ACCOUNT_UNUSED_ACCESS")
    assert run_check(rs.access_analyzer_enabled).status is Status.FAIL


def test_a_failed_analyzer_does_not_count(run_check):
    moto_gaps.create_analyzer(REGION, "broken", status="FAILED")
    result = run_check(rs.access_analyzer_enabled)
    assert result.status is Status.FAIL and "broken: FAILED" in result.message


def test_ebs_encryption_by_default(run_check):
    assert run_check(rs.ebs_encryption_by_default).status is Status.FAIL
    boto3.client("ec2").enable_ebs_encryption_by_default()
    assert run_check(rs.ebs_encryption_by_default).status is Status.PASS


def test_a_default_security_group_with_its_default_egress_rule_fails(run_check):
    result = run_check(rs.default_security_groups_closed)
    assert result.status is Status.FAIL
    assert result.resources and all(":security-group/sg-" in r for r in result.resources)


def test_closed_default_security_groups_pass_and_an_inbound_rule_fails(run_check):
    make_region_compliant(REGION)
    assert run_check(rs.default_security_groups_closed).status is Status.PASS
    ec2 = boto3.client("ec2")
    [group] = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    result = run_check(rs.default_security_groups_closed)
    assert result.status is Status.FAIL and group["GroupId"] in result.message


def test_regional_checks_look_only_at_their_region(run_check):
    make_region_compliant("eu-west-1")
    assert run_check(rs.guardduty_enabled, region="eu-west-1").status is Status.PASS
    assert run_check(rs.guardduty_enabled, region=REGION).status is Status.FAIL
