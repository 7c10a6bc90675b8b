"""Tracing's cost per backend, for docs/performance.md ("Cold start"); nothing here asserts.

- cold start: `import preflight.handler` (its init included) in a fresh process per run, median of 11, with
  PREFLIGHT_TRACING off, xray (in Lambda's tracing environment: the SDK imported, botocore patched), and otel
  (opentelemetry-api only: no SDK configured, as without the ADOT layer);
- warm audit: the default baseline's Create through the handler, in process against moto with 100 ms added to
  every AWS call (as tools/bench.py), median of 5 after one cold invocation, one fresh process per backend:
  off; xray sending its segments to a fake daemon on 127.0.0.1; otel without an SDK; otel with the SDK
  recording every span (a SimpleSpanProcessor into memory: the spans ADOT's exporter would be handed).

    python -m tools.bench_tracing
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
IMPORT_RUNS = 11  # imports move by tens of ms on a shared machine
LATENCY_S = 0.100
BACKENDS = ("off", "xray", "otel", "otel+sdk")


def _environment(backend: str, task_root: str, daemon: str = "127.0.0.1:2000") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PREFLIGHT_TRACING", "LAMBDA_TASK_ROOT", "AWS_XRAY_DAEMON_ADDRESS", "_X_AMZN_TRACE_ID")}
    env["PYTHONPATH"] = str(ROOT)
    env["PREFLIGHT_TRACING"] = backend.split("+")[0]
    if backend == "xray":  # Lambda's tracing environment; the address is only written down at import
        env.update(LAMBDA_TASK_ROOT=task_root, AWS_XRAY_DAEMON_ADDRESS=daemon, AWS_XRAY_SDK_ENABLED="true")
    return env


def cold_start(backend: str) -> float:
    code = "import time; t = time.perf_counter(); import preflight.handler; print(time.perf_counter() - t)"
    with tempfile.TemporaryDirectory() as task_root:
        runs = [float(subprocess.run([sys.executable, "-c", code], env=_environment(backend, task_root),
                                     capture_output=True, text=True, check=True).stdout) for _ in range(IMPORT_RUNS)]
    return statistics.median(runs)


def warm_audit(backend: str) -> tuple[float, int]:
    """(the median warm audit, the spans or segments recorded in all)"""
    from sim.xray_daemon import FakeXRayDaemon

    daemon = FakeXRayDaemon()
    try:
        with tempfile.TemporaryDirectory() as task_root:
            env = _environment(backend, task_root, daemon.address)
            out = subprocess.run([sys.executable, "-m", "tools.bench_tracing", "--child", backend], env=env,
                                 capture_output=True, text=True, check=True).stdout
        figures = json.loads(out.splitlines()[-1])
        time.sleep(0.3)  # the last datagrams
        return figures["warm_s"], figures.get("spans", 0) + len(daemon.entities())
    finally:
        daemon.close()


def _child(backend: str) -> None:
    """One backend's warm audits, in this (fresh) process."""
    from sim.environment import use_simulated_aws

    chosen = os.environ["PREFLIGHT_TRACING"], os.environ.get("AWS_XRAY_SDK_ENABLED")
    use_simulated_aws("bench")  # sets AWS_XRAY_SDK_ENABLED=false: restored below for the X-Ray backend
    os.environ["PREFLIGHT_TRACING"] = chosen[0]
    if chosen[1]:
        os.environ["AWS_XRAY_SDK_ENABLED"] = chosen[1]
    from sim import moto_gaps

    moto_gaps.install()
    import botocore.handlers

    botocore.handlers.BUILTIN_HANDLERS.append(("before-call.*.*", lambda **_: time.sleep(LATENCY_S)))
    from moto import mock_aws

    from sim.account import make_compliant
    from sim.cloudformation import FakeLambdaContext, event, start_response_server

    server = start_response_server(tempfile.mkdtemp(prefix="preflight-bench-"))

    def invoke() -> float:
        before = len(server.received)
        request = event("Create", "", {})
        request["ResponseURL"] = server.url(request["RequestId"])
        # a new sampled trace per invocation, as Lambda sets it
        os.environ["_X_AMZN_TRACE_ID"] = (f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};"
                                          f"Parent={uuid.uuid4().hex[:16]};Sampled=1")
        started = time.monotonic()
        handler(request, FakeLambdaContext(60))
        return server.wait_for(before + 1)[-1].received_at - started

    with mock_aws():
        from preflight import tracing
        from preflight.handler import handler

        if backend == "otel+sdk":
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import SimpleSpanProcessor
            from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

            provider, exporter = TracerProvider(), InMemorySpanExporter()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            tracing.stop()
            tracing.start("otel", tracer_provider=provider)
        make_compliant()
        invoke()  # cold: the session and clients
        warm = statistics.median(invoke() for _ in range(RUNS))
    server.close()
    spans = len(exporter.get_finished_spans()) if backend == "otel+sdk" else 0
    print(json.dumps({"warm_s": warm, "spans": spans}))


def measure() -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for backend in BACKENDS:
        warm, spans = warm_audit(backend)
        figures[backend] = {"warm_s": warm, "spans": spans}
        if "+" not in backend:
            figures[backend]["import_s"] = cold_start(backend)
    return figures


def print_figures(figures: dict[str, dict[str, float]]) -> None:
    print(f"Tracing backends (import: median of {IMPORT_RUNS} fresh processes; warm audit: median of {RUNS}, "
          f"{LATENCY_S * 1000:.0f} ms per AWS call):")
    for backend, values in figures.items():
        imported = f"{values['import_s'] * 1000:5.0f} ms" if "import_s" in values else "    —   "
        print(f"  {backend:<9} import preflight.handler {imported}   warm audit {values['warm_s'] * 1000:5.0f} ms   "
              f"({values['spans']:.0f} spans/segments recorded in {RUNS + 1} audits)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2])
    else:
        print_figures(measure())
