"""Hostile or careless callers (issue 9's adversarial review): each attack that was tried, and what the
auditor does now. docs/security.md lists them with their outcome."""
from __future__ import annotations

import difflib
import logging

import boto3
import pytest

from preflight import handler, validation
from sim.account import create_bucket, make_compliant
from sim.cloudformation import FakeLambdaContext, event
from tests.support.handler import invoke

ALIAS_BOMB = """\
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
checks: *h
"""


def test_a_yaml_alias_bomb_baseline_is_refused_before_it_expands(cfn, deploy_baseline):
    deploy_baseline(ALIAS_BOMB)
    response = invoke(cfn, "Create").response
    assert response["Status"] == "FAILED"
    assert "uses a YAML alias (line 2); aliases are not allowed in a baseline" in response["Reason"]


def test_a_value_quoted_in_a_message_is_bounded_however_large():
    nested: list = ["x"] * 9
    for _ in range(8):  # what an alias bomb expands to: 9**9 leaves, shared
        nested = [nested] * 9
    assert validation.quoted(nested) == "a list of 9 items"
    assert validation.quoted("y" * 1_000_000) == repr("y" * validation.MAX_QUOTED_CHARS + "…")
    assert validation.quoted(10**5000) == "a number too large to show"


def test_an_oversized_baseline_is_refused_from_a_file_and_from_s3(cfn, deploy_baseline, monkeypatch):
    from preflight.cloudformation.baseline_cache import BaselineCache

    deploy_baseline("checks: [cloudtrail-enabled]\n" + "# padding\n" * 10_000)
    assert "is larger than 64 KiB" in invoke(cfn, "Create").response["Reason"]
    create_bucket("baselines")
    boto3.client("s3").put_object(Bucket="baselines", Key="big.yaml", Body=b"checks: []\n" + b"#" * 200_000)
    monkeypatch.setenv("PREFLIGHT_BASELINE", "s3://baselines/big.yaml")
    monkeypatch.setattr(handler, "baselines", BaselineCache())
    response = invoke(cfn, "Create").response
    assert response["Status"] == "FAILED" and "is larger than 64 KiB" in response["Reason"]


@pytest.mark.parametrize("value, problem", [
    (-99999999999, "must be from 1 to 8784, not -99999999999"),
    ("-99999999999", "must be from 1 to 8784, not -99999999999"),
    (0, "must be from 1 to 8784, not 0"),
    ("9" * 5000, "must be a whole number, not '" + "9" * validation.MAX_QUOTED_CHARS + "…'"),
])
def test_a_template_parameter_out_of_range_is_refused_before_use(cfn, value, problem):
    response = invoke(cfn, "Create", {"Checks": ["cloudtrail-cloudwatch-logs"],
                                      "Parameters": {"cloudtrail-cloudwatch-logs": {"max_delivery_age_hours": value}}}).response
    assert response["Status"] == "FAILED"
    assert response["Reason"] == ("Invalid Custom::Preflight properties: "
                                  f"Parameters.cloudtrail-cloudwatch-logs.max_delivery_age_hours {problem}.")


def test_an_error_under_a_template_chosen_parameter_blocks_even_when_errors_only_warn(cfn, deploy_baseline, monkeypatch):
    """A template must not switch a check off by handing it a value it cannot evaluate."""
    from checks import cloudtrail_trail_settings

    make_compliant()
    deploy_baseline("checks: [cloudtrail-cloudwatch-logs]\non_error: warn\n")
    monkeypatch.setattr(cloudtrail_trail_settings, "judge", lambda *a, **k: 1 / 0)
    untouched = invoke(cfn, "Create").response
    assert untouched["Status"] == "SUCCESS"  # the baseline's own parameters: on_error warn applies
    tuned = invoke(cfn, "Create", {"Parameters": {"cloudtrail-cloudwatch-logs": {"max_delivery_age_hours": 2}}}).response
    assert tuned["Status"] == "FAILED"
    assert tuned["Reason"].startswith("FAIL: cloudtrail-cloudwatch-logs (ERROR)")


def test_five_thousand_unknown_ids_cost_a_few_suggestions_and_one_short_log_line(cfn, caplog, monkeypatch):
    calls = []
    real = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches", lambda *a, **k: calls.append(1) or real(*a, **k))
    caplog.set_level(logging.INFO)
    response = invoke(cfn, "Create", {"Checks": [f"no-such-check-{i}" for i in range(5000)]}).response
    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith("Invalid Custom::Preflight properties: unknown check 'no-such-check-0'")
    assert len(calls) <= 2 * validation.MAX_PROBLEMS  # suggestions for the first few only
    logged = [r.getMessage() for r in caplog.records if "invalid properties" in r.getMessage()]
    assert len(logged) == 1 and len(logged[0]) < 2048
    assert logged[0].endswith("… and 4,990 more")


def test_a_delete_without_physical_id_and_with_a_mangled_stack_id_succeeds(cfn):
    request = event("Delete", cfn.url("d"))
    del request["PhysicalResourceId"]
    request["StackId"] = "not-an-arn-and-no-slash"
    handler.handler(request, FakeLambdaContext(10))
    [answer] = cfn.received
    assert answer.body["Status"] == "SUCCESS"
    assert answer.body["PhysicalResourceId"] == "Preflight-unset"


def test_crhelper_polling_keys_are_never_obeyed(cfn):
    request = event("Create", cfn.url("poll"), {"Checks": ["root-account-mfa-enabled"]})
    request["CrHelperPoll"] = True
    request["CrHelperData"] = "forged data"
    handler.handler(request, FakeLambdaContext(10))
    [answer] = cfn.received
    assert answer.body["Status"] == "FAILED"  # audited: the root user has no MFA in a new account
    assert answer.body["Reason"] == "FAIL: root-account-mfa-enabled: The root user has no MFA device."
    assert answer.body["Data"]["Verdict"] == "FAIL"


@pytest.mark.parametrize("field, value, problem", [
    ("StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/app\nIgnore all alerts/1", "StackId is not"),
    ("StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/" + "a" * 300 + "/1", "StackId is not"),
    ("RequestId", "../../other-stack/report", "RequestId is not"),
    ("LogicalResourceId", "Pre flight", "LogicalResourceId is not"),
])
def test_event_fields_are_untrusted_text(cfn, field, value, problem):
    request = event("Create", cfn.url("f"), {"Checks": ["root-account-mfa-enabled"]})
    request[field] = value
    handler.handler(request, FakeLambdaContext(10))
    [answer] = [r.body for r in cfn.received]
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith(f"Malformed custom resource request: {problem}")
    assert "\n" not in answer["Reason"] and len(answer["Reason"]) <= 256


def test_a_long_failure_to_start_still_fits_the_reason(cfn, monkeypatch):
    monkeypatch.setattr(handler.helper, "_init_failed", ImportError("cannot import name " + "x" * 300))
    response = invoke(cfn, "Create").response
    assert response["Status"] == "FAILED"
    assert len(response["Reason"]) == 256 and response["Reason"].endswith("…")
    assert response["Reason"].startswith("The preflight auditor failed to start (ImportError: cannot import name xxx")


def test_a_retried_invocation_answers_exactly_as_the_first(cfn, deploy_baseline):
    """Lambda retries an asynchronous invocation that failed, with the same request id."""
    create_bucket("reports")
    deploy_baseline("checks: [root-account-mfa-enabled]\nreports: {s3: {bucket: reports}}\n")
    request = event("Create", cfn.url("retry"))
    context = FakeLambdaContext(10)
    handler.handler(request, context)
    handler.handler(dict(request), context)
    first, second = (r.body for r in cfn.received)
    assert first == second
    assert first["Data"]["ReportUri"].endswith(f"/{request['RequestId']}/{context.aws_request_id}.json")
