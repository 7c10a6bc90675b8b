"""The same engine behind a CloudFormation Lambda Hook: canned hook requests in, the documented response out.

Source: CloudFormation Hooks User Guide, "Create Lambda functions to evaluate resources for Lambda Hooks"
(hookStatus SUCCESS/FAILED, errorCode NonCompliant/InternalFailure, message up to 4,096 characters,
clientRequestToken echoed, annotations with annotationName, status PASSED/FAILED/SKIPPED, statusMessage,
remediationMessage, remediationLink and severityLevel; the hook waits at most 30 s).
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from preflight import handler, hook
from sim.account import make_compliant, set_root_mfa
from sim.cloudformation import FakeLambdaContext
from tests.handler_support import invoke_hook

EVENTS = Path(__file__).resolve().parent / "events"


def request(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


@pytest.fixture(autouse=True)
def fresh_verdicts(monkeypatch, cfn):
    global CFN
    CFN = cfn  # serves each request's pre-signed payload URL (the template being deployed) on 127.0.0.1
    monkeypatch.setattr(handler, "verdicts", hook.VerdictCache(ttl_s=0))


def answer(name: str, remaining_s: float = 60.0, **changes) -> dict:
    return invoke_hook(CFN, name, remaining_s, **changes)


def test_a_stack_create_in_a_failing_account_is_blocked_with_an_annotation_per_check():
    make_compliant()
    set_root_mfa(False)
    response = answer("hook-stack-create.json")
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant"
    assert response["clientRequestToken"] == "f1e2d3c4-5b6a-4789-8abc-0123456789ab"
    assert response["message"] == "FAIL: root-account-mfa-enabled: The root user has no MFA device."
    by_name = {a["annotationName"]: a for a in response["annotations"]}
    assert set(by_name) == {"cloudtrail-enabled", "root-account-mfa-enabled", "s3-account-level-public-access-blocks",
                            "config-recording-enabled (us-east-1)", "template-iam-actions-exist"}
    failed = by_name["root-account-mfa-enabled"]
    assert (failed["status"], failed["severityLevel"]) == ("FAILED", "CRITICAL")
    assert failed["remediationLink"].startswith("https://docs.aws.amazon.com/")
    assert "MFA" in failed["remediationMessage"]
    assert by_name["cloudtrail-enabled"]["status"] == "PASSED"


@pytest.mark.parametrize("name", ["hook-stack-create.json", "hook-stack-update.json", "hook-change-set.json"])
def test_a_compliant_account_passes_stacks_and_change_sets(name):
    make_compliant()
    response = answer(name)
    assert response["hookStatus"] == "SUCCESS" and "errorCode" not in response
    assert response["clientRequestToken"] == request(name)["clientRequestToken"]
    assert all(a["status"] == "PASSED" for a in response["annotations"])


def test_a_delete_is_never_blocked():
    response = answer("hook-stack-delete.json")  # in a failing account
    assert response == {"hookStatus": "SUCCESS", "message": "preflight never blocks a delete.",
                        "clientRequestToken": "f1e2d3c4-5b6a-4789-8abc-0123456789ab"}


def test_resource_targets_are_not_gated():
    response = answer("hook-resource.json")
    assert response["hookStatus"] == "SUCCESS" and "not audited" in response["message"]


@pytest.mark.parametrize("name, problem", [
    ("hook-malformed.json", "requestData is missing"),
    ("hook-unknown-target.json", "unknown requestData.targetType 'EVERYTHING'"),
])
def test_a_malformed_request_is_an_internal_failure_in_words(name, problem):
    response = answer(name)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "InternalFailure"
    assert response["message"] == f"Malformed hook request: {problem}."
    assert "Traceback" not in json.dumps(response)


def test_an_event_that_is_neither_gets_a_clear_error():
    assert handler.handler({"hello": "world"}, FakeLambdaContext(5)) == {
        "error": "preflight answers CloudFormation custom-resource events and Lambda Hook requests only"}


def test_an_unreadable_baseline_is_an_internal_failure(monkeypatch):
    from preflight.baseline_cache import BaselineCache

    monkeypatch.setenv("PREFLIGHT_BASELINE", "ssm:/preflight/missing")
    monkeypatch.setattr(handler, "baselines", BaselineCache())
    response = answer("hook-stack-create.json")
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "InternalFailure"
    assert response["message"].startswith("The preflight baseline could not be loaded")


def test_audit_mode_lets_the_stack_through_and_still_tells_the_truth(deploy_baseline):
    set_root_mfa(False)
    deploy_baseline("checks: [root-account-mfa-enabled]\nmode: audit\n")
    response = answer("hook-stack-create.json")
    assert response["hookStatus"] == "SUCCESS"
    assert response["message"].startswith("FAIL (audit mode, not enforced): root-account-mfa-enabled")
    assert response["annotations"][0]["status"] == "FAILED"


def test_exempt_and_not_blocking_findings_are_skipped_with_the_why(deploy_baseline):
    make_compliant()
    deploy_baseline("checks: [ebs-encryption-by-default]\nexemptions:\n  - {check: ebs-encryption-by-default, "
                    "reason: legacy AMIs, approved_by: ciso@example.com, expires: 2099-01-01}\n")
    response = answer("hook-stack-create.json")
    assert response["hookStatus"] == "SUCCESS"
    [annotation] = [a for a in response["annotations"] if a["annotationName"] == "ebs-encryption-by-default (us-east-1)"]
    assert annotation["status"] == "SKIPPED"
    assert annotation["statusMessage"].startswith("exempt: ") and "legacy AMIs" in annotation["statusMessage"]


def test_a_hanging_check_is_answered_within_the_hook_budget_whatever_the_function_timeout(monkeypatch):
    """The function may have 15 minutes; CloudFormation waits 30 s. The audit's deadline follows the hook."""
    from preflight.model import Check, CheckMeta, Controls, Severity, passed
    from preflight.registry import Registry

    release = threading.Event()
    hanging = Check(CheckMeta("hanging", "hangs", Severity.LOW, Controls(), "fix", "https://docs.aws.amazon.com/", ()),
                    lambda ctx: (release.wait(), passed("late"))[1])
    monkeypatch.setattr(handler, "registry", Registry([hanging]))
    monkeypatch.setattr(hook, "HOOK_BUDGET_S", 3.0)  # the same arithmetic as 25 s, sooner
    from preflight.baseline_cache import BaselineCache

    monkeypatch.setattr(handler, "baselines", BaselineCache(source=""))
    monkeypatch.setattr("preflight.baseline.HEADLINE", ("hanging",))
    started = time.monotonic()
    try:
        response = answer("hook-stack-create.json", remaining_s=900)
    finally:
        release.set()
    assert time.monotonic() - started < 3.0
    assert response["hookStatus"] == "FAILED"
    assert response["message"].startswith("FAIL: hanging (TIMEOUT)")


def test_a_reused_verdict_says_when_it_was_judged_and_costs_no_audit(monkeypatch):
    make_compliant()
    monkeypatch.setattr(handler, "verdicts", hook.VerdictCache(ttl_s=30))
    first = answer("hook-stack-create.json")
    set_root_mfa(False)  # within the reuse window, the earlier verdict stands
    second = answer("hook-stack-update.json")
    assert first["hookStatus"] == second["hookStatus"] == "SUCCESS"
    assert second["message"].startswith("(verdict of ") and ", reused) PASS" in second["message"]
    assert second["clientRequestToken"] == request("hook-stack-update.json")["clientRequestToken"]


def test_the_message_and_annotations_stay_within_the_documented_lengths(monkeypatch):
    from preflight.model import Check, CheckMeta, Controls, Severity, failed
    from preflight.policy import Policy, Selection
    from preflight.registry import Registry

    noisy = [Check(CheckMeta(f"noisy-{i:03d}-" + "x" * 1100, "t", Severity.LOW, Controls(), "r" * 20000,
                             "https://docs.aws.amazon.com/" + "y" * 6000, ()), lambda ctx: failed("m" * 5000))
             for i in range(40)]

    from preflight.baseline_cache import BaselineCache

    class Fixed(BaselineCache):
        def get(self, aws, registry):
            return Policy(tuple(Selection.of(c) for c in noisy))

    monkeypatch.setattr(handler, "baselines", Fixed())
    monkeypatch.setattr(handler, "registry", Registry(noisy))
    response = answer("hook-stack-create.json")
    assert len(response["message"]) <= hook.MAX_MESSAGE_CHARS
    for annotation in response["annotations"]:
        assert len(annotation["annotationName"]) <= 1024
        assert len(annotation["remediationMessage"]) <= 16384
        assert len(annotation["remediationLink"]) <= 5120


def test_a_throttling_storm_is_answered_within_the_hook_budget(monkeypatch):
    """Every AWS call throttled: each check ERRORs after bounded retries, and the answer comes in time. Nothing
    was judged, so the stack is refused as the hook's InternalFailure, not as a compliance verdict."""
    from preflight.aws import AwsAccess, new_session
    from sim.cloudformation import ACCOUNT_ID, REGION
    from sim.faults import storm

    make_compliant()
    session = new_session(region_name=REGION)
    monkeypatch.setattr(handler, "_aws", AwsAccess(session, account_id=ACCOUNT_ID))
    storm(session, "ThrottlingException")
    monkeypatch.setattr(hook, "HOOK_BUDGET_S", 4.0)  # the same arithmetic as 25 s, sooner
    started = time.monotonic()
    response = answer("hook-stack-create.json", remaining_s=900)
    assert time.monotonic() - started < hook.HOOK_BUDGET_S
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "InternalFailure"
    assert "root-account-mfa-enabled (ERROR)" in response["message"] or \
        "root-account-mfa-enabled (TIMEOUT)" in response["message"]


def test_a_payload_url_that_is_not_s3_is_never_fetched(monkeypatch):
    monkeypatch.setenv("PREFLIGHT_RESPONSE_HOSTS", "")
    make_compliant()
    response = answer("hook-stack-create.json")
    assert response["hookStatus"] == "FAILED"
    assert ("template-iam-actions-exist (ERROR): the payload URL (host localhost) is not an S3 URL; not fetched"
            in response["message"])
