"""crhelper, configured against its hostile defaults and made to answer exactly once.

- INFO logging (crhelper's DEBUG default logs the event, pre-signed ResponseURL included);
- no sleep on Delete (crhelper waits up to 120 s by default), and no unused polling clients;
- the response PUT is checked and bounded (see preflight.delivery), and sent once per request even when
  crhelper's own timeout timer fires while the handler is still answering;
- Delete succeeds at once, even when the function failed to initialise or the event is malformed, so a
  rollback or a delete never sticks;
- a request whose ResponseURL is not CloudFormation's (a forged direct invoke) is neither audited nor answered;
- a malformed event is answered FAILED, never answered to a URL left over from an earlier request;
- every Reason fits CloudFormation's 256 characters (crhelper's own cut keeps the end, not the verdict);
- logging is configured here (configure_logging), not as a side effect of crhelper's log helper.

crhelper stays the protocol library; these are the members of `crhelper.CfnResource` preflight relies on, each
pinned by name and signature in tests/test_contracts.py (an upgrade that changes one fails there):
`__init__(json_logging, log_level, boto_level, polling_interval, sleep_on_delete, ssl_verify)` and its
`AWS_SAM_LOCAL` switch (no polling clients), `__call__(event, context)`, `_send(status, reason, send_response)`
(overridden: one answer, through preflight's PUT), `_log_setup(event, context)` (overridden: preflight's own
logging), `init_failure(error)` and `_init_failed`, `_event`, `_timer` (its timeout thread, `_timeout()`),
`_sam_local`, `create`/`update` (the decorators the handler uses), `_wrap_function(func)` (how the handler's
exceptions become FAILED), the response attributes (Status, Reason, Data, StackId, RequestId,
LogicalResourceId, PhysicalResourceId), and `crhelper.resource_helper.FAILED`/`SUCCESS`.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any

from crhelper import CfnResource
from crhelper.resource_helper import FAILED, SUCCESS

from preflight.concurrency import Deadline
from preflight.cloudformation.response import deliver
from preflight.cloudformation.lambda_context import SafeContext
from preflight.cloudformation.presigned import host_of, is_allowed
from preflight.cloudformation.reason import MAX_REASON_CHARS
from preflight.cloudformation.request import MAX_RESPONSE_URL_CHARS, echoed, malformation, safe_physical_id, without_crhelper_keys
from preflight.text import fit

logger = logging.getLogger(__name__)

# Time kept back at the very end of the invocation so the last delivery attempt returns before Lambda
# freezes the process.
DELIVERY_MARGIN_S = 0.1
LOG_LEVEL = logging.INFO  # DEBUG would log the event, and so the pre-signed ResponseURL
AWS_LIBRARY_LOG_LEVEL = logging.ERROR  # boto3, botocore, urllib3: their INFO lines name endpoints and retries


def configure_logging() -> None:
    """The function's logging: INFO for preflight, ERROR for the AWS libraries, onto the handler Lambda's
    runtime installs (one to standard error when there is none, as when invoked by hand)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    root.setLevel(LOG_LEVEL)
    for name in ("boto", "boto3", "botocore", "urllib3"):
        logging.getLogger(name).setLevel(AWS_LIBRARY_LOG_LEVEL)


def capped_reason(reason: Any) -> str:
    """Every Reason within CloudFormation's 256 characters, cut at the end (crhelper would keep the end)."""
    return fit(str(reason), MAX_REASON_CHARS)


class GuardedResource(CfnResource):
    # crhelper's private state this class reads: in its code, not in the stubs it ships (tests/test_contracts.py)
    _init_failed: BaseException | None
    _event: Any
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
        configure_logging()
        self._send_lock = threading.Lock()
        self._answered = True  # nothing to answer until a request arrives
        self._delivered = threading.Event()
        self._delivery_deadline = Deadline.after(0)

    def __call__(self, event: Any, context: Any) -> None:
        context = SafeContext(context)
        self._delivery_deadline = Deadline.after(context.remaining_s() - DELIVERY_MARGIN_S)
        url = event.get("ResponseURL") if isinstance(event, dict) else None
        with self._send_lock:
            self._answered = False
            self._delivered.clear()
            self._response_url = ""
        if not isinstance(url, str) or not url:
            logger.error("malformed request: %s; no ResponseURL to answer, nothing sent",
                         malformation(event) or "the event has no ResponseURL")
            return
        if len(url) > MAX_RESPONSE_URL_CHARS or not is_allowed(url):
            # A forged invocation: nobody CloudFormation would answer. Nothing is audited, reported or sent.
            logger.error("refusing a request whose ResponseURL (host %s) is not a CloudFormation response URL; "
                         "nothing audited, nothing sent", host_of(url[:MAX_RESPONSE_URL_CHARS]))
            return
        self._response_url = url
        event, ignored = without_crhelper_keys(event)
        if ignored:
            logger.warning("ignoring crhelper polling keys in the event: %s", ", ".join(k[:40] for k in ignored[:5]))
        problem = malformation(event)
        if event.get("RequestType") == "Delete":
            # Delete succeeds at once, always: nothing preflight creates needs cleaning up, and a rollback must
            # never stick. It never reaches crhelper (whose id generation can raise on a malformed StackId).
            note = f" (the request was malformed: {problem})" if problem else ""
            self._answer_directly(event, SUCCESS, f"Deleted{note}.")
            return
        if problem:
            logger.error("malformed request: %s", problem)
            self._answer_directly(event, FAILED, f"Malformed custom resource request: {problem}.")
            return
        if self._init_failed:
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

    def _log_setup(self, event: Any, context: Any) -> None:
        """crhelper reconfigures the root logger on every request; preflight's configuration stands."""
        configure_logging()

    def _answer_directly(self, event: dict, status: str, reason: str) -> None:
        self.Status, self.Reason, self.Data = status, reason, {}
        self.StackId = echoed(event.get("StackId"))
        self.RequestId = echoed(event.get("RequestId"))
        self.LogicalResourceId = echoed(event.get("LogicalResourceId"))
        self.PhysicalResourceId = (safe_physical_id(event.get("PhysicalResourceId"))
                                   or f"{self.LogicalResourceId or 'preflight'}-unset")
        self._event = event
        self._send()

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        with self._send_lock:
            if self._answered:
                logger.warning("a response was already sent for this request; not sending another")
                return
            self._answered = True
        self.Reason = capped_reason(self.Reason)
        super()._send(status, capped_reason(reason) if status else reason,  # type: ignore[misc]  # not in the stubs
                      send_response=self._deliver)

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
