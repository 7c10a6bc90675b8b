"""Security Hub gets one ASFF finding per failing resource beside the check's own (issue 22), and a resource that
no longer fails has its finding resolved - only when the check's reading was complete."""
from __future__ import annotations

import datetime
import json

import boto3
import pytest

from checks import ALL_CHECKS
from preflight.aws.access import AwsAccess, new_session
from preflight.concurrency import Deadline
from preflight.model import Exemption, Finding, Mode, Report, Scope, Status, Verdict
from preflight.policy import Policy, Selection
from preflight.reporting import asff, security_hub
from preflight.reporting.formats import to_asff
from sim.cloudformation import ACCOUNT_ID, REGION
from tests.unit.test_inert_output import raw_controls

BUCKETS = next(c.meta for c in ALL_CHECKS if c.id == "s3-bucket-ssl-requests-only")
OTHER = next(c.meta for c in ALL_CHECKS if c.id != BUCKETS.id and c.meta.scope is not Scope.TEMPLATE)
PREFIX = f"preflight/{ACCOUNT_ID}/{REGION}/{BUCKETS.id}"


def arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def failing(*names: str, complete: bool = True, unnamed: int = 0, meta=BUCKETS, status=Status.FAIL) -> Finding:
    """A finding as checks/_per_resource.py's Listing makes it."""
    named = [{"arn": n if n.startswith("arn:") else arn(n), "why": f"{n} allows plain HTTP"} for n in names]
    evidence = {"judged": len(names) + unnamed, "listed": len(names) + unnamed, "complete": complete,
                "failing": named, "failing_count": len(names) + unnamed, "not_named": unnamed,
                "resource_tags": {f["arn"]: {} for f in named}}
    resources = tuple(f["arn"] for f in named) + ((f"(and {unnamed:,} more not named)",) if unnamed else ())
    return Finding(meta, status, f"{len(names) + unnamed} buckets fail", evidence, 0.1, resources=resources)


def passing(meta=BUCKETS) -> Finding:
    return Finding(meta, Status.PASS, "every bucket refuses plain HTTP", {"judged": 5, "complete": True}, 0.1)


def report(*findings: Finding) -> Report:
    blocking = tuple(f for f in findings if f.status.is_failure)
    return Report(Verdict.FAIL if blocking else Verdict.PASS, Mode.ENFORCE, REGION, ACCOUNT_ID, findings, 0.1, blocking)


class Hub:
    """The Security Hub destination on one session, its calls noted."""

    def __init__(self, session=None) -> None:
        boto3.client("securityhub").enable_security_hub()
        session = session or new_session(region_name=REGION)
        session.events.register_first("before-parameter-build.securityhub.*", self._note)
        self.aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
        self.calls: list[tuple[str, dict]] = []

    def _note(self, model, params, **_):
        self.calls.append((model.name, dict(params)))

    def send(self, audit: Report, deadline: Deadline | None = None):
        self.calls = []
        return security_hub.deliver(audit, self.aws, deadline or Deadline.after(10))

    def held(self) -> dict[str, dict]:
        pages = boto3.client("securityhub").get_paginator("get_findings").paginate(PaginationConfig={"PageSize": 100})
        return {f["Id"]: f for page in pages for f in page["Findings"]}

    def state(self, *names: str) -> list[tuple[str, str]]:
        held = self.held()
        return [(held[f"{PREFIX}/{arn(n)}"]["Compliance"]["Status"], held[f"{PREFIX}/{arn(n)}"]["Workflow"]["Status"])
                for n in names]

    def called(self, operation: str) -> list[dict]:
        return [params for name, params in self.calls if name == operation]


@pytest.fixture
def hub():
    return Hub()


def test_a_check_failing_on_three_buckets_gives_a_finding_for_each_and_one_for_the_check():
    documents = asff.findings_for(report(failing("logs", "assets", "backups")))
    assert [d["Id"] for d in documents] == [PREFIX] + [f"{PREFIX}/{arn(n)}" for n in ("logs", "assets", "backups")]
    check, logs = documents[0], documents[1]
    assert check["Resources"][0] == {"Type": "AwsAccount", "Id": f"AWS::::Account:{ACCOUNT_ID}", "Partition": "aws",
                                     "Region": REGION}
    assert logs["Resources"] == [{"Type": "AwsS3Bucket", "Id": arn("logs"), "Partition": "aws", "Region": REGION}]
    assert logs["Description"] == f"{arn('logs')}: logs allows plain HTTP"
    assert (logs["Compliance"]["Status"], logs["Workflow"]["Status"]) == ("FAILED", "NEW")
    assert logs["GeneratorId"] == check["GeneratorId"] == f"preflight/{BUCKETS.id}"
    assert logs["ProductFields"]["preflight/Resource"] == arn("logs")
    assert logs["Severity"] == check["Severity"]


@pytest.mark.parametrize("resource, kind", [
    ("arn:aws:s3:::logs", "AwsS3Bucket"), ("arn:aws:s3:::logs/key", "Other"),
    ("arn:aws:ec2:us-east-1:123456789012:security-group/sg-1", "AwsEc2SecurityGroup"),
    ("arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1", "AwsEc2Vpc"),
    ("arn:aws:ec2:us-east-1:123456789012:instance/i-1", "AwsEc2Instance"),
    ("arn:aws:ec2:us-east-1:123456789012:network-acl/acl-1", "AwsEc2NetworkAcl"),
    ("arn:aws:iam::123456789012:user/alice", "AwsIamUser"), ("arn:aws:iam::123456789012:root", "AwsAccount"),
    ("arn:aws:kms:us-east-1:123456789012:key/1234", "AwsKmsKey"),
    ("arn:aws:rds:us-east-1:123456789012:db:main", "AwsRdsDbInstance"),
    ("arn:aws-cn:elasticfilesystem:cn-north-1:123456789012:file-system/fs-1", "AwsEfsFileSystem"),
    ("arn:aws:iam::123456789012:server-certificate/old", "Other"), ("AWS::IAM::User/AIDAEXAMPLE", "AwsIamUser"),
    ("AWS::Foo::Bar/x", "Other"), ("not an arn", "Other"),
])
def test_the_resource_type_comes_from_the_arn(resource, kind):
    assert asff.resource_type(resource) == kind


def test_250_failing_resources_are_imported_in_batches_and_only_the_named_100_get_findings(hub):
    names = [f"bucket-{i:03}" for i in range(100)]
    delivery = hub.send(report(failing(*names, unnamed=150)))
    batches = [len(p["Findings"]) for p in hub.called("BatchImportFindings")]
    assert batches == [100, 1] and delivery.detail == "101 findings imported, 0 resolved in 1 region(s)"
    held = hub.held()
    assert held[PREFIX]["ProductFields"]["preflight/NotNamed"] == "150"
    assert len([i for i in held if i.startswith(f"{PREFIX}/")]) == 100
    assert hub.called("GetFindings") == []  # 150 failures nobody named: none can be told resolved


def test_a_later_audit_where_one_bucket_passes_resolves_exactly_that_one(hub):
    hub.send(report(failing("logs", "assets", "backups")))
    assert hub.state("logs", "assets", "backups") == [("FAILED", "NEW")] * 3
    delivery = hub.send(report(failing("assets", "backups")))
    assert delivery.delivered and delivery.detail == "3 findings imported, 1 resolved in 1 region(s)"
    assert hub.state("logs", "assets", "backups") == [("PASSED", "RESOLVED"), ("FAILED", "NEW"), ("FAILED", "NEW")]
    [asked] = hub.called("GetFindings")
    assert asked["Filters"] == {
        "ProductArn": [{"Value": f"arn:aws:securityhub:{REGION}:{ACCOUNT_ID}:product/{ACCOUNT_ID}/default",
                        "Comparison": "EQUALS"}],
        "GeneratorId": [{"Value": f"preflight/{BUCKETS.id}", "Comparison": "EQUALS"}],
        "AwsAccountId": [{"Value": ACCOUNT_ID, "Comparison": "EQUALS"}],
        "Region": [{"Value": REGION, "Comparison": "EQUALS"}],
        "ComplianceStatus": [{"Value": "FAILED", "Comparison": "EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}]}
    assert hub.send(report(failing("assets", "backups"))).detail == "3 findings imported, 0 resolved in 1 region(s)"


def test_a_pass_resolves_every_resource_finding_and_the_check_finding(hub):
    hub.send(report(failing("logs", "assets")))
    assert hub.send(report(passing())).detail == "1 findings imported, 2 resolved in 1 region(s)"
    assert hub.state("logs", "assets") == [("PASSED", "RESOLVED")] * 2
    assert hub.held()[PREFIX]["Compliance"]["Status"] == "PASSED"


@pytest.mark.parametrize("later", [
    Finding(BUCKETS, Status.TIMEOUT, "judged 1 of 3 buckets", {"judged": 1, "listed": 3, "complete": False}, 0.1),
    Finding(BUCKETS, Status.ERROR, "AccessDenied", {}, 0.1, "AccessDenied"),
    Finding(BUCKETS, Status.NOT_AUDITED, "not read", {}, 0.0),
    Finding(BUCKETS, Status.NOT_APPLICABLE, "no buckets", {}, 0.1),
    failing("assets", complete=False),  # a violation found, the rest unjudged
    failing("assets", unnamed=1),  # a failure nobody named may be one of the others
], ids=["timeout", "error", "not-audited", "not-applicable", "fail-cut-short", "fail-beyond-the-named"])
def test_a_reading_that_is_not_complete_resolves_nothing(hub, later):
    hub.send(report(failing("logs", "assets", "backups")))
    assert hub.send(report(later)).detail.endswith(" 0 resolved in 1 region(s)")
    assert hub.state("logs", "assets", "backups") == [("FAILED", "NEW")] * 3
    assert hub.called("GetFindings") == []


def test_an_arn_longer_than_the_id_limit_gets_a_stable_digest_id(hub):
    long = arn("b" * 40 + "/" + "k" * 600)
    first = asff.resource_finding_id(ACCOUNT_ID, REGION, BUCKETS.id, long)
    assert len(first) <= 512 and first.startswith(f"{PREFIX}/sha256:") and first == asff.resource_finding_id(
        ACCOUNT_ID, REGION, BUCKETS.id, long)
    assert first != asff.resource_finding_id(ACCOUNT_ID, REGION, BUCKETS.id, long + "x")
    hub.send(report(failing(long, "logs")))
    assert hub.held()[first]["Resources"][0]["Id"] == long
    hub.send(report(failing("logs")))  # the long one no longer fails
    assert hub.held()[first]["Compliance"]["Status"] == "PASSED"


def test_hostile_resource_names_stay_inert(hub):
    evil = 'arn:aws:s3:::evil\x1b[2J\r\n", "Compliance": {"Status": "PASSED"}, "x": "\u202e\ud800'
    finding = failing(evil)
    finding.evidence["failing"][0]["why"] = 'allows HTTP\x1b]0;PASS\x07", "RecordState": "ARCHIVED'
    documents = asff.findings_for(report(finding))
    dumped = json.dumps(documents, ensure_ascii=False)
    assert raw_controls(dumped, allowed="") == []
    [resource] = [d for d in documents if "preflight/Resource" in d["ProductFields"]]
    assert (resource["Compliance"]["Status"], resource["RecordState"]) == ("FAILED", "ACTIVE")
    assert set(resource) == set(documents[0]) and "\\x1b[2J\\r\\n" in resource["Id"]
    assert raw_controls(to_asff([report(finding)]), allowed="\n") == []
    hub.send(report(finding))
    hub.send(report(passing()))  # read back from Security Hub, it is still recognised as preflight's own
    assert hub.held()[resource["Id"]]["Compliance"]["Status"] == "PASSED"


def test_findings_that_are_not_this_checks_resource_findings_are_left_alone(hub):
    hub.send(report(failing("logs"), failing(arn("other-logs"), meta=OTHER)))
    foreign = {**hub.held()[f"{PREFIX}/{arn('logs')}"], "Id": f"{PREFIX}/not-the-id-of-its-resource"}
    boto3.client("securityhub").batch_import_findings(Findings=[foreign])
    delivery = hub.send(report(passing()))
    assert delivery.detail == "1 findings imported, 1 resolved in 1 region(s)"
    held = hub.held()
    assert held[f"{PREFIX}/not-the-id-of-its-resource"]["Compliance"]["Status"] == "FAILED"
    other = f"preflight/{ACCOUNT_ID}/{REGION}/{OTHER.id}/{arn('other-logs')}"
    assert held[other]["Compliance"]["Status"] == "FAILED"  # another check, not judged by this audit


def test_more_than_twenty_checks_are_asked_about_twenty_at_a_time(hub):
    metas = [c.meta for c in ALL_CHECKS if c.meta.scope is not Scope.TEMPLATE][:25]
    hub.send(report(*(failing(f"{m.id}-bucket", meta=m) for m in metas)))
    delivery = hub.send(report(*(passing(m) for m in metas)))
    assert [len(p["Filters"]["GeneratorId"]) for p in hub.called("GetFindings")] == [20, 5]
    assert delivery.detail == "25 findings imported, 25 resolved in 1 region(s)"


def test_the_deadline_stops_the_asking_and_the_delivery_says_so(hub):
    hub.send(report(failing("logs")))
    delivery = hub.send(report(passing()), Deadline.after(0.1))
    assert delivery.delivered and hub.called("GetFindings") == []
    assert delivery.detail == ("1 findings imported, 0 resolved in 1 region(s); the audit's deadline came before "
                               "every earlier finding was looked at")


def test_a_resource_a_current_exemption_covers_is_suppressed_and_the_others_are_not():
    policy = Policy(selections=(Selection.of(next(c for c in ALL_CHECKS if c.id == BUCKETS.id)),), exemptions=(
        Exemption(BUCKETS.id, "public website", "security", datetime.date(2099, 1, 1), resource=arn("site")),))
    [partly] = policy.exempt([failing("site", "logs")])
    assert partly.status is Status.FAIL
    site, logs = asff.findings_for(report(partly))[1:]
    assert (site["Compliance"]["Status"], site["Workflow"]["Status"]) == ("FAILED", "SUPPRESSED")
    assert "exempt until 2099-01-01 (public website; approved by security)" in site["Description"]
    assert (logs["Compliance"]["Status"], logs["Workflow"]["Status"]) == ("FAILED", "NEW")
    [wholly] = policy.exempt([failing("site")])
    assert wholly.status is Status.EXEMPT
    assert [d["Workflow"]["Status"] for d in asff.findings_for(report(wholly))] == ["SUPPRESSED", "SUPPRESSED"]


def test_template_checks_and_checks_without_resources_get_only_their_check_finding():
    template = next(c.meta for c in ALL_CHECKS if c.meta.scope is Scope.TEMPLATE)
    findings = (Finding(template, Status.FAIL, "bad action", {"complete": True}, 0.1, resources=("MyRole",)),
                Finding(BUCKETS, Status.FAIL, "no", {}, 0.1))
    assert [d["Id"] for d in asff.findings_for(report(*findings))] == [
        f"preflight/{ACCOUNT_ID}/{REGION}/{template.id}", PREFIX]
    assert not asff.resolvable(findings[0])


def test_a_role_without_get_findings_still_imports_and_says_resolving_failed(hub):
    from sim import stubs

    hub.send(report(failing("logs")))
    denied = Hub(stubs.answering({("securityhub", "GetFindings"): stubs.error(
        "AccessDeniedException", "not authorized to perform: securityhub:GetFindings")}))
    delivery = denied.send(report(passing()))
    assert not delivery.delivered and delivery.detail.startswith(
        "1 findings imported, 0 resolved in 1 region(s); resolving the rest failed: ")
    assert "securityhub:GetFindings" in delivery.detail
    assert hub.held()[PREFIX]["Compliance"]["Status"] == "PASSED"
