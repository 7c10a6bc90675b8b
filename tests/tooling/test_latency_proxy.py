"""The latency stand-in in front of moto's server holds each request, then forwards it to moto; requests made at
once are held at once, never one after another (no timing asserts: what overlapped is counted by the proxy)."""
from __future__ import annotations

import threading
import time

from preflight.aws.access import new_session
from sim.latency_proxy import LatencyProxy


def sts(endpoint: str):
    return new_session(region_name="us-east-1").client("sts", endpoint_url=endpoint)


def test_a_request_is_held_then_answered_by_moto(moto_endpoint):
    proxy = LatencyProxy(moto_endpoint, latency_ms=50)
    try:
        started = time.monotonic()
        assert sts(proxy.url).get_caller_identity()["Account"]
        assert time.monotonic() - started >= 0.05  # a lower bound: the hold itself, whatever the machine
        assert proxy.requests == 1 and proxy.in_flight == 0
    finally:
        proxy.close()


def test_ten_requests_made_at_once_are_held_at_once(moto_endpoint):
    proxy = LatencyProxy(moto_endpoint, latency_ms=50)
    clients = [sts(proxy.url) for _ in range(10)]  # a connection each, as botocore's pool gives threads
    start = threading.Barrier(10)
    answers: list[str] = []

    def call(client) -> None:
        start.wait(timeout=30)
        answers.append(client.get_caller_identity()["Account"])

    threads = [threading.Thread(target=call, args=(c,)) for c in clients]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(answers) == 10 and proxy.requests == 10
        assert proxy.most_in_flight > 1, "a serialising proxy never holds two requests at once"
    finally:
        proxy.close()
