"""Every region, measured as a deployed audit runs: the handler in a fresh process of its own against moto's
server in this one, for each shipped baseline at 1, 8, 16 and every enabled region, in an account that is
compliant everywhere. For each run: the audit's wall time (the handler call), the auditor process's CPU seconds
(user + sys; importing apart), and its peak RSS (VmHWM). Moto's CPU is not the auditor's: it runs here.
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

CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from sim import moto_gaps
moto_gaps.install_client_answers()  # moto's server lacks ListAnalyzers too: answered here, as in the bench
moto_gaps.restore(json.loads(sys.argv[2]))
from preflight.handler import handler
from sim.cloudformation import FakeLambdaContext, event
imported = time.perf_counter()
import_cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
context = FakeLambdaContext(120)
context.memory_limit_in_mb = 10240  # the audit itself: at 128 the capacity guard could refuse it unrun
if len(sys.argv) > 3:  # a profile of the audit, for finding where its CPU goes
    import cProfile
    cProfile.run('handler(event("Create", sys.argv[1]), context)', sys.argv[3])
else:
    handler(event("Create", sys.argv[1]), context)
done = time.perf_counter()
cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent across exec.
peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"import_s": imported - started, "audit_s": done - imported, "import_cpu_s": import_cpu,
                  "audit_cpu_s": cpu - import_cpu, "peak_mib": peak_kib / 1024}))
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


def audit_in_fresh_process(document: dict, endpoint: str, cfn, folder: str) -> tuple[dict, str]:
    from sim.moto_server import client_environment

    path = os.path.join(folder, "baseline.json")
    with open(path, "w") as out:
        json.dump(document, out)
    env = {**os.environ, **client_environment(endpoint), "PREFLIGHT_BASELINE": f"file:{path}",
           "PYTHONPATH": str(ROOT)}
    from sim import moto_gaps

    cfn.reset()
    profile = [os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
    spy = os.environ.get("BENCH_SPY", "").split()
    out = subprocess.run([*spy, sys.executable, "-c", CHILD, cfn.url("regions"), json.dumps(moto_gaps.snapshot()), *profile], env=env, capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    [answer] = cfn.wait_for(1)
    return json.loads(out.strip().splitlines()[-1]), answer.body["Reason"]


def measure(baselines=BASELINES, region_counts=REGION_COUNTS) -> list[RegionRun]:
    import boto3

    from preflight.aws import AwsAccess
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
    runs = []
    try:
        boto3.setup_default_session()
        enabled = audited_regions(Regions(RegionsKind.ALL), AwsAccess(region="us-east-1", account_id="123456789012"),
                                  "us-east-1")
        make_fully_compliant(enabled)
        audit_in_fresh_process({"extends": "recommended", "regions": "all"}, endpoint, cfn, folder)  # warms moto
        for name in baselines:
            for count in region_counts:
                regions = "all" if count == 0 else list(enabled[:count])
                figures, reason = audit_in_fresh_process({"extends": name, "regions": regions}, endpoint, cfn, folder)
                runs.append(RegionRun(name, count or len(enabled), figures["audit_s"], figures["audit_cpu_s"],
                                      figures["import_cpu_s"], figures["peak_mib"], reason))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        cfn.close()
        server.stop()
    return runs


def print_runs(runs: list[RegionRun]) -> None:
    print("regions, fresh auditor process against moto's server in another process (compliant account):")
    print(f"  {'baseline':<24}{'regions':>8}{'audit s':>9}{'x one':>7}{'audit CPU s':>13}{'import CPU s':>14}"
          f"{'peak RSS MiB':>14}")
    one = {run.baseline: run.audit_s for run in runs if run.regions == 1}
    for run in runs:
        print(f"  {run.baseline:<24}{run.regions:>8}{run.audit_s:>9.2f}{run.audit_s / one[run.baseline]:>7.2f}"
              f"{run.audit_cpu_s:>13.2f}{run.import_cpu_s:>14.2f}{run.peak_mib:>14.1f}")
    failing = [run for run in runs if not run.reason.startswith("PASS")]
    for run in failing:
        print(f"  ({run.baseline}, {run.regions} regions answered: {run.reason[:120]})")


if __name__ == "__main__":
    from sim import moto_gaps
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    moto_gaps.install()
    print_runs(measure(tuple(sys.argv[1:]) or BASELINES))
