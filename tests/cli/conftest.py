"""Fixtures of the CLI tests."""
from __future__ import annotations

import boto3
import pytest


@pytest.fixture
def organization():
    """An organization with three member accounts besides the management account (moto keeps each account's
    state apart and lets AssumeRole reach any of them)."""
    client = boto3.client("organizations")
    client.create_organization(FeatureSet="ALL")
    members = [client.create_account(AccountName=f"team-{i}", Email=f"team{i}@example.com")["CreateAccountStatus"]
               ["AccountId"] for i in range(3)]
    return members
