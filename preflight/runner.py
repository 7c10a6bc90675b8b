"""Runs the policy's checks in parallel under one deadline. Never raises: errors and overruns become findings.

Account-wide checks start at once; regional checks start in every audited region as soon as the region list
is known (looked up once per audit for `regions: all`, concurrently with the account-wide checks).
"""
from __future__ import annotations

import concurrent.futures
import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from preflight import tracing
from preflight.aws.access import AwsAccess
from preflight.aws.errors import describe_error
from preflight.concurrency import Clock, Deadline, spawn
from preflight.context import AuditMemo, CheckContext
from preflight.errors import EvaluationError
from preflight.model import Finding, Result, Scope, Status
from preflight.policy import Policy, Regions, RegionsKind, Selection

logger = logging.getLogger(__name__)

# IAM actions the engine itself needs, beyond the checks' own.
ENGINE_IAM_ACTIONS = ("ec2:DescribeRegions",)


def audited_regions(regions: Regions, aws: AwsAccess, home: str) -> tuple[str, ...]:
    if regions.kind is RegionsKind.CURRENT:
        return (home,)
    if regions.kind is RegionsKind.LISTED:
        return regions.names
    return aws.enabled_regions()


class Observer(Protocol):
    def expect(self, labels: list[str]) -> None: ...
    def finished(self, label: str, finding: Finding) -> None: ...


@dataclass
class _Traced:
    """A check's span, as its thread opened it, for the runner to mark when it stops waiting."""

    span: Any = None
    abandoned: bool = False


@dataclass
class _Job:
    selection: Selection
    region: str | None
    future: Future
    traced: _Traced


class Runner:
    def __init__(self, clock: Clock = time.monotonic):
        self._clock = clock
        self._spawned: list[Future] = []  # every thread this runner started, abandoned ones included

    def settle(self, timeout: float | None = None) -> bool:
        """Wait until every check thread this runner started has ended (those abandoned at the deadline
        too); True when none is left running."""
        return not concurrent.futures.wait(self._spawned, timeout=timeout).not_done

    def _finding(self, selection: Selection, region: str | None, status: Status, message: str,
                 duration_s: float, code: str | None = None, result: Result | None = None) -> Finding:
        return Finding(
            selection.check.meta, status, message, dict(result.evidence) if result else {}, duration_s, code,
            region, result.resources if result else (), selection.severity,
            resource_tags=dict(result.resource_tags) if result else {},
        )

    def _run_one(self, selection: Selection, ctx: CheckContext, region: str | None, deadline: Deadline,
                 traced: _Traced) -> Finding:
        with tracing.check_subsegment(selection.check.id, region) as subsegment:
            traced.span = subsegment
            finding = self._evaluate(selection, ctx, region, deadline)
            # abandoned: reported as TIMEOUT, so traced as TIMEOUT, whatever the check said too late
            tracing.annotate(subsegment, status=Status.TIMEOUT.value if traced.abandoned else finding.status.value)
            return finding

    def _evaluate(self, selection: Selection, ctx: CheckContext, region: str | None, deadline: Deadline) -> Finding:
        started = self._clock()
        check = selection.check
        try:
            result = check.run(ctx)
            if not isinstance(result, Result):
                raise TypeError(f"check returned {type(result).__name__}, not a Result")
        except Exception as error:  # every failure of a check is a finding, never an escape
            code, message = describe_error(error)
            expected = isinstance(error, (ClientError, BotoCoreError, EvaluationError))
            if deadline.remaining() <= 0:  # already reported as TIMEOUT; in a warm container, another request's logs
                logger.debug("check %s, abandoned at the deadline, ended with %s", check.id, code)
            else:
                (logger.warning if expected else logger.exception)("check %s raised %s: %s", check.id, code, message)
            return self._finding(selection, region, Status.ERROR, message, self._clock() - started, code)
        return self._finding(selection, region, result.status, result.message, self._clock() - started, result=result)

    def run(self, policy: Policy, aws: AwsAccess, deadline: Deadline, home: str | None = None,
            observer: "Observer | None" = None, template: Any = None) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
        """(findings in the policy's order, the regions audited). The observer hears of each check as it
        starts and finishes (the CLI's live progress)."""
        started = self._clock()
        home = home or aws.region
        memo = AuditMemo()  # per run: a worker that finishes late writes into this run's objects only

        def regions_of_audit() -> tuple[str, ...]:
            return memo.get("audited-regions", lambda: audited_regions(policy.regions, aws, home))

        def start(selection: Selection, region: str | None) -> _Job:
            ctx = CheckContext(aws, region or home, selection.parameters, memo, home, regions_of_audit, template, deadline)
            traced = _Traced()
            future = spawn(self._run_one, selection, ctx, region, deadline, traced, name=f"check:{selection.check.id}")
            self._spawned.append(future)
            job = _Job(selection, region, future, traced)
            if observer is not None:
                label = selection.check.id + (f"@{region}" if region else "")
                observer.expect([label])
                job.future.add_done_callback(lambda done: observer.finished(label, done.result()))
            return job

        jobs = [start(s, None) for s in policy.selections if s.check.meta.scope in (Scope.ACCOUNT, Scope.TEMPLATE)]
        regional = [s for s in policy.selections if s.check.meta.scope is Scope.REGIONAL]
        regions: tuple[str, ...] = ()
        findings_without_region: list[Finding] = []
        if regional:
            lookup = spawn(regions_of_audit, name="regions")
            self._spawned.append(lookup)
            try:
                regions = lookup.result(timeout=deadline.remaining())
            except concurrent.futures.TimeoutError:
                findings_without_region = [self._finding(s, None, Status.TIMEOUT, "the region list did not arrive "
                                                         "before the deadline", self._clock() - started) for s in regional]
            except Exception as error:
                code, message = describe_error(error)
                findings_without_region = [self._finding(s, None, Status.ERROR, f"could not list the regions: {message}",
                                                         self._clock() - started, code) for s in regional]
            jobs += [start(s, region) for s in regional for region in regions]

        concurrent.futures.wait([j.future for j in jobs], timeout=deadline.remaining())
        findings = findings_without_region + [self._collect(j, started) for j in jobs]
        findings += self._unplaced(policy, findings, regions, self._clock() - started)
        order = {s.check.id: i for i, s in enumerate(policy.selections)}
        region_order = {r: i for i, r in enumerate(regions)}
        findings.sort(key=lambda f: (order[f.check.id], region_order.get(f.region or "", -1)))
        return tuple(findings), regions or (home,)

    def _unplaced(self, policy: Policy, findings: list[Finding], regions: tuple[str, ...], waited: float
                  ) -> list[Finding]:
        """Fail closed: every selected check yields one finding per place it runs (once, or per audited
        region). A selection that yielded none - a scope the runner does not know, a job that vanished - is
        an ERROR naming the check, never a silent absence."""
        placed = {(f.check.id, f.region) for f in findings}
        missing = []
        for selection in policy.selections:
            regional = selection.check.meta.scope is Scope.REGIONAL
            for region in (regions if regional and regions else (None,)):
                if (selection.check.id, region) not in placed and (selection.check.id, None) not in placed:
                    missing.append(self._finding(
                        selection, region, Status.ERROR, "the engine produced no result for this check "
                        f"(scope {getattr(selection.check.meta.scope, 'value', selection.check.meta.scope)}); "
                        "it cannot count as passed", waited, "NoFinding"))
        return missing

    def _collect(self, job: _Job, started: float) -> Finding:
        if job.future.done():
            return job.future.result()
        waited = self._clock() - started
        job.traced.abandoned = True
        tracing.abandoned(job.traced.span, status=Status.TIMEOUT.value)
        return self._finding(job.selection, job.region, Status.TIMEOUT,
                             f"did not finish within the audit's {waited:.1f} s deadline", waited)
