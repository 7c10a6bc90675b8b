"""s3-account-level-public-access-blocks: all four account-level Block Public Access settings are on."""
from __future__ import annotations

from botocore.exceptions import ClientError

from preflight.context import CheckContext
from preflight.model import Check, CheckMeta, Controls, Result, Severity, failed, passed

META = CheckMeta(
    id="s3-account-level-public-access-blocks",
    title="S3 Block Public Access is on at the account level, all four settings",
    severity=Severity.HIGH,
    controls=Controls(cis_aws_v3="2.1.4", security_hub="S3.1"),
    remediation=(
        "Turn on all four account-level settings: aws s3control put-public-access-block --account-id ACCOUNT "
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        "BlockPublicPolicy=true,RestrictPublicBuckets=true"
    ),
    remediation_url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html",
    iam_actions=("s3:GetAccountPublicAccessBlock",),
)

SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def run(ctx: CheckContext) -> Result:
    try:
        response = ctx.client("s3control").get_public_access_block(AccountId=ctx.account_id)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchPublicAccessBlockConfiguration":
            return failed("The account has no S3 Block Public Access configuration.", settings=None)
        raise
    settings = {name: bool(response["PublicAccessBlockConfiguration"].get(name)) for name in SETTINGS}
    off = [name for name, on in settings.items() if not on]
    if off:
        return failed(f"S3 Block Public Access is off at the account level for {', '.join(off)}.", settings=settings)
    return passed("All four account-level S3 Block Public Access settings are on.", settings=settings)


CHECK = Check(META, run)
