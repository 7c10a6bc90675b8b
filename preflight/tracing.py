"""AWS X-Ray, when the function runs traced in Lambda; silent and free everywhere else.

aws_xray_sdk costs ~100 ms to import and logs errors on every call without a segment, so it is only
imported when `start()` finds Lambda's tracing environment, and never on the CLI path or in tests that do
not ask for it. Each check gets a subsegment annotated with its id, region and status; every boto3 call
nests under the check that made it, because threads do not inherit the X-Ray entity: `spawn` hands the
caller's entity to the new thread explicitly (see preflight.concurrency).
"""
from __future__ import annotations

import contextlib
import logging
import os
from typing import Any, Iterator

logger = logging.getLogger(__name__)

_recorder: Any = None  # aws_xray_sdk's recorder, once started


def wanted() -> bool:
    """In Lambda (with its X-Ray daemon address) and not switched off with AWS_XRAY_SDK_ENABLED=false."""
    if os.getenv("AWS_XRAY_SDK_ENABLED", "true").lower() == "false":
        return False
    return bool(os.getenv("LAMBDA_TASK_ROOT") and os.getenv("AWS_XRAY_DAEMON_ADDRESS"))


def start() -> bool:
    """Imports the SDK and patches botocore, once. True when tracing is on."""
    global _recorder
    if _recorder is None and wanted():
        try:
            from aws_xray_sdk.core import patch, xray_recorder

            xray_recorder.configure(context_missing="IGNORE_ERROR")
            patch(["botocore"])
            _recorder = xray_recorder
        except Exception:  # tracing must never stop an audit
            logger.exception("X-Ray tracing could not start; continuing without it")
    return _recorder is not None


def current_entity() -> Any:
    """The caller's segment or subsegment, to hand to another thread; None when not tracing."""
    if _recorder is None:
        return None
    try:
        return _recorder.get_trace_entity()
    except Exception:
        return None


@contextlib.contextmanager
def adopted(entity: Any) -> Iterator[None]:
    """Runs the body (in a new thread) under the entity of the thread that started it."""
    if _recorder is None or entity is None:
        yield
        return
    _recorder.set_trace_entity(entity)
    try:
        yield
    finally:
        _recorder.clear_trace_entities()


@contextlib.contextmanager
def check_subsegment(check_id: str, region: str | None) -> Iterator[Any]:
    """A subsegment for one check (in one region); yields it, or None when not tracing."""
    if _recorder is None:
        yield None
        return
    with _recorder.in_subsegment(f"check {check_id}" + (f" {region}" if region else "")) as subsegment:
        if subsegment is not None:
            subsegment.put_annotation("check_id", check_id)
            if region:
                subsegment.put_annotation("region", region)
        yield subsegment


def annotate(subsegment: Any, **annotations: str) -> None:
    if subsegment is not None:
        for key, value in annotations.items():
            subsegment.put_annotation(key, value)
