"""The regional EC2 account settings moto 5.2 does not implement, modelled once: each region's EBS snapshot Block
Public Access, AMI Block Public Access and instance metadata (IMDS) defaults, answered by
GetSnapshotBlockPublicAccessState, GetImageBlockPublicAccessState and GetInstanceMetadataDefaults before the call
leaves the process (client-side, so in-process only; `sim.moto_gaps.install_client_answers()` registers `answer`).

A region nobody set answers AWS's defaults:
- snapshots: `unblocked` (EBS User Guide, "Block public access for snapshots"; EC2 API Reference,
  GetSnapshotBlockPublicAccessState,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetSnapshotBlockPublicAccessState.html);
- AMIs: `block-new-sharing` - AWS enables it by default for new accounts and for existing accounts that have had
  no public AMI since 15 July 2023, and leaves it off (`unblocked`) for accounts that had one (EC2 User Guide,
  "Understand block public access for AMIs", Default settings,
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/block-public-access-to-amis.html; EC2 API Reference,
  GetImageBlockPublicAccessState,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetImageBlockPublicAccessState.html).
  The simulated account is a new one; a scenario with public AMIs in its past sets `unblocked`;
- IMDS: no account-level default at all - an empty AccountLevel, every field of InstanceMetadataDefaultsResponse
  optional ("Required: No"), a setting cleared with `no-preference` leaves the launch to the other settings (EC2 API
  Reference, GetInstanceMetadataDefaults, InstanceMetadataDefaultsResponse, ModifyInstanceMetadataDefaults,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceMetadataDefaultsResponse.html).
Each setting answers ManagedBy `account` unless a scenario says an EC2 declarative policy manages it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

ACCOUNT, DECLARATIVE_POLICY = "account", "declarative-policy"  # ManagedBy


@dataclass
class MetadataDefaults:
    """InstanceMetadataDefaultsResponse: None is a field AWS leaves out (no account-level preference)."""

    http_tokens: str | None = None  # optional | required
    http_tokens_enforced: str | None = None  # disabled | enabled
    http_put_response_hop_limit: int | None = None  # 1-64
    http_endpoint: str | None = None  # disabled | enabled
    instance_metadata_tags: str | None = None  # disabled | enabled
    managed_by: str = ACCOUNT
    managed_exception_message: str | None = None  # a declarative policy's own message

    def answer(self) -> dict[str, Any]:
        fields = {"HttpTokens": self.http_tokens, "HttpTokensEnforced": self.http_tokens_enforced,
                  "HttpPutResponseHopLimit": self.http_put_response_hop_limit, "HttpEndpoint": self.http_endpoint,
                  "InstanceMetadataTags": self.instance_metadata_tags,
                  "ManagedExceptionMessage": self.managed_exception_message}
        level = {k: v for k, v in fields.items() if v is not None}
        if level or self.managed_by != ACCOUNT:
            level["ManagedBy"] = self.managed_by
        return {"AccountLevel": level}


@dataclass
class RegionSettings:
    """One region's EC2 account settings, AWS's defaults until a scenario changes them."""

    snapshot_block_public_access: str = "unblocked"  # block-all-sharing | block-new-sharing | unblocked
    snapshot_managed_by: str = ACCOUNT
    image_block_public_access: str = "block-new-sharing"  # block-new-sharing | unblocked
    image_managed_by: str = ACCOUNT
    metadata_defaults: MetadataDefaults = field(default_factory=MetadataDefaults)


_regions: dict[str, RegionSettings] = {}


def region(name: str) -> RegionSettings:
    """The settings of region `name`, to read or change (created with AWS's defaults on first use)."""
    return _regions.setdefault(name, RegionSettings())


def answer(model, context, **_):  # type: ignore[no-untyped-def]
    """before-call: the three Get operations, answered from the model (anything else goes on to moto)."""
    if model.service_model.service_name != "ec2":
        return None
    settings = _regions.get(context.get("client_region") or "", RegionSettings())
    if model.name == "GetSnapshotBlockPublicAccessState":
        body: dict[str, Any] = {"State": settings.snapshot_block_public_access,
                                "ManagedBy": settings.snapshot_managed_by}
    elif model.name == "GetImageBlockPublicAccessState":
        body = {"ImageBlockPublicAccessState": settings.image_block_public_access,
                "ManagedBy": settings.image_managed_by}
    elif model.name == "GetInstanceMetadataDefaults":
        body = settings.metadata_defaults.answer()
    else:
        return None
    return AWSResponse("https://ec2.local", 200, {}, None), body


def snapshot() -> dict[str, dict]:
    """Every region set so far, as JSON-able data (`restore` in another process)."""
    return {name: dataclasses.asdict(settings) for name, settings in _regions.items()}


def restore(state: dict[str, dict]) -> None:
    reset()
    for name, settings in state.items():
        _regions[name] = RegionSettings(**{**settings, "metadata_defaults": MetadataDefaults(
            **settings.get("metadata_defaults", {}))})


def reset() -> None:
    _regions.clear()
