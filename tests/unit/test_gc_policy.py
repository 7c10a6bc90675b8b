"""The collector's schedule is set where an audit's process starts: Lambda's init, the CLI's audit."""
from __future__ import annotations

import subprocess
import sys

from tests.support.paths import ROOT  # noqa: E402
SHOW = "import gc; print(gc.get_threshold(), gc.get_freeze_count() > 10000)"
POLICY = "(10000, 20, 20) True"


def _in_fresh_process(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "AWS_REGION": "us-east-1",
                               "AWS_EC2_METADATA_DISABLED": "true"}
                          ).stdout.strip()


def test_lambda_init_freezes_what_it_imported_and_collects_young_garbage_less_often():
    python_own = _in_fresh_process(SHOW)
    assert python_own.endswith("False") and python_own != POLICY
    assert _in_fresh_process("import preflight.handler; " + SHOW) == POLICY


def test_the_cli_audit_does_the_same_before_it_audits():
    # A template that does not exist stops the audit before anything reaches AWS (exit 2).
    code = "from preflight import cli; print(cli.main(['audit', '--template', 'missing.yaml'])); " + SHOW
    assert _in_fresh_process(code).splitlines()[-2:] == ["2", POLICY]


def test_a_second_audit_in_the_same_process_freezes_nothing_more():
    code = ("from preflight import cli, gc_policy; import gc\n"
            "cli.main(['audit', '--template', 'missing.yaml']); frozen = gc.get_freeze_count()\n"
            "made_since = [[i] for i in range(50000)]  # a second freeze would make these permanent\n"
            "cli.main(['audit', '--template', 'missing.yaml']); print(gc.get_freeze_count() - frozen <= 0)")
    assert _in_fresh_process(code).splitlines()[-1] == "True"
