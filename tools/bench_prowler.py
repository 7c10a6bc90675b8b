"""Prowler beside preflight (tools/bench_scale.py): Prowler's CIS 5.0 compliance framework run against the same
moto server state, in the same bench run, where Prowler can be installed.

Prowler is installed with pip into a virtual environment of its own, .bench/prowler-venv (git-ignored; reused
when present). When it cannot be (no registry, a wheel that does not build), the bench says so and skips it.
It runs as `prowler aws --compliance cis_5.0_aws -f <the 3 regions> --scan-unused-services` with fake
credentials and every botocore client pointed at moto's server on 127.0.0.1: AWS_ENDPOINT_URL (botocore honours
it for every service), and HTTP_PROXY to the same server (s3control's "{AccountId}." host prefix cannot be turned
off, as for preflight's auditor). Nothing may leave the machine: HTTPS_PROXY points at a closed port on
127.0.0.1, so any HTTPS request to anywhere else (a version check, a real AWS endpoint) fails at once instead of
reaching out, and NO_PROXY is empty so no host is exempt (checked once under strace: every connect() Prowler made
went to 127.0.0.1). Prowler's own output says what it could do; the bench counts its findings by status and check.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".bench" / "prowler-venv"
INSTALL_TIMEOUT_S = 1200
RUN_TIMEOUT_S = 3600
FRAMEWORK = "cis_5.0_aws"


@dataclass
class ProwlerRun:
    ran: bool
    note: str  # why it was skipped, or how it ended
    version: str = ""
    install_s: float = 0.0  # 0: the cached environment was reused
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_mib: float = 0.0
    moto_cpu_s: float = 0.0
    exit_code: int | None = None
    statuses: dict[str, int] = field(default_factory=dict)  # finding status -> count
    checks: int = 0  # distinct checks with a finding
    failing: dict[str, int] = field(default_factory=dict)  # check -> FAIL findings
    errors: list[str] = field(default_factory=list)  # a few of its error lines
    error_lines: int = 0
    unserved: int = 0  # requests moto's server had no backend for
    unserved_hosts: list[str] = field(default_factory=list)


def skipped(why: str) -> ProwlerRun:
    return ProwlerRun(False, why)


def _prowler() -> Path:
    return VENV / "bin" / "prowler"


def ensure_installed() -> tuple[bool, str, float]:
    """(installed?, what happened, seconds spent installing)."""
    if _prowler().exists():
        return True, "reused .bench/prowler-venv", 0.0
    started = time.monotonic()
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--disable-pip-version-check", "--quiet", "prowler"],
                       check=True, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return False, f"pip install prowler did not finish in {INSTALL_TIMEOUT_S} s", time.monotonic() - started
    except subprocess.CalledProcessError as failure:
        tail = [line for line in (failure.stderr or "").splitlines() if "ignored: it is neither" not in line][-3:]
        return False, f"pip install prowler failed: {' | '.join(tail)[:300]}", time.monotonic() - started
    return _prowler().exists(), "installed into .bench/prowler-venv", time.monotonic() - started


def _closed_port() -> int:
    with socket.socket() as s:  # bound and closed again: nothing listens there, a connection is refused at once
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(endpoint: str) -> dict[str, str]:
    assert endpoint.startswith("http://127.0.0.1:"), endpoint  # loopback only
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("AWS_", "PREFLIGHT_")) and "PROXY" not in k.upper()}
    dead = f"http://127.0.0.1:{_closed_port()}"
    return {**keep, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint, "HTTP_PROXY": endpoint, "http_proxy": endpoint,
            "HTTPS_PROXY": dead, "https_proxy": dead, "NO_PROXY": "", "no_proxy": "",
            "AWS_EC2_METADATA_DISABLED": "true"}


def _high_water_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except OSError:
        return 0


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def command(regions: tuple[str, ...], output: Path) -> list[str]:
    # --scan-unused-services: without it Prowler skips security groups no interface uses and VPCs without one, which
    # preflight (as AWS Config's rules) judges too.
    return [str(_prowler()), "aws", "--compliance", FRAMEWORK, "--filter-region", *regions, "--scan-unused-services",
            "--no-banner", "--no-color", "--log-level", "ERROR", "--output-formats", "json-ocsf",
            "--output-directory", str(output), "--output-filename", "prowler"]


def run(endpoint: str, regions: tuple[str, ...], folder: Path) -> ProwlerRun:
    installed, note, install_s = ensure_installed()
    if not installed:
        return ProwlerRun(False, note, install_s=install_s)
    env = environment(endpoint)
    # Not `prowler --version`: it asks GitHub for the latest release.
    version = subprocess.run([str(VENV / "bin" / "python"), "-c",
                              "import importlib.metadata as m; print(m.version('prowler'))"],
                             capture_output=True, text=True, env=env, timeout=120)
    output = folder / "prowler"
    log = folder / "prowler.log"
    started, own, children = time.monotonic(), _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    moto_says = io.StringIO()  # moto's server prints a line for each request it has no backend for
    with open(log, "w") as out, contextlib.redirect_stdout(moto_says):
        process = subprocess.Popen(command(regions, output), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
        peak = 0
        while process.poll() is None and time.monotonic() - started < RUN_TIMEOUT_S:
            peak = max(peak, _high_water_kib(process.pid))
            time.sleep(0.1)
        if process.poll() is None:
            process.kill()
            process.wait()
            note = f"stopped after {RUN_TIMEOUT_S} s"
    result = ProwlerRun(True, note, version.stdout.strip() or version.stderr.strip()[:80], install_s,
                        time.monotonic() - started, _cpu(resource.RUSAGE_CHILDREN) - children, peak / 1024,
                        _cpu(resource.RUSAGE_SELF) - own, process.returncode)
    _read_output(result, output, log)
    unserved = [line for line in moto_says.getvalue().splitlines()
                if line.startswith("Unable to find appropriate backend")]
    result.unserved = len(unserved)
    result.unserved_hosts = sorted({line.split(" for ")[1].split(".")[0] for line in unserved if " for " in line})
    return result


def _read_output(result: ProwlerRun, output: Path, log: Path) -> None:
    checks = set()
    for path in output.glob("*.ocsf.json"):
        try:
            findings = json.loads(path.read_text() or "[]")
        except ValueError:
            continue
        for finding in findings:
            status = finding.get("status_code") or finding.get("status") or "?"
            result.statuses[status] = result.statuses.get(status, 0) + 1
            check = (finding.get("metadata") or {}).get("event_code") or "?"
            checks.add(check)
            if status == "FAIL":
                result.failing[check] = result.failing.get(check, 0) + 1
    result.checks = len(checks)
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    result.errors = sorted({line.split("ERROR: ", 1)[-1].strip()[:160] for line in lines if "ERROR" in line})[:8]
    result.error_lines = sum(1 for line in lines if "ERROR" in line)


def print_run(run: ProwlerRun, preflight_wall_s: float) -> None:
    if not run.ran:
        print(f"  Prowler: skipped - {run.note}")
        return
    findings = ", ".join(f"{count:,} {status}" for status, count in sorted(run.statuses.items())) or "no findings"
    print(f"  Prowler {run.version} ({run.note}{f', install {run.install_s:.0f} s' if run.install_s else ''}), "
          f"--compliance {FRAMEWORK}, the same 3 regions and moto state: {run.wall_s:.1f} s wall, {run.cpu_s:.1f} s "
          f"CPU, peak RSS {run.peak_mib:.0f} MiB, exit {run.exit_code}; moto's server {run.moto_cpu_s:.1f} s CPU "
          f"meanwhile; {run.checks} checks gave findings: {findings}")
    if run.unserved:
        print(f"  moto's server had no backend for {run.unserved} of Prowler's requests "
              f"({', '.join(run.unserved_hosts)})")
    print(f"  Prowler wall / preflight wall (both whole processes): {run.wall_s / preflight_wall_s:.1f} x")
    print("  Prowler's FAIL findings by check: " + ", ".join(f"{check} {count:,}" for check, count in
                                                         sorted(run.failing.items())))
    if run.error_lines:
        print(f"  Prowler logged {run.error_lines} ERROR lines; distinct ones (first 8):")
    for line in run.errors:
        print(f"    prowler: {line}")
