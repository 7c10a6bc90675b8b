"""make sandbox: a local AWS in a chosen state; the two printed lines, pasted into a shell, audit it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from preflight import baseline
from preflight.audit import run_audit
from preflight.aws.access import AwsAccess, new_session
from preflight.registry import default_registry
from preflight.concurrency import Deadline
from sim.cloudformation import ACCOUNT_ID, REGION
from sim import account_states

from tests.support.paths import ROOT  # noqa: E402


def start_sandbox(state: str) -> tuple[subprocess.Popen, str, str]:
    process = subprocess.Popen([sys.executable, "-m", "tools.sandbox", state, "--port", "0"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.strip().startswith(".venv/bin/preflight"):
            break
    exports = next(line.strip() for line in lines if line.strip().startswith("export "))
    return process, exports, lines[-1].strip()


@pytest.mark.slow
@pytest.mark.parametrize("state, exit_code, expected", [
    ("compliant", 0, "Verdict: PASS"),
    ("empty", 1, "FAIL    CRITICAL  root-account-mfa-enabled"),
])
def test_the_printed_lines_audit_the_sandbox(state, exit_code, expected):
    process, exports, command = start_sandbox(state)
    try:
        command = command.replace(".venv/bin/preflight", f"{sys.executable} -m preflight")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        completed = subprocess.run(["bash", "-c", f"{exports}; {command}"], capture_output=True, text=True,
                                   env={**env, "PYTHONPATH": str(ROOT)}, timeout=120, cwd=ROOT)
    finally:
        process.terminate()
        process.wait(10)
    assert completed.returncode == exit_code, completed.stdout + completed.stderr
    assert expected in completed.stdout


@pytest.mark.parametrize("check_id", sorted(account_states.BREAKERS))
def test_a_failing_state_fails_its_check(check_id):
    account_states.prepare(f"failing:{check_id}")
    policy = baseline.parse({"checks": [check_id]}, default_registry(), source="t")
    report = run_audit(policy, AwsAccess(new_session(), region=REGION, account_id=ACCOUNT_ID), Deadline.after(30))
    assert [f.check.id for f in report.failures] == [check_id]
