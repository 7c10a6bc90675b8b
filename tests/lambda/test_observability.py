"""Structured log lines and EMF metrics from a real handler run."""
from __future__ import annotations

import json
import logging

from sim.account import make_compliant, set_root_mfa
from tests.support.handler import invoke


def emf_blobs(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def test_one_log_line_per_finding_and_one_summary_carrying_the_request(cfn, caplog):
    caplog.set_level(logging.INFO)
    make_compliant()
    set_root_mfa(False)
    invocation = invoke(cfn, "Create")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "preflight.audit"]
    findings = [line for line in lines if line["event"] == "finding"]
    [summary] = [line for line in lines if line["event"] == "audit"]
    assert len(findings) == 4
    for line in findings + [summary]:
        assert line["stack_id"] == invocation.event["StackId"]
        assert line["logical_id"] == "Preflight"
        assert line["request_id"] == invocation.event["RequestId"]
    [mfa] = [f for f in findings if f["check"] == "root-account-mfa-enabled"]
    assert (mfa["status"], mfa["severity"]) == ("FAIL", "CRITICAL") and mfa["duration_ms"] >= 0
    assert summary["verdict"] == "FAIL" and len(summary["findings"]) == 4
    assert "X-Amz-Signature" not in caplog.text


def test_metrics_in_embedded_metric_format(cfn, capsys):
    make_compliant()
    set_root_mfa(False)
    invoke(cfn, "Create")
    blobs = emf_blobs(capsys.readouterr().out)
    [audit] = [b for b in blobs if "AuditDuration" in b]
    assert audit["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Preflight"
    assert audit["ChecksFailed"] == [1.0] and audit["AuditsFailed"] == [1.0]
    [per_check] = [b for b in blobs if "CheckFailures" in b]
    assert per_check["CheckId"] == "root-account-mfa-enabled" and per_check["CheckFailures"] == [1.0]


def test_a_passing_audit_reports_zero_failures(cfn, capsys):
    make_compliant()
    invoke(cfn, "Create")
    blobs = emf_blobs(capsys.readouterr().out)
    [audit] = [b for b in blobs if "AuditDuration" in b]
    assert audit["ChecksFailed"] == [0.0] and audit["AuditsFailed"] == [0.0]
    assert not [b for b in blobs if "CheckFailures" in b]
