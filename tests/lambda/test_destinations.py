"""Report destinations configured in the baseline: S3, Security Hub (ASFF), SNS - each bounded, and one
that fails never changes the verdict."""
from __future__ import annotations

import json

import boto3
import pytest

from preflight import handler
from preflight.cloudformation.baseline_cache import BaselineCache
from sim.account import create_bucket, make_compliant, set_root_mfa, tls_only_policy
from tests.support.handler import invoke

TOPIC = "arn:aws:sns:us-east-1:123456789012:security-alerts"


@pytest.fixture
def deploy(monkeypatch, tmp_path):
    def with_reports(reports: dict, checks=("root-account-mfa-enabled", "cloudtrail-enabled")) -> None:
        path = tmp_path / "baseline.json"
        path.write_text(json.dumps({"checks": list(checks), "reports": reports}))
        monkeypatch.setenv("PREFLIGHT_BASELINE", f"file:{path}")
        monkeypatch.setattr(handler, "baselines", BaselineCache())
    return with_reports


def sent_notifications():
    from moto.sns.models import sns_backends

    return sns_backends["123456789012"]["us-east-1"].topics[TOPIC].sent_notifications


def test_the_full_report_goes_to_s3_and_its_uri_comes_back(cfn, deploy):
    make_compliant()
    create_bucket("security-reports")
    deploy({"s3": {"bucket": "security-reports", "prefix": "audits/"}})
    invocation = invoke(cfn, "Create")
    response = invocation.response
    # one key per Lambda invocation: no other request, forged or real, can overwrite this report
    key = f"audits/123456789012/us-east-1/app/{invocation.event['RequestId']}/{invocation.context.aws_request_id}.json"
    assert response["Data"]["ReportUri"] == f"s3://security-reports/{key}"
    assert response["Reason"].endswith(f"Report: s3://security-reports/{key}")
    stored = json.loads(boto3.client("s3").get_object(Bucket="security-reports", Key=key)["Body"].read())
    assert stored["verdict"] == "PASS" and stored["stack_id"] == invocation.event["StackId"]
    assert stored["baseline"].startswith("file:") and "sha256" in stored["baseline"]
    assert len(stored["policy_digest"]) == 16 and stored["duration_s"] >= 0
    assert all("duration_s" in f and "evidence" in f for f in stored["findings"])
    assert {f["check"] for f in stored["findings"]} == {"root-account-mfa-enabled", "cloudtrail-enabled"}


def test_security_hub_gets_a_finding_per_check_and_failing_resource_and_a_later_pass_resolves_them(cfn, deploy):
    make_compliant()
    set_root_mfa(False)
    boto3.client("securityhub").enable_security_hub()
    deploy({"security_hub": True})
    invoke(cfn, "Create")
    findings = {f["Id"]: f for f in boto3.client("securityhub").get_findings()["Findings"]}
    mfa = findings["preflight/123456789012/us-east-1/root-account-mfa-enabled"]
    assert mfa["Compliance"]["Status"] == "FAILED"
    assert mfa["Severity"]["Label"] == "CRITICAL"
    assert mfa["Compliance"]["RelatedRequirements"] == ["CIS AWS Foundations Benchmark v3.0.0/1.5",
                                                         "CIS AWS Foundations Benchmark v5.0.0/1.4",
                                                         "AWS Security Hub/IAM.9"]
    assert mfa["Remediation"]["Recommendation"]["Url"].startswith("https://docs.aws.amazon.com/")
    assert findings["preflight/123456789012/us-east-1/cloudtrail-enabled"]["Compliance"]["Status"] == "PASSED"
    root = findings["preflight/123456789012/us-east-1/root-account-mfa-enabled/arn:aws:iam::123456789012:root"]
    assert root["Resources"][0]["Type"] == "AwsAccount" and root["Compliance"]["Status"] == "FAILED"
    set_root_mfa(True)
    invoke(cfn, "Create")
    findings = {f["Id"]: f for f in boto3.client("securityhub").get_findings()["Findings"]}
    assert len(findings) == 3  # the same ids, updated
    assert {f["Compliance"]["Status"] for f in findings.values()} == {"PASSED"}
    assert root["Id"] in findings and findings[root["Id"]]["Workflow"]["Status"] == "RESOLVED"


def test_a_bucket_that_no_longer_fails_has_its_security_hub_finding_resolved(cfn, deploy, caplog):
    for name in ("app-logs", "app-assets", "app-backups"):
        create_bucket(name)
    boto3.client("securityhub").enable_security_hub()
    deploy({"security_hub": True}, checks=("s3-bucket-ssl-requests-only",))
    invoke(cfn, "Create")
    prefix = "preflight/123456789012/us-east-1/s3-bucket-ssl-requests-only"
    findings = {f["Id"]: f for f in boto3.client("securityhub").get_findings()["Findings"]}
    assert set(findings) == {prefix} | {f"{prefix}/arn:aws:s3:::{n}" for n in ("app-logs", "app-assets", "app-backups")}
    assert findings[f"{prefix}/arn:aws:s3:::app-logs"]["Resources"][0]["Type"] == "AwsS3Bucket"
    boto3.client("s3").put_bucket_policy(Bucket="app-logs", Policy=tls_only_policy("app-logs"))
    caplog.clear()
    invoke(cfn, "Create")
    findings = {f["Id"]: f for f in boto3.client("securityhub").get_findings()["Findings"]}
    assert {i: (f["Compliance"]["Status"], f["Workflow"]["Status"]) for i, f in findings.items() if i != prefix} == {
        f"{prefix}/arn:aws:s3:::app-logs": ("PASSED", "RESOLVED"), f"{prefix}/arn:aws:s3:::app-assets": ("FAILED", "NEW"),
        f"{prefix}/arn:aws:s3:::app-backups": ("FAILED", "NEW")}
    [summary] = [json.loads(r.getMessage()) for r in caplog.records if hasattr(r, "preflight_report")]
    assert summary["deliveries"] == [{"destination": "security_hub", "delivered": True, "uri": None,
                                      "detail": "3 findings imported, 1 resolved in 1 region(s)"}]


def test_sns_is_notified_on_fail_with_the_failing_checks(cfn, deploy):
    make_compliant()
    set_root_mfa(False)
    boto3.client("sns").create_topic(Name="security-alerts")
    create_bucket("security-reports")
    deploy({"sns": {"topic_arn": TOPIC}, "s3": {"bucket": "security-reports"}})
    invoke(cfn, "Create")
    [(_, message, subject, *_)] = sent_notifications()
    assert subject == "preflight FAIL: app (123456789012 us-east-1)"
    assert "- root-account-mfa-enabled (FAIL): The root user has no MFA device." in message
    assert "Full report: s3://security-reports/preflight/123456789012/us-east-1/app/" in message


def test_sns_is_quiet_when_the_audit_passes(cfn, deploy):
    make_compliant()
    boto3.client("sns").create_topic(Name="security-alerts")
    deploy({"sns": {"topic_arn": TOPIC}})
    assert invoke(cfn, "Create").response["Status"] == "SUCCESS"
    assert sent_notifications() == []


def test_a_failing_destination_is_noted_and_never_changes_the_verdict(cfn, deploy, caplog):
    make_compliant()
    deploy({"s3": {"bucket": "no-such-bucket"}, "sns": {"topic_arn": TOPIC}})  # neither exists
    response = invoke(cfn, "Create").response
    assert response["Status"] == "SUCCESS"
    assert response["Reason"] == "PASS: all 2 checks passed."
    assert response["Data"]["ReportUri"] == ""
    assert "report destination s3 failed: NoSuchBucket" in caplog.text
    [summary] = [json.loads(r.getMessage()) for r in caplog.records if hasattr(r, "preflight_report")]
    assert [(d["destination"], d["delivered"]) for d in summary["deliveries"]] == [("s3", False), ("sns", True)]


def test_a_destination_that_hangs_does_not_delay_the_answer(cfn, deploy, monkeypatch):
    import threading

    from preflight.reporting import destinations

    release = threading.Event()
    monkeypatch.setattr(destinations, "_to_s3", lambda *args: release.wait() and None)
    make_compliant()
    deploy({"s3": {"bucket": "security-reports"}})
    try:
        invocation = invoke(cfn, "Create", remaining_s=3)
        assert invocation.arrived_at[0] < invocation.context.deadline
        assert invocation.response["Status"] == "SUCCESS"
        assert invocation.response["Data"]["ReportUri"] == ""
    finally:
        release.set()


def test_the_reports_section_is_validated():
    from preflight import baseline
    from preflight.errors import BaselineError
    from preflight.registry import default_registry

    with pytest.raises(BaselineError) as raised:
        baseline.parse({"checks": ["cloudtrail-enabled"], "reports": {"s3": "bucket", "securityhub": True,
                                                                      "sns": {"topic_arn": "my-topic"}}},
                       default_registry(), source="t")
    assert raised.value.problems == (
        "unknown reports destination 'securityhub' (did you mean 'security_hub'?)",
        "reports.s3 must be {bucket: NAME, prefix: PREFIX}",
        "reports.sns must be {topic_arn: arn:aws:sns:REGION:ACCOUNT:TOPIC}",
    )
