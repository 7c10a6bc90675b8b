"""The packaged zip as Lambda runs it: unpacked into an empty folder, started by AWS's own runtime interface
client (awslambdaric) with Lambda's environment, fed through the Runtime API's HTTP protocol, talking to
moto's server and answering a local HTTPS stand-in for CloudFormation's pre-signed URL.

awslambdaric builds the context itself - memory_limit_in_mb is the *string* "128" - which is what every
Create failed on before (issue 9); no test here hands the handler a context of its own.
"""
from __future__ import annotations

import shutil
import socket
import time

import pytest

from tests.support.paths import EVENTS
from sim.account import make_compliant, set_root_mfa
from sim.cloudformation import event
from sim.lambda_runtime import LambdaFunction
from sim.moto_server import client_environment


@pytest.fixture(scope="module")
def warm(task_root, runtime_root, moto_endpoint, response_server):
    """One execution environment kept warm across this module's plain scenarios, as Lambda keeps one."""
    with LambdaFunction(task_root, runtime_root, env=client_environment(moto_endpoint)) as function:
        yield function


def answered(cfn, function, request: dict, timeout_s: float = 30.0) -> dict:
    """Invokes the function with a CloudFormation event and returns the one response CloudFormation got."""
    before = len(cfn.received)
    invocation = function.invoke(request, timeout_s)
    assert invocation.outcome is not None, f"no word from the function:\n{function.log}"
    assert invocation.outcome.kind == "response", f"the handler raised to Lambda:\n{invocation.outcome.body}"
    arrived = cfn.received[before:]
    assert len(arrived) == 1, f"expected exactly one response, got {len(arrived)}:\n{function.log}"
    assert "X-Amz-Signature" not in function.log
    return arrived[0].body


def test_a_create_in_a_compliant_account_succeeds(cfn, warm):
    make_compliant()
    response = answered(cfn, warm, event("Create", cfn.url("c1")))
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert response["Data"]["Verdict"] == "PASS"
    assert response["PhysicalResourceId"].startswith("Preflight-")


def test_a_create_in_a_failing_account_fails_naming_the_check(cfn, warm):
    make_compliant()
    set_root_mfa(False)
    response = answered(cfn, warm, event("Create", cfn.url("c2")))
    assert response["Status"] == "FAILED"
    assert response["Reason"] == "FAIL: root-account-mfa-enabled: The root user has no MFA device."


def test_the_memory_size_string_from_the_runtime_is_read_as_a_number(cfn, lambda_function, tmp_path, monkeypatch):
    """awslambdaric reads AWS_LAMBDA_FUNCTION_MEMORY_SIZE as a string; the capacity guard must compare it."""
    baseline = tmp_path / "all-regions.yaml"
    baseline.write_text("extends: recommended\nregions: all\n")
    monkeypatch.setenv("PREFLIGHT_BASELINE", f"file:{baseline}")
    response = answered(cfn, lambda_function(memory_mb=128), event("Create", cfn.url("m1")))
    assert response["Status"] == "FAILED"
    assert "the auditor has 128 MiB. Raise its MemorySize to" in response["Reason"]


def test_updates_in_one_warm_container_rerun_the_audit_and_a_rollback_succeeds(cfn, warm):
    make_compliant()
    function = warm
    created = answered(cfn, function, event("Create", cfn.url("u1"), {"Revision": "1"}))
    assert created["Status"] == "SUCCESS"
    set_root_mfa(False)
    updated = answered(cfn, function, event("Update", cfn.url("u2"), {"Revision": "2"}, old_properties={"Revision": "1"},
                                            physical_id=created["PhysicalResourceId"]))
    assert updated["Status"] == "FAILED" and "root-account-mfa-enabled" in updated["Reason"]
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]
    rollback = answered(cfn, function, event("Update", cfn.url("u3"), {"Revision": "1"}, old_properties={"Revision": "2"},
                                             physical_id=created["PhysicalResourceId"]))
    assert rollback["Status"] == "SUCCESS"


def test_a_delete_succeeds_at_once_with_its_own_id(cfn, warm):
    function = warm
    answered(cfn, function, event("Create", cfn.url("warm-up")))  # the cold start is not the Delete's
    started = time.monotonic()
    response = answered(cfn, function, event("Delete", cfn.url("d1"), physical_id="Preflight-0123456789abcdef"))
    assert time.monotonic() - started < 5  # no audit, no sleep (crhelper's default would wait 120 s)
    assert response["Status"] == "SUCCESS"
    assert response["PhysicalResourceId"] == "Preflight-0123456789abcdef"


def test_a_malformed_event_is_answered_and_never_raised_to_lambda(cfn, warm):
    function = warm
    request = event("Create", cfn.url("bad"))
    del request["StackId"]
    response = answered(cfn, function, request)
    assert response["Status"] == "FAILED"
    assert response["Reason"] == "Malformed custom resource request: the event lacks StackId."
    for garbage in ([], "Create", None, {"RequestType": "Create"}):  # nothing to answer: logged, never raised
        invocation = function.invoke(garbage, 10)
        assert invocation.outcome is not None and invocation.outcome.kind == "response"
    assert len(cfn.received) == 1  # only the malformed event with a ResponseURL was answered


def test_a_forged_invoke_is_neither_audited_nor_answered(cfn, warm):
    function = warm
    audits_before = function.log.count('"event": "audit"')
    invocation = function.invoke(event("Create", "https://attacker.example/collect?X-Amz-Signature=1"), 10)
    assert invocation.outcome.kind == "response"
    assert cfn.received == []
    assert "refusing a request whose ResponseURL (host attacker.example)" in function.log
    assert function.log.count('"event": "audit"') == audits_before  # nothing was audited


@pytest.mark.parametrize("module", ["checks/root_account.py", "preflight/reporting/destinations.py"])
def test_a_broken_deploy_still_answers_every_request(cfn, lambda_function, task_root, tmp_path, module):
    """Whatever module is broken - a check, or one the serving path behind both doors imports."""
    import json

    broken = tmp_path / "task"
    shutil.copytree(task_root, broken)
    (broken / module).write_text("raise ImportError('simulated broken deploy')\n")
    function = lambda_function(broken)
    hook_request = json.loads((EVENTS / "hook-stack-create.json").read_text())
    hooked = function.invoke(hook_request, 10).outcome.body
    assert (hooked["hookStatus"], hooked["errorCode"]) == ("FAILED", "InternalFailure")
    assert hooked["message"].startswith("The preflight auditor failed to start (ImportError: simulated broken deploy)")
    for request_type in ("Create", "Update"):
        response = answered(cfn, function, event(request_type, cfn.url(request_type), {"Revision": "2"}))
        assert response["Status"] == "FAILED"
        assert response["Reason"] == (
            "The preflight auditor failed to start (ImportError: simulated broken deploy); see its log.")
    deleted = answered(cfn, function, event("Delete", cfn.url("del")))
    assert deleted["Status"] == "SUCCESS"
    assert "simulated broken deploy" in function.log


@pytest.fixture
def black_hole():
    """A port that accepts connections and never answers: an AWS endpoint that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://localhost:{listener.getsockname()[1]}"


def test_a_hanging_aws_call_is_answered_before_the_runtime_deadline(cfn, lambda_function, black_hole):
    make_compliant()
    function = lambda_function(env={"AWS_ENDPOINT_URL_IAM": black_hole})
    answered(cfn, function, event("Create", cfn.url("warm"), {"Checks": ["cloudtrail-enabled"]}))
    response = answered(cfn, function, event("Create", cfn.url("slow")), timeout_s=4)
    invocation = function.api.invocations[-1]
    # the handler returns only once the response is delivered, so this bounds the delivery too
    assert invocation.outcome.at * 1000 < invocation.deadline_ms, "the answer came after Lambda's deadline"
    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith("FAIL: root-account-mfa-enabled (TIMEOUT): did not finish within")


def test_a_hook_request_is_answered_by_the_return_value(warm):
    """A Lambda Hook reads the function's response (synchronous invoke), not a ResponseURL."""
    import json

    make_compliant()
    set_root_mfa(False)
    request = json.loads((EVENTS / "hook-stack-create.json").read_text())
    invocation = warm.invoke(request, 30)
    assert invocation.outcome.kind == "response"
    response = invocation.outcome.body
    assert (response["hookStatus"], response["errorCode"]) == ("FAILED", "NonCompliant")
    assert response["clientRequestToken"] == request["clientRequestToken"]
    assert any(a["annotationName"] == "root-account-mfa-enabled" and a["status"] == "FAILED"
               for a in response["annotations"])
