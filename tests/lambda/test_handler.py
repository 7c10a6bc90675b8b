"""The Lambda handler end to end: real custom-resource events in, the response PUT to a local HTTPS
server out. crhelper is not mocked."""
from __future__ import annotations

import logging
import threading
import time

import pytest

from checks import ALL_CHECKS
from preflight.named_baselines import HEADLINE
from preflight import handler
from preflight.model import Check, CheckMeta, Controls, Severity, failed, passed
from preflight.registry import Registry
from sim.account import create_trail, make_compliant, set_root_mfa
from tests.support.handler import invoke

ALL_IDS = list(HEADLINE)


def test_create_in_a_compliant_account_succeeds_with_data(cfn):
    make_compliant()
    response = invoke(cfn, "Create").response
    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {"Verdict": "PASS", "FailedChecks": "", "PassedChecks": ",".join(ALL_IDS), "ExemptChecks": ""}
    assert response["PhysicalResourceId"].startswith("Preflight-")
    assert response["Reason"].startswith("PASS")


def test_create_in_an_insecure_account_fails_naming_every_failing_check(cfn):
    response = invoke(cfn, "Create").response
    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith("FAIL: ")
    assert len(response["Reason"]) <= 256
    for check_id in ALL_IDS:
        assert check_id in response["Reason"]
    assert response["PhysicalResourceId"]


def test_reason_explains_what_is_wrong(cfn):
    make_compliant()
    set_root_mfa(False)
    response = invoke(cfn, "Create").response
    assert response["Reason"] == (
        "FAIL: root-account-mfa-enabled: The root user has no MFA device."
    )
    assert response["Data"]["FailedChecks"] == "root-account-mfa-enabled"


def test_audit_mode_reports_but_never_fails(cfn):
    response = invoke(cfn, "Create", {"Mode": "audit"}).response
    assert response["Status"] == "SUCCESS"
    assert response["Data"]["Verdict"] == "FAIL"
    assert response["Reason"].startswith("FAIL (audit mode, not enforced): ")


def test_a_subset_of_checks_runs_only_those(cfn):
    set_root_mfa(True)
    response = invoke(cfn, "Create", {"Checks": ["root-account-mfa-enabled"]}).response
    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {"Verdict": "PASS", "FailedChecks": "", "PassedChecks": "root-account-mfa-enabled", "ExemptChecks": ""}


def test_revision_and_cloudformation_properties_are_accepted_and_ignored(cfn):
    make_compliant()
    response = invoke(cfn, "Create", {"Revision": "2026-11-26T09:00", "ServiceTimeout": "120"}).response
    assert response["Status"] == "SUCCESS"


@pytest.mark.parametrize(
    "properties, expected",
    [
        ({"Check": ["cloudtrail-enabled"]}, "unknown property 'Check' (did you mean 'Checks'?)"),
        ({"mode": "audit"}, "unknown property 'mode' (did you mean 'Mode'?)"),
        ({"Checks": ["cloudtrail-enable"]}, "unknown check 'cloudtrail-enable' (did you mean 'cloudtrail-enabled'?)"),
        ({"Checks": "cloudtrail-enabled"}, "'Checks' must be a list of check ids, not a string"),
        ({"Checks": []}, "'Checks' is empty; leave it out to run the baseline's checks"),
        ({"Mode": "Enforce"}, "unknown Mode 'Enforce' (did you mean 'enforce'?)"),
        ({"Mode": ["audit"]}, "'Mode' must be a string (enforce or audit), not a list"),
    ],
)
def test_bad_properties_fail_with_a_reason_naming_the_problem(cfn, properties, expected):
    response = invoke(cfn, "Create", properties).response
    assert response["Status"] == "FAILED"
    assert response["Reason"] == f"Invalid Custom::Preflight properties: {expected}."


def test_every_problem_in_the_properties_is_reported_at_once(cfn):
    response = invoke(cfn, "Create", {"Checks": ["nope"], "Mode": "strict", "Extra": 1}).response
    reason = response["Reason"]
    assert "unknown property 'Extra'" in reason and "unknown check 'nope'" in reason and "unknown Mode 'strict'" in reason


def test_delete_succeeds_at_once_whatever_the_properties(cfn):
    started = time.monotonic()
    invocation = invoke(cfn, "Delete", {"Checks": "not-a-list", "Bogus": True}, physical_id="Preflight-abc")
    assert time.monotonic() - started < 10  # no audit and no sleep: crhelper alone would wait 120 s
    assert invocation.response["Status"] == "SUCCESS"
    assert invocation.response["PhysicalResourceId"] == "Preflight-abc"


def test_update_reruns_the_audit_when_the_revision_changes(cfn):
    make_compliant()
    created = invoke(cfn, "Create", {"Revision": "1"}).response
    set_root_mfa(False)
    updated = invoke(cfn, "Update", {"Revision": "2"}, old_properties={"Revision": "1"},
                     physical_id=created["PhysicalResourceId"]).response
    assert updated["Status"] == "FAILED"
    assert "root-account-mfa-enabled" in updated["Reason"]
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]  # a failed update keeps its id


def test_rollback_after_a_failed_update_succeeds(cfn):
    make_compliant()
    created = invoke(cfn, "Create", {"Revision": "1"}).response
    set_root_mfa(False)  # the account drifts out of compliance
    failed = invoke(cfn, "Update", {"Revision": "2"}, old_properties={"Revision": "1"},
                    physical_id=created["PhysicalResourceId"]).response
    assert failed["Status"] == "FAILED"
    # UPDATE_ROLLBACK: the previous properties come back as ResourceProperties, with the old physical id.
    rollback = invoke(cfn, "Update", {"Revision": "1"}, old_properties={"Revision": "2"},
                      physical_id=created["PhysicalResourceId"]).response
    assert rollback["Status"] == "SUCCESS"
    assert rollback["PhysicalResourceId"] == created["PhysicalResourceId"]


def test_a_passing_update_gets_a_new_physical_id_so_its_rollback_is_a_delete(cfn):
    make_compliant()
    created = invoke(cfn, "Create", {"Revision": "1"}).response
    updated = invoke(cfn, "Update", {"Revision": "2"}, old_properties={"Revision": "1"},
                     physical_id=created["PhysicalResourceId"]).response
    assert updated["Status"] == "SUCCESS"
    assert updated["PhysicalResourceId"] != created["PhysicalResourceId"]
    deleted = invoke(cfn, "Delete", {"Revision": "2"}, physical_id=updated["PhysicalResourceId"]).response
    assert deleted["Status"] == "SUCCESS"


def test_delete_after_a_failed_create_succeeds(cfn):
    created = invoke(cfn, "Create").response
    assert created["Status"] == "FAILED"
    deleted = invoke(cfn, "Delete", physical_id=created["PhysicalResourceId"]).response
    assert deleted["Status"] == "SUCCESS"


# Misbehaving checks, swapped into the handler's catalogue.
def _meta(check_id: str) -> CheckMeta:
    return CheckMeta(check_id, check_id, Severity.LOW, Controls(), "fix it", "https://example.invalid", ())


@pytest.fixture
def catalogue(monkeypatch):
    def use(*extra: Check) -> None:
        monkeypatch.setattr(handler, "registry", Registry((*ALL_CHECKS, *extra)))
    return use


def test_a_check_that_raises_is_an_error_and_fails_the_audit(cfn, catalogue):
    def explode(ctx):
        raise KeyError("Trails")

    catalogue(Check(_meta("exploding"), explode))
    set_root_mfa(True)
    response = invoke(cfn, "Create", {"Checks": ["exploding", "root-account-mfa-enabled"]}).response
    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith("FAIL: exploding (ERROR): ")
    assert "internal error in the check: KeyError" in response["Reason"]
    assert response["Data"]["PassedChecks"] == "root-account-mfa-enabled"


def test_a_check_that_hangs_is_a_timeout_and_the_answer_still_arrives_before_the_deadline(cfn, catalogue):
    release = threading.Event()
    catalogue(Check(_meta("hanging"), lambda ctx: release.wait() and passed("never")))
    set_root_mfa(True)
    try:
        invocation = invoke(cfn, "Create", {"Checks": ["hanging", "root-account-mfa-enabled"]}, remaining_s=4)
        response = invocation.response
        assert invocation.arrived_at[0] < invocation.context.deadline
        assert response["Status"] == "FAILED"
        assert response["Reason"].startswith("FAIL: hanging (TIMEOUT): did not finish within")
        assert response["Data"]["PassedChecks"] == "root-account-mfa-enabled"
    finally:
        release.set()


def test_the_response_url_never_reaches_a_log_line(cfn, caplog):
    caplog.set_level(logging.DEBUG)
    invocation = invoke(cfn, "Create")
    invoke(cfn, "Create", {"Check": []})
    invoke(cfn, "Update", {"Revision": "2"}, old_properties={"Revision": "1"})
    invoke(cfn, "Delete")
    url = invocation.event["ResponseURL"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "answering FAILED" in logged
    assert url.split("?")[1] not in logged
    assert "X-Amz-Signature" not in logged and "X-Amz-Credential" not in logged


def test_the_full_report_is_logged_as_one_json_object(cfn, caplog):
    import json

    caplog.set_level(logging.INFO)
    create_trail("audit", multi_region=False)
    invoke(cfn, "Create")
    [record] = [r for r in caplog.records if hasattr(r, "preflight_report")]
    report = json.loads(record.getMessage())
    assert report["verdict"] == "FAIL"
    [trail_finding] = [f for f in report["findings"] if f["check"] == "cloudtrail-enabled"]
    assert trail_finding["evidence"]["trails"][0]["problems"] == ["is single-region"]
    assert trail_finding["remediation"]


def test_helper_builds_no_aws_clients_at_import():
    assert not hasattr(handler.helper, "_lambda_client")
    assert handler.helper._sam_local is None  # the constructor-only switch is undone


def test_a_stack_in_another_account_is_refused_with_directions(cfn):
    make_compliant()
    foreign_stack = "arn:aws:cloudformation:us-east-1:210987654321:stack/app/6b1d3a90-0000-11ef-9c5e-0a1b2c3d4e5f"
    response = invoke(cfn, "Create", stack_id=foreign_stack).response
    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith(
        "This auditor audits account 123456789012, but the stack is in account 210987654321")


def test_the_response_stays_under_4096_bytes_with_many_long_failures(cfn, catalogue):
    import json

    noisy = [Check(_meta(f"noisy-check-with-a-long-identifier-{i:02d}"),
                   lambda ctx: failed("a very long explanation " * 40)) for i in range(60)]
    catalogue(*noisy)
    response = invoke(cfn, "Create").response
    assert response["Status"] == "FAILED"
    assert len(json.dumps(response)) < 4096
    assert len(response["Reason"]) <= 256


def test_a_delete_with_almost_no_time_left_still_succeeds_with_its_own_id(cfn):
    # crhelper's own timer fires at once with under 0.5 s left: it must not answer FAILED for a Delete.
    invocation = invoke(cfn, "Delete", physical_id="Preflight-abc", remaining_s=0.3)
    assert invocation.response["Status"] == "SUCCESS"
    assert invocation.response["PhysicalResourceId"] == "Preflight-abc"


def test_an_update_with_almost_no_time_left_fails_but_keeps_its_id(cfn):
    invocation = invoke(cfn, "Update", {"Revision": "2"}, physical_id="Preflight-abc", remaining_s=0.3)
    assert invocation.response["Status"] == "FAILED"
    assert invocation.response["PhysicalResourceId"] == "Preflight-abc"
