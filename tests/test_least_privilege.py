"""The auditor's role grants exactly the actions the checks call: recorded, not assumed."""
from __future__ import annotations

import json

import boto3
import pytest

from checks import ALL_CHECKS
from preflight.aws import AwsAccess
from preflight.context import CheckContext
from sim.account import create_trail, make_compliant
from sim.cloudformation import ACCOUNT_ID, REGION
from tests.templates import AUDITOR_TEMPLATE, load, role_statements

# Where an operation's IAM action is not "<signing name>:<operation>".
IAM_ACTION_EXCEPTIONS = {("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock"}


def iam_action(service: str, operation: str, signing_name: str) -> str:
    return IAM_ACTION_EXCEPTIONS.get((service, operation), f"{signing_name}:{operation}")


def record_actions(check) -> set[str]:
    session = boto3.Session(region_name=REGION)
    actions: set[str] = set()

    def record(model, **_):
        service = model.service_model
        actions.add(iam_action(service.service_name, model.name, service.signing_name))

    session.events.register("before-call", record)
    check.run(CheckContext(AwsAccess(session, region=REGION, account_id=ACCOUNT_ID), REGION))
    return actions


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.id)
def test_each_check_calls_exactly_the_actions_it_declares(check):
    # The account grows from empty to compliant to one with a shadow trail; every path's calls count.
    called = record_actions(check)
    make_compliant()
    called |= record_actions(check)
    create_trail("global", region="eu-west-1")
    called |= record_actions(check)
    assert called == set(check.meta.iam_actions)


def test_role_grants_exactly_the_catalogue_actions_plus_logs_and_traces():
    statements = role_statements(load(AUDITOR_TEMPLATE))
    declared = {action for check in ALL_CHECKS for action in check.meta.iam_actions}
    assert set(statements["ChecksReadOnly"]["Action"]) == declared
    assert set(statements["WriteOwnLogs"]["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert set(statements["WriteTraces"]["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    assert set(statements) == {"ChecksReadOnly", "WriteOwnLogs", "WriteTraces"}
    every_action = [a for s in statements.values() for a in s["Action"]]
    assert not any("*" in a for a in every_action)
    assert all(s["Effect"] == "Allow" for s in statements.values())


def test_every_granted_action_is_known_to_iam():
    """AWS accepts a misspelt action silently; parliament knows IAM's real action names."""
    from parliament import analyze_policy_string, enhance_finding

    template = load(AUDITOR_TEMPLATE)
    policies = template["Resources"]["AuditorRole"]["Properties"]["Policies"]
    for policy in policies:
        document = {"Version": "2012-10-17", "Statement": [
            {**s, "Resource": "*"} for s in policy["PolicyDocument"]["Statement"]  # intrinsics resolved away
        ]}
        analysis = analyze_policy_string(json.dumps(document))
        problems = [enhance_finding(f) for f in analysis.findings]
        assert [(p.issue, p.detail) for p in problems if p.issue in ("UNKNOWN_ACTION", "UNKNOWN_PREFIX")] == []


def test_parliament_would_catch_a_misspelt_action():
    from parliament import analyze_policy_string

    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["cloudtrail:DescribeTrail"], "Resource": "*"}]}
    assert [f.issue for f in analyze_policy_string(json.dumps(document)).findings] == ["UNKNOWN_ACTION"]
