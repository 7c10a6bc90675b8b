"""The canned events in tests/events/ are shaped exactly as CloudFormation sends them (a real S3 pre-signed
ResponseURL included); the handler answers each, to the local stand-in for that URL."""
import json

import pytest

from preflight import handler
from sim.account import make_compliant
from sim.cloudformation import FakeLambdaContext

from tests.support.paths import EVENTS  # noqa: E402


def load(name: str, cfn) -> dict:
    event = json.loads((EVENTS / name).read_text())
    assert event["ResponseURL"].startswith("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/")
    event["ResponseURL"] = cfn.url(event["RequestId"])  # the same request, answered on 127.0.0.1
    return event


@pytest.mark.parametrize("name, status", [("create.json", "SUCCESS"), ("update.json", "SUCCESS"),
                                          ("delete.json", "SUCCESS")])
def test_each_canned_event_gets_its_answer(cfn, name, status):
    make_compliant()
    event = load(name, cfn)
    handler.handler(event, FakeLambdaContext(30))
    [answer] = cfn.received
    assert (answer.body["Status"], answer.body["RequestId"], answer.body["LogicalResourceId"]) == (
        status, event["RequestId"], "Preflight")
    if name == "delete.json":
        assert answer.body["PhysicalResourceId"] == event["PhysicalResourceId"]


def test_the_real_response_url_of_a_canned_event_is_allowed():
    from preflight.cloudformation.presigned import is_allowed

    event = json.loads((EVENTS / "create.json").read_text())
    assert is_allowed(event["ResponseURL"])
