"""Bursts of audits against throttled APIs: N `preflight audit` processes at once (each a cold "container") of
a compliant account, through sim/throttle_proxy.py in front of moto's server, with AWS-like per-account rates
(5 per second for DescribeTrails and GetAccountSummary). Prints audits answered correctly / N, p50 and p95
answer time, and calls per audit; nothing asserts.

    .venv/bin/python -m tools.bench_burst 10 50
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATES = {"cloudtrail:DescribeTrails": 5.0, "iam:GetAccountSummary": 5.0}
SIZES = (10, 50)


def burst(size: int, compliant: bool = True) -> dict[str, float]:
    """`compliant=False`: root MFA is off, so every audit must answer FAIL naming it, and nothing else."""
    from sim import account
    from sim.moto_server import client_environment, start_moto_server
    from sim.throttle_proxy import ThrottlingProxy

    server, endpoint = start_moto_server()
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30)
    saved = dict(os.environ)
    os.environ.update(client_environment(endpoint))
    try:
        account.make_compliant()
        if not compliant:
            account.set_root_mfa(False)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    proxy = ThrottlingProxy(endpoint, RATES, burst=5)
    env = {**os.environ, **client_environment(proxy.url), "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    outputs = [Path(tempfile.mkdtemp(prefix="preflight-burst-")) / "audit.json" for _ in range(size)]
    processes = [subprocess.Popen([sys.executable, "-m", "preflight", "audit", "--timeout", "50", "--format", "json",
                                   "--output", str(output)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for output in outputs]
    ended: dict[int, tuple[float, int]] = {}
    by_pid = {p.pid: p for p in processes}
    while len(ended) < len(processes):  # each process's own end, in the order they end
        pid, status = os.wait()
        if pid in by_pid:
            ended[pid] = (time.monotonic() - started, os.waitstatus_to_exitcode(status))
            by_pid[pid].returncode = ended[pid][1]
    finished = [ended[p.pid] for p in processes]
    proxy.close()
    server.stop()
    times = sorted(t for t, _ in finished)
    calls = sum(proxy.forwarded.values()) + sum(proxy.throttled.values())
    expected = ([], 0) if compliant else (["root-account-mfa-enabled"], 1)

    def correct(output: Path, code: int) -> bool:
        if code != expected[1] or not output.exists():
            return False
        [report] = json.loads(output.read_text())["reports"]
        return report["blocking"] == expected[0]

    right = sum(1 for output, (_, code) in zip(outputs, finished) if correct(output, code))
    return {"size": size, "compliant": compliant, "correct": right, "p50": times[len(times) // 2],
            "p95": times[min(len(times) - 1, int(len(times) * 0.95))], "calls_per_audit": calls / size,
            "throttled": sum(proxy.throttled.values())}


def print_bursts(figures: list[dict[str, float]]) -> None:
    print(f"bursts of audits of a compliant account, throttled at {', '.join(f'{k} {v:g}/s' for k, v in RATES.items())}:")
    for f in figures:
        verdict = "PASS" if f["compliant"] else "FAIL naming only root-account-mfa-enabled"
        print(f"  {f['size']:3d} at once: {f['correct']:3d}/{f['size']} answered {verdict}, p50 {f['p50']:5.1f} s, "
              f"p95 {f['p95']:5.1f} s, {f['calls_per_audit']:.1f} calls per audit ({f['throttled']} throttled)")


if __name__ == "__main__":
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    sizes = [int(s) for s in sys.argv[1:]] or list(SIZES)
    print_bursts([burst(s) for s in sizes] + [burst(sizes[-1], compliant=False)])
