"""The aws-xray-sdk backend: Lambda's facade segment is the root, each check a subsegment annotated with its
id, region and status, every boto3 call (botocore patched) a subsegment of the check that made it.

aws_xray_sdk costs ~100 ms to import and logs errors on every call without a segment, so it is only imported
when tracing starts in Lambda's tracing environment (`wanted`). Threads do not inherit the X-Ray entity
(thread-local storage): `adopted` sets the caller's entity in the new thread and clears it after.
"""
from __future__ import annotations

import contextlib
import os
import weakref
from typing import Any, Iterator


def wanted() -> bool:
    """In Lambda (with its X-Ray daemon address) and not switched off with AWS_XRAY_SDK_ENABLED=false."""
    if os.getenv("AWS_XRAY_SDK_ENABLED", "true").lower() == "false":
        return False
    return bool(os.getenv("LAMBDA_TASK_ROOT") and os.getenv("AWS_XRAY_DAEMON_ADDRESS"))


class XRayBackend:
    def __init__(self) -> None:
        from aws_xray_sdk.core import patch, xray_recorder

        xray_recorder.configure(context_missing="IGNORE_ERROR")
        patch(["botocore"])
        self._recorder = xray_recorder
        # Subsegments the runner gave up on: their status stays TIMEOUT whatever the late check says.
        self._abandoned: "weakref.WeakSet[Any]" = weakref.WeakSet()

    def current(self) -> Any:
        try:
            return self._recorder.get_trace_entity()
        except Exception:
            return None

    @contextlib.contextmanager
    def adopted(self, entity: Any) -> Iterator[None]:
        if entity is None:
            yield
            return
        self._recorder.set_trace_entity(entity)
        try:
            yield
        finally:
            self._recorder.clear_trace_entities()

    @contextlib.contextmanager
    def audit(self) -> Iterator[Any]:
        yield None  # Lambda's facade segment is the invocation's root; nothing is added above the checks

    @contextlib.contextmanager
    def check(self, name: str, annotations: dict[str, str]) -> Iterator[Any]:
        with self._recorder.in_subsegment(name) as subsegment:
            if subsegment is not None:
                for key, value in annotations.items():
                    subsegment.put_annotation(key, value)
            yield subsegment

    def annotate(self, subsegment: Any, annotations: dict[str, str]) -> None:
        if subsegment is None or subsegment in self._abandoned:
            return
        for key, value in annotations.items():
            subsegment.put_annotation(key, value)

    def abandon(self, subsegment: Any, annotations: dict[str, str]) -> None:
        """Marked now; the SDK sends it when the check's own thread closes it (only that thread can)."""
        if subsegment is None:
            return
        try:
            self.annotate(subsegment, annotations)
            self._abandoned.add(subsegment)
        except Exception:  # already closed by the check a moment ago
            pass
