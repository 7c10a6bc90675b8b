"""Who has an AWS managed policy attached: iam:ListEntitiesForPolicy, every page (IAM API Reference,
ListEntitiesForPolicy: PolicyGroups, PolicyUsers, PolicyRoles, paginated by Marker / IsTruncated)."""
from __future__ import annotations

from typing import Any

from preflight.context import CheckContext

KINDS = (("PolicyUsers", "user", "UserName", "UserId"), ("PolicyGroups", "group", "GroupName", "GroupId"),
         ("PolicyRoles", "role", "RoleName", "RoleId"))


def partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def aws_managed_policy_arn(ctx: CheckContext, name: str) -> str:
    return f"arn:{partition(ctx.region)}:iam::aws:policy/{name}"


def attached_entities(ctx: CheckContext, policy_arn: str, entity_filter: str | None = None) -> list[dict[str, Any]]:
    """Every user, group and role the policy is attached to: {kind, name, id, arn}. ListEntitiesForPolicy
    returns names and ids, not ARNs: the ARN is built without the entity's path (IAM paths are rarely used)."""
    arguments: dict[str, Any] = {"PolicyArn": policy_arn}
    if entity_filter:
        arguments["EntityFilter"] = entity_filter
    found = []
    for page in ctx.client("iam").get_paginator("list_entities_for_policy").paginate(**arguments):
        for key, kind, name_key, id_key in KINDS:
            for entity in page.get(key, []):
                name = entity.get(name_key, "?")
                found.append({"kind": kind, "name": name, "id": entity.get(id_key),
                              "arn": f"arn:{partition(ctx.region)}:iam::{ctx.account_id}:{kind}/{name}"})
    return found
