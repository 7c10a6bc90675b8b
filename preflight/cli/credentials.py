"""The caller's AWS credentials and the roles it assumes, and AWS's refusals in words a person can act on."""
from __future__ import annotations

import os

from preflight.cli.exits import UsageError
from preflight.cli.parser import ROLE_ARN


def in_words(error: Exception, doing: str) -> str:
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ProfileNotFound,
        SSOTokenLoadError,
        TokenRetrievalError,
        UnauthorizedSSOTokenError,
    )

    if isinstance(error, NoCredentialsError):
        return ("no AWS credentials found: pass --profile, set AWS_PROFILE or AWS_ACCESS_KEY_ID, "
                "or run `aws configure` / `aws sso login`")
    if isinstance(error, ProfileNotFound):
        return f"{error} (the profiles you have are in ~/.aws/config)"
    if isinstance(error, (SSOTokenLoadError, UnauthorizedSSOTokenError, TokenRetrievalError)):
        return "your AWS SSO session has expired or was never started: run `aws sso login` and try again"
    if isinstance(error, NoRegionError):
        return "no AWS region is configured: pass --region or set AWS_REGION"
    if isinstance(error, EndpointConnectionError):
        return f"cannot reach AWS while {doing} ({error}); check the network and the region name"
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
            return "your AWS credentials have expired: refresh them (for example `aws sso login`) and try again"
        if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"):
            return f"AWS does not accept these credentials ({code}): check the access key, secret and profile"
        return f"AWS refused {doing} ({code}: {message})"
    return f"{doing} failed: {error}"


def session(profile: str | None, region: str | None):
    from botocore.exceptions import BotoCoreError

    from preflight.aws.access import new_session

    # botocore reads AWS_DEFAULT_REGION only; Lambda and the newer SDKs set AWS_REGION, which wins over the
    # profile's region as it does in those SDKs.
    region = region or os.environ.get("AWS_REGION") or None
    try:
        return new_session(profile_name=profile, region_name=region)
    except BotoCoreError as error:
        raise UsageError(in_words(error, "opening the profile")) from error


def identity(session) -> tuple[str, str]:
    """(account id, partition) of the credentials in use."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        identity = session.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as error:
        raise UsageError(in_words(error, "checking your credentials")) from error
    return identity["Account"], identity["Arn"].split(":")[1]


def account_in(role_arn: str) -> str:
    from preflight.aws.names import account_in_arn

    account = account_in_arn(role_arn)
    if account is None or not ROLE_ARN.match(role_arn):
        raise UsageError(f"--role-arn {role_arn[:80]!r} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    return account


def assumed(sts, role_arn: str, external_id: str | None = None):
    """The role's credentials, assumed through `sts` (one client serves every account of a sweep)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from preflight.aws.access import AssumedCredentials

    extra = {"ExternalId": external_id} if external_id else {}
    try:
        return AssumedCredentials.from_sts(sts.assume_role(RoleArn=role_arn, RoleSessionName="preflight", **extra))
    except (BotoCoreError, ClientError) as error:
        raise UsageError(f"could not assume {role_arn}: " + in_words(error, "assuming the role")) from error
