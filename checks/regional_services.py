"""Regional guard rails, each evaluated in every audited region (a failure names its region): GuardDuty, Security
Hub, IAM Access Analyzer, EBS encryption by default, and closed default security groups."""
from __future__ import annotations

from botocore.exceptions import ClientError

from preflight.concurrency import fan_out
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Result, Scope, Severity, failed, passed
from preflight.registry import check


@check(CheckMeta(
    id="guardduty-enabled",
    title="GuardDuty has an enabled detector",
    severity=Severity.HIGH,
    controls=Controls(security_hub="GuardDuty.1"),
    remediation="Enable GuardDuty in the region: aws guardduty create-detector --enable (or delegate an "
                "administrator and auto-enable it for the organization)",
    remediation_url="https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_settingup.html",
    iam_actions=("guardduty:ListDetectors", "guardduty:GetDetector"),
    scope=Scope.REGIONAL,
))
def guardduty_enabled(ctx: CheckContext) -> Result:
    """Per audited region. PASS when one of the region's GuardDuty detectors (ListDetectors, then GetDetector for
    each) has the status ENABLED. FAIL when the region has no detector, or when every detector is suspended
    (each named by ARN). ERROR when either call is refused.

    Source: AWS Config rule guardduty-enabled-centralized
    (https://docs.aws.amazon.com/config/latest/developerguide/guardduty-enabled-centralized.html), behind
    Security Hub GuardDuty.1.
    """
    client = ctx.client("guardduty")
    ids = [i for page in client.get_paginator("list_detectors").paginate() for i in page["DetectorIds"]]
    if not ids:
        return failed(f"GuardDuty is not enabled in {ctx.region}.", detectors=[])
    statuses = dict(zip(ids, fan_out(lambda i: client.get_detector(DetectorId=i)["Status"], ids)))
    if "ENABLED" in statuses.values():
        return passed(f"GuardDuty is enabled in {ctx.region}.", detectors=statuses)
    return failed(f"GuardDuty's detector is suspended in {ctx.region}.", detectors=statuses,
                  resources=tuple(f"arn:aws:guardduty:{ctx.region}:{ctx.account_id}:detector/{i}" for i in ids))


@check(CheckMeta(
    id="securityhub-enabled",
    title="Security Hub is enabled",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="4.16", cis_aws_v5="4.16"),  # Security Hub has no control for it
    remediation="Enable Security Hub in the region: aws securityhub enable-security-hub",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settingup.html",
    iam_actions=("securityhub:DescribeHub",),
    scope=Scope.REGIONAL,
))
def securityhub_enabled(ctx: CheckContext) -> Result:
    """Per audited region. PASS when Security Hub's DescribeHub answers with the region's hub. FAIL when it answers
    InvalidAccessException or ResourceNotFoundException (the account is not subscribed to Security Hub there).
    ERROR for any other refusal (AccessDenied, ...).

    Source: AWS Config rule securityhub-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/securityhub-enabled.html); CIS 4.16 (v3.0.0 and
    v5.0.0). Security Hub's CIS standards have no control for this item.
    """
    try:
        hub = ctx.client("securityhub").describe_hub()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("InvalidAccessException", "ResourceNotFoundException"):
            return failed(f"Security Hub is not enabled in {ctx.region}.", hub=None)
        raise
    return passed(f"Security Hub is enabled in {ctx.region}.", hub=hub.get("HubArn"))


EXTERNAL_ACCESS_TYPES = ("ACCOUNT", "ORGANIZATION")  # the unused-access kinds do not look for external access


@check(CheckMeta(
    id="access-analyzer-enabled",
    title="IAM Access Analyzer has an active external access analyzer",
    severity=Severity.LOW,
    controls=Controls(cis_aws_v3="1.20", security_hub="IAM.28", cis_aws_v5="1.19"),
    remediation="Create an external access analyzer in the region: aws accessanalyzer create-analyzer "
                "--analyzer-name external --type ACCOUNT (or ORGANIZATION from the delegated administrator)",
    remediation_url="https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-getting-started.html",
    iam_actions=("access-analyzer:ListAnalyzers",),
    scope=Scope.REGIONAL,
))
def access_analyzer_enabled(ctx: CheckContext) -> Result:
    """Per audited region. PASS when IAM Access Analyzer has an external access analyzer (type ACCOUNT or
    ORGANIZATION; the unused-access kinds do not look for external access) with the status ACTIVE. FAIL when
    the region has no external access analyzer, or none of them is active (each named with its status). ERROR
    when ListAnalyzers is refused.

    Source: AWS Config rule iam-external-access-analyzer-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/iam-external-access-analyzer-enabled.html),
    behind Security Hub IAM.28; CIS 1.20.
    """
    pages = ctx.client("accessanalyzer").get_paginator("list_analyzers").paginate()
    analyzers = [a for page in pages for a in page["analyzers"] if a.get("type") in EXTERNAL_ACCESS_TYPES]
    active = [a["name"] for a in analyzers if a.get("status") == "ACTIVE"]
    seen = {a["name"]: a.get("status") for a in analyzers}
    if active:
        return passed(f"IAM Access Analyzer '{active[0]}' is active in {ctx.region}.", analyzers=seen)
    if analyzers:
        return failed(f"No external access analyzer is active in {ctx.region} ({', '.join(f'{n}: {s}' for n, s in seen.items())}).",
                      analyzers=seen)
    return failed(f"IAM Access Analyzer has no external access analyzer in {ctx.region}.", analyzers={})


@check(CheckMeta(
    id="ebs-encryption-by-default",
    title="New EBS volumes are encrypted by default",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="2.2.1", security_hub="EC2.7", cis_aws_v5="5.1.1"),
    remediation="Turn on EBS encryption by default in the region: aws ec2 enable-ebs-encryption-by-default",
    remediation_url="https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",
    iam_actions=("ec2:GetEbsEncryptionByDefault",),
    scope=Scope.REGIONAL,
))
def ebs_encryption_by_default(ctx: CheckContext) -> Result:
    """Per audited region. PASS when GetEbsEncryptionByDefault answers true (new EBS volumes are encrypted). FAIL
    when it answers false. ERROR when the call is refused. Existing volumes are not looked at.

    Source: AWS Config rule ec2-ebs-encryption-by-default
    (https://docs.aws.amazon.com/config/latest/developerguide/ec2-ebs-encryption-by-default.html), behind
    Security Hub EC2.7; CIS 2.2.1.
    """
    if ctx.client("ec2").get_ebs_encryption_by_default()["EbsEncryptionByDefault"]:
        return passed(f"EBS encryption by default is on in {ctx.region}.")
    return failed(f"EBS encryption by default is off in {ctx.region}.")


@check(CheckMeta(
    id="default-security-groups-closed",
    title="Every VPC's default security group allows no traffic",
    severity=Severity.HIGH,
    controls=Controls(cis_aws_v3="5.4", security_hub="EC2.2", cis_aws_v5="5.5"),
    remediation="Remove every inbound and outbound rule from each VPC's default security group and use "
                "purpose-made groups instead: aws ec2 revoke-security-group-ingress/egress --group-id SG ...",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-2",
    iam_actions=("ec2:DescribeSecurityGroups",),
    scope=Scope.REGIONAL,
))
def default_security_groups_closed(ctx: CheckContext) -> Result:
    """Per audited region. PASS when every security group named "default" (one per VPC; DescribeSecurityGroups
    filtered on group-name) has no inbound and no outbound rule - a region with no VPC passes. FAIL when any has a
    rule, naming each such group by ARN, with its VPC. ERROR when the call is refused.

    Source: AWS Config rule vpc-default-security-group-closed
    (https://docs.aws.amazon.com/config/latest/developerguide/vpc-default-security-group-closed.html), behind
    Security Hub EC2.2; CIS 5.4.
    """
    pages = ctx.client("ec2").get_paginator("describe_security_groups").paginate(
        Filters=[{"Name": "group-name", "Values": ["default"]}]
    )
    groups = [g for page in pages for g in page["SecurityGroups"]]
    open_groups = [g for g in groups if g.get("IpPermissions") or g.get("IpPermissionsEgress")]
    evidence = {g["GroupId"]: {"vpc": g.get("VpcId"), "inbound_rules": len(g.get("IpPermissions", [])),
                               "outbound_rules": len(g.get("IpPermissionsEgress", []))} for g in groups}
    if not open_groups:
        return passed(f"All {len(groups)} default security groups in {ctx.region} allow no traffic.", groups=evidence)
    described = ", ".join(f"{g['GroupId']} (VPC {g.get('VpcId')})" for g in open_groups)
    return failed(f"Default security groups allow traffic in {ctx.region}: {described}.", groups=evidence,
                  resources=tuple(g.get("SecurityGroupArn") or
                                  f"arn:aws:ec2:{ctx.region}:{ctx.account_id}:security-group/{g['GroupId']}"
                                  for g in open_groups))


CHECKS = (guardduty_enabled, securityhub_enabled, access_analyzer_enabled, ebs_encryption_by_default,
          default_security_groups_closed)
