"""Which pre-signed URLs preflight answers or fetches (CloudFormation's ResponseURL, a hook's payload URL),
and how one goes on the request line. A pre-signed URL is a credential: only its host is ever shown."""
from __future__ import annotations

import os
import re
from urllib.parse import quote, urlsplit

from preflight.aws.names import REGION_PATTERN

RESPONSE_HOSTS_ENV = "PREFLIGHT_RESPONSE_HOSTS"  # extra allowed hosts, comma-separated (private endpoints, tests)


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
