"""Runs checks in parallel under one deadline. Never raises: errors and overruns become findings."""
from __future__ import annotations

import concurrent.futures
import logging
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from botocore.exceptions import BotoCoreError, ClientError

from preflight.concurrency import spawn
from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import Check, Finding, Result, Status

logger = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass(frozen=True)
class Deadline:
    at: float  # on the clock below
    clock: Clock = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Clock = time.monotonic) -> "Deadline":
        return cls(clock() + max(0.0, seconds), clock)

    def remaining(self) -> float:
        return max(0.0, self.at - self.clock())


def describe_error(error: BaseException) -> tuple[str, str]:
    """(error code, a message for a person) for anything a check may raise."""
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        code = detail.get("Code", "ClientError")
        retries = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        tried = f" (after {retries + 1} attempts)" if retries else ""
        return code, f"{code} calling {error.operation_name}{tried}: {detail.get('Message', '')}".rstrip(": ")
    if isinstance(error, EvaluationError):
        return error.code, str(error)
    if isinstance(error, BotoCoreError):
        return type(error).__name__, str(error)
    return type(error).__name__, f"internal error in the check: {type(error).__name__}: {error}"


class Runner:
    def __init__(self, clock: Clock = time.monotonic):
        self._clock = clock

    def _run_one(self, check: Check, ctx: CheckContext) -> Finding:
        started = self._clock()
        try:
            result = check.run(ctx)
            if not isinstance(result, Result):
                raise TypeError(f"check returned {type(result).__name__}, not a Result")
        except Exception as error:  # every failure of a check is a finding, never an escape
            code, message = describe_error(error)
            expected = isinstance(error, (ClientError, BotoCoreError, EvaluationError))
            (logger.warning if expected else logger.exception)("check %s raised %s: %s", check.id, code, message)
            return Finding(check.meta, Status.ERROR, message, {}, self._clock() - started, code)
        return Finding(check.meta, result.status, result.message, result.evidence, self._clock() - started)

    def run(self, checks: Sequence[Check], ctx: CheckContext, deadline: Deadline) -> tuple[Finding, ...]:
        started = self._clock()
        # Each run owns its futures: a worker that finishes after the deadline writes into a future
        # nobody reads, never into a later request's results.
        futures = [spawn(self._run_one, check, ctx, name=f"check:{check.id}") for check in checks]
        concurrent.futures.wait(futures, timeout=deadline.remaining())
        findings = []
        for check, future in zip(checks, futures):
            if future.done():
                findings.append(future.result())
            else:
                waited = self._clock() - started
                findings.append(
                    Finding(check.meta, Status.TIMEOUT, f"did not finish within the audit's {waited:.1f} s deadline", {}, waited)
                )
        return tuple(findings)
