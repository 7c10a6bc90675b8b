"""Tracing, behind one seam: aws-xray-sdk or OpenTelemetry, chosen by one setting; silent and free otherwise.

PREFLIGHT_TRACING=xray (the default) traces through aws-xray-sdk when the function runs traced in Lambda
(preflight.tracing.xray); `otel` through opentelemetry-api, on the TracerProvider the environment sets - the
ADOT layer in Lambda (preflight.tracing.otel); `off` not at all. Only the chosen backend is imported, and only
by `start()`: the CLI and tests that do not ask pay for neither.

Each audit is one root (Lambda's X-Ray segment, or a "preflight audit" span) with one child per check and
region ("check ID [REGION]", annotated check_id, region, status). Threads do not inherit the trace context:
`spawn` hands the caller's `current_entity()` to each thread, which runs `adopted(...)` it
(preflight.concurrency). Nothing from a request - its ResponseURL, credentials, the template - is ever put
in a span: only check ids, regions, statuses and the verdict.
"""
from __future__ import annotations

import contextlib
import logging
import os
from typing import Any, Iterator, Mapping, Protocol

from preflight.tracing.xray import wanted as xray_wanted

logger = logging.getLogger(__name__)

SETTING = "PREFLIGHT_TRACING"
BACKENDS = ("xray", "otel", "off")
DEFAULT_BACKEND = "xray"


class Backend(Protocol):
    def current(self) -> Any: ...
    def adopted(self, handle: Any) -> contextlib.AbstractContextManager[None]: ...
    def audit(self) -> contextlib.AbstractContextManager[Any]: ...
    def check(self, name: str, annotations: dict[str, str]) -> contextlib.AbstractContextManager[Any]: ...
    def annotate(self, span: Any, annotations: dict[str, str]) -> None: ...
    def abandon(self, span: Any, annotations: dict[str, str]) -> None: ...


_backend: Backend | None = None  # once started


def chosen(environ: Mapping[str, str] | None = None) -> str:
    """The backend the environment asks for (an unknown value: off, with a warning)."""
    value = (environ if environ is not None else os.environ).get(SETTING, "").strip().lower() or DEFAULT_BACKEND
    if value not in BACKENDS:
        logger.warning("%s=%r is not one of %s; tracing is off", SETTING, value[:20], ", ".join(BACKENDS))
        return "off"
    return value


def wanted() -> bool:
    """Whether `start()` would trace here."""
    backend = chosen()
    return backend == "otel" or (backend == "xray" and xray_wanted())


def start(backend: str | None = None, *, tracer_provider: Any = None) -> bool:
    """Starts the chosen backend, once. True when tracing is on. `backend` and `tracer_provider` are for tests
    (an OpenTelemetry provider of their own: the global one can be set only once per process)."""
    global _backend
    if _backend is not None:
        return True
    name = backend or chosen()
    try:
        if name == "otel":
            from preflight.tracing.otel import OtelBackend

            _backend = OtelBackend(tracer_provider)
        elif name == "xray" and (backend == "xray" or xray_wanted()):
            from preflight.tracing.xray import XRayBackend

            _backend = XRayBackend()
    except Exception:  # tracing must never stop an audit
        logger.exception("%s tracing could not start; continuing without it", name)
    return _backend is not None


def stop() -> None:
    """Forgets the backend (tests); spans already open end as they would have."""
    global _backend
    _backend = None


def current_entity() -> Any:
    """The caller's trace context (X-Ray entity, OpenTelemetry context), to hand to another thread."""
    return _backend.current() if _backend is not None else None


@contextlib.contextmanager
def adopted(entity: Any) -> Iterator[None]:
    """Runs the body (in a new thread) under the trace context of the thread that started it."""
    if _backend is None or entity is None:
        yield
        return
    with _backend.adopted(entity):
        yield


@contextlib.contextmanager
def audit_span() -> Iterator[Any]:
    """The root of one request's audit (OpenTelemetry); X-Ray's is Lambda's own segment. Yields it, or None."""
    if _backend is None:
        yield None
        return
    with _backend.audit() as span:
        yield span


@contextlib.contextmanager
def check_subsegment(check_id: str, region: str | None) -> Iterator[Any]:
    """A subsegment (span) for one check in one region; yields it, or None when not tracing."""
    if _backend is None:
        yield None
        return
    annotations = {"check_id": check_id, **({"region": region} if region else {})}
    with _backend.check(f"check {check_id}" + (f" {region}" if region else ""), annotations) as span:
        yield span


def annotate(span: Any, **annotations: str) -> None:
    if _backend is not None and span is not None:
        _backend.annotate(span, annotations)


def abandoned(span: Any, **annotations: str) -> None:
    """A check the runner stopped waiting for: its span is marked (status=TIMEOUT) and, where the backend
    can, ended now; whatever the check does later does not change it."""
    if _backend is not None and span is not None:
        try:
            _backend.abandon(span, annotations)
        except Exception:  # tracing must never stop an audit
            logger.debug("could not mark an abandoned span", exc_info=True)
