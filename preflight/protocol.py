"""crhelper, configured against its hostile defaults and made to answer exactly once.

- INFO logging (crhelper's DEBUG default logs the event, pre-signed ResponseURL included);
- no sleep on Delete (crhelper waits up to 120 s by default), and no unused polling clients;
- the response PUT is checked and bounded (see preflight.delivery), and sent once per request even when
  crhelper's own timeout timer fires while the handler is still answering;
- Delete succeeds even when the function failed to initialise, so a rollback or a delete never sticks;
- a malformed event is answered FAILED when it carries a usable ResponseURL, and never answered to a
  URL left over from an earlier request.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from crhelper import CfnResource
from crhelper.resource_helper import FAILED, SUCCESS

from preflight.delivery import deliver, host_of
from preflight.runner import Deadline

logger = logging.getLogger(__name__)

REQUEST_TYPES = ("Create", "Update", "Delete")
REQUIRED_FIELDS = ("RequestType", "ResponseURL", "StackId", "RequestId", "LogicalResourceId")
# Time kept back at the very end of the invocation so the last delivery attempt returns before Lambda
# freezes the process.
DELIVERY_MARGIN_S = 0.1


DEFAULT_REMAINING_S = 30.0  # for an invocation without a Lambda context (invoked by hand, in a test harness)


def remaining_s(context: Any) -> float:
    return context.get_remaining_time_in_millis() / 1000


class StandInContext:
    """What a hand-made invocation gets instead of a missing or partial Lambda context."""

    def __init__(self, original: Any, seconds: float = DEFAULT_REMAINING_S):
        self._deadline = time.monotonic() + seconds
        self.invoked_function_arn = getattr(original, "invoked_function_arn", "")
        self.function_name = getattr(original, "function_name", "")
        self.aws_request_id = getattr(original, "aws_request_id", "")

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def malformation(event: Any) -> str | None:
    """What is wrong with an event's envelope, if anything."""
    if not isinstance(event, dict):
        return "the event is not a JSON object"
    missing = [name for name in REQUIRED_FIELDS if not isinstance(event.get(name), str) or not event.get(name)]
    if missing:
        return f"the event lacks {', '.join(missing)}"
    if event["RequestType"] not in REQUEST_TYPES:
        return f"unknown RequestType '{event['RequestType']}' (expected Create, Update or Delete)"
    return None


class GuardedResource(CfnResource):
    def __init__(self) -> None:
        # crhelper's constructor builds lambda, events and logs clients for its polling mode, which
        # preflight never uses: ~100 ms of every cold start, and a FAILED for every request when AWS_REGION
        # is unset. It skips them when AWS_SAM_LOCAL is set, so set that for the constructor only.
        sam_local = os.environ.get("AWS_SAM_LOCAL")
        os.environ["AWS_SAM_LOCAL"] = "preflight"
        try:
            super().__init__(json_logging=False, log_level="INFO", boto_level="ERROR", sleep_on_delete=0)
        finally:
            if sam_local is None:
                del os.environ["AWS_SAM_LOCAL"]
            else:
                os.environ["AWS_SAM_LOCAL"] = sam_local
        self._sam_local = sam_local
        self._send_lock = threading.Lock()
        self._answered = True  # nothing to answer until a request arrives
        self._delivered = threading.Event()
        self._delivery_deadline = Deadline.after(0)

    def __call__(self, event: Any, context: Any) -> None:
        if not callable(getattr(context, "get_remaining_time_in_millis", None)):
            context = StandInContext(context)
        self._delivery_deadline = Deadline.after(remaining_s(context) - DELIVERY_MARGIN_S)
        problem = malformation(event)
        url = event.get("ResponseURL") if isinstance(event, dict) else None
        with self._send_lock:
            self._answered = False
            self._delivered.clear()
            self._response_url = url if isinstance(url, str) else ""
        if problem:
            self._answer_malformed(event, problem)
            return
        if self._init_failed:
            if event["RequestType"] == "Delete":
                # Nothing was created by a function that could not start; never block a delete or a rollback.
                self._answer_directly(event, SUCCESS, "Deleted (the auditor failed to start; nothing to clean up).")
            else:
                error = self._init_failed
                self._answer_directly(
                    event, FAILED, f"The preflight auditor failed to start ({type(error).__name__}: {error}); see its log."
                )
            return
        super().__call__(event, context)
        # The answer may be in flight on crhelper's timer thread; Lambda freezes the process when the handler
        # returns, so wait for it (never past the deadline).
        if self._answered:
            self._delivered.wait(timeout=self._delivery_deadline.remaining())

    def _answer_malformed(self, event: Any, problem: str) -> None:
        logger.error("malformed request: %s", problem)
        if not self._response_url:
            logger.error("no ResponseURL to answer; nothing sent")
            return
        if event.get("RequestType") == "Delete":  # a delete never fails, whatever else is wrong with it
            self._answer_directly(event, SUCCESS, f"Deleted (the request was malformed: {problem}).")
            return
        self._answer_directly(event, FAILED, f"Malformed custom resource request: {problem}.")

    def _answer_directly(self, event: dict, status: str, reason: str) -> None:
        self.Status, self.Reason, self.Data = status, reason, {}
        self.StackId = str(event.get("StackId", ""))
        self.RequestId = str(event.get("RequestId", ""))
        self.LogicalResourceId = str(event.get("LogicalResourceId", ""))
        self.PhysicalResourceId = str(event.get("PhysicalResourceId") or f"{self.LogicalResourceId or 'preflight'}-unset")
        self._send()

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        with self._send_lock:
            if self._answered:
                logger.warning("a response was already sent for this request; not sending another")
                return
            self._answered = True
        super()._send(status, reason, send_response=self._deliver)

    def _timeout(self) -> None:
        # crhelper's timer, at 0.5 s before the Lambda deadline. A Delete still succeeds.
        if self._event.get("RequestType") == "Delete":
            logger.error("the function is about to time out during a Delete; answering SUCCESS")
            self._send(SUCCESS, "Deleted (the function ran out of time; nothing to clean up).")
        else:
            super()._timeout()

    def _deliver(self, url: str, response: dict, _ssl_verify: Any) -> None:
        if not response.get("PhysicalResourceId"):
            # Answered before the handler chose one (crhelper's timer): keep the resource's own id.
            event_id = self._event.get("PhysicalResourceId") if isinstance(self._event, dict) else None
            response["PhysicalResourceId"] = event_id or f"{response.get('LogicalResourceId') or 'preflight'}-unset"
        logger.info("answering %s for %s to %s", response.get("Status"), response.get("LogicalResourceId"), host_of(url))
        try:
            deliver(url, response, self._delivery_deadline)
        finally:
            self._delivered.set()
