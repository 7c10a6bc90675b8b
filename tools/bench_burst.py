"""Bursts of audits against throttled APIs: N `preflight audit` processes at once (each a cold "container") of
a compliant account, through sim/throttle_proxy.py in front of moto's server, with AWS-like per-account rates
(5 per second for DescribeTrails and GetAccountSummary). Prints audits answered correctly / N, p50 and p95
answer time, and calls per audit; nothing asserts.

    .venv/bin/python -m tools.bench_burst 10 50
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATES = {"cloudtrail:DescribeTrails": 5.0, "iam:GetAccountSummary": 5.0}
SIZES = (10, 50)


def burst(size: int) -> dict[str, float]:
    from sim import account
    from sim.moto_server import client_environment, start_moto_server
    from sim.throttle_proxy import ThrottlingProxy

    server, endpoint = start_moto_server()
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30)
    saved = dict(os.environ)
    os.environ.update(client_environment(endpoint))
    try:
        account.make_compliant()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    proxy = ThrottlingProxy(endpoint, RATES, burst=5)
    env = {**os.environ, **client_environment(proxy.url), "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    processes = [subprocess.Popen([sys.executable, "-m", "preflight", "audit", "--timeout", "50"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(size)]
    finished = []
    for process in processes:
        process.wait(300)
        finished.append((time.monotonic() - started, process.returncode))
    proxy.close()
    server.stop()
    times = sorted(t for t, _ in finished)
    calls = sum(proxy.forwarded.values()) + sum(proxy.throttled.values())
    return {"size": size, "correct": sum(1 for _, code in finished if code == 0), "p50": times[len(times) // 2],
            "p95": times[min(len(times) - 1, int(len(times) * 0.95))], "calls_per_audit": calls / size,
            "throttled": sum(proxy.throttled.values())}


def print_bursts(figures: list[dict[str, float]]) -> None:
    print(f"bursts of audits of a compliant account, throttled at {', '.join(f'{k} {v:g}/s' for k, v in RATES.items())}:")
    for f in figures:
        print(f"  {f['size']:3d} at once: {f['correct']:3d}/{f['size']} answered PASS, p50 {f['p50']:5.1f} s, "
              f"p95 {f['p95']:5.1f} s, {f['calls_per_audit']:.1f} calls per audit ({f['throttled']} throttled)")


if __name__ == "__main__":
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    print_bursts([burst(int(s)) for s in sys.argv[1:]] or [burst(s) for s in SIZES])
