"""One HTTPS GET bounded in total time and size: connecting, sending and every read together end by one
deadline (each socket operation waits at most what remains of it), so a server that trickles a byte at a
time cannot hold the caller past the deadline. Only the URL's host ever appears in an error."""
from __future__ import annotations

import http.client
import ssl
from urllib.parse import urlsplit

from preflight.documents import Remaining
from preflight.cloudformation.presigned import request_target

CHUNK_BYTES = 64 * 1024


class FetchError(Exception):
    """The document could not be had; the message says why (without the URL, which may be a credential)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class _Bounded(ssl.SSLSocket):
    """A TLS socket whose every read and write waits at most until its deadline."""

    deadline: Remaining | None = None

    def _within_deadline(self) -> None:
        if self.deadline is not None:
            remaining = self.deadline.remaining()
            if remaining <= 0:
                raise TimeoutError("the deadline passed")
            self.settimeout(remaining)

    def recv_into(self, buffer, nbytes=None, flags=0):
        self._within_deadline()
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, buflen=1024, flags=0):
        self._within_deadline()
        return super().recv(buflen, flags)

    def sendall(self, data, flags=0):
        self._within_deadline()
        return super().sendall(data, flags)


def get(url: str, deadline: Remaining, max_bytes: int) -> bytes:
    """The body of a 200 answer. FetchError when the answer is another status or larger than max_bytes;
    TimeoutError when the deadline passes; OSError or http.client.HTTPException for other failures."""
    remaining = deadline.remaining()
    if remaining <= 0:
        raise TimeoutError("the deadline passed")
    parts = urlsplit(url)
    context = ssl.create_default_context()
    context.sslsocket_class = _Bounded
    # The TLS handshake is bounded per operation by the connection's timeout; everything after it, in total.
    connection = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=remaining, context=context)
    try:
        connection.connect()
        connection.sock.deadline = deadline  # type: ignore[union-attr]
        connection.request("GET", request_target(url))
        response = connection.getresponse()
        if response.status != 200:
            raise FetchError(f"answered HTTP {response.status}", response.status)
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"is larger than {max_bytes // 1024} KiB")
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"is larger than {max_bytes // 1024} KiB")
            chunks.append(chunk)
        if declared and declared.isdigit() and size != int(declared):
            raise FetchError(f"ended after {size} of {declared} bytes")
        return b"".join(chunks)
    finally:
        connection.close()
