"""The one path every caller takes: policy -> runner -> exemptions -> verdict -> report."""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from preflight.aws.access import AwsAccess
from preflight.concurrency import Deadline
from preflight.model import Report
from preflight.policy import Policy
from preflight.runner import Observer, Runner


def run_audit(policy: Policy, aws: AwsAccess, deadline: Deadline, runner: Runner | None = None,
              observer: Observer | None = None, template: Any = None) -> Report:
    """`template`: the template being deployed, for the template checks (or why it could not be had)."""
    started = time.monotonic()
    home = aws.region
    findings, regions = (runner or Runner()).run(policy, aws, deadline, home, observer, template)
    findings = policy.exempt(findings)
    blocking = policy.blocking(findings)
    return Report(
        verdict=policy.judge(findings),
        mode=policy.mode,
        region=home,
        account_id=aws.known_account_id or "",
        findings=findings,
        duration_s=time.monotonic() - started,
        blocking=blocking,
        regions=regions,
        baseline=policy.source,
        policy_digest=policy.digest(),
    )


def merged(first: Report, second: Report, policy: Policy) -> Report:
    """One report of two audits under one policy (the hook's account audit and its template checks)."""
    findings = first.findings + second.findings
    return replace(first, findings=findings, verdict=policy.judge(findings), blocking=policy.blocking(findings),
                   duration_s=max(first.duration_s, second.duration_s))
