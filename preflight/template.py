"""The template being deployed, when one is at hand: fetched from a hook request's payload URL (under the same
rules as the response URL: HTTPS to an S3 endpoint, bounded in total time and in size) or read from a file
(the CLI's --template), and read as CloudFormation reads it: JSON when it is JSON (the C parser: any
whitespace JSON allows, tabs included), YAML otherwise (short-form tags read as their long form, no aliases),
nested at most documents.MAX_DEPTH deep, and stopped at a deadline. Only TemplateUnavailable leaves this
module, with a reason a person can act on."""
from __future__ import annotations

import codecs
import contextlib
import http.client
from pathlib import Path
from typing import Any, Iterator, Mapping

from preflight import documents, fetch, jsonsafe
from preflight.delivery import host_of, is_allowed
from preflight.documents import Remaining
from preflight.runner import Deadline

MAX_TEMPLATE_BYTES = 1024 * 1024  # CloudFormation's largest template (from S3)
MAX_PAYLOAD_BYTES = 3 * MAX_TEMPLATE_BYTES  # the template, the previous one and the request's metadata
MAX_FETCH_S = 5.0
# Peak memory of reading a template, per MB of its text, over the text itself (tools/bench_template.py,
# docs/performance.md): ~3 MiB (JSON) and ~6 MiB (YAML) for a template of resources and policies; 24-25 MiB
# for the densest documents measured (a list of empty objects, JSON or YAML), which is what is reserved.
PARSE_PEAK_MIB_PER_MB = 26.0


class TemplateUnavailable(Exception):
    """The template could not be had; the message says why, for a person."""


def parse_peak_mib(size_bytes: int) -> float:
    """The most memory reading a template of this size takes, over its text."""
    return PARSE_PEAK_MIB_PER_MB * size_bytes / (1024 * 1024)


def _size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


@contextlib.contextmanager
def _only_unavailable(what: str) -> Iterator[None]:
    """Whatever goes wrong while reading becomes TemplateUnavailable, in words."""
    try:
        yield
    except TemplateUnavailable:
        raise
    except MemoryError:
        raise TemplateUnavailable(f"{what} needs more memory to read than the auditor has (raise its MemorySize)") \
            from None
    except RecursionError:
        raise TemplateUnavailable(f"{what} nests too deeply to read") from None
    except UnicodeError as error:
        raise TemplateUnavailable(f"{what} is not UTF-8 text ({type(error).__name__})") from error
    except Exception as error:
        raise TemplateUnavailable(f"{what} could not be read ({type(error).__name__})") from error


def _first_line(error: BaseException) -> str:
    text = str(error)
    return text.splitlines()[0][:200] if text else type(error).__name__


def _read(text: str, deadline: Remaining | None) -> Any:
    if deadline is not None and deadline.remaining() <= 0:
        raise TemplateUnavailable(f"reading the template ({_size(text) // 1024} KiB) did not start before the "
                                  "deadline; more MemorySize gives the auditor more CPU")
    try:
        return jsonsafe.loads(text)  # not interruptible, and needs not be: ~0.01-0.2 s of CPU per MB
    except jsonsafe.NotJson as not_json:
        json_error = not_json
    import yaml  # PyYAML only for a template that is not JSON

    from preflight import yamlstream

    try:
        return yamlstream.load(text, cloudformation=True, deadline=deadline)
    except documents.OutOfTime:
        raise TemplateUnavailable(
            f"reading the template (YAML, {_size(text) // 1024} KiB) did not finish before the deadline; a JSON "
            "template reads many times faster, and more MemorySize gives the auditor more CPU") from None
    except yaml.YAMLError as yaml_error:
        looks_like_json = text.lstrip()[:1] in ("{", "[")
        problem = (f"line {json_error.lineno} column {json_error.colno}: {json_error.msg}" if looks_like_json
                   else _first_line(yaml_error))
        raise TemplateUnavailable(f"the template is not valid JSON or YAML ({problem})") from yaml_error


def parse(text: str, *, deadline: Remaining | None = None, timeout: float | None = None) -> dict[str, Any]:
    """The template as a document. Reading stops at the deadline (or after timeout seconds; neither: no bound)."""
    if deadline is None and timeout is not None:
        deadline = Deadline.after(timeout)
    with _only_unavailable("the template"):
        if len(text) > MAX_TEMPLATE_BYTES or _size(text) > MAX_TEMPLATE_BYTES:
            raise TemplateUnavailable(f"the template is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
        try:
            document = _read(text, deadline)
        except documents.Refused as refused:
            raise TemplateUnavailable(f"the template {refused}") from None
        if not isinstance(document, dict):
            raise TemplateUnavailable("the template is not an object")
        return document


def _decoded(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TemplateUnavailable(f"{what} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
                                  f"{error.start} cannot be decoded)") from None


def from_file(path: str, *, deadline: Remaining | None = None, timeout: float | None = None) -> dict[str, Any]:
    with _only_unavailable(f"the template {path}"):
        try:
            with open(Path(path), "rb") as source:
                data = source.read(MAX_TEMPLATE_BYTES + 4)  # + a byte-order mark and one byte over
        except OSError as error:
            raise TemplateUnavailable(f"cannot read {path}: {error.strerror or error}") from error
        if len(data) - (3 if data.startswith(codecs.BOM_UTF8) else 0) > MAX_TEMPLATE_BYTES:
            raise TemplateUnavailable(f"the template is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
        return parse(_decoded(data, f"the template {path}"), deadline=deadline, timeout=timeout)


def from_payload_url(url: Any, timeout: float = MAX_FETCH_S, *, deadline: Remaining | None = None) -> dict[str, Any]:
    """The template a hook request's payload carries, fetched and read within the deadline (or timeout seconds
    from now); the fetch itself takes at most MAX_FETCH_S of it. The URL is pre-signed: only its host is shown."""
    if url is None:
        raise TemplateUnavailable("the request carries no payload URL")
    if not isinstance(url, str) or not is_allowed(url):
        raise TemplateUnavailable(f"the payload URL (host {host_of(str(url))[:80]}) is not an S3 URL; not fetched")
    whole = deadline or Deadline.after(timeout)
    with _only_unavailable("the payload"):
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
        text = _decoded(data, "the payload")
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
