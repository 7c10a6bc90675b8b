"""Delivers the response to CloudFormation's pre-signed ResponseURL: checked, retried, bounded.

crhelper's own PUT ignores the HTTP status and retries forever; this one treats only 2xx as delivered,
retries with backoff, and gives up before the deadline. The URL is a credential: only its host is logged.
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import re
import ssl
import time
from typing import Any
from urllib.parse import quote, urlsplit

from preflight.runner import Deadline
from preflight.validation import REGION_PATTERN

logger = logging.getLogger(__name__)

RESPONSE_HOSTS_ENV = "PREFLIGHT_RESPONSE_HOSTS"  # extra allowed hosts, comma-separated (private endpoints, tests)
FIRST_BACKOFF_S = 0.2
MAX_BACKOFF_S = 2.0
MAX_ATTEMPT_TIMEOUT_S = 5.0
# CloudFormation's response URLs are S3 pre-signed URLs. Only the documented S3 endpoint forms pass
# (S3 User Guide, "Virtual hosting of buckets" and "Amazon S3 endpoints"; AWS General Reference, "Amazon S3
# endpoints"): path-style or virtual-hosted (BUCKET.), global (s3), regional (s3.REGION and the legacy
# s3-REGION), dual-stack (s3.dualstack.REGION), FIPS (s3-fips.REGION, s3-fips.dualstack.REGION), in every
# partition's DNS suffix. Port 443 only.
_BUCKET = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
_ENDPOINT = rf"s3|s3-external-1|s3-{REGION_PATTERN}|s3(-fips)?(\.dualstack)?\.{REGION_PATTERN}"
_PARTITION_SUFFIX = r"amazonaws\.com|amazonaws\.com\.cn|amazonaws\.eu|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov"
_S3_HOST = re.compile(rf"^({_BUCKET}\.)?({_ENDPOINT})\.({_PARTITION_SUFFIX})$")


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def extra_hosts() -> set[str]:
    """Hosts the operator allowed besides S3 (a private endpoint, a test's local server), on any port."""
    return {h.strip().lower() for h in os.environ.get(RESPONSE_HOSTS_ENV, "").split(",") if h.strip()}


def is_allowed(url: str) -> bool:
    """Whether a ResponseURL is one CloudFormation would hand out: HTTPS to an S3 endpoint, port 443."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port out of range or not a number
        return False
    host = parts.hostname or ""
    if parts.scheme != "https" or not host or parts.username is not None or parts.password is not None:
        return False
    if host in extra_hosts():
        return True
    return port in (None, 443) and bool(_S3_HOST.match(host))


# Every printable ASCII character but space stays as it is; anything else in a path or query is percent-encoded
# (an HTTP request line is ASCII: a non-ASCII character would otherwise fail the request before it is sent).
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def request_target(url: str) -> str:
    """The path and query of a URL as they go on the request line."""
    parts = urlsplit(url)
    return quote(parts.path + (f"?{parts.query}" if parts.query else ""), safe=_URL_SAFE)


def _put_once(url: str, body: bytes, timeout: float) -> int:
    parts = urlsplit(url)
    path = request_target(url)
    connection = http.client.HTTPSConnection(
        parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
    )
    try:
        # CloudFormation's pre-signed URL is signed for an empty content type.
        connection.request("PUT", path, body=body, headers={"Content-Type": "", "Content-Length": str(len(body))})
        return connection.getresponse().status
    finally:
        connection.close()


def deliver(url: str, response: dict[str, Any], deadline: Deadline) -> bool:
    """PUT the response until a 2xx answer or the deadline. True when CloudFormation accepted it."""
    host = host_of(url)
    if not is_allowed(url):
        logger.error("refusing to send the response to host %s: not an HTTPS S3 host (see %s)", host, RESPONSE_HOSTS_ENV)
        return False
    body = json.dumps(response).encode()
    backoff = FIRST_BACKOFF_S
    attempt = 0
    while True:
        attempt += 1
        outcome: str
        try:
            status = _put_once(url, body, timeout=max(0.1, min(MAX_ATTEMPT_TIMEOUT_S, deadline.remaining())))
            if 200 <= status < 300:
                logger.info("response %s delivered to %s (HTTP %s, attempt %d)", response.get("Status"), host, status, attempt)
                return True
            outcome = f"HTTP {status}"
        except (OSError, http.client.HTTPException, ValueError) as error:  # UnicodeError is a ValueError
            outcome = type(error).__name__
        if deadline.remaining() <= backoff:
            logger.error("response not delivered to %s after %d attempt(s): last %s; giving up before the deadline", host, attempt, outcome)
            return False
        logger.warning("response delivery to %s failed (%s, attempt %d); retrying in %.1f s", host, outcome, attempt, backoff)
        time.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF_S)
