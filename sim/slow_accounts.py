"""Accounts whose every AWS call is slow, in front of moto's server: a local HTTP proxy that learns the access
key AssumeRole hands out for each slow account's role and delays every request signed with it (and that
AssumeRole itself). For benchmarks of a sweep with a straggler among thousands of accounts."""
from __future__ import annotations

import http.client
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCESS_KEY = re.compile(r"Credential=([A-Z0-9]+)/")
ISSUED_KEY = re.compile(rb"<AccessKeyId>([A-Z0-9]+)</AccessKeyId>")


class SlowAccountsProxy:
    def __init__(self, upstream: str, delays: dict[str, float]):
        self._upstream = urlsplit(upstream)
        self._delays = dict(delays)  # account id -> seconds added to each of its calls
        self._keys: dict[str, float] = {}  # access key -> seconds
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                delay = proxy.delay_for(self.headers.get("Authorization", ""), body)
                if delay:
                    time.sleep(delay)
                status, headers, answer = proxy.forward(self.command, self.path, dict(self.headers), body)
                if delay and b"<AssumeRoleResult>" in answer:
                    proxy.learn(answer, delay)
                try:
                    self.send_response(status)
                    for name, value in headers:
                        if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on a late answer (its deadline): nothing to deliver

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def delay_for(self, authorization: str, body: bytes) -> float:
        key = ACCESS_KEY.search(authorization)
        with self._lock:
            if key and key.group(1) in self._keys:
                return self._keys[key.group(1)]
        role = parse_qs(body.decode("utf-8", "replace")).get("RoleArn", [""])[0]
        return next((d for account, d in self._delays.items() if f":{account}:" in role), 0.0)

    def learn(self, answer: bytes, delay: float) -> None:
        issued = ISSUED_KEY.search(answer)
        if issued:
            with self._lock:
                self._keys[issued.group(1).decode()] = delay

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes):
        connection = http.client.HTTPConnection(self._upstream.hostname, self._upstream.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
