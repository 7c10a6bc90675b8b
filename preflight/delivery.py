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
from urllib.parse import urlsplit

from preflight.runner import Deadline

logger = logging.getLogger(__name__)

RESPONSE_HOSTS_ENV = "PREFLIGHT_RESPONSE_HOSTS"  # extra allowed hosts, comma-separated (private endpoints, tests)
FIRST_BACKOFF_S = 0.2
MAX_BACKOFF_S = 2.0
MAX_ATTEMPT_TIMEOUT_S = 5.0
# CloudFormation's response URLs are S3 pre-signed URLs, in every partition.
_S3_HOST = re.compile(r"^([a-z0-9.-]+\.)?s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$")


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def is_allowed(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    extra = {h.strip().lower() for h in os.environ.get(RESPONSE_HOSTS_ENV, "").split(",") if h.strip()}
    return parts.scheme == "https" and bool(host) and (host in extra or bool(_S3_HOST.match(host)))


def _put_once(url: str, body: bytes, timeout: float) -> int:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
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
        except (OSError, http.client.HTTPException) as error:
            outcome = type(error).__name__
        if deadline.remaining() <= backoff:
            logger.error("response not delivered to %s after %d attempt(s): last %s; giving up before the deadline", host, attempt, outcome)
            return False
        logger.warning("response delivery to %s failed (%s, attempt %d); retrying in %.1f s", host, outcome, attempt, backoff)
        time.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF_S)
