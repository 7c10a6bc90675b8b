"""Answers AWS calls from a table instead of moto, for AWS behaviour moto cannot produce (a recorder whose
last delivery failed, an account summary with AccountPasswordPresent, ...). Attach to one session."""
from __future__ import annotations

from typing import Any, Callable, Mapping

import boto3
from botocore.awsrequest import AWSResponse

Answer = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def error(code: str, message: str = "", status: int = 400) -> dict[str, Any]:
    return {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}


def answering(answers: Mapping[tuple[str, str], Answer], region: str = "us-east-1") -> boto3.Session:
    """A session whose calls to (service, Operation) in `answers` get those answers; the rest go to moto.
    An answer holding "Error" is raised as that AWS error."""
    from preflight.aws.access import new_session

    session = new_session(region_name=region)

    def answer(model, **_):
        key = (model.service_model.service_name, model.name)
        if key not in answers:
            return None
        body = answers[key]
        body = dict(body() if callable(body) else body)
        status = body.get("ResponseMetadata", {}).get("HTTPStatusCode", 400) if "Error" in body else 200
        return AWSResponse("https://stub.local", status, {}, None), body

    session.events.register_first("before-call.*.*", answer)
    return session
