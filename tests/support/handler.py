"""Invoking the real Lambda handler the way CloudFormation does, and reading what it answered."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from preflight import handler
from tests.support.paths import EVENTS
from sim.cloudformation import FakeLambdaContext, ResponseServer, event


@dataclass
class Invocation:
    event: dict[str, Any]
    context: FakeLambdaContext
    responses: list[dict[str, Any]]
    arrived_at: list[float]

    @property
    def response(self) -> dict[str, Any]:
        assert len(self.responses) == 1, f"expected exactly one response, got {len(self.responses)}"
        return self.responses[0]


def invoke(cfn: ResponseServer, request_type: str, properties: dict | None = None, *,
           remaining_s: float = 30.0, **event_fields: Any) -> Invocation:
    before = len(cfn.received)
    request = event(request_type, "", properties, **event_fields)
    request["ResponseURL"] = cfn.url(request["RequestId"])
    context = FakeLambdaContext(remaining_s)
    handler.handler(request, context)
    received = cfn.received[before:]
    return Invocation(request, context, [r.body for r in received], [r.received_at for r in received])


CLEAN_TEMPLATE = {"Resources": {"AppBucket": {"Type": "AWS::S3::Bucket"}}}


def hook_request(name: str) -> dict[str, Any]:
    import json

    return json.loads((EVENTS / name).read_text())


def invoke_hook(cfn: ResponseServer, name: str, remaining_s: float = 60.0, template: dict | str | None = None,
                payload: dict | None = None, **changes: Any) -> dict[str, Any]:
    """A canned Lambda Hook request (tests/events/NAME), its pre-signed payload URL answered on 127.0.0.1 with
    the payload document - by default one whose `template` is the given template as a JSON string, as the
    Hooks User Guide shows it (a `requestData` given in `changes` is sent as it is); returns the answer."""
    import json
    import uuid

    request = {**hook_request(name), **changes}
    data = request.get("requestData")
    if isinstance(data, dict) and "payload" in data and "requestData" not in changes:
        if payload is None:
            body = template if isinstance(template, str) else json.dumps(template or CLEAN_TEMPLATE)
            payload = {"template": body, "previousTemplate": ""}
        request["requestData"] = {**data, "payload": cfn.serve(str(uuid.uuid4()), payload)}
    return handler.handler(request, FakeLambdaContext(remaining_s))


# The opt-in regions an account may enable besides the 17 enabled by default (a capacity scenario).
OPT_IN_REGIONS = ("af-south-1", "ap-east-1", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
                  "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1", "me-central-1",
                  "me-south-1", "mx-central-1")
