"""The scale bench's large account (sim/large_account.py), at a fiftieth of its size: it holds what its builder
says, every seeded fault is there, and an audit gives the verdicts the builder predicts. What it makes in moto's
backend models reads back through the API as the same resources made through the API do."""
from __future__ import annotations

import csv
import io
import json

from preflight import baseline, named_baselines
from preflight.audit import run_audit
from preflight.aws.access import AwsAccess
from preflight.concurrency import Deadline
from preflight.model import Scope
from preflight.registry import default_registry
from sim import account, large_account, large_account_parts as parts, large_account_verdicts as verdicts
from sim.cloudformation import ACCOUNT_ID, REGION


def _audit(name: str) -> list[dict]:
    registry = default_registry()
    document = {"extends": name, "regions": list(large_account.REGIONS)}
    policy = baseline.parse(document, registry, source="test")
    report = run_audit(policy, AwsAccess(region=REGION, account_id=ACCOUNT_ID), Deadline.after(120))
    return [{"check": f.check.id, "region": f.region, "status": f.status.value, "resources": list(f.resources)}
            for f in report.findings]


def _checks(name: str) -> list[tuple[str, bool]]:
    registry = default_registry()
    return [(c, registry.get(c).meta.scope is Scope.REGIONAL)
            for c in named_baselines.check_ids(named_baselines.named_baseline(name, registry))]


def test_a_fiftieth_of_the_large_account_gets_every_verdict_its_builder_seeded():
    built = large_account.build(large_account.Population().scaled(0.02))
    assert built.population == large_account.Population(40, 40, 20, 6, 4, 6)
    seeded = {kind: set().union(*(m.faults for m in made)) for kind, made in built.resources.items()}
    assert seeded == {kind: set(table) for kind, table in large_account.FAULTS.items()}  # every fault, at least once
    assert len(account.client("s3").list_buckets(MaxBuckets=1000)["Buckets"]) >= 40
    expected = verdicts.expected(built, _checks("cis-aws-foundations-v5"))
    assert {v.status for v in expected.values()} == {"PASS", "FAIL", "NOT_APPLICABLE"}
    rows = verdicts.compare(_audit("cis-aws-foundations-v5"), expected)
    assert [row for row in rows if not row.right] == []
    assert sum(row.expected.failing for row in rows) > 30


def _without(record: dict, *keys: str) -> dict:
    return {k: v for k, v in record.items() if k not in keys}


def test_what_the_builder_makes_in_moto_s_backend_reads_back_as_the_same_thing_made_through_the_api():
    account.make_compliant()
    s3, ec2, kms = account.client("s3"), account.client("ec2", REGION), account.client("kms", REGION)
    # a compliant bucket (index 0 has no fault)
    [bucket] = parts.buckets(1)
    account.create_bucket("twin-bucket")
    account.harden_bucket("twin-bucket")
    for read in ("get_public_access_block", "get_bucket_versioning"):
        assert _without(getattr(s3, read)(Bucket=bucket.resource_id), "ResponseMetadata") == \
            _without(getattr(s3, read)(Bucket="twin-bucket"), "ResponseMetadata")
    assert json.loads(s3.get_bucket_policy(Bucket=bucket.resource_id)["Policy"]) == json.loads(
        account.tls_only_policy(bucket.resource_id))
    # VPCs: index 0 keeps its default ACL open and has a flow log; index 3 (the same region) has its ACL closed
    made = parts.vpcs(4)
    assert (made[0].faults, made[3].faults, made[3].region) == ({"nacl-open"}, {"no-flow-log"}, REGION)
    twin = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    acls = {a["VpcId"]: a for a in ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])[
        "NetworkAcls"]}
    entries = (lambda vpc: sorted(json.dumps(e, sort_keys=True) for e in acls[vpc]["Entries"]))
    assert entries(made[0].resource_id) == entries(twin)  # as CreateVpc leaves it
    number = 1
    for protocol in ("6", "17"):
        for port in parts.ADMIN_PORTS:
            ec2.create_network_acl_entry(NetworkAclId=acls[twin]["NetworkAclId"], RuleNumber=number, Protocol=protocol,
                                         RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0",
                                         PortRange={"From": port, "To": port})
            number += 1
    acls = {a["VpcId"]: a for a in ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])[
        "NetworkAcls"]}
    assert entries(made[3].resource_id) == entries(twin) != entries(made[0].resource_id)
    ec2.create_flow_logs(ResourceIds=[twin], ResourceType="VPC", TrafficType="REJECT",
                         LogDestinationType="cloud-watch-logs", LogGroupName="vpc-flow-logs",
                         DeliverLogsPermissionArn=large_account.FLOW_LOG_ROLE)
    logs = {f["ResourceId"]: f for f in ec2.describe_flow_logs()["FlowLogs"]}
    assert made[3].resource_id not in logs
    assert _without(logs[made[0].resource_id], "FlowLogId", "ResourceId", "CreationTime") == \
        _without(logs[twin], "FlowLogId", "ResourceId", "CreationTime")
    closed = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]},
                                                   {"Name": "vpc-id", "Values": [made[3].resource_id]}])
    assert [(g["IpPermissions"], g["IpPermissionsEgress"]) for g in closed["SecurityGroups"]] == [([], [])]
    # a security group with the near misses and an open RDP rule over IPv6
    group = ec2.create_security_group(GroupName="twin", Description="an application tier",
                                      VpcId=made[0].resource_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        *parts.NEAR_MISSES, parts.GROUP_RULES["rdp-from-ipv6-internet"]])
    [_, _, rdp] = parts.security_groups(3, [made[0]])
    assert "rdp-from-ipv6-internet" in rdp.faults
    described = {g["GroupId"]: g for g in ec2.describe_security_groups()["SecurityGroups"]}
    rules = (lambda g: sorted(json.dumps(p, sort_keys=True) for p in described[g]["IpPermissions"]))
    assert rules(rdp.resource_id) == rules(group)
    # a user with an access key, a console password and MFA (index 4)
    made_users = parts.users(5)
    assert made_users[4].faults == {"old-key"}
    account.create_iam_user("twin-user", console_password=True, mfa=True, access_keys=1)
    iam = account.client("iam")
    iam.generate_credential_report()
    rows = {r["user"]: r for r in csv.DictReader(io.StringIO(iam.get_credential_report()["Content"].decode()))}
    flags = ("password_enabled", "mfa_active", "access_key_1_active", "access_key_2_active")
    assert [rows["person-00004"][f] for f in flags] == [rows["twin-user"][f] for f in flags] == ["true", "true", "true",
                                                                                                 "false"]
    # a symmetric key that rotates
    [key] = parts.keys(1)
    twin_key = account.create_kms_key()
    ignored = ("KeyId", "Arn", "CreationDate", "Description")
    assert _without(kms.describe_key(KeyId=key.resource_id)["KeyMetadata"], *ignored) == \
        _without(kms.describe_key(KeyId=twin_key)["KeyMetadata"], *ignored)
    assert kms.get_key_rotation_status(KeyId=key.resource_id)["KeyRotationEnabled"] is True
