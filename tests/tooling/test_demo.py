"""make demo, the main job, end to end: it must run green and show what it promises."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.paths import ROOT  # noqa: E402


@pytest.mark.slow
def test_the_demo_runs_every_act_and_exits_zero():
    completed = subprocess.run([sys.executable, "-m", "tools.demo"], cwd=ROOT, capture_output=True, text=True,
                               timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    out = " ".join(completed.stdout.split())  # the demo wraps long reasons
    for expected in ("CREATE_FAILED", "FAIL: root-account-mfa-enabled", "DELETE_COMPLETE", "PreflightVerdict = PASS",
                     "properties may not switch it to audit", "HOOK_COMPLETE_FAILED", "HOOK_COMPLETE_SUCCEEDED",
                     "FAIL: config-rule:restricted-ssh: AWS Config rule restricted-ssh finds 2 resources NON_COMPLIANT",
                     "exempt until 2099-06-30 (bastion hosts"):
        assert expected in out, expected
    assert "Traceback" not in completed.stderr and "X-Amz-Signature" not in out
