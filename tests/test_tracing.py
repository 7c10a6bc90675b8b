"""X-Ray in a traced Lambda: one subsegment per check, annotated, with every boto3 call nested under the
check that made it, across the runner's threads. Run in a fresh interpreter with Lambda's tracing
environment, against moto's server and a fake X-Ray daemon on 127.0.0.1."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cloudformation import event
from sim.xray_daemon import FakeXRayDaemon

ROOT = Path(__file__).resolve().parent.parent
TRACE_ID = "1-5759e988-bd862e3fe1be46a994272793"
@pytest.fixture
def daemon():
    fake = FakeXRayDaemon()
    yield fake
    fake.close()


def run_traced(daemon: FakeXRayDaemon, lambda_function, request: dict) -> dict[str, dict]:
    """The packaged function under awslambdaric with active tracing: the Runtime API hands it a sampled trace
    header, which awslambdaric puts in _X_AMZN_TRACE_ID, as Lambda does."""
    function = lambda_function(env={"AWS_XRAY_DAEMON_ADDRESS": daemon.address, "AWS_XRAY_SDK_ENABLED": "true"})
    invocation = function.invoke(request, 30, trace_header=f"Root={TRACE_ID};Parent=53995c3f42cd8ad8;Sampled=1")
    assert invocation.outcome is not None and invocation.outcome.kind == "response", function.log
    time.sleep(0.3)  # the last datagrams
    return daemon.entities()


def test_every_check_has_an_annotated_subsegment_with_its_aws_calls_nested(daemon, lambda_function, cfn):
    entities = run_traced(daemon, lambda_function, event("Create", cfn.url("t1"), request_id="t1"))
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
