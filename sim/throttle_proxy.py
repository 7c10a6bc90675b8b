"""AWS's per-account API rate limits, in front of moto's server: a local HTTP proxy with a token bucket per
service and action that answers each service's own throttling error, and forwards everything else to moto.

Clients reach it as they reach moto's server (AWS_ENDPOINT_URL, and HTTP_PROXY for s3control's
ACCOUNT.-prefixed host); the forwarding is sim/forwarding_proxy.py's. The service comes from the request's
SigV4 credential scope, the action from X-Amz-Target (JSON protocols), the Action form field (query and EC2 protocols) or the method and first path
segment (REST protocols). The error shapes follow each protocol as AWS sends them: JSON `__type`
ThrottlingException (CloudTrail, Config, CloudWatch Logs), query-XML `Throttling` (IAM, STS, SNS,
CloudWatch), EC2 `RequestLimitExceeded` (HTTP 503), REST-JSON `TooManyRequestsException` (HTTP 429:
GuardDuty, Security Hub, Access Analyzer) and S3's `SlowDown` (HTTP 503).
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from sim.forwarding_proxy import Answer, ForwardingProxy

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


class ThrottlingProxy(ForwardingProxy):
    """`rates` maps "service:Action" (or "service:*") to requests per second; unlisted actions pass freely."""

    def __init__(self, upstream: str, rates: dict[str, float], burst: float | None = None):
        self.rates = rates
        self._burst = burst
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()
        self.throttled: dict[str, int] = {}
        self.forwarded: dict[str, int] = {}
        super().__init__(upstream)

    def intercept(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer | None:
        key = self.key_of(method, path, headers, body)
        if self.admit(key):
            return None
        return throttling_answer(key.split(":")[0], any(k.lower() == "x-amz-target" for k in headers))

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

