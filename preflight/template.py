"""The template being deployed, when one is at hand: fetched from a hook request's payload URL (under the same
rules as the response URL: HTTPS to an S3 endpoint, bounded time and size) or read from a file (the CLI's
--template), and parsed as CloudFormation JSON or YAML (short-form tags read as their long form)."""
from __future__ import annotations

import http.client
import json
import ssl
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from preflight.delivery import host_of, is_allowed

MAX_TEMPLATE_BYTES = 1024 * 1024  # CloudFormation's largest template (from S3)
MAX_PAYLOAD_BYTES = 3 * MAX_TEMPLATE_BYTES  # the template, the previous one and the request's metadata
MAX_FETCH_S = 5.0


class TemplateUnavailable(Exception):
    """The template could not be had; the message says why, for a person."""


def parse(text: str) -> dict[str, Any]:
    from preflight import yamlsafe  # PyYAML only when a template is read

    if len(text) > MAX_TEMPLATE_BYTES:
        raise TemplateUnavailable(f"the template is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
    try:
        document = yamlsafe.load(text, cloudformation=True)
    except Exception as error:
        first = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise TemplateUnavailable(f"the template is not valid JSON or YAML ({first})") from error
    if not isinstance(document, dict):
        raise TemplateUnavailable("the template is not an object")
    return document


def from_file(path: str) -> dict[str, Any]:
    try:
        with open(Path(path), "rb") as source:
            data = source.read(MAX_TEMPLATE_BYTES + 1)
    except OSError as error:
        raise TemplateUnavailable(f"cannot read {path}: {error.strerror or error}") from error
    return parse(data.decode("utf-8", errors="replace"))


def _get(url: str, timeout: float) -> bytes:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                             context=ssl.create_default_context())
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        if response.status != 200:
            raise TemplateUnavailable(f"the payload URL answered HTTP {response.status}")
        data = response.read(MAX_PAYLOAD_BYTES + 1)
    finally:
        connection.close()
    if len(data) > MAX_PAYLOAD_BYTES:
        raise TemplateUnavailable(f"the payload is larger than {MAX_PAYLOAD_BYTES // 1024} KiB")
    return data


def from_payload_url(url: Any, timeout: float = MAX_FETCH_S) -> dict[str, Any]:
    """The template a hook request's payload carries. The URL is pre-signed: only its host is ever shown."""
    if url is None:
        raise TemplateUnavailable("the request carries no payload URL")
    if not isinstance(url, str) or not is_allowed(url):
        raise TemplateUnavailable(f"the payload URL (host {host_of(str(url))[:80]}) is not an S3 URL; not fetched")
    try:
        payload = json.loads(_get(url, max(0.1, min(timeout, MAX_FETCH_S))))
    except TemplateUnavailable:
        raise
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise TemplateUnavailable(f"the payload could not be fetched from {host_of(url)} ({type(error).__name__})") from error
    template = payload.get("template") if isinstance(payload, Mapping) else None
    if isinstance(template, str):
        return parse(template)
    if isinstance(template, dict):
        return template
    raise TemplateUnavailable("the payload carries no template")
