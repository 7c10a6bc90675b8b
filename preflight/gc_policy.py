"""The garbage collector's schedule for a process that audits. An audit allocates in bursts (botocore's
clients and answers, threads) on top of a large, long-lived heap (modules, service models), and CPython's
default schedule (a young collection every 700 allocations, a full one whenever the old generation grew by a
quarter) spent 0.7 s of a 2.5 s all-regions audit walking that heap (before the models were made lean; ~0.2 s
after), and 12% of an organization sweep's CPU (tools/bench_org.py, 200 accounts: 13.4 s -> 11.7 s). Lambda bills
that CPU as time (docs/performance.md)."""
from __future__ import annotations

import gc

# Young collections 14x less often; still every few MiB of allocation, so cyclic garbage stays bounded.
YOUNG_THRESHOLD = 10_000
OLDER_THRESHOLD = 20


_frozen = False


def for_auditing() -> None:
    """Everything imported so far lives as long as the process: out of every future collection's walk
    (gc.freeze, once per process: frozen objects are never collected, so a later audit's leftovers - a CLI
    called again in the same process - must not be), and young garbage collected less often."""
    global _frozen
    if not _frozen:
        gc.freeze()
        _frozen = True
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
