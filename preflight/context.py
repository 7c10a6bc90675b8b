"""What a check function receives: shared AWS access, its region and parameters, and the audit's memo."""
from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping, TypeVar

from preflight.aws.access import AwsAccess
from preflight.concurrency import Deadline

T = TypeVar("T")


class AuditMemo:
    """Answers shared by the checks of one audit, each computed once even when asked concurrently
    (e.g. DescribeTrails, asked by every CloudTrail check). A new memo per audit: nothing is stale."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, Future] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            if entry is None:
                entry = self._entries[key] = Future()
        if owner:
            try:
                entry.set_result(compute())
            except BaseException as error:  # every waiter sees the same failure
                entry.set_exception(error)
        return entry.result()


@dataclass(frozen=True)
class CheckContext:
    aws: AwsAccess
    region: str  # the region a regional check evaluates (for account-wide checks: the home region)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    memo: AuditMemo = field(default_factory=AuditMemo)
    home_region: str | None = None
    regions_of_audit: Callable[[], tuple[str, ...]] | None = None  # the audited regions, looked up once
    template: Any = None  # the template being deployed (a dict), the reason it could not be had, or None
    deadline: Deadline | None = None  # the audit's one deadline (None: no limit, e.g. a check run on its own)

    def audited_regions(self) -> tuple[str, ...]:
        return self.regions_of_audit() if self.regions_of_audit else (self.region,)

    @property
    def account_id(self) -> str:
        return self.aws.account_id

    def client(self, service: str, region: str | None = None):
        return self.aws.client(service, region or self.region)

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        return self.memo.get(key, compute)

    def param(self, name: str) -> Any:
        return self.parameters[name]
