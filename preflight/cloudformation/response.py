"""Delivers the response to CloudFormation's pre-signed ResponseURL: checked, retried, bounded.

crhelper's own PUT ignores the HTTP status and retries forever; this one treats only 2xx as delivered,
retries with backoff, and gives up before the deadline. The URL is a credential: only its host is logged.
"""
from __future__ import annotations

import http.client
import json
import logging
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from preflight.concurrency import Deadline
from preflight.cloudformation.presigned import RESPONSE_HOSTS_ENV, host_of, is_allowed, request_target

logger = logging.getLogger(__name__)

FIRST_BACKOFF_S = 0.2
MAX_BACKOFF_S = 2.0
MAX_ATTEMPT_TIMEOUT_S = 5.0


def _put_once(url: str, body: bytes, timeout: float) -> int:
    parts = urlsplit(url)
    path = request_target(url)
    connection = http.client.HTTPSConnection(
        parts.hostname or "", parts.port, timeout=timeout, context=ssl.create_default_context()
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
