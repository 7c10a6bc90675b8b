"""Faults to inject: AWS error storms, calls that hang at the socket, slow regions."""
from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from botocore.awsrequest import AWSResponse


def _error_body(protocol: str, code: str, message: str) -> bytes:
    if protocol.startswith("json"):
        return json.dumps({"__type": code, "message": message}).encode()
    return (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>fault</RequestId></ErrorResponse>").encode()


class _RawBody:
    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_):
        yield self._data


@dataclass
class ErrorStorm:
    """Answers every matching AWS call with an error, after botocore built and signed it, so botocore's own
    retry logic sees it exactly as it would see AWS's answer."""

    code: str
    status: int = 400
    message: str = "Rate exceeded"
    services: frozenset[str] | None = None  # None: every service
    attempts: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request, **kwargs):
        service_model = kwargs["event_name"].split(".")[1]
        if self.services is not None and service_model not in self.services:
            return None
        with self._lock:
            self.attempts.append((service_model, request.url))
        # JSON-protocol requests name their operation in X-Amz-Target; the rest speak XML errors.
        protocol = "json" if "X-Amz-Target" in request.headers else "xml"
        body = _error_body(protocol, self.code, self.message)
        return AWSResponse(request.url, self.status, {"Content-Type": "text/xml"}, _RawBody(body))

    def attach(self, session) -> None:
        # First in line: moto answers before-send too, and the first answer wins.
        session.events.register_first("before-send", self)


def storm(session, code: str, *, status: int = 400, services: set[str] | None = None) -> ErrorStorm:
    errors = ErrorStorm(code, status, services=frozenset(services) if services else None)
    errors.attach(session)
    return errors


class BlackHole:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""

    def __init__(self) -> None:
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self._held: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            self._held.append(connection)

    def close(self) -> None:
        self._closed = True
        for connection in self._held:
            connection.close()
        self._server.close()


def slow_region(session, region: str, seconds: float) -> Callable:
    """Every call to one region sleeps first, as if that region's endpoint were unreachable."""
    def delay(context, **_):
        if context.get("client_region") == region:
            time.sleep(seconds)

    session.events.register("before-call", delay)
    return delay
