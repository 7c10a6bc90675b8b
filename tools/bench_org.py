"""The organization sweep, measured: `preflight audit --organization` as a real process against moto's server
(an organization of N simulated accounts, AssumeRole into each), the four headline checks. Prints wall time
and the CLI process's peak RSS for each organization size; nothing asserts."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (50, 200, 500)


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
        process = subprocess.Popen(
            [sys.executable, "-m", "preflight", "audit", "--organization", "--concurrency", "16",
             "--format", "json", "--output", str(output)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own peak, not the largest of all children
        wall = time.monotonic() - started
        peak_mib = usage.ru_maxrss / 1024
        server.stop()
        reports = output.read_text().count('"account_id"') if output.exists() else 0
        figures.append({"accounts": size, "wall_s": wall, "peak_mib": peak_mib, "reports": reports,
                        "exit": os.waitstatus_to_exitcode(status)})
    return figures


def print_figures(figures: list[dict[str, float]]) -> None:
    print("organization sweep (preflight audit --organization, headline checks, --concurrency 16, moto's server):")
    for f in figures:
        print(f"  {f['accounts']:4d} accounts: {f['wall_s']:6.1f} s wall, peak RSS {f['peak_mib']:6.1f} MiB "
              f"(the CLI process), {f['reports']} account reports, exit {f['exit']}")


if __name__ == "__main__":
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    print_figures(measure(tuple(int(s) for s in sys.argv[1:]) or SIZES))
