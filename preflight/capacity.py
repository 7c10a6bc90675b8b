"""Will this audit fit in the function's memory? A Lambda killed for memory sends no answer at all, and the
stack would wait for its ServiceTimeout; refusing up front, with the fix in the reason, is better.

The estimate is calibrated on `make bench` (tools/bench_regions.py, docs/performance.md): a fresh process
with the default baseline peaks near 63 MiB and `recommended` in one region near 100 MiB; a regional check
needs a client per service and audited region (measured 0.3-0.4 MiB each over plain HTTP to the simulator;
0.8 is kept as the allowance, since against AWS every client also holds its own TLS context). Measured with
`regions: all` (17 regions): minimal 85 MiB, cis-aws-foundations-v3 120 MiB, recommended 122-127 MiB - the
last two are refused at 128 MB, the first is not.
"""
from __future__ import annotations

from preflight.model import Scope
from preflight.policy import Policy

BASE_MIB = 70.0
PER_CLIENT_MIB = 0.8
HEADROOM = 0.9  # refuse above 90% of the limit: the estimate is not exact


def regional_services(policy: Policy) -> set[str]:
    return {action.split(":")[0] for s in policy.selections if s.check.meta.scope is Scope.REGIONAL
            for action in s.check.meta.iam_actions}


def estimated_peak_mib(policy: Policy, region_count: int) -> float:
    return BASE_MIB + PER_CLIENT_MIB * len(regional_services(policy)) * region_count


def shortfall(policy: Policy, region_count: int, memory_mib: int | None) -> str | None:
    """The reason to refuse, or None when the audit fits (or the memory limit is unknown)."""
    if not memory_mib:
        return None
    needed = estimated_peak_mib(policy, region_count)
    if needed <= memory_mib * HEADROOM:
        return None
    advice = next(size for size in (256, 512, 1024, 2048, 10240) if needed <= size * HEADROOM)
    return (f"This baseline audits {len(regional_services(policy))} regional services in {region_count} regions, "
            f"which needs about {needed:.0f} MiB; the auditor has {memory_mib} MiB. Raise its MemorySize to "
            f"{advice} (cfn/preflight.yaml parameter MemorySize).")
