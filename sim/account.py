"""Account-state builders for moto: a compliant account, then one deviation per scenario.

Call these inside moto's mock_aws (in-process). Each builder makes exactly the AWS calls a person would.
"""
from __future__ import annotations

from typing import Any

import boto3

from sim.cloudformation import ACCOUNT_ID, REGION

ALL_MANAGEMENT_EVENTS = [{"ReadWriteType": "All", "IncludeManagementEvents": True}]
ADVANCED_ALL_MANAGEMENT = [
    {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
]
ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def create_bucket(name: str, region: str = REGION) -> None:
    s3 = boto3.client("s3", region_name=region)
    if region == "us-east-1":  # the one region that refuses a LocationConstraint
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def create_trail(
    name: str = "audit",
    *,
    region: str = REGION,
    multi_region: bool = True,
    logging: bool = True,
    event_selectors: list[dict[str, Any]] | None = ALL_MANAGEMENT_EVENTS,
    advanced_event_selectors: list[dict[str, Any]] | None = None,
    organization: bool = False,
) -> str:
    """A trail with its bucket. moto gives new trails empty selectors, so they are set explicitly here."""
    bucket = f"{name}-trail-logs-{region}"
    create_bucket(bucket, region)
    cloudtrail = boto3.client("cloudtrail", region_name=region)
    arn = cloudtrail.create_trail(
        Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi_region, IsOrganizationTrail=organization
    )["TrailARN"]
    if advanced_event_selectors is not None:
        cloudtrail.put_event_selectors(TrailName=name, AdvancedEventSelectors=advanced_event_selectors)
    elif event_selectors is not None:
        cloudtrail.put_event_selectors(TrailName=name, EventSelectors=event_selectors)
    if logging:
        cloudtrail.start_logging(Name=name)
    return arn


def set_root_mfa(enabled: bool = True, account_id: str = ACCOUNT_ID) -> None:
    # moto has no API that turns root MFA on; its account summary keeps the flag privately.
    from moto.iam.models import iam_backends

    iam_backends[account_id]["global"].account_summary._account_mfa_enabled = int(enabled)


def put_public_access_block(account_id: str = ACCOUNT_ID, region: str = REGION, **overrides: bool) -> None:
    configuration = {**ALL_BLOCKED, **overrides}
    boto3.client("s3control", region_name=region).put_public_access_block(
        AccountId=account_id, PublicAccessBlockConfiguration=configuration
    )


def start_config_recorder(
    name: str = "default",
    *,
    region: str = REGION,
    all_supported: bool = True,
    recording: bool = True,
    resource_types: list[str] | None = None,
) -> None:
    config = boto3.client("config", region_name=region)
    if all_supported:
        group: dict[str, Any] = {"allSupported": True, "includeGlobalResourceTypes": True}
    else:
        group = {"allSupported": False, "includeGlobalResourceTypes": False,
                 "resourceTypes": resource_types or ["AWS::S3::Bucket"]}
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": name,
            "roleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/config-recorder",
            "recordingGroup": group,
        }
    )
    bucket = f"config-delivery-{region}-{name}"
    create_bucket(bucket, region)
    config.put_delivery_channel(DeliveryChannel={"name": f"{name}-channel", "s3BucketName": bucket})
    if recording:
        config.start_configuration_recorder(ConfigurationRecorderName=name)


def make_compliant(region: str = REGION) -> None:
    """Everything the four headline checks ask for."""
    create_trail(region=region)
    set_root_mfa(True)
    put_public_access_block(region=region)
    start_config_recorder(region=region)
