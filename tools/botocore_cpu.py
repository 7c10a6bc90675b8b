"""CPU spent inside botocore - making clients and making API calls - by region, in a bench's auditor process: the
part of what each region costs that is boto3's own, which no change to preflight's code can take away."""
from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any, Callable


class BotocoreCpu:
    def __init__(self) -> None:
        self.seconds_by_region: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._inside = threading.local()

    def install(self) -> "BotocoreCpu":
        import botocore.client
        import botocore.session

        self._measure(botocore.session.Session, "create_client", lambda args, kwargs: kwargs.get("region_name"))
        self._measure(botocore.client.BaseClient, "_make_api_call", lambda args, kwargs: args[0].meta.region_name)
        return self

    def _measure(self, owner: type, name: str, region_of: Callable[[tuple, dict], str | None]) -> None:
        original = getattr(owner, name)

        def measured(*args: Any, **kwargs: Any) -> Any:
            if getattr(self._inside, "active", False):  # counted by the outer call already
                return original(*args, **kwargs)
            self._inside.active = True
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.thread_time() - started
                self._inside.active = False
                with self._lock:
                    self.seconds_by_region[region_of(args, kwargs) or "?"] += spent

        setattr(owner, name, measured)
