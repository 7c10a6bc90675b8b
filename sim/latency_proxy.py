"""AWS's round trip, in front of moto's server: a loopback HTTP proxy that holds every request for a fixed
latency, then forwards it to moto (the forwarding is sim/forwarding_proxy.py's).

Against AWS an API call costs the caller tens of milliseconds of network and service time and next to no CPU
on the caller's machine; against moto's server in one Python process it costs ~2.4 ms of that process's CPU
and no wait. With this proxy in front the wait is AWS-like, so what decides an audit's time is how many calls
it has in flight at once, as against AWS. Each request is held on its own thread (ThreadingHTTPServer: one
thread per client connection), so requests overlap; the proxy never serialises them. moto still answers each
one after the hold, so its CPU per call is added to the latency, not hidden by it.

DEFAULT_LATENCY_MS, 30 ms: AWS's S3 performance whitepaper puts the median latency of small requests "often in
the tens of milliseconds" ("Best Practices Design Patterns: Optimizing Amazon S3 Performance", Timeouts and
Retries for Latency-Sensitive Applications,
https://docs.aws.amazon.com/whitepapers/latest/s3-optimizing-performance-best-practices/timeouts-and-retries-for-latency-sensitive-applications.html).
For the other services' control-plane reads (IAM, EC2 Describe*, KMS, ...) no AWS document gives a figure; the
same 30 ms for them is an assumption.
"""
from __future__ import annotations

import threading
import time

from sim.forwarding_proxy import Answer, ForwardingProxy

DEFAULT_LATENCY_MS = 30.0


class LatencyProxy(ForwardingProxy):
    """Holds each request `latency_ms` before forwarding it; counts the requests and how many were held at once."""

    def __init__(self, upstream: str, latency_ms: float = DEFAULT_LATENCY_MS):
        self.latency_s = latency_ms / 1000
        self._lock = threading.Lock()
        self.requests = 0
        self._taken = 0  # requests counted by the last take_counts
        self.in_flight = 0
        self.most_in_flight = 0  # the most requests held (or being answered) at one moment
        self.cpu_s = 0.0  # the proxy's own CPU (its handler threads' time), apart from moto's server in the process
        super().__init__(upstream)

    def take_counts(self) -> tuple[int, int]:
        """(requests, most in flight at once) since the last take; the next take counts afresh."""
        with self._lock:
            counts = (self.requests - self._taken, self.most_in_flight)
            self._taken, self.most_in_flight = self.requests, self.in_flight
        return counts

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        started = time.thread_time()
        try:
            time.sleep(self.latency_s)
            return super().forward(method, path, headers, body)
        finally:
            spent = time.thread_time() - started
            with self._lock:
                self.in_flight -= 1
                self.cpu_s += spent
