"""The custom-resource door: a Create or Update in, the Reason, Data and physical id out. Everything between
is the serving path (preflight.serving), the same as the hook's.

What this door owns, because CloudFormation's custom-resource protocol does:
- Physical ids carry a digest of the properties they last succeeded with. During UPDATE_ROLLBACK,
  CloudFormation sends an Update with the previous properties and the old physical id; those match, so the
  rollback answers SUCCESS without re-auditing (an account that turned non-compliant must not strand the
  stack in UPDATE_ROLLBACK_FAILED). A passing Update returns a new physical id, so a later rollback of it is
  a Delete of the new id, which always succeeds. A failed Update keeps the id it had; a failed Create still
  gets one, for the rollback's Delete.
- The properties of the resource may narrow the deployed baseline (preflight.properties); the hook has none.
- Every outcome is FAILED or SUCCESS: the protocol has no "could not judge" of its own, so a request that
  could not be judged is FAILED with the reason.
(Delete, malformed events and forged ResponseURLs are answered before this module: preflight.protocol.)
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

from preflight.cloudformation import serving
from preflight.aws.access import AwsAccess
from preflight.cloudformation.baseline_cache import BaselineCache
from preflight.cloudformation.lambda_context import SafeContext
from preflight.aws.names import account_in_arn
from preflight.reporting.observability import RequestIds
from preflight.cloudformation.reason import MAX_REASON_CHARS, reason, response_data, with_report_uri
from preflight.registry import Registry
from preflight.text import fit


@dataclass(frozen=True)
class Answer:
    succeeded: bool
    physical_id: str
    reason: str
    data: Mapping[str, str]


def properties_digest(properties: Any) -> str:
    canonical = json.dumps(properties, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def physical_id_for(event: Mapping[str, Any]) -> str:
    return f"{event['LogicalResourceId']}-{properties_digest(event.get('ResourceProperties'))}"


def is_rollback_or_repeat(event: Mapping[str, Any]) -> bool:
    """An Update back to the properties the current physical id succeeded with."""
    return event.get("RequestType") == "Update" and event.get("PhysicalResourceId") == physical_id_for(event)


def answer(event: Mapping[str, Any], context: SafeContext, aws: AwsAccess, registry: Registry,
           baselines: BaselineCache) -> Answer:
    """The answer to a Create or Update whose envelope preflight.request has checked."""
    new_id = physical_id_for(event)
    id_if_failed = str(event.get("PhysicalResourceId") or new_id)
    if is_rollback_or_repeat(event):
        return Answer(
            True, new_id, "PASS: properties unchanged from the last successful audit (rollback); not re-audited.",
            {"Verdict": "PASS", "FailedChecks": "", "PassedChecks": "", "ExemptChecks": ""},
        )
    request = serving.Request(
        ids=RequestIds.of(event, context.aws_request_id), budget_s=context.remaining_s(),
        memory_mib=context.memory_limit_in_mb, account_id=account_in_arn(str(event.get("StackId", ""))),
        properties=event.get("ResourceProperties", {}))
    outcome = serving.serve(request, aws, registry, baselines)
    if outcome.report is None:
        return Answer(False, id_if_failed, fit(outcome.problem, MAX_REASON_CHARS), {})
    report = outcome.report
    return Answer(not outcome.blocked, id_if_failed if outcome.blocked else new_id,
                  with_report_uri(reason(report), report), response_data(report))
