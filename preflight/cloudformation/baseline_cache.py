"""The deployed baseline, fetched at most once per TTL per warm container (an SSM or S3 read would otherwise sit
in front of every audit). A failure is not cached: the next request tries again."""
from __future__ import annotations

import concurrent.futures
import time

from preflight import baseline
from preflight.aws.access import AwsAccess
from preflight.concurrency import Deadline, spawn
from preflight.errors import BaselineError
from preflight.policy import Policy
from preflight.registry import Registry

BASELINE_TTL_S = 60.0


class BaselineCache:
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
