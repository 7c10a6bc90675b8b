"""OpenTelemetry (PREFLIGHT_TRACING=otel): the real handler, in process, its spans read back from an in-memory
exporter on a provider of the test's own (the global provider can be set only once per process)."""
from __future__ import annotations

import threading

import pytest

from checks import ALL_CHECKS
from preflight import handler, tracing
from preflight.model import Check, CheckMeta, Controls, Severity, passed
from preflight.registry import Registry
from sim.account import set_root_mfa
from tests.support.handler import invoke, invoke_hook

CHECKS = ["hanging", "root-account-mfa-enabled", "config-recording-enabled"]


@pytest.fixture
def spans():
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.stop()
    assert tracing.start("otel", tracer_provider=provider)
    yield exporter
    tracing.stop()
    provider.shutdown()


@pytest.fixture
def hanging(monkeypatch):
    """A check that hangs until released; `ended` once it has (late) returned."""
    release, ended = threading.Event(), threading.Event()

    def wait(ctx):
        release.wait(30)
        ended.set()
        return passed("finished too late")

    meta = CheckMeta("hanging", "hanging", Severity.LOW, Controls(), "fix it", "https://example.invalid", ())
    monkeypatch.setattr(handler, "registry", Registry((*ALL_CHECKS, Check(meta, wait))))
    yield release, ended
    release.set()


def tree(exporter, trace_id: int) -> tuple[object, dict[str, object]]:
    """(the root span, its children by name) of one trace; every span of it is the root or the root's child."""
    mine = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
    [root] = [s for s in mine if s.parent is None]
    children = {s.name: s for s in mine if s is not root}
    assert all(s.parent.span_id == root.context.span_id for s in children.values())
    assert len(children) == len(mine) - 1  # one span per check and region, no duplicate
    return root, children


def test_each_audit_is_one_root_with_a_span_per_check_and_a_timed_out_check_stays_in_its_own_request(
        cfn, spans, hanging):
    release, ended = hanging
    set_root_mfa(True)
    first = invoke(cfn, "Create", {"Checks": CHECKS}, remaining_s=4).response
    assert "hanging (TIMEOUT)" in first["Reason"]
    [root] = [s for s in spans.get_finished_spans() if s.parent is None]
    root, checks = tree(spans, root.context.trace_id)
    assert root.name == "preflight audit" and root.attributes["verdict"] == "FAIL"
    assert set(checks) == {"check hanging", "check root-account-mfa-enabled", "check config-recording-enabled us-east-1"}
    assert {name: dict(s.attributes) for name, s in checks.items()} == {
        "check hanging": {"check_id": "hanging", "status": "TIMEOUT", "aws.xray.annotations": ("check_id", "status")},
        "check root-account-mfa-enabled": {"check_id": "root-account-mfa-enabled", "status": "PASS",
                                           "aws.xray.annotations": ("check_id", "status")},
        "check config-recording-enabled us-east-1": {
            "check_id": "config-recording-enabled", "region": "us-east-1", "status": "FAIL",
            "aws.xray.annotations": ("check_id", "region", "status")},
    }
    timed_out = checks["check hanging"]
    assert timed_out.status.status_code.name == "ERROR" and "deadline" in timed_out.status.description
    assert timed_out.end_time <= root.end_time  # ended at the deadline, inside its request

    # The next request of the warm container, while the abandoned check still runs; then it finishes.
    second = invoke(cfn, "Create", {"Checks": CHECKS[1:]}).response
    release.set()
    assert ended.wait(5)
    for thread in [t for t in threading.enumerate() if t.name == "check:hanging"]:
        thread.join(5)
    roots = [s for s in spans.get_finished_spans() if s.parent is None]
    assert len(roots) == 2 and second["Status"] == "FAILED"  # config is not recording in an empty account
    _, later = tree(spans, roots[1].context.trace_id)
    assert set(later) == {"check root-account-mfa-enabled", "check config-recording-enabled us-east-1"}
    _, again = tree(spans, root.context.trace_id)  # the late finish added nothing and changed nothing
    assert again["check hanging"].attributes["status"] == "TIMEOUT" and len(spans.get_finished_spans()) == 7


def test_no_span_carries_the_response_url_its_signature_or_the_template(cfn, spans):
    template_text = "AppBucketNamedLikeNoOtherText"
    template = {"Resources": {template_text: {"Type": "AWS::S3::Bucket",
                                              "Properties": {"BucketName": "secret-template-value"}}}}
    created = invoke(cfn, "Create")
    hooked = invoke_hook(cfn, "hook-stack-create.json", template=template)
    assert hooked["hookStatus"] in ("SUCCESS", "FAILED") and created.response
    finished = spans.get_finished_spans()
    assert len([s for s in finished if s.parent is None]) == 2
    texts = []
    for span in finished:
        texts += [span.name, span.status.description or "", *map(str, span.attributes.items())]
        texts += [f"{e.name} {dict(e.attributes or {})}" for e in span.events]
        texts += [str(link.attributes) for link in span.links]
    written = "\n".join(texts)
    for secret in ("X-Amz-Signature", "X-Amz-Credential", "deadbeef", "feed", "AKIAEXAMPLE", "localhost",
                   template_text, "secret-template-value", "AWS::S3::Bucket", created.event["ResponseURL"]):
        assert secret not in written


def test_the_setting_chooses_the_backend(monkeypatch):
    for value, backend in (("", "xray"), ("xray", "xray"), ("OTel", "otel"), ("off", "off"), ("jaeger", "off")):
        assert tracing.chosen({tracing.SETTING: value}) == backend
    monkeypatch.setenv(tracing.SETTING, "off")
    tracing.stop()
    assert not tracing.wanted() and not tracing.start() and tracing.current_entity() is None


def test_the_packaged_function_runs_with_otel_on_the_bundled_api_alone(cfn, lambda_function):
    """As deployed with TracingBackend=otel and no layer: the zip's opentelemetry-api, no SDK, non-recording."""
    from sim.cloudformation import event

    function = lambda_function(env={"PREFLIGHT_TRACING": "otel"})
    invocation = function.invoke(event("Create", cfn.url("o1"), request_id="o1"), 30)
    assert invocation.outcome is not None and invocation.outcome.kind == "response", function.log
    assert cfn.wait_for(1)[0].body["Status"] == "FAILED"  # an empty moto account fails the baseline
    assert "could not start" not in function.log and "Traceback" not in function.log


def test_an_exception_through_a_span_is_recorded_by_its_type_alone(spans):
    with pytest.raises(ValueError):
        with tracing.audit_span():
            with tracing.check_subsegment("exploding", None):
                raise ValueError("https://localhost/x?X-Amz-Signature=feedface")
    finished = spans.get_finished_spans()
    assert [s.name for s in finished] == ["check exploding", "preflight audit"]
    assert all(s.status.description == "ValueError" and not s.events for s in finished)
