"""A loopback HTTP server that forwards every request to moto's server, the shared part of the stand-ins in
front of it (sim/throttle_proxy.py, sim/latency_proxy.py).

Clients reach it as they reach moto's server: AWS_ENDPOINT_URL, and HTTP_PROXY for s3control's ACCOUNT.-prefixed
host (the request line then carries the absolute URL, which moto's server accepts as is). Each client connection
is served on a thread of its own (ThreadingHTTPServer), each request forwarded over a new connection upstream.
A subclass decides, per request, whether to answer it itself (`intercept`) before it is forwarded.
"""
from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Answer = tuple[int, dict[str, str], bytes]  # (status, headers, body)
UPSTREAM_TIMEOUT_S = 30


class ForwardingProxy:
    def __init__(self, upstream: str):
        self.upstream = urlsplit(upstream)
        assert self.upstream.hostname == "127.0.0.1", upstream  # loopback only
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = proxy.intercept(self.command, self.path, dict(self.headers), body)
                self._send(*(answer or proxy.forward(self.command, self.path, dict(self.headers), body)))

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def intercept(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer | None:
        """An answer to send instead of forwarding the request, or None to forward it (the default)."""
        return None

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                                timeout=UPSTREAM_TIMEOUT_S)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = {k: v for k, v in response.getheaders()
                    if k.lower() not in ("transfer-encoding", "connection", "content-length")}
            return response.status, kept, data
        finally:
            connection.close()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
