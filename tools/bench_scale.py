"""Scale, side by side: the large account of sim/large_account.py (2,000 buckets, 2,000 security groups, 1,000 IAM
users, 300 KMS keys, 200 VPCs and 300 instances over 3 regions, with seeded faults) in moto's server in this
process, then
- `preflight audit --baseline cis-aws-foundations-v5 --regions <the 3>` as a fresh process: wall time, its CPU
  seconds (user + sys, importing apart), the AWS API calls it made (a botocore before-call counter in it), its
  peak RSS (VmHWM), and every verdict and failing count beside the ones the builder seeded;
- the `recommended` baseline (the same 3 regions) through the Lambda Hook door, a fresh process (the cold start
  included, as CloudFormation's 30 s includes it) held to MemorySize 1,769's CPU share (a full vCPU: Lambda
  Developer Guide, "Configuring Lambda function memory"), against the hook's 25 s budget;
- Prowler's CIS 5.0 compliance checks on the same moto state (tools/bench_prowler.py), where Prowler installs.
Nothing asserts; `make bench` prints the figures for docs/performance.md.

    .venv/bin/python -m tools.bench_scale              # the issue's sizes
    .venv/bin/python -m tools.bench_scale 0.1          # a tenth of them (for iteration)
    .venv/bin/python -m tools.bench_scale 1 --no-prowler
    .venv/bin/python -m tools.bench_scale --latency-ms 30   # every request held 30 ms (sim/latency_proxy.py)

With `--latency-ms N` both tools reach moto's server through sim/latency_proxy.py, which holds each request N ms
before forwarding it, as AWS's round trip would: the comparison then turns on concurrency rather than on moto's
CPU per call (make bench runs both: none, and 30 ms).
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOOK_MEMORY_MB = 1769
FULL_CPU_MB = 1769
AUDIT_TIMEOUT_S = 900  # the CLI's own deadline for the large audit: far beyond what it takes

CHILD = r"""
import json, resource, sys, time
started = time.perf_counter()
import botocore.handlers
calls = {}
def count(model, **_):
    key = model.service_model.service_name + ":" + model.name
    calls[key] = calls.get(key, 0) + 1
botocore.handlers.BUILTIN_HANDLERS.append(("before-call.*.*", count))  # first: counts calls answered client-side too
from sim import moto_gaps
moto_gaps.install_client_answers()  # moto's server lacks ListAnalyzers, MFADelete, ...: answered here, as in the bench
with open(sys.argv[2]) as state:
    moto_gaps.restore(json.load(state))
cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
if sys.argv[1] == "cli":
    from preflight.cli import main
    imported, import_cpu = time.perf_counter(), cpu()
    answer = {"exit": main(json.loads(sys.argv[3]))}
else:
    from preflight.handler import handler
    from sim.cloudformation import FakeLambdaContext
    with open(sys.argv[3]) as request:
        event = json.load(request)
    imported, import_cpu = time.perf_counter(), cpu()
    context = FakeLambdaContext(60)
    context.memory_limit_in_mb = int(sys.argv[4])
    answer = handler(event, context)
done = time.perf_counter()
peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"import_s": imported - started, "audit_s": done - imported, "process_s": done - started,
                  "import_cpu_s": import_cpu, "audit_cpu_s": cpu() - import_cpu, "peak_mib": peak_kib / 1024,
                  "calls": calls, "answer": answer}))
"""


@dataclass
class Run:
    """One fresh auditor process."""

    wall_s: float  # as the parent saw it: process start to exit
    figures: dict[str, Any]  # the child's own: import_s, audit_s, audit_cpu_s, peak_mib, calls, answer
    moto_cpu_s: float  # this process (moto's server) meanwhile

    @property
    def calls(self) -> int:
        return sum(self.figures["calls"].values())


@dataclass
class ScaleFigures:
    population: Any
    build_s: float
    audit: Run
    rows: list  # sim.large_account_verdicts.Row
    hook: Run
    hook_rows: list
    memory_mb: int
    prowler: Any  # tools.bench_prowler.ProwlerRun
    fraction: float = 1.0
    latency_ms: float = 0.0  # held on each request by sim/latency_proxy.py (after the build), 0: none
    proxied: dict[str, tuple[int, int]] | None = None  # run -> (requests through the proxy, most in flight at once)
    proxy_cpu_s: float = 0.0


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fresh_process(endpoint: str, folder: Path, mode: str, argument: str, *, baseline: dict | None = None,
                   memory_mb: int = 0) -> Run:
    from sim import moto_gaps
    from sim.moto_server import client_environment
    from tools.bench_throttled import CpuShare

    state = folder / "sim-state.json"
    state.write_text(json.dumps(moto_gaps.snapshot()))  # too long for an argument: 1,750 buckets with MFA delete
    env = {**os.environ, **client_environment(endpoint), "PYTHONPATH": str(ROOT)}
    if baseline is not None:
        (folder / "baseline.json").write_text(json.dumps(baseline))
        env["PREFLIGHT_BASELINE"] = f"file:{folder / 'baseline.json'}"
    started, moto_before = time.monotonic(), _cpu_self()
    process = subprocess.Popen([sys.executable, "-c", CHILD, mode, str(state), argument, str(memory_mb)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    with CpuShare(process.pid, min(1.0, memory_mb / FULL_CPU_MB) if memory_mb else 1.0):
        out, err = process.communicate()
    wall = time.monotonic() - started
    if process.returncode:
        raise RuntimeError(f"the auditor process failed:\n{err[-3000:]}")
    return Run(wall, json.loads(out.strip().splitlines()[-1]), _cpu_self() - moto_before)


def _hook_event(folder: Path) -> tuple[Any, Path]:
    from sim.cloudformation import start_response_server

    request = json.loads((ROOT / "tests" / "events" / "hook-stack-create.json").read_text())
    payloads = start_response_server(str(folder))  # the template's pre-signed payload URL, served on 127.0.0.1
    request["requestData"]["payload"] = payloads.serve(
        request["clientRequestToken"], {"template": {"Resources": {"AppBucket": {"Type": "AWS::S3::Bucket"}}}})
    path = folder / "hook-event.json"
    path.write_text(json.dumps(request))
    return payloads, path


def _hook_status(note: dict) -> str:
    message = note.get("statusMessage", "")
    if note["status"] == "PASSED":
        return "PASS"
    if note["status"] == "FAILED":  # a breach, or an ERROR / TIMEOUT that blocks ("ERROR: ...")
        return next((s for s in ("ERROR", "TIMEOUT") if message.startswith(f"{s}: ")), "FAIL")
    if message.startswith("not applicable"):
        return "NOT_APPLICABLE"
    return "EXEMPT" if message.startswith("exempt") else message.partition("(")[2].partition(",")[0] or "?"


def hook_findings(answer: dict) -> list[dict]:
    """The hook answer's annotations ("check (region)", PASSED / FAILED / SKIPPED) as findings (status only)."""
    found = []
    for note in answer.get("annotations") or ():
        check, _, region = note["annotationName"].partition(" (")
        found.append({"check": check, "region": region.rstrip(")") or None, "status": _hook_status(note)})
    return found


def _checks(baseline: str) -> list[tuple[str, bool]]:
    from preflight.named_baselines import check_ids, named_baseline
    from preflight.model import Scope
    from preflight.registry import default_registry

    registry = default_registry()
    return [(c, registry.get(c).meta.scope is Scope.REGIONAL)
            for c in check_ids(named_baseline(baseline, registry))]


def measure(fraction: float = 1.0, *, prowler: bool = True, memory_mb: int = HOOK_MEMORY_MB,
            latency_ms: float = 0.0) -> ScaleFigures:
    """`latency_ms`: the account is built straight into moto's server, then preflight, the hook and Prowler all
    reach it through sim/latency_proxy.py, which holds each request that long (AWS's round trip)."""
    import boto3

    from sim import large_account, large_account_verdicts as verdicts, moto_gaps
    from sim.latency_proxy import LatencyProxy
    from sim.moto_server import client_environment, start_moto_server
    from tools import bench_prowler

    population = large_account.Population().scaled(fraction) if fraction != 1 else large_account.Population()
    folder = Path(tempfile.mkdtemp(prefix="preflight-scale-"))
    server, endpoint = start_moto_server()
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30)
    moto_gaps.reset()
    saved = dict(os.environ)
    os.environ.update(client_environment(endpoint))
    proxy = None
    try:
        boto3.setup_default_session()
        built = large_account.build(population)
        if latency_ms:
            proxy = LatencyProxy(endpoint, latency_ms)
        audited = proxy.url if proxy else endpoint  # what the auditors (and Prowler) are pointed at
        regions = ",".join(large_account.REGIONS)
        output = folder / "audit.json"
        audit = _fresh_process(audited, folder, "cli", json.dumps(
            ["audit", "--baseline", "cis-aws-foundations-v5", "--regions", regions, "--format", "json",
             "--output", str(output), "--timeout", str(AUDIT_TIMEOUT_S)]))
        counts = {"preflight": proxy.take_counts()} if proxy else {}
        findings = json.loads(output.read_text())["reports"][0]["findings"]
        rows = verdicts.compare(findings, verdicts.expected(built, _checks("cis-aws-foundations-v5")))
        payloads, event = _hook_event(folder)
        try:
            hook = _fresh_process(audited, folder, "hook", str(event), memory_mb=memory_mb,
                                  baseline={"extends": "recommended", "regions": list(large_account.REGIONS)})
        finally:
            payloads.close()
        if proxy:
            counts["hook"] = proxy.take_counts()
        expected_hook = {key: verdicts.Verdict(v.status) for key, v in
                         verdicts.expected(built, _checks("recommended")).items()}
        hook_rows = verdicts.compare(hook_findings(hook.figures["answer"]), expected_hook)
        prowler_run = bench_prowler.run(audited, large_account.REGIONS, folder) if prowler else \
            bench_prowler.skipped("--no-prowler")
        if proxy and prowler_run.ran:
            counts["Prowler"] = proxy.take_counts()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if proxy:
            proxy.close()
        server.stop()
    return ScaleFigures(population, built.seconds, audit, rows, hook, hook_rows, memory_mb, prowler_run, fraction,
                        latency_ms, counts or None, proxy.cpu_s if proxy else 0.0)


def print_figures(f: ScaleFigures) -> None:
    from sim.large_account_verdicts import print_rows
    from tools.bench_prowler import print_run

    p, a = f.population, f.audit
    sized = "" if f.fraction == 1 else f" ({f.fraction:g} of the issue's sizes)"
    print(f"scale{sized}: {p.buckets:,} buckets, {p.security_groups:,} security groups, {p.users:,} IAM users, "
          f"{p.keys:,} KMS keys, {p.vpcs:,} VPCs, {p.instances:,} instances over 3 regions (moto's server in this "
          "process)")
    if f.proxied:
        each = "; ".join(f"{run} {requests:,} requests, at most {most} in flight at once"
                         for run, (requests, most) in f.proxied.items())
        print(f"  every request of preflight, the hook and Prowler held {f.latency_ms:.0f} ms by sim/latency_proxy.py "
              f"before moto's server answered it: {each}; the proxy's own CPU {f.proxy_cpu_s:.1f} s (within moto's "
              "server's CPU below: the same process)")
    else:
        print("  no latency added: each call costs what moto's server takes to answer it")
    print(f"  built in {f.build_s:.1f} s")
    right = sum(r.right for r in f.rows)
    print(f"  cis-aws-foundations-v5, fresh `preflight audit` process: {a.figures['audit_s']:.1f} s audit "
          f"({a.wall_s:.1f} s process), {a.figures['audit_cpu_s']:.1f} s CPU (+{a.figures['import_cpu_s']:.1f} s "
          f"importing), {a.calls:,} AWS API calls, peak RSS {a.figures['peak_mib']:.0f} MiB; moto's server "
          f"{a.moto_cpu_s:.1f} s CPU meanwhile")
    print(f"  verdicts right: {right} of {len(f.rows)} (status and count of failing resources, against the seeded "
          "faults)")
    print_rows(f.rows, only_wrong=right == len(f.rows))
    busiest = sorted(a.figures["calls"].items(), key=lambda item: -item[1])[:6]
    print("  most called: " + ", ".join(f"{name} {count:,}" for name, count in busiest))
    h = f.hook.figures
    status = h["answer"].get("hookStatus")
    hook_right = sum(r.right for r in f.hook_rows)
    print(f"  recommended through the Lambda Hook, MemorySize {f.memory_mb} ({min(1.0, f.memory_mb / FULL_CPU_MB):.0%} "
          f"of a vCPU), cold start included: answered {status} in {h['process_s']:.1f} s of the hook's 25 s "
          f"(audit {h['audit_s']:.1f} s), {f.hook.calls:,} AWS API calls, peak RSS {h['peak_mib']:.0f} MiB; "
          f"verdicts right (status): {hook_right} of {len(f.hook_rows)}")
    print_rows(f.hook_rows, only_wrong=hook_right == len(f.hook_rows))
    print_run(f.prowler, a.wall_s)


def print_ratios(runs: list[ScaleFigures]) -> None:
    """The wall-time ratio of each variant, side by side (the issue's target: Prowler >= 10x preflight)."""
    for f in runs:
        label = f"{f.latency_ms:.0f} ms held on each request" if f.latency_ms else "no latency added"
        sized = "" if f.fraction == 1 else f", {f.fraction:g} of the issue's sizes"
        right = f"verdicts right {sum(r.right for r in f.rows)} of {len(f.rows)}"
        if f.prowler.ran:
            ratio = f.prowler.wall_s / f.audit.wall_s
            print(f"scale, {label}{sized}: Prowler {f.prowler.wall_s:.1f} s / preflight {f.audit.wall_s:.1f} s = "
                  f"{ratio:.1f} x (target >= 10 x: {'met' if ratio >= 10 else 'not met'}); {right}")
        else:
            print(f"scale, {label}{sized}: preflight {f.audit.wall_s:.1f} s, Prowler not run; {right}")


if __name__ == "__main__":
    from sim import moto_gaps
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    moto_gaps.install()
    options = sys.argv[1:]
    latency = float(options.pop(options.index("--latency-ms") + 1)) if "--latency-ms" in options else 0.0
    arguments = [a for a in options if not a.startswith("--")]
    figures = measure(float(arguments[0]) if arguments else 1.0, prowler="--no-prowler" not in sys.argv,
                      latency_ms=latency)
    print_figures(figures)
    print_ratios([figures])
