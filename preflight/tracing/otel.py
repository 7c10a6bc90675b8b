"""The OpenTelemetry backend: spans through opentelemetry-api, on whatever TracerProvider the environment set.

In Lambda that is the AWS Distro for OpenTelemetry layer (or CloudWatch Application Signals, built on it):
its wrapper sets the provider, the X-Ray id generator and propagator, the exporter, and instruments botocore
and the handler, so each check's AWS calls nest under its span. With no SDK configured the API's spans are
non-recording and cost next to nothing. preflight never configures an exporter itself.

OpenTelemetry's context is a contextvar, and a new thread starts with an empty one: `adopted` attaches the
caller's context in the worker and detaches it after, as the X-Ray backend hands over its entity.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from opentelemetry import context as otel_context, trace

TRACER_NAME = "preflight"
AUDIT_SPAN = "preflight audit"
# The collector's X-Ray exporter turns these attributes into indexed annotations, as the X-Ray backend's are.
XRAY_ANNOTATIONS = "aws.xray.annotations"


class OtelBackend:
    def __init__(self, tracer_provider: "trace.TracerProvider | None" = None) -> None:
        # The global provider may be set after this (ADOT's wrapper sets it before the handler imports, a
        # test never): the API's proxy tracer follows it. A test injects its own provider instead.
        provider = tracer_provider or trace.get_tracer_provider()
        self._tracer = provider.get_tracer(TRACER_NAME)

    def current(self) -> Any:
        return otel_context.get_current()

    @contextlib.contextmanager
    def adopted(self, context: Any) -> Iterator[None]:
        if context is None:
            yield
            return
        token = otel_context.attach(context)
        try:
            yield
        finally:
            otel_context.detach(token)

    @contextlib.contextmanager
    def audit(self) -> Iterator[Any]:
        with self._span(AUDIT_SPAN) as span:
            yield span
            span.end()

    @contextlib.contextmanager
    def check(self, name: str, annotations: dict[str, str]) -> Iterator[Any]:
        with self._span(name) as span:
            if span.is_recording():
                span.set_attributes({**annotations, XRAY_ANNOTATIONS: [*annotations, "status"]})
            yield span
            if span.is_recording():  # not when the runner ended it at the deadline (abandon)
                span.end()

    @contextlib.contextmanager
    def _span(self, name: str) -> Iterator[Any]:
        """A current span that records an exception by its type alone: an exception's message or stack may
        quote a request (a URL, a template), and nothing of a request goes into a span."""
        with self._tracer.start_as_current_span(name, end_on_exit=False, record_exception=False,
                                                set_status_on_exception=False) as span:
            try:
                yield span
            except Exception as error:
                if span.is_recording():
                    span.set_status(trace.Status(trace.StatusCode.ERROR, type(error).__name__))
                    span.end()
                raise

    def annotate(self, span: Any, annotations: dict[str, str]) -> None:
        if span is not None and span.is_recording():  # an ended span (abandoned at the deadline) keeps its own
            span.set_attributes(annotations)

    def abandon(self, span: Any, annotations: dict[str, str]) -> None:
        """Ended now, marked TIMEOUT: the check's thread may run on into the next request, its span may not."""
        if span is None or not span.is_recording():
            return
        span.set_attributes(annotations)
        span.set_status(trace.Status(trace.StatusCode.ERROR, "did not finish before the audit's deadline"))
        span.end()
