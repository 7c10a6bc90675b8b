"""The detective controls a team already runs, as findings: Config rules, conformance packs, Security Hub
controls - each scenario a simulated account state in, a finding out."""
from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from preflight import detective
from preflight.model import Status
from sim import config_compliance as config
from sim.cloudformation import ACCOUNT_ID, REGION
from sim.security_hub_findings import control_finding

NOW = datetime.datetime.now(datetime.timezone.utc)
HOURS = datetime.timedelta(hours=1)


def sg(n: int) -> str:
    return f"sg-{n:017x}"


def arn(group: str, account: str = ACCOUNT_ID, region: str = REGION) -> str:
    return f"arn:aws:ec2:{region}:{account}:security-group/{group}"


@pytest.fixture
def rule():
    config.add_rule("restricted-ssh")
    return detective.config_rule("restricted-ssh")


def test_a_compliant_rule_passes(run_check, rule):
    config.evaluate("restricted-ssh", sg(1), "COMPLIANT", NOW - HOURS)
    result = run_check(rule)
    assert result.status is Status.PASS and "COMPLIANT in us-east-1 (last evaluated" in result.message


def test_a_non_compliant_rule_fails_naming_its_resources(run_check, rule):
    for n in range(3):
        config.evaluate("restricted-ssh", sg(n), "NON_COMPLIANT")
    config.evaluate("restricted-ssh", sg(9), "COMPLIANT")
    result = run_check(rule)
    assert result.status is Status.FAIL
    assert result.message.startswith("AWS Config rule restricted-ssh finds 3 resources NON_COMPLIANT in us-east-1: "
                                     f"{arn(sg(0))}, {arn(sg(1))}, {arn(sg(2))} (last evaluated ")
    assert result.resources == tuple(arn(sg(n)) for n in range(3))
    assert result.evidence["non_compliant_count"] == 3


def test_many_non_compliant_resources_are_bounded_and_never_exemptable_unseen(run_check, rule):
    for n in range(130):
        config.evaluate("restricted-ssh", sg(n), "NON_COMPLIANT")
    result = run_check(rule)
    assert result.status is Status.FAIL and "finds 100+ resources" in result.message and "and 95+ more" in result.message
    assert len(result.evidence["non_compliant"]) == 100
    assert result.resources[-1] == "(further non-compliant resources not listed)"


def test_no_resources_in_scope_is_not_applicable(run_check, rule):
    config.evaluated("restricted-ssh", NOW - HOURS)
    assert run_check(rule).status is Status.NOT_APPLICABLE


def test_a_stale_compliant_evaluation_is_an_error_saying_when():
    config.add_rule("restricted-ssh")
    config.evaluate("restricted-ssh", sg(1), "COMPLIANT", NOW - 30 * HOURS)
    code, message = _error(detective.config_rule("restricted-ssh", max_age_hours=26))
    assert code == "StaleEvaluation"
    assert f"last evaluated on {(NOW - 30 * HOURS):%Y-%m-%d %H:%M} UTC, 30 h ago" in message
    assert "older than the 26 h this baseline trusts" in message


def _ctx(check, aws=None):
    from preflight.aws.access import AwsAccess
    from preflight.context import CheckContext
    from preflight.policy import Selection

    return CheckContext(aws or AwsAccess(None, region=REGION, account_id=ACCOUNT_ID), REGION,
                        Selection.of(check).parameters, home_region=REGION)


def _error(check, aws=None):
    from preflight.errors import EvaluationError
    from preflight.aws.errors import describe_error

    try:
        check.run(_ctx(check, aws))
    except Exception as error:  # noqa: BLE001 - the runner turns any into ERROR; the code is what we assert
        return describe_error(error) if not isinstance(error, EvaluationError) else (error.code, str(error))
    raise AssertionError("the check did not fail to judge")


def test_a_missing_rule_is_an_error():
    code, message = _error(detective.config_rule("no-such-rule"))
    assert code == "NoSuchConfigRuleException" and message == "AWS Config rule no-such-rule does not exist in us-east-1."


def test_a_rule_never_evaluated_is_an_error(rule):
    code, message = _error(rule)
    assert code == "NeverEvaluated" and "has never completed an evaluation in us-east-1" in message


def test_access_denied_is_an_error(rule):
    from preflight.aws.access import AwsAccess, new_session

    session = new_session(region_name=REGION)
    client = session.client("config", region_name=REGION)
    stubber = Stubber(client)
    stubber.add_client_error("describe_config_rule_evaluation_status", "AccessDeniedException", "not authorized")
    stubber.activate()
    aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
    aws.client = lambda service, region=None: client  # type: ignore[method-assign]
    code, message = _error(rule, aws)
    assert code == "AccessDeniedException" and "DescribeConfigRuleEvaluationStatus" in message


def test_a_conformance_pack(run_check):
    for name in ("cis-restricted-ssh", "cis-root-mfa"):
        config.add_rule(name)
    config.conformance_pack("operational-best-practices-for-cis", ["cis-restricted-ssh", "cis-root-mfa"])
    pack = detective.conformance_pack("operational-best-practices-for-cis")
    config.evaluate("cis-restricted-ssh", sg(1), "COMPLIANT")
    config.evaluated("cis-root-mfa")
    assert run_check(pack).status is Status.PASS
    config.evaluate("cis-root-mfa", ACCOUNT_ID, "NON_COMPLIANT", resource_type="AWS::::Account")
    result = run_check(pack)
    assert result.status is Status.FAIL and "(rule cis-root-mfa) finds 1 resource NON_COMPLIANT" in result.message
    assert result.resources == ("AWS::::Account/123456789012",)


def test_a_missing_or_never_evaluated_pack_is_an_error():
    assert _error(detective.conformance_pack("nope"))[0] == "NoSuchConformancePackException"
    config.add_rule("cis-restricted-ssh")
    config.conformance_pack("cis", ["cis-restricted-ssh"])
    assert _error(detective.conformance_pack("cis"))[0] == "NeverEvaluated"


def test_an_aggregator_names_the_account_of_each_failing_resource(run_check):
    boto3.client("config").put_configuration_aggregator(
        ConfigurationAggregatorName="org", AccountAggregationSources=[
            {"AccountIds": ["111111111111", "222222222222"], "AllAwsRegions": True}])
    config.evaluate("restricted-ssh", sg(1), "NON_COMPLIANT", account="111111111111")
    config.evaluate("restricted-ssh", sg(2), "COMPLIANT", account="222222222222")
    config.evaluate("restricted-ssh", sg(3), "NON_COMPLIANT", account="222222222222", region="eu-west-1")
    result = run_check(detective.config_rule("restricted-ssh", aggregator="org"))
    assert result.status is Status.FAIL
    assert result.message.startswith("AWS Config rule restricted-ssh (aggregator org) in account 111111111111 finds 1 "
                                     f"resource NON_COMPLIANT in us-east-1: {arn(sg(1), '111111111111')}")
    assert result.evidence["accounts"] == {"111111111111": "NON_COMPLIANT", "222222222222": "COMPLIANT"}
    config.evaluate("restricted-ssh", sg(1), "COMPLIANT", account="111111111111")
    assert run_check(detective.config_rule("restricted-ssh", aggregator="org")).status is Status.PASS
    assert _error(detective.config_rule("restricted-ssh", aggregator="nope"))[0] == "NoSuchConfigurationAggregatorException"


def test_a_security_hub_control(run_check):
    control = detective.security_hub_control("EC2.53")
    assert run_check(control).status is Status.NOT_APPLICABLE
    control_finding("EC2.53", arn(sg(1)), "PASSED")
    control_finding("EC2.53", arn(sg(2)), "FAILED", record_state="ARCHIVED")
    control_finding("S3.8", "arn:aws:s3:::b", "FAILED")
    assert run_check(control).status is Status.PASS
    control_finding("EC2.53", arn(sg(3)), "FAILED", tags={"team": "web"})
    result = run_check(control)
    assert result.status is Status.FAIL and result.resources == (arn(sg(3)),)
    assert result.resource_tags == {arn(sg(3)): {"team": "web"}}


def test_a_suppressed_security_hub_finding_is_exempt_by_security_hub(run_check):
    control_finding("EC2.53", arn(sg(1)), "FAILED", workflow="SUPPRESSED", note="bastion, SEC-88")
    result = run_check(detective.security_hub_control("EC2.53"))
    assert result.status is Status.EXEMPT and "exempted by Security Hub: bastion, SEC-88" in result.message


def test_a_control_security_hub_could_not_evaluate_is_an_error():
    control_finding("EC2.53", arn(sg(1)), "NOT_AVAILABLE")
    code, message = _error(detective.security_hub_control("EC2.53"))
    assert code == "NoVerdict" and "only NOT_AVAILABLE ones" in message
    control_finding("EC2.53", arn(sg(2)), "PASSED")
    assert detective.security_hub_control("EC2.53").run(_ctx(detective.security_hub_control("EC2.53"))).status is Status.PASS


def test_security_hub_calls_stop_at_the_first_that_decides():
    from preflight.aws.access import AwsAccess, new_session

    session = new_session(region_name=REGION)
    calls: list[str] = []
    session.events.register_first("before-call.securityhub.*", lambda model, **_: calls.append(model.name))
    aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
    control = detective.security_hub_control("EC2.53")
    for finding, expected in ((("PASSED",), 3), (("FAILED", "SUPPRESSED"), 2), (("FAILED",), 1)):
        control_finding("EC2.53", arn(sg(len(calls))), finding[0], workflow=finding[1] if len(finding) > 1 else "NEW")
        calls.clear()
        control.run(_ctx(control, aws))
        assert len(calls) == expected, finding


def test_tags_that_cannot_be_read_leave_the_failure_standing(rule):
    from preflight.aws.access import AwsAccess, new_session

    config.evaluate("restricted-ssh", sg(1), "NON_COMPLIANT")
    session = new_session(region_name=REGION)
    aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
    tagging = session.client("resourcegroupstaggingapi", region_name=REGION)
    stubber = Stubber(tagging)
    stubber.add_client_error("get_resources", "AccessDeniedException", "not authorized")
    stubber.activate()
    real = aws.client
    aws.client = lambda service, region=None: tagging if service == "resourcegroupstaggingapi" else real(service, region)  # type: ignore[method-assign]
    result = rule.run(_ctx(rule, aws))
    assert result.status is Status.FAIL and result.resource_tags == {}
    assert result.evidence["tags_unreadable"] == "AccessDeniedException"
