"""Daemon-thread futures.

concurrent.futures.ThreadPoolExecutor joins its workers at interpreter exit, so one hung AWS call would
keep the CLI (or a test run) alive forever. Here every task gets a daemon thread and a Future of its own:
whoever stops waiting simply drops the Future, and a late result lands in an object nobody reads again.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable, Iterable, TypeVar

from preflight import tracing

T = TypeVar("T")
R = TypeVar("R")


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


def spawn(fn: Callable[..., R], *args: object, name: str = "preflight") -> "Future[R]":
    future: Future[R] = Future()
    trace_entity = tracing.current_entity()  # threads do not inherit it: hand it over

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            with tracing.adopted(trace_entity):
                future.set_result(fn(*args))
        except BaseException as exc:  # handed to whoever reads the future
            future.set_exception(exc)

    threading.Thread(target=work, name=name, daemon=True).start()
    return future


def fan_out(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """fn over items, all at once; results in order. The first exception (in item order) is raised."""
    futures = [spawn(fn, item) for item in items]
    return [f.result() for f in futures]
