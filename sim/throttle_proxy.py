"""AWS's per-account API rate limits, in front of moto's server: a local HTTP proxy with a token bucket per
service and action that answers each service's own throttling error, and forwards everything else to moto.

Clients reach it as they reach moto's server (AWS_ENDPOINT_URL, and HTTP_PROXY for s3control's
ACCOUNT.-prefixed host). The service comes from the request's SigV4 credential scope, the action from
X-Amz-Target (JSON protocols), the Action form field (query and EC2 protocols) or the method and first path
segment (REST protocols). The error shapes follow each protocol as AWS sends them: JSON `__type`
ThrottlingException (CloudTrail, Config, CloudWatch Logs), query-XML `Throttling` (IAM, STS, SNS,
CloudWatch), EC2 `RequestLimitExceeded` (HTTP 503), REST-JSON `TooManyRequestsException` (HTTP 429:
GuardDuty, Security Hub, Access Analyzer) and S3's `SlowDown` (HTTP 503).
"""
from __future__ import annotations

import http.client
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
JSON_THROTTLED = {"cloudtrail", "config", "logs"}
QUERY_THROTTLED = {"iam", "sts", "sns", "monitoring"}
REST_JSON_THROTTLED = {"guardduty", "securityhub", "access-analyzer"}


def throttling_answer(service: str, json_protocol: bool = False) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of the service's throttling error, in the protocol the request used."""
    request_id = str(uuid.uuid4())
    if service in QUERY_THROTTLED and json_protocol:  # a query service spoken as JSON (CloudWatch's awsJson1_0)
        return 400, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": request_id,
                     "x-amzn-query-error": "Throttling;Sender"}, b'{"__type":"Throttling","message":"Rate exceeded"}'
    if service in JSON_THROTTLED or json_protocol:
        return 400, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id}, \
            b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
    if service == "ec2":
        return 503, {"Content-Type": "text/xml"}, (
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
            f"</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>").encode()
    if service in REST_JSON_THROTTLED:
        return 429, {"Content-Type": "application/json", "x-amzn-ErrorType": "TooManyRequestsException",
                     "x-amzn-RequestId": request_id}, b'{"message":"Rate exceeded"}'
    if service == "s3":
        return 503, {"Content-Type": "application/xml"}, (
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
            f"<RequestId>{request_id}</RequestId></Error>").encode()
    return 400, {"Content-Type": "text/xml"}, (  # the query protocol: IAM, STS, SNS, CloudWatch, ...
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>").encode()


@dataclass
class Bucket:
    rate: float  # tokens per second
    burst: float
    tokens: float = field(init=False)
    at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class ThrottlingProxy:
    """`rates` maps "service:Action" (or "service:*") to requests per second; unlisted actions pass freely."""

    def __init__(self, upstream: str, rates: dict[str, float], burst: float | None = None):
        self.upstream = urlsplit(upstream)
        self.rates = rates
        self._burst = burst
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()
        self.throttled: dict[str, int] = {}
        self.forwarded: dict[str, int] = {}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = proxy.key_of(self.command, self.path, dict(self.headers), body)
                if not proxy.admit(key):
                    status, headers, answer = throttling_answer(key.split(":")[0], "X-Amz-Target" in self.headers)
                    return self._send(status, headers, answer)
                connection = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                try:
                    connection.request(self.command, self.path, body=body or None, headers=dict(self.headers))
                    response = connection.getresponse()
                    data = response.read()
                    headers = {k: v for k, v in response.getheaders()
                               if k.lower() not in ("transfer-encoding", "connection", "content-length")}
                    self._send(response.status, headers, data)
                finally:
                    connection.close()

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

    @staticmethod
    def key_of(method: str, path: str, headers: dict[str, str], body: bytes) -> str:
        lowered = {k.lower(): v for k, v in headers.items()}
        scope = SCOPE.search(lowered.get("authorization", ""))
        service = scope.group(1) if scope else "unknown"
        target = lowered.get("x-amz-target")
        if target:
            return f"{service}:{target.rsplit('.', 1)[-1]}"
        if body and b"Action=" in body:
            action = parse_qs(body.decode(errors="replace")).get("Action", ["?"])[0]
            return f"{service}:{action}"
        segment = urlsplit(path).path.strip("/").split("/")[0] if path else ""
        return f"{service}:{method} /{segment}"

    def admit(self, key: str) -> bool:
        rate = self.rates.get(key, self.rates.get(key.split(":")[0] + ":*"))
        with self._lock:
            if rate is None:
                self.forwarded[key] = self.forwarded.get(key, 0) + 1
                return True
            bucket = self._buckets.setdefault(key, Bucket(rate, self._burst if self._burst is not None else max(1.0, rate)))
            admitted = bucket.take()
            counts = self.forwarded if admitted else self.throttled
            counts[key] = counts.get(key, 0) + 1
            return admitted

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
