"""Network ACLs open to the internet on remote administration ports: CIS 5.1, Security Hub EC2.21. One
DescribeNetworkAcls listing per region (MaxResults 1,000; each ACL carries its entries and tags)."""
from __future__ import annotations

from checks._per_resource import Listing, arn
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Parameter, Result, Scope, Severity, Stricter
from preflight.registry import check

ADMIN_PORTS = (22, 3389)
INTERNET = {"CidrBlock": "0.0.0.0/0", "Ipv6CidrBlock": "::/0"}
PROTOCOLS = {"6": "tcp", "17": "udp", "tcp": "tcp", "udp": "udp", "-1": "-1", "all": "-1"}


def _matches(entry: dict, protocol: str, port: int) -> bool:
    kind = PROTOCOLS.get(str(entry.get("Protocol", "")).lower())
    if kind == "-1":
        return True
    if kind != protocol:
        return False
    span = entry.get("PortRange") or {}
    return span.get("From", 0) <= port <= span.get("To", 65535)


def breaches(acl: dict) -> list[str]:
    """For each address family, protocol (TCP, UDP) and port (22, 3389): the inbound entries from the whole
    internet (0.0.0.0/0, ::/0) in rule-number order, and the first one that matches decides, as AWS applies
    them. An allow decides -> a breach, in words; a deny decides -> shadowed, not a breach. Entries for narrower
    sources neither breach (they are not from 0.0.0.0/0) nor shadow (they leave the rest of the internet out)."""
    found: dict[tuple[int, str], list[str]] = {}
    inbound = sorted((e for e in acl.get("Entries") or () if not e.get("Egress")), key=lambda e: e.get("RuleNumber", 0))
    for field, source in INTERNET.items():
        from_internet = [e for e in inbound if e.get(field) == source]
        for protocol in ("tcp", "udp"):
            for port in ADMIN_PORTS:
                first = next((e for e in from_internet if _matches(e, protocol, port)), None)
                if first is not None and first.get("RuleAction") == "allow":
                    found.setdefault((first.get("RuleNumber", 0), source), []).append(f"{protocol} {port}")
    return [f"rule {number} allows {', '.join(what)} from {source}" for (number, source), what in found.items()]


@check(CheckMeta(
    id="nacl-no-unrestricted-ssh-rdp",
    title="No network ACL allows ingress from 0.0.0.0/0 or ::/0 to remote administration ports",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="5.1", security_hub="EC2.21", cis_aws_v5="5.2"),
    remediation="In each listed network ACL, add a lower-numbered inbound deny for ports 22 and 3389 from "
                "0.0.0.0/0 and ::/0, or narrow the allowing entry's source: aws ec2 create-network-acl-entry "
                "--network-acl-id ACL --ingress --rule-number N --protocol tcp --port-range From=22,To=22 "
                "--cidr-block 0.0.0.0/0 --rule-action deny",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-21",
    iam_actions=("ec2:DescribeNetworkAcls",),
    scope=Scope.REGIONAL,
    parameters=(
        Parameter("skip_default_acls", bool, False, "Leave each VPC's default network ACL (IsDefault) unjudged, as "
                  "Security Hub EC2.21 does (\"The control doesn't generate findings for a default network ACL\"); "
                  "the CIS audit judges every network ACL, so the CIS baselines leave it off.", Stricter.FALSE),
    ),
))
def nacl_no_unrestricted_ssh_rdp(ctx: CheckContext) -> Result:
    """FAIL when a network ACL lets TCP or UDP traffic from 0.0.0.0/0 or ::/0 reach port 22 or 3389 (CIS v3.0.0
    5.1; Security Hub EC2.21 and the AWS Config rule nacl-no-unrestricted-ssh-rdp,
    https://docs.aws.amazon.com/config/latest/developerguide/nacl-no-unrestricted-ssh-rdp.html): an inbound
    allow entry from that source, protocol -1 (all), 6 (TCP) or 17 (UDP), whose port range contains the port.
    Entries are evaluated in rule order as AWS applies them - "starting with the lowest numbered rule. As soon as
    a rule matches traffic, it's applied regardless of any higher-numbered rule that might contradict it" (VPC
    User Guide, "Network ACL rules", https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html) - so a
    lower-numbered deny from the same whole-internet source shadows a later allow; a deny for a narrower source
    does not. PASS when no ACL does; NOT_APPLICABLE when the region has no network ACL; TIMEOUT ("judged N of
    M") when the deadline cuts the listing short with nothing found; ERROR when DescribeNetworkAcls is refused.
    A VPC's default network ACL allows all inbound traffic until someone changes it, so it fails here as it fails
    the CIS audit (every network ACL); with `skip_default_acls` it is left out, as Security Hub EC2.21 leaves it
    (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-21) - the evidence counts it.

    Source: AWS Config rule nacl-no-unrestricted-ssh-rdp
    (https://docs.aws.amazon.com/config/latest/developerguide/nacl-no-unrestricted-ssh-rdp.html); Security Hub
    EC2.21; CIS 5.1; rule order as the Amazon VPC User Guide's "Network ACL rules" describes
    (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html).
    """
    listing = Listing(ctx, "network ACLs")
    skip_default, skipped_default = ctx.param("skip_default_acls"), 0
    for acl in listing.items("ec2", "describe_network_acls", "NetworkAcls"):
        if skip_default and acl.get("IsDefault"):
            skipped_default += 1
            continue
        listing.judged()
        found = breaches(acl)
        if found:
            listing.fail(arn(ctx, "network-acl", acl["NetworkAclId"], acl.get("OwnerId")), "; ".join(found), acl.get("Tags"))
    return listing.result(
        passed_message="None of {count} network ACLs allows ingress to ports 22 or 3389 from 0.0.0.0/0 or ::/0",
        failing_message="allow ingress to port 22 or 3389 from the internet",
        not_applicable_message="There are no network ACLs" + (" but default ones, left out" if skipped_default else ""),
        default_acls_skipped=skipped_default)


CHECKS = (nacl_no_unrestricted_ssh_rdp,)
