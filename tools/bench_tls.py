"""TLS, which plain HTTP to the simulator never shows: N clients (an audit of every region makes ~100) each make
one call over a new TLS connection to a local HTTPS stand-in whose certificate is appended to certifi's bundle
(so the bundle loaded is as large as the real one). Measured in a fresh process each way: botocore's own (a
context per client, the bundle loaded per connection) and preflight's sessions (one context, loaded once).
Prints CPU seconds and peak RSS of the process; nothing asserts."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 100

CHILD = """
import json, resource, sys
url, bundle, shared, count = sys.argv[1], sys.argv[2], sys.argv[3] == "shared", int(sys.argv[4])
if shared:
    from preflight.aws.access import new_session
    session = new_session()
else:
    import boto3
    session = boto3.Session()
clients = [session.client("sts", region_name="us-east-1", endpoint_url=url, verify=bundle) for _ in range(count)]
before = resource.getrusage(resource.RUSAGE_SELF)
for client in clients:
    client.get_caller_identity()
after = resource.getrusage(resource.RUSAGE_SELF)
peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                  "peak_mib": peak_kib / 1024}))
"""


def measure(count: int = CLIENTS) -> dict[str, dict[str, float]]:
    import certifi

    from sim.sts_over_tls import start_sts_over_tls

    folder = Path(tempfile.mkdtemp(prefix="preflight-tls-"))
    server, url, cert = start_sts_over_tls(folder)
    bundle = folder / "bundle.pem"
    bundle.write_text(Path(certifi.where()).read_text() + "\n" + Path(cert).read_text())
    figures = {}
    try:
        for way in ("botocore", "shared"):
            out = subprocess.run([sys.executable, "-c", CHILD, url, str(bundle), way, str(count)], capture_output=True,
                                 text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True).stdout
            figures[way] = json.loads(out.strip().splitlines()[-1])
    finally:
        server.shutdown()
    return figures


def print_figures(figures: dict[str, dict[str, float]], count: int = CLIENTS) -> None:
    print(f"TLS: {count} clients, one call each over a new connection, CA bundle the size of certifi's:")
    for way, label in (("botocore", "botocore's own (a context per client)"), ("shared", "preflight's sessions")):
        f = figures[way]
        print(f"  {label:<40} CPU {f['cpu_s']:5.2f} s   peak RSS {f['peak_mib']:6.1f} MiB")


if __name__ == "__main__":
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    print_figures(measure())
