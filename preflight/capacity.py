"""Will this audit fit in the function's memory? A Lambda killed for memory sends no answer at all, and the
stack would wait for its ServiceTimeout; refusing up front, with the fix in the reason, is better.

The estimate is calibrated on `make bench` (tools/bench_regions.py, docs/performance.md), fresh process, one
region -> `regions: all` (17): minimal 57 -> 72 MiB, cis-aws-foundations-v3 84 -> 94 MiB, recommended 82 -> 98
MiB. A regional check needs a client per service and audited region, ~0.2 MiB each over plain HTTP to the
simulator; 0.3 is allowed, and the base covers the service models and, with `regions: all`, EC2's for the
region list. So every shipped baseline audits every region in 128 MB; an account with many opt-in regions
enabled may need 256.
"""
from __future__ import annotations

from preflight.model import Scope
from preflight.policy import Policy

BASE_MIB = 85.0
PER_CLIENT_MIB = 0.3
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


# A hook request's payload, while it is fetched and read: its bytes joined from the chunks read (twice, for a
# moment), then decoded and parsed as JSON (the text and the strings it holds); the template inside is then
# read into a document (template.parse_peak_mib). Calibrated by tools/bench_template.py (docs/performance.md).
PAYLOAD_COPIES = 3.0


def template_mib(payload_bytes: int) -> float:
    """The memory to reserve for reading a hook request's payload of this size and the template it carries."""
    from preflight.template import MAX_TEMPLATE_BYTES, parse_peak_mib

    payload = max(0, payload_bytes)
    return PAYLOAD_COPIES * payload / (1024 * 1024) + parse_peak_mib(min(payload, MAX_TEMPLATE_BYTES))
