"""A baseline's detective controls through the doors: the CLI in every format, and the Lambda Hook's annotations."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import boto3
import jsonschema
import pytest
import xmlschema

from sim import config_compliance as config
from sim.security_hub_findings import control_finding
from tests.support.cli import run
from tests.support.paths import ROOT

BASELINE = """\
config_rules: [restricted-ssh]
security_hub_controls: [IAM.1]
"""


@pytest.fixture
def baseline(tmp_path):
    config.add_rule("restricted-ssh")
    config.evaluate("restricted-ssh", "sg-0123456789abcdef0", "NON_COMPLIANT")
    control_finding("IAM.1", "arn:aws:iam::123456789012:policy/admin", "FAILED", workflow="SUPPRESSED",
                    note="break-glass policy")
    path = tmp_path / "baseline.yaml"
    path.write_text(BASELINE)
    return f"file:{path}"


def test_json_follows_the_report_schema(baseline):
    code, out, _ = run("audit", "--baseline", baseline, "--format", "json")
    report = json.loads(out)
    jsonschema.validate(report, json.loads((ROOT / "docs" / "schemas" / "report-1.schema.json").read_text()))
    statuses = {f["check"]: f["status"] for f in report["reports"][0]["findings"]}
    assert (code, statuses) == (1, {"config-rule:restricted-ssh": "FAIL", "security-hub:IAM.1": "EXEMPT"})


def test_junit_sarif_and_asff(baseline):
    code, out, _ = run("audit", "--baseline", baseline, "--format", "junit")
    xmlschema.XMLSchema(ROOT / "docs" / "schemas" / "junit.xsd").validate(ET.fromstring(out))
    sarif = json.loads(run("audit", "--baseline", baseline, "--format", "sarif")[1])
    [failed] = [r for r in sarif["runs"][0]["results"] if r["kind"] == "fail"]
    assert failed["ruleId"] == "config-rule:restricted-ssh"
    findings = json.loads(run("audit", "--baseline", baseline, "--format", "asff")[1])
    boto3.client("securityhub").enable_security_hub()
    assert boto3.client("securityhub").batch_import_findings(Findings=findings)["FailedCount"] == 0


def test_checks_name_the_controls_as_they_name_any_check(baseline):
    code, out, err = run("audit", "--baseline", baseline, "--checks", "security-hub:IAM.1")
    assert code == 2 and "the baseline requires config-rule:restricted-ssh; properties may not turn it off" in err
    path = baseline[len("file:"):]
    with open(path, "a") as document:
        document.write("allow_overrides: true\n")
    code, out, _ = run("audit", "--baseline", baseline, "--checks", "security-hub:IAM.1", "--format", "json")
    assert [f["check"] for f in json.loads(out)["reports"][0]["findings"]] == ["security-hub:IAM.1"] and code == 0


def test_the_hook_blocks_on_a_config_rule_with_its_annotation(deploy_baseline, cfn, monkeypatch):
    from preflight import handler
    from preflight.cloudformation import hook
    from tests.support.handler import invoke_hook

    monkeypatch.setattr(handler, "verdicts", hook.VerdictCache(ttl_s=0))
    config.add_rule("restricted-ssh")
    config.evaluate("restricted-ssh", "sg-0123456789abcdef0", "NON_COMPLIANT")
    deploy_baseline("config_rules: [{name: restricted-ssh, severity: HIGH}]\n")
    response = invoke_hook(cfn, "hook-stack-create.json", 60.0)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant"
    by_name = {a["annotationName"]: a for a in response["annotations"]}
    annotation = by_name["config-rule:restricted-ssh (us-east-1)"]
    assert (annotation["status"], annotation["severityLevel"]) == ("FAILED", "HIGH")
    assert "security-group/sg-0123456789abcdef0" in annotation["statusMessage"]
    assert annotation["remediationLink"].endswith("configRuleName=restricted-ssh")
