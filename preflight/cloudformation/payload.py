"""The template a Lambda Hook request carries: its pre-signed payload URL fetched (HTTPS to an S3 endpoint,
bounded in total time and size) and the payload read - JSON, the template in it read as preflight.template
reads any template. Only TemplateUnavailable leaves this module."""
from __future__ import annotations

import http.client
from typing import Any, Mapping

from preflight import documents, jsonsafe
from preflight.cloudformation import fetch
from preflight.concurrency import Deadline
from preflight.documents import Remaining
from preflight.cloudformation.presigned import host_of, is_allowed
from preflight.template import (
    MAX_TEMPLATE_BYTES,
    TemplateUnavailable,
    decoded,
    parse,
    reading_errors,
)

MAX_PAYLOAD_BYTES = 3 * MAX_TEMPLATE_BYTES  # the template, the previous one and the request's metadata


MAX_FETCH_S = 5.0


def from_payload_url(url: Any, timeout: float = MAX_FETCH_S, *, deadline: Remaining | None = None) -> dict[str, Any]:
    """The template a hook request's payload carries, fetched and read within the deadline (or timeout seconds
    from now); the fetch itself takes at most MAX_FETCH_S of it. The URL is pre-signed: only its host is shown."""
    if url is None:
        raise TemplateUnavailable("the request carries no payload URL")
    if not isinstance(url, str) or not is_allowed(url):
        raise TemplateUnavailable(f"the payload URL (host {host_of(str(url))[:80]}) is not an S3 URL; not fetched")
    whole = deadline or Deadline.after(timeout)
    with reading_errors("the payload"):
        fetch_s = min(whole.remaining(), MAX_FETCH_S)
        try:
            data = fetch.get(url, Deadline.after(fetch_s), MAX_PAYLOAD_BYTES)
        except fetch.FetchError as error:
            raise TemplateUnavailable(f"the payload URL {error}" if error.status else f"the payload {error}") from None
        except TimeoutError:
            raise TemplateUnavailable(f"the payload did not arrive from {host_of(url)} within {fetch_s:.1f} s") from None
        except (OSError, http.client.HTTPException) as error:
            raise TemplateUnavailable(f"the payload could not be fetched from {host_of(url)} "
                                      f"({type(error).__name__})") from None
        text = decoded(data, "the payload")
        del data  # the payload is held once while it is read, not twice
        try:
            payload = jsonsafe.loads(text)
        except jsonsafe.NotJson as error:
            raise TemplateUnavailable(f"the payload is not JSON (line {error.lineno} column {error.colno}: "
                                      f"{error.msg})") from None
        except documents.Refused as refused:
            raise TemplateUnavailable(f"the payload {refused}") from None
        del text
        template = payload.get("template") if isinstance(payload, Mapping) else None
        if isinstance(template, str):
            return parse(template, deadline=whole)
        if isinstance(template, dict):
            return template
        raise TemplateUnavailable("the payload carries no template")
