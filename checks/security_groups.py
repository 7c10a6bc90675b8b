"""Security groups open to the internet on given ports: CIS 5.2/5.3 (EC2.53/EC2.54), Config's restricted-ssh and,
for CIFS, CIS v5.0.0 5.1.2 (Config's restricted-common-ports). One DescribeSecurityGroups listing per region
(MaxResults 1,000: a page of groups carries every rule and tag of each), fewer calls than DescribeSecurityGroupRules
(1,000 rules a page, tags not included). The listing is shared by the three checks through the audit's memo, which
keeps only the groups with a rule from 0.0.0.0/0 or ::/0 (memory grows with those, not with every group)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from checks._per_resource import Listing, arn, tags_of
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Parameter, Result, Scope, Severity, Stricter
from preflight.registry import check

INTERNET = ("0.0.0.0/0", "::/0")
# IpProtocol as AWS returns it: a name for tcp/udp/icmp/icmpv6, otherwise the number; "-1" is all traffic.
PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "tcp": "tcp", "udp": "udp", "-1": "-1", "all": "-1"}
PORT_PATTERN = r"(0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
IAM_ACTIONS = ("ec2:DescribeSecurityGroups",)


Rule = tuple[str, int, int, str]  # (protocol "tcp" | "udp" | "-1", from port, to port, source CIDR)


@dataclass(frozen=True)
class Exposed:
    """A security group with ingress rules from 0.0.0.0/0 or ::/0: all that is kept of it."""

    arn: str
    tags: dict[str, str]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Groups:
    """One region's listing, shared by every check of the audit that reads security groups."""

    exposed: tuple[Exposed, ...]
    listed: int
    cut_short: bool
    more_unlisted: bool


def internet_rules(group: dict) -> tuple[Rule, ...]:
    """Each ingress rule of the group from 0.0.0.0/0 or ::/0 over TCP, UDP or all traffic (-1)."""
    found = []
    for permission in group.get("IpPermissions") or ():
        protocol = PROTOCOL_NAMES.get(str(permission.get("IpProtocol", "")).lower())
        if protocol is None:
            continue
        low, high = (0, 65535) if protocol == "-1" else (permission.get("FromPort", 0), permission.get("ToPort", 65535))
        sources = [r.get("CidrIp") for r in permission.get("IpRanges") or () if r.get("CidrIp") in INTERNET]
        sources += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges") or () if r.get("CidrIpv6") in INTERNET]
        found += [(protocol, low, high, source) for source in sources]
    return tuple(found)


def list_groups(ctx: CheckContext) -> Groups:
    """DescribeSecurityGroups once, under the deadline; only the groups open to the internet are kept."""
    listing = Listing(ctx, "security groups")
    exposed = []
    for group in listing.items("ec2", "describe_security_groups", "SecurityGroups"):
        rules = internet_rules(group)
        if rules:
            group_arn = group.get("SecurityGroupArn") or arn(ctx, "security-group", group["GroupId"], group.get("OwnerId"))
            exposed.append(Exposed(group_arn, tags_of(group), rules))
    return Groups(tuple(exposed), listing.listed, listing.cut_short, listing.more_unlisted)


def in_words(rule: Rule) -> str:
    protocol, low, high, source = rule
    return f"{'all traffic' if protocol == '-1' else f'{protocol} {low}' + (f'-{high}' if high != low else '')} from {source}"


def breaches(rules: Iterable[Rule], ports: Iterable[int], protocols: frozenset[str]) -> list[str]:
    """The rules over one of the protocols whose port range contains one of the ports, in words."""
    return [in_words(r) for r in rules if r[0] in protocols and any(r[1] <= port <= r[2] for port in ports)]


def judge_groups(ctx: CheckContext, ports: tuple[int, ...], protocols: frozenset[str], what: str) -> Result:
    groups = ctx.remember(("security-groups-open-to-the-internet", ctx.region), lambda: list_groups(ctx))
    listing = Listing(ctx, "security groups")
    listing.listed, listing.cut_short, listing.more_unlisted = groups.listed, groups.cut_short, groups.more_unlisted
    listing.judged(groups.listed)
    for group in groups.exposed:
        found = breaches(group.rules, ports, protocols)
        if found:
            listing.fail(group.arn, "; ".join(found), group.tags)
    ports_text = ("ports " if len(ports) > 1 else "port ") + ", ".join(str(p) for p in ports)
    return listing.result(
        passed_message=f"None of {{count}} security groups allows {what} to {ports_text} from 0.0.0.0/0 or ::/0",
        failing_message=f"allow {what} to {ports_text} from the internet",
        not_applicable_message="There are no security groups", ports=list(ports))


PORTS = Parameter(
    "ports", tuple, ("22", "3389"),
    "The ports no security group may open to 0.0.0.0/0 or ::/0 (TCP, UDP or all traffic; a range containing one counts).",
    Stricter.MORE, item_pattern=PORT_PATTERN, max_items=100)


@check(CheckMeta(
    id="vpc-sg-port-restriction-check",
    title="No security group allows ingress from 0.0.0.0/0 or ::/0 to remote administration ports",
    severity=Severity.HIGH,
    controls=Controls(cis_aws_v3="5.2, 5.3", security_hub="EC2.53, EC2.54", cis_aws_v5="5.3, 5.4"),
    remediation="Remove each listed rule, or narrow its source to the networks that administer the hosts: "
                "aws ec2 revoke-security-group-ingress --group-id SG --ip-permissions ... (prefer Session Manager "
                "to open SSH/RDP ports)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-53",
    iam_actions=IAM_ACTIONS,
    scope=Scope.REGIONAL,
    parameters=(PORTS,),
))
def vpc_sg_port_restriction_check(ctx: CheckContext) -> Result:
    """FAIL when a security group has an ingress rule from 0.0.0.0/0 (CIS 5.2, EC2.53) or ::/0 (CIS 5.3, EC2.54)
    over TCP, UDP or all traffic (-1) whose port range contains one of the `ports` (default 22 and 3389), as the
    AWS Config rule vpc-sg-port-restriction-check does with ipType IPv4 and IPv6
    (https://docs.aws.amazon.com/config/latest/developerguide/vpc-sg-port-restriction-check.html;
    https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-53 and #ec2-54); every
    security group is judged, in use or not. PASS when none does; NOT_APPLICABLE when the region has no security
    group; TIMEOUT ("judged N of M") when the audit's deadline cuts the listing short with nothing found; ERROR
    when DescribeSecurityGroups is refused.

    Source: AWS Config rule vpc-sg-port-restriction-check
    (https://docs.aws.amazon.com/config/latest/developerguide/vpc-sg-port-restriction-check.html); Security Hub
    EC2.53 and EC2.54 (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html); CIS 5.2 and CIS
    5.3.
    """
    ports = tuple(sorted({int(p) for p in ctx.param("ports")}))
    return judge_groups(ctx, ports, frozenset({"tcp", "udp", "-1"}), "ingress")


@check(CheckMeta(
    id="restricted-ssh",
    title="No security group allows SSH (port 22) from 0.0.0.0/0 or ::/0",
    severity=Severity.HIGH,
    controls=Controls(security_hub="EC2.13"),
    remediation="Remove each listed rule, or narrow its source to trusted networks (or use Session Manager): "
                "aws ec2 revoke-security-group-ingress --group-id SG --protocol tcp --port 22 --cidr 0.0.0.0/0",
    remediation_url="https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html",
    iam_actions=IAM_ACTIONS,
    scope=Scope.REGIONAL,
))
def restricted_ssh(ctx: CheckContext) -> Result:
    """The AWS Config managed rule restricted-ssh (INCOMING_SSH_DISABLED, no parameters): "COMPLIANT if the IP
    addresses of the incoming SSH traffic in the security groups are restricted (CIDR other than 0.0.0.0/0 or
    ::/0)" (https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html; Security Hub EC2.13,
    https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-13). FAIL when a security
    group has an ingress rule from 0.0.0.0/0 or ::/0 over TCP or all traffic (-1) whose port range contains 22
    (SSH runs over TCP, so a UDP rule is not SSH traffic); PASS when none does; NOT_APPLICABLE without security
    groups; TIMEOUT ("judged N of M") when the deadline cuts the listing short with nothing found; ERROR when
    DescribeSecurityGroups is refused. A subset of vpc-sg-port-restriction-check (CIS 5.2/5.3).

    Source: AWS Config rule restricted-ssh, INCOMING_SSH_DISABLED
    (https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html); Security Hub EC2.13
    (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html).
    """
    return judge_groups(ctx, (22,), frozenset({"tcp", "-1"}), "SSH")


BLOCKED_PORTS = Parameter(
    "blocked_ports", tuple, ("445",),
    "The ports no security group may open to 0.0.0.0/0 or ::/0 over TCP or all traffic (CIS v5.0.0 5.1.2: 445, CIFS).",
    Stricter.MORE, item_pattern=PORT_PATTERN, max_items=100)


@check(CheckMeta(
    id="restricted-common-ports",
    title="No security group allows CIFS (port 445) or other blocked ports from 0.0.0.0/0 or ::/0",
    severity=Severity.HIGH,
    controls=Controls(security_hub="EC2.19", cis_aws_v5="5.1.2"),
    remediation="Remove each listed rule, or narrow its source to trusted networks: aws ec2 "
                "revoke-security-group-ingress --group-id SG --protocol tcp --port 445 --cidr 0.0.0.0/0",
    remediation_url="https://docs.aws.amazon.com/config/latest/developerguide/restricted-common-ports.html",
    iam_actions=IAM_ACTIONS,
    scope=Scope.REGIONAL,
    parameters=(BLOCKED_PORTS,),
))
def restricted_common_ports(ctx: CheckContext) -> Result:
    """CIS AWS Foundations v5.0.0 5.1.2, "Ensure CIFS access is restricted to trusted networks": FAIL when a
    security group has an ingress rule from 0.0.0.0/0 or ::/0, protocol TCP or all traffic (-1), whose port
    range contains one of `blocked_ports` (default 445), after the AWS Config rule restricted-common-ports
    (RESTRICTED_INCOMING_TRAFFIC, TCP; https://docs.aws.amazon.com/config/latest/developerguide/restricted-common-ports.html;
    Security Hub EC2.19 runs it with a fixed list of ports that includes 445) but judging every security group, in use or not, with CIS's port rather than Config's defaults. PASS when
    none does; NOT_APPLICABLE without security groups; TIMEOUT ("judged N of M") when the deadline cuts the
    listing short with nothing found; ERROR when DescribeSecurityGroups is refused. No CIS v3.0.0 item.

    Source: AWS Config rule restricted-common-ports
    (https://docs.aws.amazon.com/config/latest/developerguide/restricted-common-ports.html); Security Hub EC2.19
    (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html); CIS v5.0.0 5.1.2.
    """
    ports = tuple(sorted({int(p) for p in ctx.param("blocked_ports")}))
    return judge_groups(ctx, ports, frozenset({"tcp", "-1"}), "TCP")


CHECKS = (vpc_sg_port_restriction_check, restricted_ssh, restricted_common_ports)
