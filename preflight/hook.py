"""The same audit behind a CloudFormation Lambda Hook: every stack operation in the account, gated.

Request and response shapes: CloudFormation Hooks User Guide, "Create Lambda functions to evaluate resources
for Lambda Hooks". CloudFormation waits at most 30 s for the function, so the audit's deadline sits inside
that whatever the function's own timeout (HOOK_BUDGET_S from the moment the request arrives, leaving room
for a cold start before it); unfinished checks are TIMEOUT and judged by on_error as elsewhere. preflight
never answers IN_PROGRESS, so it never depends on a callbackContext.

Decisions where the guide leaves a choice to the function:
- DELETE_PRE_PROVISION is never blocked (SUCCESS at once), like the custom resource's Delete.
- STACK and CHANGE_SET targets are audited. RESOURCE and CLOUD_CONTROL targets are not what preflight gates:
  SUCCESS with a message saying so, so a hook configured too widely never blocks resource operations. Any other
  target type is malformed.
- errorCode NonCompliant when the account breaks the baseline, InternalFailure when the audit could not judge
  (the baseline unreadable, the request malformed). In audit mode the hook answers SUCCESS and still tells
  the truth in its message and annotations; with the hook's FailureMode WARN, CloudFormation does the same.
- A verdict may be reused within one warm container for the same effective policy for
  PREFLIGHT_HOOK_VERDICT_TTL_S seconds (default 30, 0 = never); a reused answer says when it was judged.
"""
from __future__ import annotations

import concurrent.futures
import datetime
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping

from preflight.concurrency import spawn
from preflight.errors import BaselineError, PreflightError
from preflight.model import Finding, Report, Scope, Status
from preflight.report import fit, reason
from preflight.template import TemplateUnavailable, from_payload_url as template_from_payload

logger = logging.getLogger(__name__)

HOOK_BUDGET_S = 25.0  # CloudFormation waits 30 s for the function, cold start included
MAX_MESSAGE_CHARS = 4096  # CloudFormation truncates the message there for CloudFormation operations
MAX_ANNOTATION_NAME_CHARS = 1024
MAX_STATUS_MESSAGE_CHARS = 1024
MAX_REMEDIATION_MESSAGE_CHARS = 16384
MAX_REMEDIATION_LINK_CHARS = 5120
VERDICT_TTL_ENV = "PREFLIGHT_HOOK_VERDICT_TTL_S"
DEFAULT_VERDICT_TTL_S = 30.0
INVOCATION_POINTS = ("CREATE_PRE_PROVISION", "UPDATE_PRE_PROVISION", "DELETE_PRE_PROVISION")
AUDITED_TARGETS = ("STACK", "CHANGE_SET")
NOT_GATED_TARGETS = ("RESOURCE", "CLOUD_CONTROL")
MAX_TOKEN_CHARS = 256


def is_hook_request(event: Any) -> bool:
    """Told apart by shape: a hook request carries clientRequestToken and actionInvocationPoint."""
    return isinstance(event, dict) and "clientRequestToken" in event and "actionInvocationPoint" in event


@dataclass(frozen=True)
class HookRequest:
    token: str
    invocation_point: str
    target_type: str
    target_name: str
    stack_id: str
    payload_url: Any = None  # pre-signed: a credential, never logged


def parse(event: Mapping[str, Any]) -> HookRequest | str:
    """The request, or what is wrong with it (no field value quoted beyond a short prefix)."""
    token = event.get("clientRequestToken")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return "clientRequestToken is missing or not a token"
    point = event.get("actionInvocationPoint")
    if point not in INVOCATION_POINTS:
        return f"unknown actionInvocationPoint {str(point)[:40]!r}"
    data = event.get("requestData")
    if not isinstance(data, Mapping):
        return "requestData is missing"
    target_type = data.get("targetType")
    if not isinstance(target_type, str) or target_type not in AUDITED_TARGETS + NOT_GATED_TARGETS:
        return f"unknown requestData.targetType {str(target_type)[:40]!r}"
    stack_id = event.get("stackId")
    return HookRequest(token, point, target_type, str(data.get("targetName", ""))[:256],
                       stack_id[:512] if isinstance(stack_id, str) else "", data.get("payload"))


def _annotation(finding: Finding, report: Report) -> dict[str, Any]:
    meta = finding.check
    name = meta.id + (f" ({finding.region})" if finding.region else "")
    blocking = finding in report.blocking
    if finding.status is Status.PASS:
        status, message = "PASSED", finding.message
    elif finding.status is Status.FAIL or blocking:
        status, message = "FAILED", finding.message if finding.status is Status.FAIL else \
            f"{finding.status.value}: {finding.message}"
    elif finding.status is Status.EXEMPT and finding.exemption is not None:
        status, message = "SKIPPED", f"exempt: {finding.message} [{finding.exemption.text}]"
    elif finding.status is Status.NOT_APPLICABLE:
        status, message = "SKIPPED", f"not applicable: {finding.message}"
    else:  # ERROR or TIMEOUT that the baseline lets through (on_error: warn, or below fail_on)
        status, message = "SKIPPED", f"not judged ({finding.status.value}, not blocking): {finding.message}"
    annotation = {"annotationName": fit(name, MAX_ANNOTATION_NAME_CHARS), "status": status,
                  "statusMessage": fit(message, MAX_STATUS_MESSAGE_CHARS),
                  "severityLevel": finding.effective_severity.value}
    if status == "FAILED":
        annotation["remediationMessage"] = fit(meta.remediation, MAX_REMEDIATION_MESSAGE_CHARS)
        annotation["remediationLink"] = fit(meta.remediation_url, MAX_REMEDIATION_LINK_CHARS)
    return annotation


def answer_for(token: str, report: Report, blocked: bool, judged_note: str = "") -> dict[str, Any]:
    message = judged_note + reason(report, MAX_MESSAGE_CHARS - len(judged_note))
    response: dict[str, Any] = {"hookStatus": "FAILED" if blocked else "SUCCESS", "message": message,
                                "clientRequestToken": token,
                                "annotations": [_annotation(f, report) for f in report.findings]}
    if blocked:
        response["errorCode"] = "NonCompliant"
    return response


def failure(token: str, message: str) -> dict[str, Any]:
    return {"hookStatus": "FAILED", "errorCode": "InternalFailure", "message": fit(message, MAX_MESSAGE_CHARS),
            "clientRequestToken": token}


def success(token: str, message: str) -> dict[str, Any]:
    return {"hookStatus": "SUCCESS", "message": message, "clientRequestToken": token}


@dataclass(frozen=True)
class _Judged:
    report: Report
    at_monotonic: float
    at_wall: datetime.datetime


class VerdictCache:
    """Reports by policy digest, reused for a short time within one warm container."""

    def __init__(self, ttl_s: float | None = None, clock=time.monotonic):
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Judged] = {}

    @property
    def ttl_s(self) -> float:
        if self._ttl_s is not None:
            return self._ttl_s
        try:
            return max(0.0, min(float(os.environ.get(VERDICT_TTL_ENV, DEFAULT_VERDICT_TTL_S)), 3600.0))
        except ValueError:
            return DEFAULT_VERDICT_TTL_S

    def get(self, digest: str) -> _Judged | None:
        with self._lock:
            entry = self._entries.get(digest)
        if entry and self._clock() - entry.at_monotonic < self.ttl_s:
            return entry
        return None

    def put(self, digest: str, report: Report) -> None:
        if self.ttl_s > 0:
            with self._lock:
                self._entries = {digest: _Judged(report, self._clock(), datetime.datetime.now(datetime.timezone.utc))}


def answer(event: Mapping[str, Any], remaining_s: float, aws: Any, registry: Any, baselines: Any,
           verdicts: VerdictCache) -> dict[str, Any]:
    """The hook's answer. Never raises; never IN_PROGRESS."""
    from preflight.audit import merged, run_audit
    from preflight.resource import audit_deadline

    token = event.get("clientRequestToken") if isinstance(event.get("clientRequestToken"), str) else ""
    request = parse(event)
    if isinstance(request, str):
        logger.error("malformed hook request: %s", request)
        return failure(token[:MAX_TOKEN_CHARS], f"Malformed hook request: {request}.")
    if request.invocation_point == "DELETE_PRE_PROVISION":
        return success(request.token, "preflight never blocks a delete.")
    if request.target_type in NOT_GATED_TARGETS:
        return success(request.token, f"preflight gates stacks and change sets; a {request.target_type} target is "
                                      "not audited (set the hook's TargetOperations to STACK).")
    deadline = audit_deadline(min(remaining_s, HOOK_BUDGET_S))
    try:
        policy = baselines.within(deadline, aws, registry)
    except BaselineError as error:
        logger.error("baseline unavailable: %s", error)
        return failure(request.token, f"The preflight baseline could not be loaded: {error}.")
    policy = with_template_checks(policy, registry)
    template_policy = policy.only(Scope.TEMPLATE)
    # The template travels while the account is audited; both within the same deadline.
    fetching = spawn(_template, request.payload_url, deadline) if template_policy.selections else None
    account_policy = policy.only(Scope.ACCOUNT, Scope.REGIONAL)
    cached = verdicts.get(account_policy.digest())
    note = f"(verdict of {cached.at_wall:%H:%M:%S} UTC, reused) " if cached else ""
    try:
        report = cached.report if cached else run_audit(account_policy, aws, deadline)
        if not cached:
            verdicts.put(account_policy.digest(), report)
        if fetching is not None:
            try:
                template = fetching.result(timeout=deadline.remaining())
            except concurrent.futures.TimeoutError:
                template = TemplateUnavailable("the template did not arrive before the deadline")
            report = merged(report, run_audit(template_policy, aws, deadline, template=template), policy)
    except PreflightError as error:
        logger.error("the audit could not run: %s", error)
        return failure(request.token, f"The audit could not run: {error}.")
    from preflight import observability

    observability.log_audit(report, observability.RequestIds(request.stack_id, request.target_name, request.token,
                                                             request.invocation_point))
    return answer_for(request.token, report, policy.blocks(report.verdict), note)


def with_template_checks(policy: Any, registry: Any) -> Any:
    """The baseline decides which template checks run (template_checks): preflight.policy.with_template_checks."""
    from preflight.policy import with_template_checks as for_a_template

    return for_a_template(policy, registry)


def _template(payload_url: Any, deadline: Any) -> Any:
    """The template, or the TemplateUnavailable saying why not (the template checks turn it into an ERROR)."""
    try:
        return template_from_payload(payload_url, timeout=deadline.remaining())
    except TemplateUnavailable as error:
        logger.warning("template not available: %s", error)
        return error
