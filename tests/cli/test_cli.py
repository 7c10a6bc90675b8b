"""The CLI as people and pipelines use it: exit codes, every output format (checked against its schema and
a snapshot file), several accounts at once, and errors that read like a person wrote them.

Snapshots live in tests/snapshots/; after an intended change of output, regenerate them with
`UPDATE_SNAPSHOTS=1 make test` and review the diff."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import boto3
import jsonschema
import pytest
import xmlschema

from preflight.cli import main
from tests.support.cli import matches_snapshot, run
from sim.account import make_compliant, set_root_mfa, start_config_recorder

from tests.support.paths import ROOT  # noqa: E402


@pytest.fixture
def account_without_root_mfa():
    make_compliant()
    set_root_mfa(False)


def test_a_compliant_account_exits_zero_with_a_readable_table():
    make_compliant()
    code, out, _ = run("audit")
    assert code == 0
    assert "Verdict: PASS" in out and "\033[" not in out  # plain text in a pipe


def test_a_failing_account_exits_one_and_says_how_to_fix(account_without_root_mfa):
    code, out, _ = run("audit")
    assert code == 1
    assert "How to fix:" in out and "- root-account-mfa-enabled:" in out


def test_audit_mode_reports_and_exits_zero(account_without_root_mfa):
    code, out, _ = run("audit", "--mode", "audit", "--format", "json")
    assert code == 0
    assert json.loads(out)["verdict"] == "FAIL"


def test_json_output_follows_its_schema_and_snapshot(account_without_root_mfa):
    code, out, _ = run("audit", "--format", "json")
    assert code == 1
    schema = json.loads((ROOT / "docs" / "schemas" / "report-1.schema.json").read_text())
    jsonschema.validate(json.loads(out), schema)
    matches_snapshot("audit.json", out)


def test_junit_output_follows_its_schema_and_snapshot(account_without_root_mfa):
    code, out, _ = run("audit", "--format", "junit")
    assert code == 1
    xmlschema.XMLSchema(ROOT / "docs" / "schemas" / "junit.xsd").validate(ET.fromstring(out))
    suites = ET.fromstring(out)
    assert (suites.get("tests"), suites.get("failures"), suites.get("errors")) == ("4", "1", "0")
    matches_snapshot("audit.junit.xml", out)


def test_sarif_output_is_sarif_2_1_0(account_without_root_mfa):
    code, out, _ = run("audit", "--format", "sarif")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    run_ = sarif["runs"][0]
    rule_ids = {r["id"] for r in run_["tool"]["driver"]["rules"]}
    assert all(r["ruleId"] in rule_ids for r in run_["results"])
    assert all(r["level"] in ("none", "note", "warning", "error") for r in run_["results"])
    assert all(r["kind"] in ("pass", "fail", "notApplicable", "review", "open", "informational") for r in run_["results"])
    [failed] = [r for r in run_["results"] if r["kind"] == "fail"]
    assert (failed["ruleId"], failed["level"]) == ("root-account-mfa-enabled", "error")
    matches_snapshot("audit.sarif.json", out)


def test_markdown_output_for_a_pull_request_comment(account_without_root_mfa):
    code, out, _ = run("audit", "--format", "markdown")
    assert out.startswith("## preflight: FAIL")
    assert "| FAIL | CRITICAL | `root-account-mfa-enabled` | - | The root user has no MFA device. |" in out
    matches_snapshot("audit.md", out)


def test_asff_output_is_security_hub_findings(account_without_root_mfa):
    code, out, _ = run("audit", "--format", "asff")
    findings = json.loads(out)
    assert {f["Id"] for f in findings} == {f"preflight/123456789012/us-east-1/{c}" for c in (
        "cloudtrail-enabled", "root-account-mfa-enabled", "s3-account-level-public-access-blocks",
        "config-recording-enabled")} | {  # and one for the failing resource, the root user
        "preflight/123456789012/us-east-1/root-account-mfa-enabled/arn:aws:iam::123456789012:root"}
    [root] = [f for f in findings if f["Id"].endswith(":root")]
    assert root["Resources"] == [{"Type": "AwsAccount", "Id": "arn:aws:iam::123456789012:root", "Partition": "aws",
                                  "Region": "us-east-1"}]
    assert root["Compliance"]["Status"] == "FAILED" and root["Workflow"]["Status"] == "NEW"
    boto3.client("securityhub").enable_security_hub()
    assert boto3.client("securityhub").batch_import_findings(Findings=findings)["FailedCount"] == 0


def test_output_to_a_file(account_without_root_mfa, tmp_path):
    target = tmp_path / "results.xml"
    code, out, err = run("audit", "--format", "junit", "--output", str(target))
    assert code == 1 and out == ""
    assert err == f"preflight: FAIL - junit written to {target}\n"
    ET.fromstring(target.read_text())


def test_a_named_baseline_runs_its_checks():
    code, out, _ = run("audit", "--baseline", "recommended", "--format", "json")
    assert code == 1
    report = json.loads(out)["reports"][0]
    assert len({f["check"] for f in report["findings"]}) == 15 and report["baseline"] == "recommended"


def test_regions_on_the_command_line(tmp_path):
    start_config_recorder(region="us-east-1")
    code, out, _ = run("audit", "--checks", "config-recording-enabled", "--regions", "us-east-1,eu-west-1",
                       "--format", "json")
    findings = json.loads(out)["reports"][0]["findings"]
    assert [(f["region"], f["status"]) for f in findings] == [("us-east-1", "PASS"), ("eu-west-1", "FAIL")]


def test_several_accounts_through_their_roles(account_without_root_mfa):
    roles = ["arn:aws:iam::123456789012:role/audit", "arn:aws:iam::123456789012:role/audit-again"]
    code, out, _ = run("audit", "--role-arn", roles[0], "--role-arn", roles[1], "--format", "json")
    result = json.loads(out)
    assert code == 1 and len(result["reports"]) == 2 and result["verdict"] == "FAIL"


# Errors, in words
def test_an_unknown_check_suggests_the_right_one():
    code, _, err = run("audit", "--checks", "root-mfa-enabled")
    assert code == 2 and "did you mean 'root-account-mfa-enabled'?" in err


def test_no_region(monkeypatch):
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert run("audit") == (2, "", "preflight: no AWS region is configured: pass --region or set AWS_REGION\n")


def test_no_credentials(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, _, err = run("audit")
    assert code == 2 and err.startswith("preflight: no AWS credentials found: pass --profile")


def test_an_expired_token(monkeypatch):
    from sim.stubs import answering, error

    session = answering({("sts", "GetCallerIdentity"): error("ExpiredToken", "The security token included in the "
                                                             "request is expired", 403)})
    monkeypatch.setattr("preflight.cli.credentials.session", lambda profile, region: session)
    code, _, err = run("audit")
    assert code == 2
    assert err == ("preflight: your AWS credentials have expired: refresh them (for example `aws sso login`) "
                   "and try again\n")


def test_a_region_that_is_not_enabled():
    code, _, err = run("audit", "--regions", "us-east-1,ap-east-1")
    assert code == 2
    assert err == ("preflight: region ap-east-1 is not enabled for account 123456789012: enable it in the "
                   "account's settings or leave it out of --regions\n")


def test_an_unknown_profile():
    code, _, err = run("audit", "--profile", "nobody")
    assert code == 2 and "The config profile (nobody) could not be found" in err


def test_a_broken_baseline_is_a_usage_error():
    code, _, err = run("audit", "--baseline", "ssm:/nope")
    assert code == 2 and "could not be fetched (ParameterNotFound" in err


@pytest.mark.parametrize("argv", [["audit", "--mode", "strict"], ["frobnicate"], ["audit", "--format", "xml"]])
def test_bad_arguments_exit_two(argv):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2


# The other commands
def test_checks_lists_the_catalogue():
    code, out, _ = run("checks")
    assert code == 0 and "cloudtrail-enabled" in out and "CloudTrail.1" in out
    assert len(json.loads(run("checks", "--format", "json")[1])) == 71


def test_explain_tells_everything_about_a_check():
    code, out, _ = run("explain", "iam-password-policy")
    assert code == 0
    for expected in ("Severity:      MEDIUM", "CIS AWS v3.0:  1.8, 1.9", "iam:GetAccountPasswordPolicy",
                     "minimum_length = 14", "Baselines:     recommended, cis-aws-foundations-v3", "How to fix:"):
        assert expected in out
    assert run("explain", "password-policy")[2].startswith("preflight: unknown check 'password-policy' (did you mean")


def test_validate_a_baseline_file(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("extends: minimal\nregions: all\nexemptions:\n  - {check: cloudtrail-enabled, reason: r, "
                    "approved_by: me, expires: 2020-01-01}\n")
    bad.write_text("checks: [cloudtrail-enabeld]\n")
    code, out, _ = run("validate", str(good))
    assert code == 0 and "valid. 4 checks (1 regional), mode enforce" in out and "1 exemption (1 expired)" in out
    code, _, err = run("validate", str(bad))
    assert code == 2 and "unknown check 'cloudtrail-enabeld' (did you mean 'cloudtrail-enabled'?)" in err
    assert run("validate", "recommended")[0] == 0


@pytest.mark.parametrize("token_from", ["export", "ssm"])
def test_snippet_prints_a_block_that_lints_clean(token_from):
    from tests.support.templates import lint

    code, out, _ = run("snippet", "--token-from", token_from)
    assert code == 0
    assert lint('AWSTemplateFormatVersion: "2010-09-09"\n' + out) == []


def test_the_installed_command_runs_in_a_subprocess():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run([sys.executable, "-m", "preflight", "explain", "cloudtrail-enabled"],
                               capture_output=True, text=True, env=env, timeout=60)
    assert completed.returncode == 0 and completed.stdout.startswith("cloudtrail-enabled\n")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_progress_on_a_terminal_and_none_in_a_pipe(account_without_root_mfa):
    from preflight.audit import run_audit
    from preflight.aws.access import AwsAccess
    from preflight.baseline import load
    from preflight.cli.progress import Progress
    from preflight.registry import default_registry
    from preflight.concurrency import Deadline

    terminal = Terminal()
    progress = Progress(terminal)
    policy = load("", None, default_registry())
    run_audit(policy, AwsAccess(region="us-east-1", account_id="123456789012"), Deadline.after(10), observer=progress)
    progress.close()
    drawn = terminal.getvalue()
    assert re.search(r"\d/\d checks done; waiting: [a-z]", drawn)  # how far it got depends on thread timing
    assert "4/4 checks done" in drawn and drawn.endswith("\r\033[K")
    assert run("audit")[2] == ""  # in a pipe: nothing but the result


def test_a_pipeline_gates_on_the_exit_code_of_a_real_process(moto_endpoint, tmp_path):
    from sim.moto_server import client_environment

    env = {**os.environ, **client_environment(moto_endpoint), "PYTHONPATH": str(ROOT)}
    report = tmp_path / "preflight.xml"
    completed = subprocess.run(
        [sys.executable, "-m", "preflight", "audit", "--checks", "root-account-mfa-enabled", "--format", "junit",
         "--output", str(report)], capture_output=True, text=True, env=env, timeout=120)
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == f"preflight: FAIL - junit written to {report}\n"
    assert ET.fromstring(report.read_text()).get("failures") == "1"


def test_log_lines_go_above_the_progress_line_never_into_it():
    import logging

    from preflight.cli.progress import Progress

    terminal = Terminal()
    progress = Progress(terminal)
    progress.expect(["cloudtrail-enabled", "root-account-mfa-enabled"])
    logging.getLogger("preflight.test").addHandler(handler := progress.log_handler())
    try:
        logging.getLogger("preflight.test").warning("check cloudtrail-enabled raised ThrottlingException")
    finally:
        logging.getLogger("preflight.test").removeHandler(handler)
    drawn = terminal.getvalue()
    # the progress line is cleared, the log line printed whole on its own line, then the progress line again
    assert ("\r\033[Kwarning: check cloudtrail-enabled raised ThrottlingException\n"
            "\r\033[K0/2 checks done; waiting: cloudtrail-enabled, root-account-mfa-enabled") in drawn


def test_the_catalogue_labels_the_cis_items_the_benchmark_marks_manual():
    code, out, _ = run("checks")
    [row] = [line for line in out.splitlines() if line.startswith("cis-monitoring-unauthorized-api-calls ")]
    assert "4.1 (Manual)" in row  # CIS v3.0.0 and v5.0.0 both mark 4.1 Manual
    assert json.loads(run("checks", "--format", "json")[1])[0]["cis_aws_v5"] is not None
    explained = run("explain", "restricted-common-ports")[1]
    assert "CIS AWS v3.0:  -" in explained and "CIS AWS v5.0:  5.1.2" in explained
