"""Detective controls as a baseline states them: parsed into checks, judged by the same policy (exemptions by
ARN and by tag, severities, fail_on), audited in few calls."""
from __future__ import annotations

import datetime

import boto3
import pytest

from preflight import baseline, properties
from preflight.audit import run_audit
from preflight.aws.access import AwsAccess, new_session
from preflight.errors import BaselineError, PolicyError
from preflight.model import CheckMeta, Controls, Exemption, Finding, Scope, Severity, Status, Verdict
from preflight.policy import Policy
from preflight.registry import default_registry
from preflight.concurrency import Deadline
from sim import config_compliance as config
from sim.cloudformation import ACCOUNT_ID, REGION
from sim.security_hub_findings import control_finding

REGISTRY = default_registry()
EXEMPT_BY_TAG = {"check": "config-rule:restricted-ssh", "tag": {"key": "exposure", "value": "bastion"},
                 "reason": "bastion hosts, reviewed quarterly", "approved_by": "ciso@example.com", "expires": "2099-01-01"}


def parse(document: dict):
    return baseline.parse(document, REGISTRY, source="test")


def audit(document: dict, aws: AwsAccess | None = None):
    return run_audit(parse(document), aws or AwsAccess(region=REGION, account_id=ACCOUNT_ID), Deadline.after(20))


def group(tags: dict[str, str] | None = None) -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    spec = [{"ResourceType": "security-group", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
    gid = ec2.create_security_group(GroupName=f"g{len(ec2.describe_security_groups()['SecurityGroups'])}",
                                    Description="d", TagSpecifications=spec)["GroupId"]
    return gid


def test_entries_become_regional_checks_with_their_settings():
    policy = parse({"config_rules": ["restricted-ssh", {"name": "tagging", "max_evaluation_age_hours": 26,
                                                        "severity": "HIGH"}],
                    "conformance_packs": ["operational-best-practices-for-cis"],
                    "security_hub_controls": ["IAM.1", {"id": "EC2.53", "severity": "critical"}]})
    by_id = {s.check.id: s for s in policy.selections}
    assert list(by_id) == ["config-rule:restricted-ssh", "config-rule:tagging",
                           "conformance-pack:operational-best-practices-for-cis", "security-hub:IAM.1", "security-hub:EC2.53"]
    assert all(s.check.meta.scope is Scope.REGIONAL for s in by_id.values())
    assert by_id["config-rule:tagging"].parameters == {"max_evaluation_age_hours": 26}
    assert by_id["config-rule:tagging"].check.meta.severity is Severity.HIGH
    assert by_id["config-rule:restricted-ssh"].check.meta.severity is Severity.MEDIUM
    assert by_id["security-hub:EC2.53"].check.meta.remediation_url.endswith("/ec2-controls.html#ec2-53")
    assert by_id["security-hub:IAM.1"].check.meta.iam_actions == ("securityhub:GetFindings",)


def test_an_aggregator_block_applies_to_its_rules():
    policy = parse({"config_rules": {"aggregator": "org", "rules": ["restricted-ssh"]}})
    [selection] = policy.selections
    assert "aggregator org" in selection.check.meta.title
    assert "config:DescribeAggregateComplianceByConfigRules" in selection.check.meta.iam_actions


@pytest.mark.parametrize("document, problem", [
    ({"config_rules": [{"name": "x", "max_evaluation_age_hours": "a day"}]},
     "config_rules[0] (x).max_evaluation_age_hours must be a whole number, not 'a day'"),
    ({"config_rules": ["bad name!"]}, "config_rules[0].name 'bad name!' is not a valid name"),
    ({"security_hub_controls": ["IAM-1"]}, "security_hub_controls[0].id 'IAM-1' is not a valid name"),
    ({"config_rules": ["a", "a"]}, "config-rule:a is listed twice"),
    ({"config_rules": [{"name": "a", "aggregator": "org", "max_evaluation_age_hours": 2}]},
     "cannot be judged through an aggregator"),
    ({"conformance_packs": [{"name": "p", "severty": "HIGH"}]}, "unknown field in conformance_packs[0] 'severty'"),
    ({"config_rules": ["a"], "exemptions": [{**EXEMPT_BY_TAG, "check": "config-rule:a", "tag": {"key": "k"}}]},
     "exemptions[0].tag.value must be a non-empty string"),
    ({"config_rules": ["a"], "exemptions": [{**EXEMPT_BY_TAG, "check": "config-rule:a", "tag": "k=v"}]},
     "exemptions[0].tag must be {key: KEY, value: VALUE}"),
    ({"config_rules": ["a"], "exemptions": [EXEMPT_BY_TAG]}, "unknown check 'config-rule:restricted-ssh'"),
])
def test_invalid_entries_are_named(document, problem):
    with pytest.raises(BaselineError) as raised:
        parse(document)
    assert any(problem in p for p in raised.value.problems), raised.value.problems


def test_a_non_compliant_rule_blocks_and_an_exemption_by_tag_lets_it_through():
    config.add_rule("restricted-ssh")
    bastion, web = group({"exposure": "bastion"}), group({"exposure": "web"})
    config.evaluate("restricted-ssh", bastion, "NON_COMPLIANT")
    document = {"config_rules": ["restricted-ssh"], "exemptions": [EXEMPT_BY_TAG]}
    assert audit(document).verdict is Verdict.PASS  # the only failing resource carries the tag
    config.evaluate("restricted-ssh", web, "NON_COMPLIANT")
    report = audit(document)
    [finding] = report.findings
    assert (report.verdict, finding.status) == (Verdict.FAIL, Status.FAIL)  # one of two is not covered
    by_arn = {**EXEMPT_BY_TAG, "tag": None, "resource": f"arn:aws:ec2:*:*:security-group/{web}"}
    del by_arn["tag"]
    [finding] = audit({**document, "exemptions": [EXEMPT_BY_TAG, by_arn]}).findings
    assert finding.status is Status.EXEMPT  # each resource covered, one by tag and one by ARN
    assert "bastion hosts" in finding.exemption.text


def test_an_expired_tag_exemption_does_not_apply():
    config.add_rule("restricted-ssh")
    config.evaluate("restricted-ssh", group({"exposure": "bastion"}), "NON_COMPLIANT")
    report = audit({"config_rules": ["restricted-ssh"], "exemptions": [{**EXEMPT_BY_TAG, "expires": "2020-01-01"}]})
    assert report.verdict is Verdict.FAIL and "exemption expired on 2020-01-01" in report.findings[0].exemption.text


def test_a_security_hub_finding_is_exempted_by_the_tag_it_carries():
    control_finding("EC2.53", "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1", tags={"exposure": "bastion"})
    report = audit({"security_hub_controls": ["EC2.53"], "exemptions": [{**EXEMPT_BY_TAG, "check": "security-hub:EC2.53"}]})
    assert report.findings[0].status is Status.EXEMPT and report.verdict is Verdict.PASS


def test_severity_and_fail_on_apply_as_to_any_check():
    config.add_rule("restricted-ssh")
    config.evaluate("restricted-ssh", group(), "NON_COMPLIANT")
    report = audit({"config_rules": [{"name": "restricted-ssh", "severity": "LOW"}], "fail_on": "MEDIUM"})
    assert report.findings[0].status is Status.FAIL and report.verdict is Verdict.PASS


def test_an_error_follows_on_error():
    document = {"config_rules": ["missing"]}
    assert audit(document).findings[0].status is Status.ERROR and audit(document).verdict is Verdict.FAIL
    assert audit({**document, "on_error": "warn"}).verdict is Verdict.PASS


def test_template_properties_may_tighten_but_not_loosen_the_evaluation_age():
    policy = parse({"config_rules": [{"name": "restricted-ssh", "max_evaluation_age_hours": 26}]})
    tightened = properties.apply({"Parameters": {"config-rule:restricted-ssh": {"max_evaluation_age_hours": "12"}}},
                                 policy, REGISTRY)
    assert tightened.selection("config-rule:restricted-ssh").parameters["max_evaluation_age_hours"] == 12
    with pytest.raises(PolicyError, match="is weaker than the baseline's 26"):
        properties.apply({"Parameters": {"config-rule:restricted-ssh": {"max_evaluation_age_hours": 48}}}, policy,
                         REGISTRY)


def test_the_policy_digest_changes_with_the_entries():
    digests = {parse(d).digest() for d in ({"config_rules": ["a"]}, {"config_rules": [{"name": "a", "max_evaluation_age_hours": 5}]},
                                           {"config_rules": ["a"], "exemptions": [{**EXEMPT_BY_TAG, "check": "config-rule:a"}]})}
    assert len(digests) == 3


def test_a_per_resource_exemption_helper_serves_any_check():
    meta = CheckMeta("per-resource-check", "t", Severity.HIGH, Controls(), "fix", "https://docs.aws.amazon.com/", ())
    finding = Finding(meta, Status.FAIL, "bad", {}, 0.1, resources=("arn:a", "arn:b"),
                      resource_tags={"arn:a": {"k": "v"}, "arn:b": {"k": "v"}})
    policy = Policy((), exemptions=(Exemption("per-resource-check", "r", "x", datetime.date(2099, 1, 1), tag=("k", "v")),))
    assert policy.exempt([finding])[0].status is Status.EXEMPT


def test_a_rule_with_5000_compliant_and_3_non_compliant_resources_takes_four_calls():
    """One status call, one compliance call, one page of non-compliant details, one tag lookup - however many
    resources the rule evaluates (docs/performance.md)."""
    config.add_rule("restricted-ssh")
    when = datetime.datetime.now(datetime.timezone.utc)
    for n in range(5000):
        config.evaluate("restricted-ssh", f"sg-{n:017x}", "COMPLIANT", when)
    for n in range(3):
        config.evaluate("restricted-ssh", group(), "NON_COMPLIANT", when)
    session = new_session(region_name=REGION)
    calls: list[str] = []
    session.events.register_first("before-call.*.*", lambda model, **_: calls.append(model.name))
    report = audit({"config_rules": ["restricted-ssh"]}, AwsAccess(session, region=REGION, account_id=ACCOUNT_ID))
    assert report.findings[0].status is Status.FAIL and len(report.findings[0].resources) == 3
    assert calls == ["DescribeConfigRuleEvaluationStatus", "DescribeComplianceByConfigRule",
                     "GetComplianceDetailsByConfigRule", "GetResources"]
