"""The verdicts a correct audit gives the large account of sim/large_account.py: for each check and region,
the status and how many resources fail, derived from the faults the builder seeded (nothing is read back from
moto). `compare` sets them beside an audit's findings (the report document's dicts)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from sim.large_account import REGIONS, Built
from sim.large_account_parts import state_of

# check -> (resource kind, the faults that make a resource of that kind fail it)
FAILED_BY: dict[str, tuple[str, frozenset[str]]] = {
    "s3-bucket-ssl-requests-only": ("bucket", frozenset({"no-policy", "policy-without-tls-deny"})),
    "s3-bucket-level-public-access-prohibited": ("bucket", frozenset({"no-bucket-public-access-block",
                                                                      "block-public-policy-off"})),
    "s3-bucket-mfa-delete-enabled": ("bucket", frozenset({"no-mfa-delete", "versioning-off"})),
    "vpc-sg-port-restriction-check": ("security-group", frozenset({"ssh-from-ipv4-internet", "rdp-from-ipv6-internet",
                                                                   "all-traffic-from-internet"})),
    "restricted-ssh": ("security-group", frozenset({"ssh-from-ipv4-internet", "all-traffic-from-internet"})),
    "restricted-common-ports": ("security-group", frozenset({"cifs-from-internet", "all-traffic-from-internet"})),
    "vpc-flow-logs-enabled": ("vpc", frozenset({"no-flow-log", "accept-only-flow-log"})),
    "default-security-groups-closed": ("vpc", frozenset({"default-sg-open"})),
    "nacl-no-unrestricted-ssh-rdp": ("vpc", frozenset({"nacl-open"})),
    "cmk-backing-key-rotation-enabled": ("key", frozenset({"rotation-off"})),
    "mfa-enabled-for-iam-console-access": ("user", frozenset({"console-without-mfa"})),
    "iam-user-unused-credentials-check": ("user", frozenset({"unused-key", "unused-password"})),
    "iam-user-single-active-access-key": ("user", frozenset({"two-active-keys"})),
    "access-keys-rotated": ("user", frozenset({"old-key"})),
    "iam-user-no-policies-check": ("user", frozenset({"inline-policy", "attached-policy", "admin-policy"})),
}
# The compliant base (sim.account.make_fully_compliant) has no database, file system or server certificate.
NOT_APPLICABLE_IN_BASE = ("rds-storage-encrypted", "rds-automatic-minor-version-upgrade-enabled",
                          "rds-instance-public-access-check", "rds-multi-az-support", "rds-cluster-multi-az-enabled",
                          "efs-encrypted-check", "iam-server-certificate-expiration-check")


@dataclass(frozen=True)
class Verdict:
    status: str
    failing: int = 0


@dataclass(frozen=True)
class Row:
    check: str
    region: str | None
    expected: Verdict
    got: Verdict | None  # None: the audit gave no finding for it

    @property
    def right(self) -> bool:
        return self.got == self.expected


def _failing(built: Built, check: str, region: str | None) -> int:
    if check == "iam-no-attached-admin-policies":  # one customer managed "*:*" policy, attached to some users
        return int(any("admin-policy" in user.faults for user in built.resources["user"]))
    if check == "ec2-imdsv2-check":  # every instance not terminated is judged, stopped ones too
        return sum(1 for m in built.resources["instance"] if m.region == region and state_of(m) != "terminated"
                   and m.faults & {"imdsv1", "stopped-imdsv1"})
    if check == "ec2-instance-profile-attached":  # running instances only
        return sum(1 for m in built.resources["instance"] if m.region == region and state_of(m) == "running"
                   and m.faults & {"no-profile", "profile-without-role"})
    if check not in FAILED_BY:
        return 0
    kind, failing_faults = FAILED_BY[check]
    return sum(1 for m in built.resources[kind] if (region is None or m.region == region) and m.faults & failing_faults)


def _not_applicable(built: Built, check: str) -> bool:
    users = built.population.users
    if check == "mfa-enabled-for-iam-console-access":
        return not any(i % 3 == 1 for i in range(users))  # the users with a console password
    if check in ("iam-user-single-active-access-key", "access-keys-rotated"):
        return not any(i % 2 == 0 for i in range(users))  # the users with an access key
    if check == "iam-user-unused-credentials-check":
        return not any(i % 2 == 0 or i % 3 == 1 for i in range(users))
    return check in NOT_APPLICABLE_IN_BASE


def expected(built: Built, checks: Iterable[tuple[str, bool]]) -> dict[tuple[str, str | None], Verdict]:
    """For (check id, regional?) pairs: the verdict of each check in each of REGIONS (regional) or once."""
    verdicts = {}
    for check, regional in checks:
        for region in (REGIONS if regional else (None,)):
            failing = _failing(built, check, region)
            status = "FAIL" if failing else "NOT_APPLICABLE" if _not_applicable(built, check) else "PASS"
            verdicts[(check, region)] = Verdict(status, failing)
    return verdicts


NOT_NAMED = re.compile(r"^\(and ([\d,]+) more not named\)$")


def failing_count(finding: Mapping[str, Any]) -> int:
    """The resources a finding names, plus the "(and N more not named)" it counts."""
    count = 0
    for resource in finding.get("resources") or ():
        more = NOT_NAMED.match(resource)
        count += int(more.group(1).replace(",", "")) if more else 1
    return count if finding.get("status") == "FAIL" else 0


def compare(findings: Iterable[Mapping[str, Any]], verdicts: Mapping[tuple[str, str | None], Verdict]) -> list[Row]:
    got = {(f["check"], f.get("region")): Verdict(f["status"], failing_count(f)) for f in findings}
    return [Row(check, region, verdict, got.get((check, region))) for (check, region), verdict in verdicts.items()]


def print_rows(rows: list[Row], *, only_wrong: bool = False) -> None:
    for row in rows:
        if only_wrong and row.right:
            continue
        got = f"{row.got.status} {row.got.failing}" if row.got else "no finding"
        print(f"  {'ok   ' if row.right else 'WRONG'} {row.check:<46}{row.region or 'account':<16}"
              f"expected {row.expected.status} {row.expected.failing:<6} got {got}")
