"""X-Ray in a traced Lambda: one subsegment per check, annotated, with every boto3 call nested under the
check that made it, across the runner's threads. Run in a fresh interpreter with Lambda's tracing
environment, against moto's server and a fake X-Ray daemon on 127.0.0.1."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cloudformation import FUNCTION_ARN, event
from sim.moto_server import client_environment
from sim.xray_daemon import FakeXRayDaemon

ROOT = Path(__file__).resolve().parent.parent
TRACE_ID = "1-5759e988-bd862e3fe1be46a994272793"
INVOKE = """
import json, sys, time
started = time.monotonic()
from preflight.handler import handler

class Context:
    invoked_function_arn = sys.argv[1]
    aws_request_id = "traced"
    def get_remaining_time_in_millis(self):
        return int((started + 30 - time.monotonic()) * 1000)

handler(json.loads(sys.stdin.read()), Context())
"""


@pytest.fixture
def daemon():
    fake = FakeXRayDaemon()
    yield fake
    fake.close()


def run_traced(daemon: FakeXRayDaemon, moto_endpoint: str, request: dict, tmp_path: Path) -> dict[str, dict]:
    env = {**os.environ, **client_environment(moto_endpoint),
           "LAMBDA_TASK_ROOT": str(tmp_path), "AWS_XRAY_DAEMON_ADDRESS": daemon.address,
           "_X_AMZN_TRACE_ID": f"Root={TRACE_ID};Parent=53995c3f42cd8ad8;Sampled=1",
           "AWS_XRAY_SDK_ENABLED": "true", "PYTHONPATH": str(ROOT)}
    completed = subprocess.run([sys.executable, "-c", INVOKE, FUNCTION_ARN], input=json.dumps(request), env=env,
                               capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    time.sleep(0.3)  # the last datagrams
    return daemon.entities()


def test_every_check_has_an_annotated_subsegment_with_its_aws_calls_nested(daemon, moto_endpoint, cfn, tmp_path):
    entities = run_traced(daemon, moto_endpoint, event("Create", cfn.url("t1"), request_id="t1"), tmp_path)
    assert cfn.wait_for(1)[0].body["Status"] == "FAILED"  # an empty moto account fails the baseline
    assert {e["trace_id"] for e in entities.values()} == {TRACE_ID}
    checks = {e["annotations"]["check_id"]: e for e in entities.values() if "check_id" in e.get("annotations", {})}
    assert set(checks) == {"cloudtrail-enabled", "root-account-mfa-enabled",
                           "s3-account-level-public-access-blocks", "config-recording-enabled"}
    assert {c["annotations"]["status"] for c in checks.values()} == {"FAIL"}
    calls = [e for e in entities.values() if e.get("namespace") == "aws"]
    operations = {(e["aws"]["operation"], entities[e["parent_id"]]["annotations"]["check_id"]) for e in calls}
    assert operations >= {
        ("DescribeTrails", "cloudtrail-enabled"),
        ("GetAccountSummary", "root-account-mfa-enabled"),
        ("GetPublicAccessBlock", "s3-account-level-public-access-blocks"),
        # made on the check's own helper threads, and still nested under it
        ("DescribeConfigurationRecorders", "config-recording-enabled"),
        ("DescribeConfigurationRecorderStatus", "config-recording-enabled"),
    }
    assert all("check_id" in entities[e["parent_id"]].get("annotations", {}) for e in calls)


def test_without_tracing_nothing_imports_the_sdk():
    code = ("import sys; from preflight.cli import main; import preflight.handler, preflight.runner; "
            "print('aws_xray_sdk' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LAMBDA_TASK_ROOT", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
