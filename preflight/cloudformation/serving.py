"""The one serving path behind both Lambda doors (the custom resource and the hook):

    account check -> baseline -> policy -> capacity guard -> audit (one deadline) -> destinations, log, metrics

A door turns its request into a `Request` and the `Outcome` into its protocol's answer; nothing else. What
a door does differently is its own module docstring's business (preflight.resource, preflight.hook).
An outcome is either a judged report or the reason nothing could be judged, in words; this path never
raises for anything a request carries.
"""
from __future__ import annotations

import concurrent.futures
import logging
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Protocol

from preflight import properties, tracing
from preflight.cloudformation import capacity
from preflight.reporting import destinations, observability
from preflight.audit import merged, run_audit
from preflight.aws.access import AwsAccess
from preflight.cloudformation.baseline_cache import BaselineCache
from preflight.concurrency import Deadline, spawn
from preflight.errors import BaselineError, PolicyError, PreflightError
from preflight.model import Report, Scope, Status
from preflight.reporting.observability import RequestIds
from preflight.policy import Policy, RegionsKind, with_template_checks
from preflight.registry import Registry

logger = logging.getLogger(__name__)

# Time kept back from the budget for judging, logging and delivering the answer.
MIN_RESPONSE_RESERVE_S = 2.0  # at 128 MB (7% of a CPU) judging, logging and delivering take ~1 s of wall time
MAX_RESPONSE_RESERVE_S = 5.0
RESPONSE_RESERVE_FRACTION = 0.2

TemplateSource = Callable[[Deadline], Any]  # the template (a dict), or the TemplateUnavailable saying why not
# How long past the deadline the template's own reader may take to say why it stopped (its words are clearer
# than "did not arrive"); the deadline keeps a reserve of at least MIN_RESPONSE_RESERVE_S for the answer.
TEMPLATE_WORDS_GRACE_S = 0.25


def audit_deadline(remaining_s: float) -> Deadline:
    reserve = min(MAX_RESPONSE_RESERVE_S, max(MIN_RESPONSE_RESERVE_S, remaining_s * RESPONSE_RESERVE_FRACTION))
    return Deadline.after(remaining_s - reserve)


@dataclass(frozen=True)
class Request:
    """What a door asks of the serving path."""

    ids: RequestIds
    budget_s: float  # the time the door allows from now, answer included
    memory_mib: int | None  # the function's MemorySize, for the capacity guard (None: unknown)
    account_id: str | None = None  # the account the request is about, when it says
    properties: Mapping[str, Any] | None = None  # Custom::Preflight properties (the custom resource only)
    template: TemplateSource | None = None  # the template being deployed (the hook only)
    reuse: "Reuse | None" = None  # a recent account verdict, reused (the hook only)


@dataclass(frozen=True)
class Outcome:
    """A judged report, or why there is none. `problem` is for a person and names no secret."""

    report: Report | None
    blocked: bool
    problem: str = ""
    reused_at: str = ""  # when a reused account verdict was judged (HH:MM:SS UTC)

    @classmethod
    def refused(cls, problem: str) -> "Outcome":
        return cls(None, True, problem)

    @property
    def breaches(self) -> bool:
        """A blocking finding is a judged FAIL: the account or the template breaks the baseline. Otherwise what
        blocks is that something could not be judged (ERROR, TIMEOUT)."""
        return self.report is not None and any(f.status is Status.FAIL for f in self.report.blocking)


class Reuse(Protocol):
    """A verdict cache (preflight.hook.VerdictCache): a recent report for a policy digest, and when it was judged."""

    def get(self, digest: str) -> tuple[Report, str] | None: ...

    def put(self, digest: str, report: Report) -> None: ...


def serve(request: Request, aws: AwsAccess, registry: Registry, baselines: BaselineCache) -> Outcome:
    """The outcome of one request. Never raises for anything the request carries."""
    with tracing.audit_span() as span:
        outcome = _serve(request, aws, registry, baselines)
        tracing.annotate(span, verdict=outcome.report.verdict.value if outcome.report else "REFUSED")
        return outcome


def _serve(request: Request, aws: AwsAccess, registry: Registry, baselines: BaselineCache) -> Outcome:
    known = aws.known_account_id
    if request.account_id and known and request.account_id != known:
        # The checks read the function's own account; a verdict about it means nothing to another account.
        return Outcome.refused(
            f"This auditor audits account {known}, but the stack is in account {request.account_id}: use the "
            "preflight auditor deployed in that account.")
    deadline = audit_deadline(request.budget_s)
    policy = _policy(request, deadline, aws, registry, baselines)
    if isinstance(policy, str):
        return Outcome.refused(policy)
    too_big = capacity.shortfall(policy, _region_count(policy, aws), request.memory_mib,
                                 template=request.template is not None)
    if too_big:
        logger.error("refusing an audit that would not fit in memory: %s", too_big)
        return Outcome.refused(too_big)
    try:
        report, reused_at = _audit(request, policy, aws, deadline)
    except PreflightError as error:
        logger.error("the audit could not run: %s", error)
        return Outcome.refused(f"The audit could not run: {error}.")
    report = replace(report, deliveries=destinations.deliver(report, policy.reports, aws, request.ids, deadline))
    observability.log_audit(report, request.ids)
    observability.publish_metrics(report)
    return Outcome(report, policy.blocks(report.verdict), reused_at=reused_at)


def _policy(request: Request, deadline: Deadline, aws: AwsAccess, registry: Registry,
            baselines: BaselineCache) -> Policy | str:
    """The policy for this request, or why there is none."""
    try:
        deployed = baselines.within(deadline, aws, registry)
    except BaselineError as error:  # fail closed: no baseline, no pass
        logger.error("baseline unavailable: %s", error)
        return f"The preflight baseline could not be loaded: {error}."
    policy = deployed
    if request.properties is not None:
        try:
            policy = properties.apply(request.properties, deployed, registry)
        except PolicyError as error:
            logger.error("invalid properties: %s", error)
            return f"Invalid Custom::Preflight properties: {error}."
    return with_template_checks(policy, registry) if request.template is not None else policy


def _region_count(policy: Policy, aws: AwsAccess) -> int:
    if policy.regions.kind is RegionsKind.LISTED:
        return len(policy.regions.names)
    if policy.regions.kind is RegionsKind.ALL and capacity.regional_services(policy):
        try:
            return len(aws.enabled_regions())
        except Exception:  # the runner will report the lookup's failure itself
            return 1
    return 1


def _audit(request: Request, policy: Policy, aws: AwsAccess, deadline: Deadline) -> tuple[Report, str]:
    """The account audit (or a reused verdict of it), and the template checks on the template that travels
    meanwhile, within the same deadline."""
    template_policy = policy.only(Scope.TEMPLATE)
    fetching = spawn(_template_or_why, request.template, deadline) \
        if request.template is not None and template_policy.selections else None
    account_policy = policy.only(Scope.ACCOUNT, Scope.REGIONAL) if fetching is not None else policy
    reused = request.reuse.get(account_policy.digest()) if request.reuse is not None else None
    if reused is not None:
        report, reused_at = reused
    else:
        report, reused_at = run_audit(account_policy, aws, deadline), ""
        if request.reuse is not None:
            request.reuse.put(account_policy.digest(), report)
    if fetching is None:
        return report, reused_at
    try:
        template = fetching.result(timeout=deadline.remaining() + TEMPLATE_WORDS_GRACE_S)
    except concurrent.futures.TimeoutError:
        from preflight.template import TemplateUnavailable

        template = TemplateUnavailable("the template did not arrive before the deadline")
    return merged(report, run_audit(template_policy, aws, deadline, template=template), policy), reused_at


def _template_or_why(source: TemplateSource, deadline: Deadline) -> Any:
    """The template, or an exception saying why not: whatever goes wrong becomes the template check's ERROR,
    never the loss of the account audit beside it."""
    from preflight.template import TemplateUnavailable

    try:
        return source(deadline)
    except TemplateUnavailable as error:
        logger.warning("template not available: %s", error)
        return error
    except RecursionError:
        return TemplateUnavailable("the template is nested too deeply to read")
    except Exception as error:  # noqa: BLE001 - reported in words, the audit kept
        logger.error("the template could not be read (%s)", type(error).__name__)
        return TemplateUnavailable(f"the template could not be read ({type(error).__name__})")
