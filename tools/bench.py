"""make bench: figures for docs/performance.md, measured in one run. Not a test: nothing here asserts.

- warm audit wall time, handler invoked to response received, with 100 ms added to every AWS call:
  the checks in parallel (one audit) vs the same checks one after another (one audit per check);
- AWS API calls one audit makes;
- import + initialisation of the handler module vs `import boto3` alone (fresh processes, median);
- each shipped baseline at 1, 8, 16 and all regions, audited by a fresh process against moto's server in this
  one: audit time, the auditor's CPU seconds and peak RSS; and answer time and cost against MemorySize under
  Lambda's CPU share (tools/bench_regions.py);
- TLS: 100 clients' first calls over new connections, botocore's own way and preflight's (tools/bench_tls.py);
- the answer's margin before Lambda's deadline with the packaged function given a slice of a CPU
  (tools/bench_throttled.py);
- reading a 1 MB template: parse cost per MB, and the hook's answer time at a full CPU and at 128 MB's share
  (tools/bench_template.py);
- each tracing backend's cold start and warm audit (tools/bench_tracing.py);
- a large account (2,000 buckets and security groups, 1,000 users, 300 keys, 200 VPCs, 300 instances, 3 regions)
  audited with cis-aws-foundations-v5 and, through the hook, recommended; beside Prowler's CIS 5.0 checks on the
  same state where Prowler installs (tools/bench_scale.py); twice: as moto's server answers, and with 30 ms held on
  every request (sim/latency_proxy.py), as AWS's round trip.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools.bench_burst import SIZES as BURST_SIZES, burst as audit_burst, print_bursts  # noqa: E402
from tools.bench_org import measure as measure_sweeps, print_figures as print_sweeps  # noqa: E402
from tools.bench_regions import MEMORY_SIZES, measure as measure_regions, print_curve as print_memory_curve  # noqa: E402
from tools.bench_regions import print_runs as print_region_runs  # noqa: E402
from tools.bench_scale import measure as measure_scale, print_figures as print_scale  # noqa: E402
from tools.bench_scale import print_ratios  # noqa: E402
from tools.bench_throttled import measure as measure_margins, print_margins  # noqa: E402
from tools.bench_template import measure as measure_templates, print_figures as print_templates  # noqa: E402
from tools.bench_tls import measure as measure_tls, print_figures as print_tls  # noqa: E402
from tools.bench_tracing import measure as measure_tracing, print_figures as print_tracing  # noqa: E402

LATENCY_S = 0.100
SCALE_LATENCY_MS = 30.0  # sim/latency_proxy.py's default: AWS's round trip for the large account's second run
# ... at a quarter of the account: Prowler at 30 ms a request took 143 s for a tenth of it (3,832 requests, at
# most 10 in flight), so the whole account would take ~20 minutes of make bench
SCALE_LATENCY_FRACTION = 0.25
WARM_RUNS = 5
IMPORT_RUNS = 5

from sim.environment import use_simulated_aws  # noqa: E402

use_simulated_aws("bench")

from sim import moto_gaps  # noqa: E402

moto_gaps.install()  # AWS's behaviour where moto differs (a new trail's default selector, ...), before any session

calls: list[str] = []


def _slow_call(model, **_):
    calls.append(model.name)
    time.sleep(LATENCY_S)


def install_latency() -> None:
    # Must happen before any botocore session exists, so every client gets the hook.
    import botocore.handlers

    botocore.handlers.BUILTIN_HANDLERS.append(("before-call.*.*", _slow_call))


def warm_audits() -> dict[str, float]:
    from moto import mock_aws

    from preflight.named_baselines import HEADLINE
    from sim.account import make_compliant
    from sim.cloudformation import FakeLambdaContext, event, start_response_server

    server = start_response_server(tempfile.mkdtemp(prefix="preflight-bench-"))

    def invoke(properties: dict) -> float:
        before = len(server.received)
        request = event("Create", "", properties)
        request["ResponseURL"] = server.url(request["RequestId"])
        started = time.monotonic()
        handler(request, FakeLambdaContext(60))
        arrived = server.wait_for(before + 1)[-1].received_at
        return arrived - started

    with mock_aws():
        from preflight.handler import handler

        make_compliant()
        invoke({})  # cold: creates the session and clients
        calls.clear()
        parallel = [invoke({}) for _ in range(WARM_RUNS)]
        calls_per_audit = len(calls) / WARM_RUNS
        sequential = [sum(invoke({"Checks": [check_id]}) for check_id in HEADLINE) for _ in range(WARM_RUNS)]
    server.close()
    return {
        "parallel_s": statistics.median(parallel),
        "sequential_s": statistics.median(sequential),
        "calls_per_audit": calls_per_audit,
    }


BURST = 100


def hook_burst() -> dict[str, float]:
    """100 stack operations arriving at once at one warm function through the Lambda Hook: with the default
    30 s verdict reuse, and with reuse off (an audit per operation). Answer times are each request's time in
    the handler (requests are answered one after another, as one execution environment does)."""
    import json as _json

    from moto import mock_aws

    from preflight import handler as module
    from preflight.cloudformation import hook
    from sim.account import make_compliant
    from sim.cloudformation import FakeLambdaContext, start_response_server

    request = _json.loads((Path(__file__).resolve().parent.parent / "tests" / "events" /
                           "hook-stack-create.json").read_text())
    # The template being deployed, at the request's pre-signed payload URL, as CloudFormation serves it
    payloads = start_response_server(tempfile.mkdtemp(prefix="preflight-hook-"))
    request["requestData"]["payload"] = payloads.serve(
        request["clientRequestToken"], {"template": {"Resources": {"AppBucket": {"Type": "AWS::S3::Bucket"}}}})
    figures: dict[str, float] = {}
    with mock_aws():
        make_compliant()
        module.handler(request, FakeLambdaContext(60))  # cold: the session and clients
        for name, ttl in (("reuse", 30.0), ("no_reuse", 0.0)):
            module.verdicts = hook.VerdictCache(ttl_s=ttl)
            calls.clear()
            times = []
            for _ in range(BURST):
                started = time.monotonic()
                answer = module.handler(request, FakeLambdaContext(60))
                times.append(time.monotonic() - started)
                assert answer["hookStatus"] == "SUCCESS", answer
            times.sort()
            figures[f"{name}_calls"] = len(calls)
            figures[f"{name}_p50_ms"] = times[len(times) // 2] * 1000
            figures[f"{name}_p95_ms"] = times[int(len(times) * 0.95)] * 1000
            figures[f"{name}_total_s"] = sum(times)
    payloads.close()
    return figures


def _median_import(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(IMPORT_RUNS)]
    return statistics.median(runs)


def main() -> None:
    handler_import = _median_import("import preflight.handler")
    boto3_import = _median_import("import boto3")
    region_runs, memory_curve = measure_regions(memory_sizes=MEMORY_SIZES)
    tls = measure_tls()
    margins = measure_margins()  # before the latency hook: the function's own process has none anyway
    templates = measure_templates()
    sweeps = measure_sweeps()
    tracing = measure_tracing()  # fresh processes of its own, before the latency hook
    bursts = [audit_burst(size) for size in BURST_SIZES] + [audit_burst(BURST_SIZES[-1], compliant=False)]
    scale = measure_scale()  # before the latency hook: its builder calls moto's server from this process
    scale_latency = measure_scale(SCALE_LATENCY_FRACTION, latency_ms=SCALE_LATENCY_MS)  # the same, every request held as AWS's round trip
    install_latency()
    warm = warm_audits()
    burst = hook_burst()
    print(f"preflight bench ({LATENCY_S * 1000:.0f} ms added to every AWS call; medians of {WARM_RUNS} warm runs)")
    print(f"  warm audit, checks in parallel:        {warm['parallel_s'] * 1000:7.0f} ms  (floor: 200 ms, target <= 300 ms)")
    print(f"  warm audit, checks one after another:  {warm['sequential_s'] * 1000:7.0f} ms")
    print(f"  speed-up (sequential / parallel):      {warm['sequential_s'] / warm['parallel_s']:7.2f} x")
    print(f"  AWS API calls per audit:               {warm['calls_per_audit']:7.0f}")
    print(f"  import preflight.handler (with init):  {handler_import * 1000:7.0f} ms")
    print(f"  import boto3 alone:                    {boto3_import * 1000:7.0f} ms")
    print(f"  handler / boto3 import ratio:          {handler_import / boto3_import:7.2f} x")
    print(f"Lambda Hook, a burst of {BURST} stack operations on one warm function (minimal baseline):")
    for name, label in (("reuse", "verdict reused 30 s (default)"), ("no_reuse", "an audit per operation")):
        print(f"  {label:<32} {burst[name + '_calls']:5.0f} AWS calls  p50 {burst[name + '_p50_ms']:6.0f} ms  "
              f"p95 {burst[name + '_p95_ms']:6.0f} ms  all {burst[name + '_total_s']:5.1f} s")
    print_region_runs(region_runs)
    print_tls(tls)
    print_memory_curve(memory_curve)
    print_margins(margins)
    print_templates(templates)
    print_sweeps(sweeps)
    print_bursts(bursts)
    print_tracing(tracing)
    print_scale(scale)
    print_scale(scale_latency)
    print_ratios([scale, scale_latency])


if __name__ == "__main__":
    main()
