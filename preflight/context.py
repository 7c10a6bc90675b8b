"""What a check function receives."""
from __future__ import annotations

from dataclasses import dataclass

from preflight.aws import AwsAccess


@dataclass(frozen=True)
class CheckContext:
    aws: AwsAccess
    region: str  # the region a regional check evaluates

    @property
    def account_id(self) -> str:
        return self.aws.account_id

    def client(self, service: str, region: str | None = None):
        return self.aws.client(service, region or self.region)
