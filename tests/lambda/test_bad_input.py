"""Whatever arrives, a usable ResponseURL gets exactly one answer that names the problem; no crash."""
from __future__ import annotations

import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight import handler
from sim.cloudformation import FakeLambdaContext, event

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=30,
)
property_keys = st.sampled_from(["Checks", "Mode", "Revision", "ServiceTimeout", "Check", "mode", "ÜberCheck", ""]) | st.text(max_size=15)
properties = st.dictionaries(property_keys, json_values, max_size=6) | json_values
FUZZ = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def call(cfn, request, *, with_context: bool = True) -> list[dict]:
    before = len(cfn.received)
    handler.handler(request, FakeLambdaContext(10) if with_context else None)
    return [r.body for r in cfn.received[before:]]


@FUZZ
@given(props=properties, request_type=st.sampled_from(["Create", "Update"]))
def test_any_properties_get_exactly_one_answer(cfn, props, request_type):
    request = event(request_type, cfn.url("fuzz"))
    request["ResourceProperties"] = props
    [answer] = call(cfn, request)
    assert answer["Status"] in ("SUCCESS", "FAILED")
    assert answer["PhysicalResourceId"]
    assert 0 < len(answer["Reason"]) <= 256
    if answer["Status"] == "FAILED" and answer["Reason"].startswith("Invalid"):
        assert "Traceback" not in answer["Reason"]


@FUZZ
@given(props=properties)
def test_delete_succeeds_whatever_the_properties(cfn, props):
    request = event("Delete", cfn.url("fuzz"))
    request["ResourceProperties"] = props
    [answer] = call(cfn, request)
    assert answer["Status"] == "SUCCESS"


def test_huge_check_lists_are_answered_briefly(cfn):
    request = event("Create", cfn.url("huge"), {"Checks": [f"no-such-check-{i}" for i in range(5000)]})
    [answer] = call(cfn, request)
    assert answer["Status"] == "FAILED" and len(answer["Reason"]) <= 256
    assert answer["Reason"].startswith("Invalid Custom::Preflight properties: unknown check 'no-such-check-0'")


@FUZZ
@given(drop=st.sets(st.sampled_from(["StackId", "RequestId", "LogicalResourceId", "RequestType"]), min_size=1))
def test_an_event_missing_fields_is_answered_failed_naming_them(cfn, drop):
    request = event("Create", cfn.url("broken"))
    for name in drop:
        del request[name]
    [answer] = call(cfn, request)
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("Malformed custom resource request: the event lacks ")
    assert all(name in answer["Reason"] for name in drop)


def test_an_unknown_request_type_is_answered_failed(cfn):
    [answer] = call(cfn, event("Create", cfn.url("x")) | {"RequestType": "Destroy"})
    assert answer["Status"] == "FAILED"
    assert "unknown RequestType 'Destroy'" in answer["Reason"]


def test_an_event_without_a_response_url_is_logged_and_not_answered_anywhere(cfn, caplog):
    caplog.set_level(logging.INFO)
    previous = event("Create", cfn.url("earlier"), {"Checks": ["root-account-mfa-enabled"]})
    call(cfn, previous)
    request = event("Create", "")
    del request["ResponseURL"]
    assert call(cfn, request) == []  # and not to the earlier request's URL either
    assert "no ResponseURL to answer" in caplog.text


def test_an_event_that_is_not_an_object_is_survived(cfn):
    for garbage in (None, [], "Create", 42):
        handler.handler(garbage, FakeLambdaContext(5))


@FUZZ
@given(drop=st.sets(st.sampled_from(["StackId", "RequestId", "LogicalResourceId"]), min_size=1))
def test_a_malformed_delete_still_succeeds(cfn, drop):
    request = event("Delete", cfn.url("broken-delete"))
    for name in drop:
        del request[name]
    [answer] = call(cfn, request)
    assert answer["Status"] == "SUCCESS"
    assert answer["Reason"].startswith("Deleted (the request was malformed: the event lacks ")


def test_a_hand_made_invocation_without_a_lambda_context_is_still_answered(cfn):
    [answer] = call(cfn, event("Create", cfn.url("no-context"), {"Checks": ["root-account-mfa-enabled"]}),
                    with_context=False)
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == "FAIL: root-account-mfa-enabled: The root user has no MFA device."
