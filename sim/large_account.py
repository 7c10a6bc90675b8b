"""A large simulated account for the scale bench: thousands of buckets, security groups and IAM users, hundreds
of KMS keys, VPCs and instances over three regions, compliant with the whole catalogue except for a known,
deliberate set of violations (`FAULTS`), so a bench can tell whether every verdict and every failing count is
right (`sim.large_account_verdicts.expected`).

The population is made in moto's own backend models (moto in-process or a ThreadedMotoServer in this process),
calling the backend methods moto's API handlers call, with the arguments those handlers pass: through the API
(botocore, then moto's request parsing) the same 2,000 buckets took ~100 s and 300 KMS keys ~60 s; here the
whole account takes seconds. What cannot be had that way cheaply is made through the API: the compliant base
(`sim.account.make_fully_compliant`), the default security groups' rules (listed once a region) and the
instances. tests/tooling/test_large_account.py checks that the backend-made resources read back through the API
exactly as API-made twins do.

A resource's faults are chosen by its index: fault F with (every, offset) hits the resources i with
i % every == offset. Resource i of a kind lives in REGIONS[i % 3]; security group i in VPC i % vpcs.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from sim import account
from sim.cloudformation import ACCOUNT_ID

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
FLOW_LOG_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/flow-logs"
# fault -> (every, offset); the offsets stay below the 1/50 population so the small test sees every fault.
FAULTS: dict[str, dict[str, tuple[int, int]]] = {
    "bucket": {"no-policy": (20, 3), "policy-without-tls-deny": (20, 13), "no-bucket-public-access-block": (16, 5),
               "block-public-policy-off": (40, 7), "public-read-acl": (16, 5), "no-mfa-delete": (8, 1),
               "versioning-off": (100, 30)},
    "security-group": {"ssh-from-ipv4-internet": (25, 1), "rdp-from-ipv6-internet": (50, 2),
                       "cifs-from-internet": (40, 3), "all-traffic-from-internet": (200, 4)},
    "vpc": {"no-flow-log": (10, 3), "accept-only-flow-log": (25, 1), "default-sg-open": (20, 2), "nacl-open": (25, 0)},
    "user": {"old-key": (20, 4), "two-active-keys": (50, 6), "unused-key": (40, 8), "console-without-mfa": (30, 1),
             "unused-password": (45, 7), "inline-policy": (25, 9), "attached-policy": (40, 11),
             "admin-policy": (100, 13)},
    "key": {"rotation-off": (10, 3), "asymmetric": (50, 1), "disabled-without-rotation": (60, 5)},
    "instance": {"imdsv1": (10, 2), "no-profile": (12, 5), "profile-without-role": (30, 4),
                 "stopped-imdsv1": (50, 1), "terminated-imdsv1": (75, 0)},
}
# Near misses every resource of some kinds gets: users with index % 2 == 0 hold an access key, % 3 == 1 a console
# password (with MFA unless faulted); security groups allow 443 from anywhere, and SSH from 10.0.0.0/8 only.


@dataclass(frozen=True)
class Population:
    buckets: int = 2000
    security_groups: int = 2000
    users: int = 1000
    keys: int = 300
    vpcs: int = 200
    instances: int = 300

    def scaled(self, fraction: float) -> "Population":
        return Population(*(max(1, round(getattr(self, name) * fraction)) for name in self.__dataclass_fields__))


@dataclass
class Built:
    """What the builder made: each resource's region and faults, by kind (the expected verdicts come from it)."""

    population: Population
    resources: dict[str, list[Any]] = field(default_factory=dict)  # kind -> [large_account_parts.Made]
    seconds: float = 0.0


def faults(kind: str, index: int) -> frozenset[str]:
    return frozenset(name for name, (every, offset) in FAULTS[kind].items() if index % every == offset)


def region_of(index: int) -> str:
    return REGIONS[index % len(REGIONS)]


def _backends(region: str) -> tuple[Any, Any, Any, Any]:
    from moto.ec2.models import ec2_backends
    from moto.iam.models import iam_backends
    from moto.kms.models import kms_backends
    from moto.s3.models import s3_backends

    return (s3_backends[ACCOUNT_ID]["aws"], ec2_backends[ACCOUNT_ID][region], iam_backends[ACCOUNT_ID]["aws"],
            kms_backends[ACCOUNT_ID][region])


def build(population: Population = Population()) -> Built:
    """The compliant base over REGIONS, then the population with its faults. Call inside moto (mock_aws, or with
    boto3 pointed at a ThreadedMotoServer of this process)."""
    import time

    from sim import large_account_parts as parts

    started = time.perf_counter()
    account.make_fully_compliant(REGIONS)
    v5_security_group_filter()
    built = Built(population)
    built.resources["bucket"] = parts.buckets(population.buckets)
    built.resources["vpc"] = parts.vpcs(population.vpcs)
    built.resources["security-group"] = parts.security_groups(population.security_groups, built.resources["vpc"])
    built.resources["user"] = parts.users(population.users)
    built.resources["key"] = parts.keys(population.keys)
    built.resources["instance"] = parts.instances(population.instances)
    built.seconds = time.perf_counter() - started
    return built


def v5_security_group_filter() -> None:
    """CIS v5.0.0 4.10's filter adds ModifySecurityGroupRules to v3.0.0's (sim.account.CIS_PATTERNS holds v3's)."""
    pattern = (account.CIS_PATTERNS["security-group-changes"].rstrip(" }")
               + " || ($.eventName = ModifySecurityGroupRules) }")
    metric = "cis-security-group-changes"
    account.client("logs").put_metric_filter(
        logGroupName=account.TRAIL_LOG_GROUP, filterName=metric, filterPattern=pattern,
        metricTransformations=[{"metricName": metric, "metricNamespace": "CISBenchmark", "metricValue": "1"}])


def tls_deny_policy(name: str) -> bytes:
    return account.tls_only_policy(name).encode()


def policy_without_tls_deny(name: str) -> bytes:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadFromTheApp", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:role/app"},
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}]}).encode()


def days_ago(days: float) -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
