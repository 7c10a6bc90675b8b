"""The one path every caller takes: policy -> runner -> verdict -> report."""
from __future__ import annotations

import time

from preflight.aws import AwsAccess
from preflight.context import CheckContext
from preflight.model import Report
from preflight.policy import Policy
from preflight.runner import Deadline, Runner


def run_audit(policy: Policy, aws: AwsAccess, deadline: Deadline, runner: Runner | None = None) -> Report:
    started = time.monotonic()
    region = aws.region
    findings = (runner or Runner()).run(policy.checks, CheckContext(aws, region), deadline)
    return Report(
        verdict=policy.judge(findings),
        mode=policy.mode,
        region=region,
        account_id=aws.known_account_id or "",
        findings=findings,
        duration_s=time.monotonic() - started,
    )
