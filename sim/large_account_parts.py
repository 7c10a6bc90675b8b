"""The population of sim/large_account.py, one kind at a time, in moto's backend models. Each call below is the
backend call moto's API handler makes for the API action named beside it, with the arguments the handler
passes (moto 5.2's handlers: moto/<service>/responses.py)."""
from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any, Iterator

from sim import account, moto_gaps
from sim.large_account import (FLOW_LOG_ROLE, REGIONS, _backends, days_ago, faults, policy_without_tls_deny,
                               region_of, tls_deny_policy)

ADMIN_PORTS = (22, 3389)


@dataclass(frozen=True)
class Made:
    region: str
    faults: frozenset[str]
    resource_id: str


def _naive(when: Any) -> Any:
    return when.replace(tzinfo=None)  # moto keeps IAM times as naive UTC


def buckets(count: int) -> list[Made]:
    from moto.s3.models import get_canned_acl

    s3 = _backends(REGIONS[0])[0]
    made = []
    for i in range(count):
        region, found, name = region_of(i), faults("bucket", i), f"scale-{i:05d}"
        s3.create_bucket(name, region)  # CreateBucket
        if "public-read-acl" in found:
            s3.put_bucket_acl(name, get_canned_acl("public-read"))  # PutBucketAcl, x-amz-acl: public-read
        if "no-policy" not in found:  # PutBucketPolicy (the body as bytes)
            s3.put_bucket_policy(name, policy_without_tls_deny(name) if "policy-without-tls-deny" in found
                                 else tls_deny_policy(name))
        if "no-bucket-public-access-block" not in found:  # PutPublicAccessBlock (XML text values)
            configuration = {setting: "true" for setting in account.ALL_BLOCKED}
            if "block-public-policy-off" in found:
                configuration["BlockPublicPolicy"] = "false"
            s3.put_public_access_block(name, configuration)
        if "versioning-off" not in found:
            s3.put_bucket_versioning(name, "Enabled")  # PutBucketVersioning
            if "no-mfa-delete" not in found:
                moto_gaps.mfa_delete.add(name)  # only the root user's MFA turns it on (sim.moto_gaps)
        made.append(Made(region, found, name))
    return made


def _rule(group_id: str, permission: dict[str, Any], *, tags: bool = True) -> dict[str, Any]:
    """The arguments SecurityGroups._process_rules_from_querystring hands the backend for one IpPermissions item."""
    from moto.ec2.responses.security_groups import parse_sg_attributes_from_dict

    protocol, low, high, ranges, groups, prefixes = parse_sg_attributes_from_dict(permission)
    rule = {"group_name_or_id": group_id, "ip_protocol": protocol, "from_port": low, "to_port": high,
            "ip_ranges": ranges, "source_groups": groups, "prefix_list_ids": prefixes, "security_rule_ids": []}
    return {**rule, "sgrule_tags": {}} if tags else rule


def _closed_default_groups(region: str, vpc_ids: list[str]) -> None:
    """Revoke every rule of the VPCs' default groups (RevokeSecurityGroupIngress / Egress with the rules
    DescribeSecurityGroups gives, as sim.account.make_region_compliant does)."""
    ec2 = _backends(region)[1]
    listed = account.client("ec2", region).describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["default"]}, {"Name": "vpc-id", "Values": vpc_ids}])
    for group in listed["SecurityGroups"]:
        for permission in group["IpPermissionsEgress"]:
            ec2.revoke_security_group_egress(**_rule(group["GroupId"], permission, tags=False))
        for permission in group["IpPermissions"]:
            ec2.revoke_security_group_ingress(**_rule(group["GroupId"], permission, tags=False))


def vpcs(count: int) -> list[Made]:
    made = []
    for i in range(count):
        region, found = region_of(i), faults("vpc", i)
        ec2 = _backends(region)[1]
        vpc = ec2.create_vpc(f"10.{i // len(REGIONS) % 256}.0.0/16", "default", amazon_provided_ipv6_cidr_block=False,
                             ipv6_cidr_block_network_border_group=region, tags=[])  # CreateVpc
        if "nacl-open" not in found:  # CreateNetworkAclEntry: denies below the default ACL's allow-all (rule 100)
            acl = next(a for a in ec2.network_acls.values() if a.default and a.vpc_id == vpc.id)
            for number, (protocol, port) in enumerate(((p, port) for p in ("6", "17") for port in ADMIN_PORTS), 1):
                ec2.create_network_acl_entry(network_acl_id=acl.id, rule_number=number, protocol=protocol,
                                             rule_action="deny", egress=False, cidr_block="0.0.0.0/0", icmp_code=None,
                                             icmp_type=None, port_range_from=port, port_range_to=port,
                                             ipv6_cidr_block=None)
        made.append(Made(region, found, vpc.id))
    for region in REGIONS:
        here = [m for m in made if m.region == region]
        closed = [m.resource_id for m in here if "default-sg-open" not in m.faults]
        if closed:
            _closed_default_groups(region, closed)
        for traffic, chosen in (("REJECT", [m for m in here if not m.faults & {"no-flow-log", "accept-only-flow-log"}]),
                                ("ACCEPT", [m for m in here if "accept-only-flow-log" in m.faults])):
            if chosen:  # CreateFlowLogs
                _backends(region)[1].create_flow_logs(
                    resource_type="VPC", resource_ids=[m.resource_id for m in chosen], traffic_type=traffic,
                    deliver_logs_permission_arn=FLOW_LOG_ROLE, log_destination_type="cloud-watch-logs",
                    log_destination=None, log_group_name="vpc-flow-logs", log_format=None,
                    max_aggregation_interval=None)
    return made


GROUP_RULES = {  # fault -> the IpPermissions item it adds
    "ssh-from-ipv4-internet": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                               "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    "rdp-from-ipv6-internet": {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
                               "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
    "cifs-from-internet": {"IpProtocol": "tcp", "FromPort": 445, "ToPort": 445, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    "all-traffic-from-internet": {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
}
NEAR_MISSES = ({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
               {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]})


def security_groups(count: int, vpc_ids: list[Made]) -> list[Made]:
    made = []
    for i in range(count):
        found = faults("security-group", i)
        vpc = vpc_ids[i % len(vpc_ids)] if vpc_ids else None
        region = vpc.region if vpc else region_of(i)
        ec2 = _backends(region)[1]
        group = ec2.create_security_group(f"app-{i:05d}", "an application tier",  # CreateSecurityGroup
                                          vpc_id=vpc.resource_id if vpc else None, tags={})
        for permission in (*NEAR_MISSES, *(GROUP_RULES[f] for f in sorted(found))):  # AuthorizeSecurityGroupIngress
            ec2.authorize_security_group_ingress(**_rule(group.id, permission))
        made.append(Made(region, found, group.id))
    return made


def users(count: int) -> list[Made]:
    iam = _backends(REGIONS[0])[2]
    client = account.client("iam")
    read_only = client.create_policy(PolicyName="app-read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    admin = client.create_policy(PolicyName="break-glass-admin", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    made = []
    for i in range(count):
        found, name = faults("user", i), f"person-{i:05d}"
        user = iam.create_user("us-east-1", user_name=name, path=None, tags=[])  # CreateUser
        if i % 2 == 0:
            created, used = ((200, 1) if "old-key" in found else (60, None) if "unused-key" in found else (10, 1))
            for _ in range(2 if "two-active-keys" in found else 1):
                key = iam.create_access_key(name)  # CreateAccessKey
                key.create_date = _naive(days_ago(created))  # what no API moves (as sim.account.create_iam_user)
                key.last_used = _naive(days_ago(used)) if used else None
        if i % 3 == 1:
            iam.create_login_profile(name, "Correct-Horse-Battery-9")  # CreateLoginProfile
            user.password_last_used = _naive(days_ago(100 if "unused-password" in found else 2))
            if "console-without-mfa" not in found:
                serial = iam.create_virtual_mfa_device(name, None).serial_number  # CreateVirtualMFADevice
                iam.enable_mfa_device(name, serial, "123456", "654321")  # EnableMFADevice
        if "inline-policy" in found:  # PutUserPolicy
            iam.put_user_policy(name, "own", json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}))
        for fault, policy in (("attached-policy", read_only), ("admin-policy", admin)):
            if fault in found:
                iam.attach_user_policy(policy["Policy"]["Arn"], name)  # AttachUserPolicy
        made.append(Made("global", found, user.arn))
    return made


@contextlib.contextmanager
def _one_rsa_key_for_symmetric_keys() -> Iterator[None]:
    """moto generates a 2,048-bit RSA private key for every KMS key (~0.1 s), symmetric ones too, where AWS has
    none and no API reads it: the symmetric keys made here share one."""
    from moto.kms import models

    original = models.generate_private_key
    shared = original("RSA_2048")
    models.generate_private_key = (  # type: ignore[assignment]
        lambda spec: shared if spec == "SYMMETRIC_DEFAULT" else original(spec))
    try:
        yield
    finally:
        models.generate_private_key = original  # type: ignore[assignment]


def keys(count: int) -> list[Made]:
    made = []
    with _one_rsa_key_for_symmetric_keys():
        for i in range(count):
            region, found = region_of(i), faults("key", i)
            kms = _backends(region)[3]
            asymmetric = "asymmetric" in found
            key = kms.create_key(None, "SIGN_VERIFY" if asymmetric else "ENCRYPT_DECRYPT",
                                 "RSA_2048" if asymmetric else "SYMMETRIC_DEFAULT", None, None, None, "AWS_KMS")
            if not found & {"rotation-off", "asymmetric", "disabled-without-rotation"}:
                kms.enable_key_rotation(key.id)  # EnableKeyRotation
            if "disabled-without-rotation" in found:
                kms.disable_key(key.id)  # DisableKey
            made.append(Made(region, found, key.arn))
    return made


def instances(count: int) -> list[Made]:
    """Through the API (RunInstances one at a time: moto gives a profile to the first instance of a call only)."""
    if count:
        account.client("iam").create_instance_profile(InstanceProfileName="bare-profile")  # holds no role
    made: list[Made] = []
    stopping: dict[str, list[str]] = {r: [] for r in REGIONS}
    ending: dict[str, list[str]] = {r: [] for r in REGIONS}
    for i in range(count):
        region, found = region_of(i), faults("instance", i)
        profile = (None if "no-profile" in found else "bare-profile" if "profile-without-role" in found
                   else "app-profile")
        tokens = "optional" if found & {"imdsv1", "stopped-imdsv1", "terminated-imdsv1"} else "required"
        extra = {"IamInstanceProfile": {"Name": profile}} if profile else {}
        instance = account.client("ec2", region).run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, MetadataOptions={"HttpTokens": tokens,
                                                                             "HttpEndpoint": "enabled"},
            **extra)["Instances"][0]["InstanceId"]
        if "terminated-imdsv1" in found:
            ending[region].append(instance)
        elif "stopped-imdsv1" in found:
            stopping[region].append(instance)
        made.append(Made(region, found, instance))
    for region in REGIONS:
        if stopping[region]:
            account.client("ec2", region).stop_instances(InstanceIds=stopping[region])
        if ending[region]:
            account.client("ec2", region).terminate_instances(InstanceIds=ending[region])
    return made


def state_of(instance: Made) -> str:
    return ("terminated" if "terminated-imdsv1" in instance.faults else "stopped" if "stopped-imdsv1" in instance.faults
            else "running")

