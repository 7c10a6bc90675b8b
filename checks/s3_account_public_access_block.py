"""s3-account-level-public-access-blocks: all four account-level S3 Block Public Access settings are on."""
from __future__ import annotations

from botocore.exceptions import ClientError

from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Result, Severity, failed, passed
from preflight.registry import check

SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def account_block(ctx: CheckContext) -> dict[str, bool] | None:
    """The account's four Block Public Access settings (S3 Control GetPublicAccessBlock), None when the account has
    no configuration; one call per audit, shared with the bucket checks (checks/s3_buckets.py)."""
    def fetch() -> dict[str, bool] | None:
        try:
            response = ctx.client("s3control").get_public_access_block(AccountId=ctx.account_id)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NoSuchPublicAccessBlockConfiguration":
                return None
            raise
        return {name: bool(response["PublicAccessBlockConfiguration"].get(name)) for name in SETTINGS}
    return ctx.remember(("s3-account-public-access-block", ctx.account_id), fetch)


@check(CheckMeta(
    id="s3-account-level-public-access-blocks",
    title="S3 Block Public Access is on at the account level, all four settings",
    severity=Severity.HIGH,
    controls=Controls(cis_aws_v3="2.1.4", security_hub="S3.1", cis_aws_v5="2.1.4"),
    remediation=(
        "Turn on all four account-level settings: aws s3control put-public-access-block --account-id ACCOUNT "
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        "BlockPublicPolicy=true,RestrictPublicBuckets=true"
    ),
    remediation_url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html",
    iam_actions=("s3:GetAccountPublicAccessBlock",),
))
def s3_account_level_public_access_blocks(ctx: CheckContext) -> Result:
    """PASS when the account's S3 Block Public Access configuration (S3 Control GetPublicAccessBlock) has all
    four settings on: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets. FAIL when
    any is off (each is named) or when the account has no configuration at all
    (NoSuchPublicAccessBlockConfiguration). ERROR when the call is refused. Bucket-level settings are not
    looked at.

    Source: AWS Config rule s3-account-level-public-access-blocks-periodic
    (https://docs.aws.amazon.com/config/latest/developerguide/s3-account-level-public-access-blocks-periodic.html),
    behind Security Hub S3.1 and CIS 2.1.4.
    """
    settings = account_block(ctx)
    if settings is None:
        return failed("The account has no S3 Block Public Access configuration.", settings=None)
    off = [name for name, on in settings.items() if not on]
    if off:
        return failed(f"S3 Block Public Access is off at the account level for {', '.join(off)}.", settings=settings)
    return passed("All four account-level S3 Block Public Access settings are on.", settings=settings)


CHECKS = (s3_account_level_public_access_blocks,)
