"""The organization sweep, measured: `preflight audit --organization` as a real process against moto's server
(an organization of N simulated accounts, AssumeRole into each), the four headline checks. Prints wall time
and the CLI process's peak RSS for each organization size; nothing asserts."""
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


def measure(sizes=SIZES) -> list[dict[str, float]]:
    import boto3

    from sim.moto_server import client_environment, start_moto_server

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
            for i in range(size - 1):  # the management account is the first
                organizations.create_account(AccountName=f"a{i}", Email=f"a{i}@example.com")
        finally:
            os.environ.clear()
            os.environ.update(saved)
        output = Path(tempfile.mkdtemp(prefix="preflight-org-")) / "sweep.json"
        started = time.monotonic()
        children_before, own_before = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF)
        process = subprocess.Popen(
            [sys.executable, "-m", "preflight", "audit", "--organization", "--concurrency", "16",
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
        server.stop()
        reports = output.read_text().count('"account_id"') if output.exists() else 0
        figures.append({"accounts": size, "wall_s": wall, "peak_mib": peak_mib, "reports": reports,
                        "exit": status, "cli_cpu_s": cli_cpu, "moto_cpu_s": moto_cpu})
    return figures


def print_figures(figures: list[dict[str, float]]) -> None:
    print("organization sweep (preflight audit --organization, headline checks, --concurrency 16, moto's server):")
    for f in figures:
        print(f"  {f['accounts']:4d} accounts: {f['wall_s']:6.1f} s wall, peak RSS {f['peak_mib']:6.1f} MiB "
              f"(the CLI process), {f['reports']} account reports, exit {f['exit']}; CPU: the CLI "
              f"{f['cli_cpu_s']:.1f} s, moto's server {f['moto_cpu_s']:.1f} s (2 cores shared)")


if __name__ == "__main__":
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    print_figures(measure(tuple(int(s) for s in sys.argv[1:]) or SIZES))
