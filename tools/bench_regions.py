"""Every region, measured as a deployed audit runs: the handler in a fresh process of its own against moto's server in
this one, for each shipped baseline at 1, 8, 16 and every enabled region, in an account that is compliant
everywhere. For each (the median of 3 runs): the audit's wall time (the handler call), the auditor process's CPU
seconds (user + sys; importing apart), and its peak RSS (VmHWM). Moto's CPU is not the auditor's: it runs here.
And how much of the regions beyond the first is botocore's own CPU (making their clients and calls): the audit
runs on one core at a time (the GIL), so that alone bounds how close all regions can come to one.
Nothing asserts; `make bench` prints the figures for docs/performance.md and docs/scale.md."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINES = ("minimal", "recommended", "cis-aws-foundations-v3")
REGION_COUNTS = (1, 8, 16, 0)  # 0: `regions: all`
RUNS_PER_CELL = 3  # one run varies by +-0.2 s on a quiet machine: each figure is the median run's
# Lambda gives CPU in proportion to memory, one full vCPU at 1,769 MB (Lambda Developer Guide, "Configuring
# Lambda function memory"); the price is per GB-second (x86, us-east-1: $0.0000166667).
MEMORY_SIZES = (128, 256, 512, 1024, 1769)
FULL_CPU_MB = 1769
PRICE_PER_GB_S = 0.0000166667

CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from sim import moto_gaps
moto_gaps.install_client_answers()  # moto's server lacks ListAnalyzers too: answered here, as in the bench
moto_gaps.restore(json.loads(sys.argv[2]))
from preflight.handler import handler
from sim.cloudformation import FakeLambdaContext, event
from tools.botocore_cpu import BotocoreCpu
botocore_cpu = BotocoreCpu().install()
imported = time.perf_counter()
import_cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
context = FakeLambdaContext(120)
context.memory_limit_in_mb = 10240  # the audit itself: at 128 the capacity guard could refuse it unrun
handler(event("Create", sys.argv[1]), context)
done = time.perf_counter()
cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec.
peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"import_s": imported - started, "audit_s": done - imported, "import_cpu_s": import_cpu,
                  "audit_cpu_s": cpu - import_cpu, "peak_mib": peak_kib / 1024,
                  "botocore_s_by_region": botocore_cpu.seconds_by_region}))
"""


@dataclass(frozen=True)
class RegionRun:
    baseline: str
    regions: int
    audit_s: float
    audit_cpu_s: float
    import_cpu_s: float
    peak_mib: float
    reason: str
    botocore_beyond_first_s: float  # botocore's CPU for the regions other than the function's own


@dataclass(frozen=True)
class MemoryRun:
    baseline: str
    regions: str
    memory_mb: int
    answer_s: float  # process start (a cold start) to the answer sent

    @property
    def cost_per_1000(self) -> float:
        return 1000 * self.answer_s * self.memory_mb / 1024 * PRICE_PER_GB_S


def audit_in_fresh_process(document: dict, endpoint: str, cfn, folder: str, memory_mb: int = 0) -> tuple[dict, str]:
    """One Create audited by a fresh process with `document` deployed; given a MemorySize, the process runs only
    Lambda's CPU share for it."""
    from sim import moto_gaps
    from sim.moto_server import client_environment
    from tools.bench_throttled import CpuShare

    path = os.path.join(folder, "baseline.json")
    with open(path, "w") as out:
        json.dump(document, out)
    env = {**os.environ, **client_environment(endpoint), "PREFLIGHT_BASELINE": f"file:{path}",
           "PYTHONPATH": str(ROOT)}
    cfn.reset()
    process = subprocess.Popen([sys.executable, "-c", CHILD, cfn.url("regions"), json.dumps(moto_gaps.snapshot())],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    with CpuShare(process.pid, min(1.0, memory_mb / FULL_CPU_MB) if memory_mb else 1.0):
        out, err = process.communicate()
    if process.returncode:
        raise RuntimeError(f"the auditor process failed:\n{err[-2000:]}")
    [answer] = cfn.wait_for(1)
    return json.loads(out.strip().splitlines()[-1]), answer.body["Reason"]


def measure(baselines=BASELINES, region_counts=REGION_COUNTS, memory_sizes=()) -> tuple[list[RegionRun], list[MemoryRun]]:
    import boto3

    from preflight.aws.access import AwsAccess
    from preflight.policy import Regions, RegionsKind
    from preflight.runner import audited_regions
    from sim.account import make_fully_compliant
    from sim.cloudformation import start_response_server
    from sim.moto_server import client_environment, start_moto_server

    server, endpoint = start_moto_server()
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30)
    folder = tempfile.mkdtemp(prefix="preflight-regions-")
    cfn = start_response_server(folder)
    saved = dict(os.environ)
    os.environ.update(client_environment(endpoint))
    runs, curve = [], []
    try:
        boto3.setup_default_session()
        enabled = audited_regions(Regions(RegionsKind.ALL), AwsAccess(region="us-east-1", account_id="123456789012"),
                                  "us-east-1")
        make_fully_compliant(enabled)
        audit_in_fresh_process({"extends": "recommended", "regions": "all"}, endpoint, cfn, folder)  # warms moto
        for name in baselines:
            for count in region_counts:
                regions = "all" if count == 0 else list(enabled[:count])
                tries = [audit_in_fresh_process({"extends": name, "regions": regions}, endpoint, cfn, folder)
                         for _ in range(RUNS_PER_CELL)]
                figures, reason = sorted(tries, key=lambda t: t[0]["audit_s"])[len(tries) // 2]  # the median run
                beyond_first = sum(seconds for region, seconds in figures["botocore_s_by_region"].items()
                                   if region != enabled[0])
                runs.append(RegionRun(name, count or len(enabled), figures["audit_s"], figures["audit_cpu_s"],
                                      figures["import_cpu_s"], figures["peak_mib"], reason, beyond_first))
        for name in baselines if memory_sizes else ():
            for regions in ("current", "all"):
                for size in memory_sizes:
                    figures, _ = audit_in_fresh_process({"extends": name, "regions": regions}, endpoint, cfn, folder,
                                                        memory_mb=size)
                    curve.append(MemoryRun(name, regions, size, figures["import_s"] + figures["audit_s"]))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        cfn.close()
        server.stop()
    return runs, curve


def print_curve(curve: list[MemoryRun]) -> None:
    print("answer time against MemorySize (cold start included; CPU share = MemorySize / 1,769 MB):")
    print(f"  {'baseline':<24}{'regions':>8}" + "".join(f"{size:>9} MB" for size in MEMORY_SIZES))
    keys = dict.fromkeys((run.baseline, run.regions) for run in curve)
    for baseline, regions in keys:
        row = {run.memory_mb: run for run in curve if (run.baseline, run.regions) == (baseline, regions)}
        print(f"  {baseline:<24}{regions:>8}" + "".join(f"{row[size].answer_s:>10.1f}s" for size in MEMORY_SIZES))
        print(f"  {'':<24}{'$/1000':>8}" + "".join(f"{row[size].cost_per_1000:>11.4f}" for size in MEMORY_SIZES))


def print_runs(runs: list[RegionRun]) -> None:
    print("regions, fresh auditor process against moto's server in another process (compliant account):")
    print(f"  {'baseline':<24}{'regions':>8}{'audit s':>9}{'x one':>7}{'audit CPU s':>13}{'import CPU s':>14}"
          f"{'peak RSS MiB':>14}{'botocore CPU s, other regions':>31}{'x one, botocore alone':>23}")
    one = {run.baseline: run.audit_s for run in runs if run.regions == 1}
    for run in runs:
        # Were everything but botocore's work for the other regions free, the audit would still take this long.
        floor = (one[run.baseline] + run.botocore_beyond_first_s) / one[run.baseline]
        print(f"  {run.baseline:<24}{run.regions:>8}{run.audit_s:>9.2f}{run.audit_s / one[run.baseline]:>7.2f}"
              f"{run.audit_cpu_s:>13.2f}{run.import_cpu_s:>14.2f}{run.peak_mib:>14.1f}"
              f"{run.botocore_beyond_first_s:>31.2f}{floor:>23.2f}")
    failing = [run for run in runs if not run.reason.startswith("PASS")]
    for run in failing:
        print(f"  ({run.baseline}, {run.regions} regions answered: {run.reason[:120]})")


if __name__ == "__main__":
    from sim import moto_gaps
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    moto_gaps.install()
    runs, curve = measure(tuple(sys.argv[1:]) or BASELINES, memory_sizes=MEMORY_SIZES)
    print_runs(runs)
    print_curve(curve)
