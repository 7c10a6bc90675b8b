"""A custom-resource event's envelope, checked before anything acts on it.

Anyone allowed to invoke the function can hand it an event, so every field is untrusted text: the
ResponseURL must be one CloudFormation would give (preflight.delivery.is_allowed), and the ids that end up
in the response, S3 keys, SNS messages, logs and ASFF must have the shape CloudFormation gives them.
crhelper's polling keys (CrHelperPoll, CrHelperData, ...) are never obeyed: preflight does not poll.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from preflight.aws.names import STACK_ID
from preflight.validation import nested_deeper_than

REQUEST_TYPES = ("Create", "Update", "Delete")
REQUIRED_FIELDS = ("RequestType", "ResponseURL", "StackId", "RequestId", "LogicalResourceId")
CRHELPER_KEY_PREFIX = "CrHelper"
MAX_RESPONSE_URL_CHARS = 4096
MAX_PHYSICAL_ID_CHARS = 1024  # CloudFormation's limit for a physical resource id
MAX_PROPERTIES_DEPTH = 32  # Custom::Preflight's properties are two levels deep; far deeper is an attack

REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
LOGICAL_ID = re.compile(r"^[A-Za-z0-9]{1,255}$")
PRINTABLE = re.compile(r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$")


def without_crhelper_keys(event: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The event minus crhelper's polling keys, and the keys dropped."""
    dropped = [k for k in event if isinstance(k, str) and k.startswith(CRHELPER_KEY_PREFIX)]
    return {k: v for k, v in event.items() if k not in dropped}, dropped


def _field_problem(name: str, value: str) -> str | None:
    if name == "StackId" and not STACK_ID.match(value):
        return "StackId is not a CloudFormation stack ARN"
    if name == "RequestId" and not REQUEST_ID.match(value):
        return "RequestId is not a request id (letters, digits and dashes, at most 64)"
    if name == "LogicalResourceId" and not LOGICAL_ID.match(value):
        return "LogicalResourceId is not a logical id (letters and digits, at most 255)"
    return None


def malformation(event: Any) -> str | None:
    """What is wrong with an event's envelope, if anything (for a person: no field values are quoted)."""
    if not isinstance(event, dict):
        return "the event is not a JSON object"
    missing = [name for name in REQUIRED_FIELDS if not isinstance(event.get(name), str) or not event.get(name)]
    if missing:
        return f"the event lacks {', '.join(missing)}"
    if event["RequestType"] not in REQUEST_TYPES:
        return f"unknown RequestType '{event['RequestType'][:20]}' (expected Create, Update or Delete)"
    problems = [p for name in ("StackId", "RequestId", "LogicalResourceId") if (p := _field_problem(name, event[name]))]
    for name in ("ResourceProperties", "OldResourceProperties"):
        if nested_deeper_than(event.get(name), MAX_PROPERTIES_DEPTH):
            problems.append(f"{name} are nested deeper than {MAX_PROPERTIES_DEPTH} levels")
    physical_id = event.get("PhysicalResourceId")
    if event["RequestType"] != "Create" and physical_id is not None and safe_physical_id(physical_id) is None:
        problems.append("PhysicalResourceId is not printable text of at most 1024 characters")
    return "; ".join(problems) or None


def safe_physical_id(value: Any) -> str | None:
    if isinstance(value, str) and len(value) <= MAX_PHYSICAL_ID_CHARS and PRINTABLE.match(value):
        return value
    return None


def echoed(value: Any, limit: int = 256) -> str:
    """An envelope field as it may be echoed in a response: a string, printable, bounded."""
    text = value if isinstance(value, str) else ""
    return "".join(c for c in text[:limit] if c.isprintable())
