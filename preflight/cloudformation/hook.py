"""The Lambda Hook door: a hook request in, a hook response out. Everything between is the serving path
(preflight.serving), the same as the custom resource's: baseline, capacity guard, audit, destinations, log
and metrics, and the refusal of a request about another account.

Request and response: CloudFormation Hooks User Guide, "Create Lambda functions to evaluate resources for
Lambda Hooks" (the facts, point by point: shared/reference/hook-events.md). CloudFormation waits at most
30 s for the function, so the audit's deadline sits inside that whatever the function's own timeout
(HOOK_BUDGET_S from the moment the request arrives, leaving room for a cold start). preflight never answers
IN_PROGRESS, so it never depends on a callbackContext.

What this door owns, because the hook protocol does:
- Shape. Any request with a hook's keys gets a hook response, echoing its token under the spelling that
  arrived (the guide's syntax blocks spell `clientRequesttoken` and `stackID`; its examples
  `clientRequestToken` and `stackId`); the documented `clientRequestToken` is always among them.
- Targets. STACK and CHANGE_SET are audited (a change set without `actionInvocationPoint`, as the guide's
  syntax block shows it, is a CREATE: the only action for change sets). A resource operation - `targetType`
  a resource type such as `AWS::DynamoDB::Table`, or `RESOURCE` for Cloud Control - is never blocked:
  preflight gates stacks, not resources. A delete is never blocked.
- errorCode. NonCompliant only when the account or the template was judged and breaks the baseline (a
  blocking FAIL); InternalFailure when the hook could not judge: the request is malformed or about another
  account, the baseline is unreadable, or what blocks is an ERROR or TIMEOUT (a payload that could not be
  fetched included). In audit mode the hook answers SUCCESS and still tells the truth.
- Lengths. message within 4,096 characters (1,024 for Cloud Control operations); annotation fields within
  the API's limits.
- The template. The payload is fetched while the account is audited and the template checks run on it.
- Verdict reuse. An account verdict may be reused within one warm container for the same effective policy
  for PREFLIGHT_HOOK_VERDICT_TTL_S seconds (default 30, 0 = never) - stacks deployed in a burst cost one
  audit - but only a verdict with no ERROR or TIMEOUT finding: one throttling burst must not refuse the
  next stacks. A reused answer says when it was judged. The custom resource never reuses: each stack
  operation that reaches it asked for an audit.
"""
from __future__ import annotations

import datetime
import enum
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping

from preflight import inert
from preflight.cloudformation import serving
from preflight.aws.access import AwsAccess
from preflight.cloudformation.baseline_cache import BaselineCache
from preflight.cloudformation.lambda_context import SafeContext
from preflight.model import Finding, Report, Status
from preflight.aws.names import STACK_ID, account_in_arn
from preflight.reporting.observability import RequestIds
from preflight.cloudformation.reason import reason
from preflight.registry import Registry
from preflight.cloudformation.hook_shape import (MAX_MESSAGE_CHARS, MAX_TOKEN_CHARS, TOKEN_KEYS, echo_of,
                                                 failure, success)
from preflight.cloudformation.request import REQUEST_ID, echoed
from preflight.text import fit

logger = logging.getLogger(__name__)

HOOK_BUDGET_S = 25.0  # CloudFormation waits 30 s for the function, cold start included
MAX_CLOUD_CONTROL_MESSAGE_CHARS = 1024  # ... and there for Cloud Control API operations
MAX_ANNOTATION_NAME_CHARS = 1024
MAX_STATUS_MESSAGE_CHARS = 1024
MAX_REMEDIATION_MESSAGE_CHARS = 16384
MAX_REMEDIATION_LINK_CHARS = 5120
VERDICT_TTL_ENV = "PREFLIGHT_HOOK_VERDICT_TTL_S"
DEFAULT_VERDICT_TTL_S = 30.0
INVOCATION_POINTS = ("CREATE_PRE_PROVISION", "UPDATE_PRE_PROVISION", "DELETE_PRE_PROVISION")
STACK_ID_KEYS = ("stackId", "stackID")
RESOURCE_TYPE = re.compile(r"^[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}(::MODULE)?$")
ACCOUNT_ID = re.compile(r"^\d{12}$", re.ASCII)


class Target(str, enum.Enum):
    STACK = "STACK"
    CHANGE_SET = "CHANGE_SET"
    RESOURCE = "RESOURCE"  # a resource operation, CloudFormation's or Cloud Control's: never gated


@dataclass(frozen=True)
class HookRequest:
    echo: dict[str, str]
    target: Target
    invocation_point: str
    cloud_control: bool
    account_id: str | None
    ids: RequestIds
    payload_url: Any = None  # pre-signed: a credential, never logged

    @property
    def max_message_chars(self) -> int:
        return MAX_CLOUD_CONTROL_MESSAGE_CHARS if self.cloud_control else MAX_MESSAGE_CHARS


@dataclass(frozen=True)
class Malformed:
    echo: dict[str, str]
    problem: str  # for a person; no field value quoted beyond a short prefix


def _target(data: Mapping[str, Any], stack_id: str) -> tuple[Target, bool] | None:
    """The target and whether it is a Cloud Control operation; None when the target type is unknown."""
    target_type = data.get("targetType")
    if target_type in (Target.STACK.value, Target.CHANGE_SET.value):
        return Target(target_type), False
    if target_type in ("RESOURCE", "CLOUD_CONTROL"):
        return Target.RESOURCE, True
    if isinstance(target_type, str) and RESOURCE_TYPE.match(target_type):
        return Target.RESOURCE, not stack_id  # the guide: stackId is empty when the caller is Cloud Control
    return None


def parse(event: Mapping[str, Any], invocation_id: str = "") -> HookRequest | Malformed:
    echo = echo_of(event)
    token = next((event[k] for k in TOKEN_KEYS if k in event), None)
    if token is not None and (not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS):
        return Malformed(echo, "clientRequestToken is not a token")
    data = event.get("requestData")
    if not isinstance(data, Mapping):
        return Malformed(echo, "requestData is missing")
    stack_id = next((v for k in STACK_ID_KEYS if isinstance(v := event.get(k), str)), "")
    target = _target(data, stack_id)
    if target is None:
        return Malformed(echo, f"unknown requestData.targetType {str(data.get('targetType'))[:40]!r}")
    point = event.get("actionInvocationPoint")
    if point is None and target[0] is Target.CHANGE_SET:
        point = "CREATE_PRE_PROVISION"  # the only action that applies to change sets
    if point not in INVOCATION_POINTS and target[0] is not Target.RESOURCE:
        return Malformed(echo, f"unknown actionInvocationPoint {str(point)[:40]!r}")
    account = event.get("awsAccountId")
    account_id = account if isinstance(account, str) and ACCOUNT_ID.match(account) else account_in_arn(stack_id)
    ids = RequestIds(stack_id if STACK_ID.match(stack_id) else "", echoed(data.get("targetLogicalId"), 256),
                     token if isinstance(token, str) and REQUEST_ID.match(token) else "", str(point), invocation_id)
    return HookRequest(echo, target[0], str(point), target[1], account_id, ids, data.get("payload"))


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
                  "statusMessage": fit(inert.line(message), MAX_STATUS_MESSAGE_CHARS),
                  "severityLevel": finding.effective_severity.value}
    if status == "FAILED":
        annotation["remediationMessage"] = fit(meta.remediation, MAX_REMEDIATION_MESSAGE_CHARS)
        annotation["remediationLink"] = fit(meta.remediation_url, MAX_REMEDIATION_LINK_CHARS)
    return annotation


def judged(request: HookRequest, outcome: serving.Outcome) -> dict[str, Any]:
    """The answer to a request whose audit finished."""
    report = outcome.report
    assert report is not None
    note = f"(verdict of {outcome.reused_at} UTC, reused) " if outcome.reused_at else ""
    response: dict[str, Any] = {
        "hookStatus": "FAILED" if outcome.blocked else "SUCCESS",
        "message": note + reason(report, request.max_message_chars - len(note)), **request.echo,
        "annotations": [_annotation(f, report) for f in report.findings]}
    if outcome.blocked:
        response["errorCode"] = "NonCompliant" if outcome.breaches else "InternalFailure"
    return response


@dataclass(frozen=True)
class _Judged:
    report: Report
    at_monotonic: float
    at_wall: datetime.datetime


class VerdictCache:
    """Account verdicts by policy digest, reused for a short time within one warm container (serving.Reuse)."""

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

    def get(self, digest: str) -> tuple[Report, str] | None:
        with self._lock:
            entry = self._entries.get(digest)
        if entry and self._clock() - entry.at_monotonic < self.ttl_s:
            return entry.report, f"{entry.at_wall:%H:%M:%S}"
        return None

    def put(self, digest: str, report: Report) -> None:
        """Kept only when every check reached a verdict: an ERROR or TIMEOUT is no verdict to reuse."""
        if self.ttl_s <= 0 or any(f.status in (Status.ERROR, Status.TIMEOUT) for f in report.findings):
            return
        with self._lock:
            self._entries = {digest: _Judged(report, self._clock(), datetime.datetime.now(datetime.timezone.utc))}


def answer(event: Mapping[str, Any], context: SafeContext, aws: AwsAccess, registry: Registry,
           baselines: BaselineCache, verdicts: VerdictCache) -> dict[str, Any]:
    """The hook's answer. Never raises; never IN_PROGRESS."""
    from preflight.cloudformation.payload import from_payload_url

    request = parse(event, context.aws_request_id)
    if isinstance(request, Malformed):
        logger.error("malformed hook request: %s", request.problem)
        return failure(request.echo, f"Malformed hook request: {request.problem}.")
    if request.invocation_point == "DELETE_PRE_PROVISION" and request.target is not Target.RESOURCE:
        return success(request.echo, "preflight never blocks a delete.")
    if request.target is Target.RESOURCE:
        return success(request.echo, "preflight gates stacks and change sets; a resource operation is not "
                                     "audited (set the hook's TargetOperations to STACK).")
    url = request.payload_url
    outcome = serving.serve(serving.Request(
        ids=request.ids, budget_s=min(context.remaining_s(), HOOK_BUDGET_S), memory_mib=context.memory_limit_in_mb,
        account_id=request.account_id, template=lambda deadline: from_payload_url(url, deadline=deadline),
        reuse=verdicts), aws, registry, baselines)
    if outcome.report is None:
        return failure(request.echo, outcome.problem, request.max_message_chars)
    return judged(request, outcome)
