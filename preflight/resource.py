"""What the custom resource does on Create and Update: audit, judge, and shape the answer.

Physical ids carry a digest of the properties they last succeeded with. During UPDATE_ROLLBACK,
CloudFormation sends an Update with the previous properties and the old physical id; those match, so the
rollback answers SUCCESS without re-auditing (an account that turned non-compliant must not strand the
stack in UPDATE_ROLLBACK_FAILED). A passing Update returns a new physical id, so a later rollback of it is a
Delete of the new id, which always succeeds.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import logging
import time
from dataclasses import dataclass, replace
from typing import Any, Mapping

from preflight import baseline, capacity, destinations, observability, properties
from preflight.audit import run_audit
from preflight.aws import AwsAccess, account_in_arn
from preflight.concurrency import spawn
from preflight.errors import BaselineError, PolicyError, PreflightError
from preflight.invocation import SafeContext
from preflight.policy import Policy, RegionsKind
from preflight.registry import Registry
from preflight.observability import RequestIds
from preflight.report import MAX_REASON_CHARS, fit, reason, response_data, with_report_uri
from preflight.runner import Deadline

logger = logging.getLogger(__name__)

# Time kept back from the Lambda's remaining time for judging, logging and delivering the response.
MIN_RESPONSE_RESERVE_S = 2.0  # at 128 MB (7% of a CPU) judging, logging and delivering take ~1 s of wall time
MAX_RESPONSE_RESERVE_S = 5.0
RESPONSE_RESERVE_FRACTION = 0.2
BASELINE_TTL_S = 60.0


@dataclass(frozen=True)
class Answer:
    succeeded: bool
    physical_id: str
    reason: str
    data: Mapping[str, str]


def audit_deadline(remaining_s: float) -> Deadline:
    reserve = min(MAX_RESPONSE_RESERVE_S, max(MIN_RESPONSE_RESERVE_S, remaining_s * RESPONSE_RESERVE_FRACTION))
    return Deadline.after(remaining_s - reserve)


def properties_digest(properties: Any) -> str:
    canonical = json.dumps(properties, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def physical_id_for(event: Mapping[str, Any]) -> str:
    return f"{event['LogicalResourceId']}-{properties_digest(event.get('ResourceProperties'))}"


def is_rollback_or_repeat(event: Mapping[str, Any]) -> bool:
    """An Update back to the properties the current physical id succeeded with."""
    return event.get("RequestType") == "Update" and event.get("PhysicalResourceId") == physical_id_for(event)


def _reason(text: str) -> str:
    return fit(text, MAX_REASON_CHARS)


class BaselineCache:
    """The deployed baseline, fetched at most once per TTL per warm container (an SSM or S3 read would
    otherwise sit in front of every audit). A failure is not cached: the next request tries again."""

    def __init__(self, source: str | None = None, ttl_s: float = BASELINE_TTL_S):
        self._source = source
        self._ttl_s = ttl_s
        self._policy: Policy | None = None
        self._fetched_at = 0.0

    def within(self, deadline: Deadline, aws: AwsAccess, registry: Registry) -> Policy:
        """The baseline, or BaselineError saying why not - also when an SSM or S3 read hangs past the deadline."""
        try:
            return spawn(self.get, aws, registry).result(timeout=deadline.remaining())
        except concurrent.futures.TimeoutError:
            raise BaselineError(["it did not arrive before the deadline"]) from None

    def get(self, aws: AwsAccess, registry: Registry) -> Policy:
        if self._policy is None or time.monotonic() - self._fetched_at > self._ttl_s:
            source = baseline.configured_source() if self._source is None else self._source
            self._policy = baseline.load(source, aws, registry)
            self._fetched_at = time.monotonic()
        return self._policy


def _region_count(policy: Policy, aws: AwsAccess) -> int:
    if policy.regions.kind is RegionsKind.LISTED:
        return len(policy.regions.names)
    if policy.regions.kind is RegionsKind.ALL and capacity.regional_services(policy):
        try:
            return len(aws.enabled_regions())
        except Exception:  # the runner will report the lookup's failure itself
            return 1
    return 1


def answer(event: Mapping[str, Any], context: SafeContext, aws: AwsAccess, registry: Registry,
           baselines: BaselineCache) -> Answer:
    """The answer to a Create or Update whose envelope preflight.request has checked."""
    new_id = physical_id_for(event)
    # A failed Update must keep the id it had; a failed Create still needs one, for the rollback's Delete.
    id_if_failed = str(event.get("PhysicalResourceId") or new_id)
    if is_rollback_or_repeat(event):
        return Answer(
            True, new_id, "PASS: properties unchanged from the last successful audit (rollback); not re-audited.",
            {"Verdict": "PASS", "FailedChecks": "", "PassedChecks": "", "ExemptChecks": ""},
        )
    stack_account = account_in_arn(str(event.get("StackId", "")))
    if stack_account and aws.known_account_id and stack_account != aws.known_account_id:
        # The checks read the function's own account; a verdict about it means nothing to another account.
        return Answer(False, id_if_failed, _reason(
            f"This auditor audits account {aws.known_account_id}, but the stack is in account {stack_account}: "
            "use the ServiceToken of the preflight auditor deployed in that account."), {})
    deadline = audit_deadline(context.remaining_s())
    try:
        deployed = baselines.within(deadline, aws, registry)
    except BaselineError as error:  # fail closed: no baseline, no pass
        logger.error("baseline unavailable: %s", error)
        return Answer(False, id_if_failed, _reason(f"The preflight baseline could not be loaded: {error}."), {})
    try:
        policy = properties.apply(event.get("ResourceProperties"), deployed, registry)
    except PolicyError as error:
        logger.error("invalid properties: %s", error)
        return Answer(False, id_if_failed, _reason(f"Invalid Custom::Preflight properties: {error}."), {})
    too_big = capacity.shortfall(policy, _region_count(policy, aws), context.memory_limit_in_mb)
    if too_big:
        logger.error("refusing an audit that would not fit in memory: %s", too_big)
        return Answer(False, id_if_failed, _reason(too_big), {})
    ids = RequestIds.of(event, context.aws_request_id)
    try:
        report = run_audit(policy, aws, deadline)
    except PreflightError as error:
        logger.error("the audit could not run: %s", error)
        return Answer(False, id_if_failed, _reason(f"The audit could not run: {error}."), {})
    report = replace(report, deliveries=destinations.deliver(report, policy.reports, aws, ids, deadline))
    observability.log_audit(report, ids)
    observability.publish_metrics(report)
    blocked = policy.blocks(report.verdict)
    return Answer(not blocked, id_if_failed if blocked else new_id, with_report_uri(reason(report), report),
                  response_data(report))
