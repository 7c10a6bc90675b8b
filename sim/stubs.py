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


def paged(service: str, operation: str, pages: list[Mapping[str, Any]], region: str = "us-east-1",
          markers_seen: list | None = None) -> boto3.Session:
    """A session whose (service, Operation) answers `pages` one after another, chained by Marker / IsTruncated
    as IAM paginates (the page after Marker "page-N" is pages[N]); the rest go to moto. `markers_seen` collects
    the Marker of each request."""
    from preflight.aws.access import new_session

    session = new_session(region_name=region)

    def answer(model, params, **_):
        if (model.service_model.service_name, model.name) != (service, operation):
            return None
        body = params.get("body")
        marker = body.get("Marker") if isinstance(body, dict) else None
        if markers_seen is not None:
            markers_seen.append(marker)
        index = int(marker.split("-")[1]) if marker else 0
        page = dict(pages[index])
        if index + 1 < len(pages):
            page.update(IsTruncated=True, Marker=f"page-{index + 1}")
        else:
            page.update(IsTruncated=False)
        return AWSResponse("https://stub.local", 200, {}, None), page

    session.events.register_first("before-call.*.*", answer)
    return session
