"""A hook request told from a custom-resource event, and the two answers that need no audit.

Kept apart from preflight.cloudformation.hook, and free of the serving path, so the Lambda entry point can
import it before anything that might be broken in a deploy: a hook request is answered FAILED even when the
auditor itself failed to import (CloudFormation Hooks User Guide: the response carries hookStatus, errorCode,
message and the request's clientRequestToken).
"""
from __future__ import annotations

from typing import Any, Mapping

from preflight.cloudformation.request import echoed
from preflight.text import fit

MAX_MESSAGE_CHARS = 4096  # CloudFormation truncates the message there for CloudFormation operations
MAX_TOKEN_CHARS = 256
TOKEN_KEYS = ("clientRequestToken", "clientRequesttoken")  # the guide's examples, and its syntax blocks
HOOK_KEYS = frozenset(TOKEN_KEYS + ("actionInvocationPoint", "hookTypeName", "hookModel", "requestData"))


def is_hook_request(event: Any) -> bool:
    """Told apart by shape: a hook's keys, and none of a custom-resource event's."""
    return (isinstance(event, dict) and not HOOK_KEYS.isdisjoint(event)
            and "RequestType" not in event and "ResponseURL" not in event)


def echo_of(event: Mapping[str, Any]) -> dict[str, str]:
    """The token under each spelling that arrived, and under the documented one."""
    arrived = {key: event[key] for key in TOKEN_KEYS if key in event}
    token = next((v for v in arrived.values() if isinstance(v, str)), "")
    token = echoed(token, MAX_TOKEN_CHARS)
    return {TOKEN_KEYS[0]: token, **{key: token for key in arrived}} if arrived else {}


def failure(echo: dict[str, str], message: str, limit: int = MAX_MESSAGE_CHARS) -> dict[str, Any]:
    return {"hookStatus": "FAILED", "errorCode": "InternalFailure", "message": fit(message, limit), **echo}


def success(echo: dict[str, str], message: str) -> dict[str, Any]:
    return {"hookStatus": "SUCCESS", "message": message, **echo}
