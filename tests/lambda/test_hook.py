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

import pytest

from preflight import handler
from preflight.cloudformation import hook, hook_shape
from sim.account import make_compliant, set_root_mfa
from sim.cloudformation import FakeLambdaContext
from tests.support.handler import invoke_hook

from tests.support.paths import EVENTS  # noqa: E402


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
    assert response["clientRequestToken"] == request("hook-stack-create.json")["clientRequestToken"]
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
                        "clientRequestToken": "f8da6d11-b23f-48f4-814c-0fb6a667f50e"}


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
    from preflight.cloudformation.baseline_cache import BaselineCache

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
    from preflight.cloudformation.baseline_cache import BaselineCache

    monkeypatch.setattr(handler, "baselines", BaselineCache(source=""))
    monkeypatch.setattr("preflight.named_baselines.HEADLINE", ("hanging",))
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

    from preflight.cloudformation.baseline_cache import BaselineCache

    class Fixed(BaselineCache):
        def get(self, aws, registry):
            return Policy(tuple(Selection.of(c) for c in noisy))

    monkeypatch.setattr(handler, "baselines", Fixed())
    monkeypatch.setattr(handler, "registry", Registry(noisy))
    response = answer("hook-stack-create.json")
    assert len(response["message"]) <= hook_shape.MAX_MESSAGE_CHARS
    for annotation in response["annotations"]:
        assert len(annotation["annotationName"]) <= 1024
        assert len(annotation["remediationMessage"]) <= 16384
        assert len(annotation["remediationLink"]) <= 5120


def test_a_throttling_storm_is_answered_within_the_hook_budget(monkeypatch):
    """Every AWS call throttled: each check ERRORs after bounded retries, and the answer comes in time. Nothing
    was judged, so the stack is refused as the hook's InternalFailure, not as a compliance verdict."""
    from preflight.aws.access import AwsAccess, new_session
    from sim.cloudformation import ACCOUNT_ID, REGION
    from sim.faults import storm

    make_compliant()
    session = new_session(region_name=REGION)
    monkeypatch.setattr(handler, "_aws", AwsAccess(session, account_id=ACCOUNT_ID))
    storm(session, "ThrottlingException")
    monkeypatch.setattr(hook, "HOOK_BUDGET_S", 3.0)  # the same arithmetic as 25 s, sooner (a 1 s audit, 2 s reserve)
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


# The guide's own sample events (tests/events/README.md), answered as the guide documents.

def guide_payload(name: str) -> dict:
    return request(name)


def test_the_guides_stack_example_with_its_payload_is_audited_and_passes():
    make_compliant()
    response = answer("hook-stack-update.json", payload=guide_payload("hook-stack-payload.json"))
    assert response["hookStatus"] == "SUCCESS" and "errorCode" not in response
    assert response["clientRequestToken"] == "f8da6d11-b23f-48f4-814c-0fb6a667f50e"
    assert "template-iam-actions-exist" in {a["annotationName"] for a in response["annotations"]}


def test_the_guides_change_set_example_with_its_yaml_payload_is_audited():
    make_compliant()
    set_root_mfa(False)
    response = answer("hook-change-set.json", payload=guide_payload("hook-change-set-payload.json"))
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant"
    assert response["message"].startswith("FAIL: root-account-mfa-enabled")


@pytest.mark.parametrize("name", ["hook-stack-syntax-spelling.json", "hook-change-set-syntax-spelling.json"])
def test_the_syntax_blocks_spellings_are_answered_with_the_token_echoed_under_both(name):
    """The guide's syntax blocks spell clientRequesttoken and stackID, and the change set's omits
    actionInvocationPoint (a change set is only ever a CREATE)."""
    make_compliant()
    set_root_mfa(False)
    response = answer(name)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant"
    assert response["clientRequesttoken"] == response["clientRequestToken"] == "f8da6d11-b23f-48f4-814c-0fb6a667f50e"


def test_the_guides_resource_example_is_never_blocked_even_in_a_failing_account():
    set_root_mfa(False)
    response = answer("hook-resource.json")  # verbatim: targetType AWS::DynamoDB::Table, and no token at all
    assert response["hookStatus"] == "SUCCESS" and "errorCode" not in response
    assert "resource operation is not audited" in response["message"]


def test_a_cloud_control_operation_is_never_blocked_and_its_message_fits_1024_characters():
    set_root_mfa(False)
    response = answer("hook-cloud-control.json")
    assert response["hookStatus"] == "SUCCESS"
    assert response["clientRequestToken"] == request("hook-cloud-control.json")["clientRequestToken"]
    assert len(response["message"]) <= hook.MAX_CLOUD_CONTROL_MESSAGE_CHARS


def test_a_cloud_control_failure_message_is_cut_at_1024_characters():
    parsed = hook.parse({**request("hook-cloud-control.json"), "actionInvocationPoint": "CREATE_PRE_PROVISION"})
    assert parsed.cloud_control and parsed.max_message_chars == 1024
    assert len(hook_shape.failure(parsed.echo, "x" * 5000, parsed.max_message_chars)["message"]) == 1024


def test_a_request_without_a_payload_is_an_internal_failure_never_a_compliance_verdict():
    make_compliant()
    data = {k: v for k, v in request("hook-stack-create.json")["requestData"].items() if k != "payload"}
    response = answer("hook-stack-create.json", requestData=data)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "InternalFailure"
    assert "template-iam-actions-exist (ERROR): the request carries no payload URL" in response["message"]


def test_an_expired_payload_url_is_an_internal_failure_with_the_reason():
    make_compliant()
    data = {**request("hook-stack-create.json")["requestData"], "payload": CFN.url("expired").replace(
        "/arn%3Aaws%3Acloudformation/", "/payloads/")}  # nothing served there: HTTP 404
    response = answer("hook-stack-create.json", requestData=data)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "InternalFailure"
    assert "the payload URL answered HTTP 404" in response["message"]


def test_a_failing_account_is_non_compliant_even_when_the_payload_cannot_be_read():
    set_root_mfa(False)
    data = {k: v for k, v in request("hook-stack-create.json")["requestData"].items() if k != "payload"}
    response = answer("hook-stack-create.json", requestData=data)
    assert response["errorCode"] == "NonCompliant"


def test_a_request_for_another_account_is_an_internal_failure():
    make_compliant()
    response = answer("hook-stack-create.json", awsAccountId="210987654321")
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "InternalFailure"
    assert response["message"].startswith("This auditor audits account 123456789012")


def test_a_verdict_with_errors_is_never_reused(monkeypatch):
    """After one throttling burst the next stack gets a fresh audit, not the burst's refusal."""
    from preflight.aws.access import AwsAccess, new_session
    from sim.cloudformation import ACCOUNT_ID, REGION
    from sim.faults import storm

    make_compliant()
    session = new_session(region_name=REGION)
    monkeypatch.setattr(handler, "_aws", AwsAccess(session, account_id=ACCOUNT_ID))
    monkeypatch.setattr(handler, "verdicts", hook.VerdictCache(ttl_s=30))
    monkeypatch.setattr(hook, "HOOK_BUDGET_S", 3.0)  # a 1 s audit: the burst only has to happen, not last
    storm(session, "ThrottlingException")
    assert answer("hook-stack-create.json")["hookStatus"] == "FAILED"
    # the storm is over (a session without it)
    monkeypatch.setattr(handler, "_aws", AwsAccess(new_session(region_name=REGION), account_id=ACCOUNT_ID))
    again = answer("hook-stack-update.json")
    assert again["hookStatus"] == "SUCCESS" and not again["message"].startswith("(verdict of ")


def test_a_template_that_breaks_the_reader_keeps_the_finished_account_audit(monkeypatch):
    def nested_too_deep(url, timeout=None, deadline=None):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("preflight.cloudformation.payload.from_payload_url", nested_too_deep)
    set_root_mfa(False)
    response = answer("hook-stack-create.json")
    assert response["errorCode"] == "NonCompliant"
    by_name = {a["annotationName"]: a for a in response["annotations"]}
    assert by_name["root-account-mfa-enabled"]["status"] == "FAILED"
    assert "nested too deeply" in by_name["template-iam-actions-exist"]["statusMessage"]
