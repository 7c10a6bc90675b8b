"""Regional EC2 account guardrails: EBS snapshot Block Public Access (Security Hub EC2.182), AMI Block Public
Access (with the account's AMIs already public, which the block leaves public) and the instance metadata defaults
for new instances (IMDSv2). One call each, and one bounded DescribeImages listing."""
from __future__ import annotations

from checks._per_resource import IN_MESSAGE, Listing, partition
from preflight.context import CheckContext
from preflight.model import (CheckMeta, Controls, Parameter, Result, Scope, Severity, Status, Stricter, failed,
                             passed)
from preflight.registry import check


@check(CheckMeta(
    id="ebs-snapshot-block-public-access",
    title="EBS snapshot Block Public Access blocks all public sharing",
    severity=Severity.HIGH,
    controls=Controls(security_hub="EC2.182"),
    remediation="Block all public sharing of EBS snapshots in the region: aws ec2 "
                "enable-snapshot-block-public-access --state block-all-sharing (or enforce it for the "
                "organization with an EC2 declarative policy)",
    remediation_url="https://docs.aws.amazon.com/ebs/latest/userguide/block-public-access-snapshots.html",
    iam_actions=("ec2:GetSnapshotBlockPublicAccessState",),
    scope=Scope.REGIONAL,
))
def ebs_snapshot_block_public_access(ctx: CheckContext) -> Result:
    """PASS when GetSnapshotBlockPublicAccessState's State is block-all-sharing; FAIL when it is block-new-sharing
    (snapshots already public stay public) and unblocked. Security Hub EC2.182 fails "if block public access is
    not enabled to block sharing of Amazon EBS snapshots to all"
    (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-182; AWS Config rule
    ebs-snapshot-block-public-access, https://docs.aws.amazon.com/config/latest/developerguide/ebs-snapshot-block-public-access.html;
    EBS User Guide, "Block public access for snapshots"). ERROR when the call is refused. The evidence says
    whether the setting is managed by the account or by a declarative policy (ManagedBy).

    Source: Security Hub EC2.182 (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html); the
    EC2 API Reference, GetSnapshotBlockPublicAccessState
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetSnapshotBlockPublicAccessState.html).
    """
    answer = ctx.client("ec2").get_snapshot_block_public_access_state()
    state, managed_by = answer.get("State"), answer.get("ManagedBy")
    if state == "block-all-sharing":
        return passed(f"EBS snapshot Block Public Access blocks all sharing in {ctx.region}.", state=state,
                      managed_by=managed_by)
    why = ("blocks only new public sharing: snapshots already public stay public" if state == "block-new-sharing"
           else f"is {state}")
    return failed(f"EBS snapshot Block Public Access {why} in {ctx.region}.", state=state, managed_by=managed_by)


# DescribeImages: the AMIs this account owns that are public (EC2 API Reference, DescribeImages: Owners "self",
# filter is-public).
OWN_PUBLIC_AMIS = {"Owners": ["self"], "Filters": [{"Name": "is-public", "Values": ["true"]}]}


def _where(ctx: CheckContext, managed_by: str | None) -> str:
    return f" in {ctx.region}{' (set by a declarative policy)' if managed_by == 'declarative-policy' else ''}"


def image_arn(ctx: CheckContext, image_id: str) -> str:
    """An AMI's ARN has no account: arn:PARTITION:ec2:REGION::image/ID (Service Authorization Reference, Amazon EC2,
    resource type image)."""
    return f"arn:{partition(ctx.region)}:ec2:{ctx.region}::image/{image_id}"


@check(CheckMeta(
    id="ec2-ami-block-public-access",
    title="AMI Block Public Access blocks new public sharing and no AMI of the account is public",
    severity=Severity.HIGH,
    controls=Controls(),
    remediation="Block new public sharing of AMIs in the region: aws ec2 enable-image-block-public-access "
                "--image-block-public-access-state block-new-sharing (or enforce it for the organization with an EC2 "
                "declarative policy); the block leaves public AMIs public, so make each listed one private: aws ec2 "
                "modify-image-attribute --image-id ID --launch-permission \"Remove=[{Group=all}]\"",
    remediation_url="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/block-public-access-to-amis.html",
    iam_actions=("ec2:GetImageBlockPublicAccessState", "ec2:DescribeImages"),
    scope=Scope.REGIONAL,
))
def ec2_ami_block_public_access(ctx: CheckContext) -> Result:
    """PASS when GetImageBlockPublicAccessState's ImageBlockPublicAccessState is block-new-sharing ("Any attempt to
    publicly share your AMIs in the specified Region is blocked") and DescribeImages (Owners self, filter is-public
    true, paged at MaxResults 1,000) lists no AMI of the account that is public. FAIL when the state is unblocked
    (or anything else): the public AMIs are named too, but the finding is about the setting, so it names no
    resource and no per-resource exemption covers it. FAIL when the block is on and AMIs the account owns are
    public anyway - enabling the block "prevents the public sharing of your AMIs. However, if you already have
    public AMIs, they will remain publicly available" (EnableImageBlockPublicAccess): each is named by ARN
    (arn:PARTITION:ec2:REGION::image/ID, at most a few in the message), with its tags, so an exemption by ARN or
    by tag can cover it. TIMEOUT when the block is on and the audit's deadline comes before DescribeImages has
    answered every page with no public AMI found (the pages answered are counted). ERROR when either call is
    refused. The evidence holds the state and ManagedBy (account, or declarative-policy when an EC2 declarative
    policy sets it). The setting is regional: each audited region is judged on its own. A state read within ten
    minutes of an Enable or Disable may still be the old one (EnableImageBlockPublicAccess). No CIS item or
    Security Hub control covers this setting: the closest is Prowler's ec2_ami_account_block_public_access.

    Source: EC2 API Reference, GetImageBlockPublicAccessState
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetImageBlockPublicAccessState.html),
    EnableImageBlockPublicAccess
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableImageBlockPublicAccess.html) and DescribeImages
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeImages.html); EC2 User Guide, "Understand
    block public access for AMIs"
    (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/block-public-access-to-amis.html).
    """
    answer = ctx.client("ec2").get_image_block_public_access_state()
    state, managed_by = answer.get("ImageBlockPublicAccessState"), answer.get("ManagedBy")
    listing, pages = Listing(ctx, "public AMIs"), 0
    for page in listing.pages("ec2", "describe_images", "Images", **OWN_PUBLIC_AMIS):
        pages += 1
        for image in page:
            listing.listed += 1
            listing.judged()
            listing.fail(image_arn(ctx, image["ImageId"]), "public", image.get("Tags"))
    evidence = {"state": state, "managed_by": managed_by, "pages": pages, **listing.evidence()}
    named = ", ".join(f["arn"] for f in listing.failing[:IN_MESSAGE])
    more = listing.failing_count - min(IN_MESSAGE, len(listing.failing))
    late = " (the audit's deadline came before the listing ended)" if listing.cut_short else ""
    public = (f"{listing.failing_count:,} AMI{'s' if listing.failing_count > 1 else ''} of the account "
              f"{'are' if listing.failing_count > 1 else 'is'} public: {named}{f' and {more:,} more' if more else ''}"
              f"{late}")
    where = _where(ctx, managed_by)
    if state != "block-new-sharing":
        return failed(f"AMI Block Public Access is {state or 'not reported'}{where}: any AMI can be made public"
                      f"{f'; {public}' if listing.failing_count else ''}.", **evidence)
    if listing.failing_count:
        return failed(f"AMI Block Public Access blocks new public sharing{where}, but AMIs already public stay "
                      f"public: {public}.", resources=listing.resources(), **evidence)
    if listing.cut_short:
        return Result(Status.TIMEOUT, f"AMI Block Public Access blocks new public sharing{where}, but the audit's "
                      f"deadline came before DescribeImages had answered every page ({pages} answered, no public AMI "
                      "in them): AMIs already public would stay public, so this is not a PASS.", evidence)
    return passed(f"AMI Block Public Access blocks new public sharing{where} and no AMI of the account is public.",
                  **evidence)


# InstanceMetadataDefaultsResponse's fields, as evidence (EC2 API Reference).
METADATA_FIELDS = (("http_tokens", "HttpTokens"), ("http_tokens_enforced", "HttpTokensEnforced"),
                   ("http_put_response_hop_limit", "HttpPutResponseHopLimit"), ("http_endpoint", "HttpEndpoint"),
                   ("instance_metadata_tags", "InstanceMetadataTags"), ("managed_by", "ManagedBy"),
                   ("managed_exception_message", "ManagedExceptionMessage"))
REQUIRE_ENFORCED = Parameter(
    "require_enforced", bool, False, "the account default must also enforce IMDSv2 at launch (HttpTokensEnforced "
    "enabled: an instance that does not require IMDSv2 cannot launch), not only make it the default",
    Stricter.TRUE)


@check(CheckMeta(
    id="ec2-instance-metadata-defaults-imdsv2",
    title="The account's instance metadata default for new EC2 instances requires IMDSv2",
    severity=Severity.MEDIUM,
    controls=Controls(),
    remediation="Make IMDSv2 the region's default for new instances: aws ec2 modify-instance-metadata-defaults "
                "--http-tokens required (add --http-tokens-enforced enabled to refuse launches that do not require "
                "it), or set it for the organization with an EC2 declarative policy; existing instances keep their "
                "settings (see ec2-imdsv2-check)",
    remediation_url="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html",
    iam_actions=("ec2:GetInstanceMetadataDefaults",),
    scope=Scope.REGIONAL,
    parameters=(REQUIRE_ENFORCED,),
))
def ec2_instance_metadata_defaults_imdsv2(ctx: CheckContext) -> Result:
    """PASS when GetInstanceMetadataDefaults's AccountLevel.HttpTokens is required ("IMDSv2 is required, which means
    that IMDSv1 is disabled") and, with the parameter require_enforced (default false),
    AccountLevel.HttpTokensEnforced is enabled too ("When enforcement is enabled, the instance can't launch unless IMDSv2
    (HttpTokens) is set to required"). FAIL when HttpTokens is optional; FAIL when AccountLevel has no HttpTokens
    at all - no account-level default, so a new instance takes whatever its launch request, launch template or AMI
    sets; FAIL, under require_enforced, when HttpTokensEnforced is not enabled. ERROR when the call is refused. The
    evidence holds every AccountLevel field (HttpTokens, HttpTokensEnforced, HttpPutResponseHopLimit, HttpEndpoint,
    InstanceMetadataTags, ManagedBy, ManagedExceptionMessage; None where AWS leaves it out). The setting is
    regional, and it governs new instances only: an account-level default is applied when an instance launches and
    leaves existing instances as they are (EC2 User Guide, where instance metadata options are configured), so
    ec2-imdsv2-check (the per-instance rule of CIS 5.6 and Security Hub EC2.8) judges the instances already
    there. No CIS item or Security Hub control covers this setting: the closest is Prowler's
    ec2_instance_account_imdsv2_enabled.

    Source: EC2 API Reference, GetInstanceMetadataDefaults
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetInstanceMetadataDefaults.html) and
    InstanceMetadataDefaultsResponse
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceMetadataDefaultsResponse.html); EC2 User
    Guide, "Configure instance metadata options for new instances"
    (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html) and "Configure the
    Instance Metadata Service options"
    (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-options.html).
    """
    level = ctx.client("ec2").get_instance_metadata_defaults().get("AccountLevel") or {}
    evidence = {name: level.get(key) for name, key in METADATA_FIELDS}
    tokens, enforced = level.get("HttpTokens"), level.get("HttpTokensEnforced")
    where = _where(ctx, level.get("ManagedBy"))
    if tokens is None:
        return failed(f"No account-level instance metadata default for HttpTokens{where}: a new instance requires "
                      "IMDSv2 only if its launch request, launch template or AMI says so.", **evidence)
    if tokens != "required":
        return failed(f"The account's default for new instances is HttpTokens {tokens}{where}: they keep IMDSv1 "
                      "unless their launch asks for IMDSv2.", **evidence)
    if ctx.param(REQUIRE_ENFORCED.name) and enforced != "enabled":
        return failed(f"New instances require IMDSv2 by default{where}, but HttpTokensEnforced is "
                      f"{enforced or 'not set'}: a launch that asks for HttpTokens optional still gets it.", **evidence)
    return passed(f"New instances require IMDSv2 by the account's default{where}"
                  f"{' and launches that do not are refused' if enforced == 'enabled' else ''}.", **evidence)


CHECKS = (ebs_snapshot_block_public_access, ec2_ami_block_public_access, ec2_instance_metadata_defaults_imdsv2)
