"""make sandbox: a local AWS in a chosen state; the two printed lines, pasted into a shell, audit it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
    ("failing:root-account-mfa-enabled", 1, "FAIL    CRITICAL  root-account-mfa-enabled"),
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
