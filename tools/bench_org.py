"""The organization sweep, measured: `preflight audit --organization` as a real process against moto's server
(an organization of N simulated accounts, AssumeRole into each), the four headline checks. Prints wall time
and the CLI process's peak RSS for each organization size; nothing asserts.

`python -m tools.bench_org --straggler 2000`: 2,000 accounts, one of which answers every call 6 s late
(sim/slow_accounts.py in front of moto), each account within its own --timeout, then the same with a sweep
budget too short for all: every account is either audited or listed NOT_AUDITED, and the exit code says so."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (50, 200, 500)


def _high_water_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except OSError:
        return 0  # it has just ended


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def measure(sizes=SIZES, slow_s: float = 0.0, extra: tuple[str, ...] = ()) -> list[dict[str, float]]:
    import boto3

    from sim.moto_server import client_environment, start_moto_server
    from sim.slow_accounts import SlowAccountsProxy

    figures = []
    for size in sizes:
        server, endpoint = start_moto_server()
        # moto keeps its state per process, across servers: start each organization from nothing
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30)
        env = {**os.environ, **client_environment(endpoint), "PYTHONPATH": str(ROOT)}
        saved = dict(os.environ)
        os.environ.update(client_environment(endpoint))
        try:
            organizations = boto3.client("organizations", region_name="us-east-1")
            organizations.create_organization(FeatureSet="ALL")
            members = [organizations.create_account(AccountName=f"a{i}", Email=f"a{i}@example.com")
                       ["CreateAccountStatus"]["AccountId"] for i in range(size - 1)]  # the management account is the first
        finally:
            os.environ.clear()
            os.environ.update(saved)
        proxy = SlowAccountsProxy(endpoint, {members[len(members) // 2]: slow_s}) if slow_s and members else None
        if proxy is not None:  # the straggler sits in the middle of the organization
            env.update(client_environment(proxy.url))
        output = Path(tempfile.mkdtemp(prefix="preflight-org-")) / "sweep.json"
        started = time.monotonic()
        children_before, own_before = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF)
        process = subprocess.Popen(
            [sys.executable, "-m", "preflight", "audit", "--organization", "--concurrency", "16", *extra,
             "--format", "json", "--output", str(output)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak_kib = 0
        while process.poll() is None:  # VmHWM, read while it runs: ru_maxrss would carry over the parent's peak
            peak_kib = max(peak_kib, _high_water_kib(process.pid))
            time.sleep(0.05)
        status = process.returncode
        wall = time.monotonic() - started
        cli_cpu = _cpu(resource.RUSAGE_CHILDREN) - children_before  # the CLI, reaped above
        moto_cpu = _cpu(resource.RUSAGE_SELF) - own_before  # moto's server runs in this process
        peak_mib = peak_kib / 1024
        if proxy is not None:
            proxy.close()
        server.stop()
        verdicts = _verdicts(output)
        figures.append({"accounts": size, "wall_s": wall, "peak_mib": peak_mib, "reports": len(verdicts),
                        "not_audited": verdicts.count("NOT_AUDITED"), "failing": verdicts.count("FAIL"),
                        "passing": verdicts.count("PASS"), "exit": status, "cli_cpu_s": cli_cpu,
                        "moto_cpu_s": moto_cpu, "options": " ".join(extra)})
    return figures


def _verdicts(output: Path) -> list[str]:
    import json

    if not output.exists():
        return []
    return [r["verdict"] for r in json.loads(output.read_text())["reports"]]


def print_figures(figures: list[dict[str, float]]) -> None:
    print("organization sweep (preflight audit --organization, headline checks, --concurrency 16, moto's server):")
    for f in figures:
        print(f"  {f['accounts']:4d} accounts{' ' + f['options'] if f['options'] else ''}: {f['wall_s']:6.1f} s wall, "
              f"peak RSS {f['peak_mib']:6.1f} MiB (the CLI process); {f['reports']} account reports: "
              f"{f['passing']} PASS, {f['failing']} FAIL, {f['not_audited']} NOT_AUDITED; exit {f['exit']}; CPU: the "
              f"CLI {f['cli_cpu_s']:.1f} s, moto's server {f['moto_cpu_s']:.1f} s (2 cores shared)")


STRAGGLER_DELAY_S = 6.0  # added to each call of one account: its audit cannot finish in --timeout 10


def straggler(size: int) -> list[dict[str, float]]:
    """One account answering every call late: within its own --timeout; then a sweep budget too short."""
    return (measure((size,), STRAGGLER_DELAY_S, ("--timeout", "10"))
            + measure((size,), STRAGGLER_DELAY_S, ("--timeout", "10", "--sweep-timeout", "60")))


if __name__ == "__main__":
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    if sys.argv[1:2] == ["--straggler"]:
        print_figures(straggler(int(sys.argv[2]) if len(sys.argv) > 2 else 2000))
    else:
        print_figures(measure(tuple(int(s) for s in sys.argv[1:]) or SIZES))
