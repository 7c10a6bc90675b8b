"""X-Ray in a traced Lambda: one subsegment per check, annotated, with every boto3 call nested under the
check that made it, across the runner's threads. Run in a fresh interpreter with Lambda's tracing
environment, against moto's server and a fake X-Ray daemon on 127.0.0.1."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from sim.cloudformation import event
from sim.xray_daemon import FakeXRayDaemon

from tests.support.paths import ROOT  # noqa: E402
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


# Run in a fresh interpreter with Lambda's tracing variables: two invocations of one warm container (the trace
# header changes between them, as awslambdaric sets it), each with a check that hangs past the deadline.
TIMEOUT_SCRIPT = """
import json, os, threading
from preflight import tracing
from preflight.aws.access import AwsAccess
from preflight.model import Check, CheckMeta, Controls, Severity, passed
from preflight.policy import Policy, Selection
from preflight.concurrency import Deadline
from preflight.runner import Runner

assert tracing.start()
aws = AwsAccess(region="us-east-1", account_id="123456789012")

def audit(trace_id, release):
    os.environ["_X_AMZN_TRACE_ID"] = f"Root={trace_id};Parent=53995c3f42cd8ad8;Sampled=1"
    hung = Check(CheckMeta("hung", "hung", Severity.LOW, Controls(), "fix", "https://example.invalid", ()),
                 lambda ctx: (release.wait(10), passed("late"))[1])
    quick = Check(CheckMeta("quick", "quick", Severity.LOW, Controls(), "fix", "https://example.invalid", ()),
                  lambda ctx: passed("ok"))
    runner = Runner()
    findings, _ = runner.run(Policy((Selection.of(hung), Selection.of(quick))), aws, Deadline.after(0.3))
    return runner, [f.status.value for f in findings]

# 1: the abandoned check finishes during its own invocation; 2: only during the next one
first, second = threading.Event(), threading.Event()
runner, statuses = audit("%s", first)
first.set()
assert runner.settle(5)
later, statuses_2 = audit("%s", second)
audit("%s", threading.Event())  # the next invocation; its own hung check is never released
second.set()
assert later.settle(5)
print(json.dumps([statuses, statuses_2]))
"""


def test_a_check_abandoned_at_the_deadline_is_traced_as_timeout_and_never_in_the_next_request(daemon):
    traces = ["1-5759e988-00000000000000000000000a", "1-5759e988-00000000000000000000000b",
              "1-5759e988-00000000000000000000000c"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAMBDA_TASK_ROOT": str(ROOT), "AWS_XRAY_SDK_ENABLED": "true",
           "AWS_XRAY_DAEMON_ADDRESS": daemon.address}
    env.pop("PREFLIGHT_TRACING", None)
    out = subprocess.run([sys.executable, "-c", TIMEOUT_SCRIPT % tuple(traces)], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [["TIMEOUT", "PASS"], ["TIMEOUT", "PASS"]]
    daemon.drain()  # the process has exited: every datagram it sent is in the daemon's buffer, read in order
    entities = [e for e in daemon.entities().values() if "check_id" in e.get("annotations", {})]
    assert {e["parent_id"] for e in entities} == {"53995c3f42cd8ad8"}  # each a child of its invocation's segment
    checks = [(e["trace_id"], e["annotations"]["check_id"], e["annotations"].get("status")) for e in entities]
    assert sorted(checks) == sorted([
        (traces[0], "hung", "TIMEOUT"),  # marked at the deadline; the late PASS did not overwrite it
        (traces[0], "quick", "PASS"),
        # The second hung check ended in the next invocation: the SDK drops it, never puts it in that trace
        (traces[1], "quick", "PASS"),
        (traces[2], "quick", "PASS"),
    ])


@pytest.mark.parametrize("setting, in_lambda, imported", [
    (None, False, set()), ("off", True, set()), (None, True, {"aws_xray_sdk"}), ("xray", True, {"aws_xray_sdk"}),
    ("otel", True, {"opentelemetry"}), ("otel", False, {"opentelemetry"})])
def test_only_the_chosen_backend_is_imported(setting, in_lambda, imported, tmp_path):
    code = ("import sys, preflight.handler; "
            "print(sorted(m for m in ('aws_xray_sdk', 'opentelemetry') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_XRAY_SDK_ENABLED": "true"}
    for variable in ("PREFLIGHT_TRACING", "LAMBDA_TASK_ROOT", "AWS_XRAY_DAEMON_ADDRESS"):
        env.pop(variable, None)
    if setting:
        env["PREFLIGHT_TRACING"] = setting
    if in_lambda:  # the daemon address is only written down at import: nothing is sent
        env.update(LAMBDA_TASK_ROOT=str(tmp_path), AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:2000")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert set(json.loads(out.replace("'", '"'))) == imported
