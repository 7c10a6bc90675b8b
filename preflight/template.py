"""The template being deployed, when one is at hand - read from a file (the CLI's --template) or from a hook
request's payload (preflight.payload) - and read as CloudFormation reads it: JSON when it is JSON (the C parser: any
whitespace JSON allows, tabs included), YAML otherwise (short-form tags read as their long form, no aliases),
nested at most documents.MAX_DEPTH deep, and stopped at a deadline. Only TemplateUnavailable leaves this
module, with a reason a person can act on."""
from __future__ import annotations

import codecs
import contextlib
from pathlib import Path
from typing import Any, Iterator

from preflight import documents, jsonsafe
from preflight.concurrency import Deadline
from preflight.documents import Remaining

MAX_TEMPLATE_BYTES = 1024 * 1024  # CloudFormation's largest template (from S3)
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
def reading_errors(what: str) -> Iterator[None]:
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
    with reading_errors("the template"):
        if len(text) > MAX_TEMPLATE_BYTES or _size(text) > MAX_TEMPLATE_BYTES:
            raise TemplateUnavailable(f"the template is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
        try:
            document = _read(text, deadline)
        except documents.Refused as refused:
            raise TemplateUnavailable(f"the template {refused}") from None
        if not isinstance(document, dict):
            raise TemplateUnavailable("the template is not an object")
        return document


def decoded(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TemplateUnavailable(f"{what} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
                                  f"{error.start} cannot be decoded)") from None


def from_file(path: str, *, deadline: Remaining | None = None, timeout: float | None = None) -> dict[str, Any]:
    with reading_errors(f"the template {path}"):
        try:
            with open(Path(path), "rb") as source:
                data = source.read(MAX_TEMPLATE_BYTES + 4)  # + a byte-order mark and one byte over
        except OSError as error:
            raise TemplateUnavailable(f"cannot read {path}: {error.strerror or error}") from error
        if len(data) - (3 if data.startswith(codecs.BOM_UTF8) else 0) > MAX_TEMPLATE_BYTES:
            raise TemplateUnavailable(f"the template is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
        return parse(decoded(data, f"the template {path}"), deadline=deadline, timeout=timeout)


