"""Will this audit fit in the function's memory? A Lambda killed for memory sends no answer at all, and the
stack would wait for its ServiceTimeout; refusing up front, with the fix in the reason, is better.

The estimate is calibrated on `make bench` (tools/bench_regions.py, docs/performance.md), fresh process, one
region -> `regions: all` (17): minimal 57 -> 72 MiB, cis-aws-foundations-v3 84 -> 94 MiB, recommended 82 -> 98
MiB. A regional check needs a client per service and audited region, ~0.2 MiB each over plain HTTP to the
simulator; 0.3 is allowed, and the base covers the service models and, with `regions: all`, EC2's for the
region list. So minimal and recommended audit every region in 128 MB; cis-aws-foundations-v3, with RDS, EFS and
KMS among its 7 regional services, measured 115.5 MiB over 17 regions (estimate 120.7) and is sent to 256; an
account with many opt-in regions enabled may need 256 with recommended too.
"""
from __future__ import annotations

from preflight.model import Scope
from preflight.policy import Policy

BASE_MIB = 85.0
PER_CLIENT_MIB = 0.3
HEADROOM = 0.9  # refuse above 90% of the limit: the estimate is not exact
# Reading the template a hook request brings, beside the account audit: a 1 MiB template's payload held ~3 times
# while fetched and decoded, and its document (JSON 3.1 MiB, YAML 6.0 MiB per MiB; tools/bench_template.py,
# docs/performance.md). The densest 1 MiB document measured (a list of empty objects) needs 24 MiB: a single
# region hook audit with a 1 MiB template peaks at 62-66 MiB, so even that fits in 128 MB.
TEMPLATE_MIB = 10.0


def regional_services(policy: Policy) -> set[str]:
    return {action.split(":")[0] for s in policy.selections if s.check.meta.scope is Scope.REGIONAL
            for action in s.check.meta.iam_actions}


def estimated_peak_mib(policy: Policy, region_count: int, template: bool = False) -> float:
    return BASE_MIB + PER_CLIENT_MIB * len(regional_services(policy)) * region_count + (TEMPLATE_MIB if template else 0)


def shortfall(policy: Policy, region_count: int, memory_mib: int | None, template: bool = False) -> str | None:
    """The reason to refuse, or None when the audit fits (or the memory limit is unknown). `template`: a
    template is read beside the audit (the hook)."""
    if not memory_mib:
        return None
    needed = estimated_peak_mib(policy, region_count, template)
    if needed <= memory_mib * HEADROOM:
        return None
    advice = next(size for size in (256, 512, 1024, 2048, 10240) if needed <= size * HEADROOM)
    reading = " and reads the template being deployed" if template else ""
    return (f"This baseline audits {len(regional_services(policy))} regional services in {region_count} regions"
            f"{reading}, which needs about {needed:.0f} MiB; the auditor has {memory_mib} MiB. Raise its MemorySize to "
            f"{advice} (cfn/preflight.yaml parameter MemorySize).")
