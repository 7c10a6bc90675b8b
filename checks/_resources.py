"""Helpers for checks that name offending resources: the ARN of a resource AWS Config names by type and id,
the bounded lists a finding carries, and the resources' tags (for exemptions by tag) from the Resource Groups
Tagging API - one GetResources call per 100 ARNs (ResourceARNList takes at most 100; Resource Groups Tagging
API Reference, GetResources)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from botocore.exceptions import BotoCoreError, ClientError

from preflight.context import CheckContext

IN_MESSAGE = 5  # offending resources named in a finding's message
IN_EVIDENCE = 100  # ... and in its evidence and resources (one page of AWS's largest page size)
TAG_BATCH = 100

# AWS Config names a resource by type and id; where the id makes an ARN, the ARN (exemptions and tags use it).
# Resource types whose Config id is not the ARN's (IAM's unique ids, RDS's resource ids, ...) are named
# "TYPE/ID": an exemption can name them so, but no tag exemption reaches them.
ARN_FORMATS = {
    "AWS::EC2::SecurityGroup": "arn:{p}:ec2:{r}:{a}:security-group/{i}",
    "AWS::EC2::Instance": "arn:{p}:ec2:{r}:{a}:instance/{i}",
    "AWS::EC2::Volume": "arn:{p}:ec2:{r}:{a}:volume/{i}",
    "AWS::EC2::VPC": "arn:{p}:ec2:{r}:{a}:vpc/{i}",
    "AWS::EC2::Subnet": "arn:{p}:ec2:{r}:{a}:subnet/{i}",
    "AWS::EC2::NetworkAcl": "arn:{p}:ec2:{r}:{a}:network-acl/{i}",
    "AWS::S3::Bucket": "arn:{p}:s3:::{i}",
    "AWS::Lambda::Function": "arn:{p}:lambda:{r}:{a}:function:{i}",
    "AWS::DynamoDB::Table": "arn:{p}:dynamodb:{r}:{a}:table/{i}",
    "AWS::SNS::Topic": "{i}",  # Config's id for these is already the ARN
    "AWS::SQS::Queue": "{i}",
}


def resource_name(resource_type: str, resource_id: str, region: str, account: str) -> str:
    if resource_id.startswith("arn:"):
        return resource_id
    form = ARN_FORMATS.get(resource_type)
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    return form.format(p=partition, r=region, a=account, i=resource_id) if form else f"{resource_type}/{resource_id}"


@dataclass(frozen=True)
class Offenders:
    """The offending resources a finding names: the first IN_EVIDENCE, and how many there are in all."""

    names: tuple[str, ...]
    total: int  # at least len(names); more when AWS had more than one page
    more_unlisted: bool  # AWS had more than were listed

    @property
    def resources(self) -> tuple[str, ...]:
        """What exemptions are judged on: a FAIL with unlisted resources carries a marker no ARN pattern or
        tag matches, so an exemption that covers the listed ones cannot exempt the ones nobody saw."""
        return self.names + (("(further non-compliant resources not listed)",) if self.more_unlisted else ())

    def sentence(self) -> str:
        shown = ", ".join(self.names[:IN_MESSAGE])
        rest = self.total - min(len(self.names), IN_MESSAGE)
        more = f" and {rest:,}{'+' if self.more_unlisted else ''} more" if rest > 0 or self.more_unlisted else ""
        return shown + more


def tags_of(ctx: CheckContext, arns: Iterable[str], region: str | None = None
            ) -> tuple[dict[str, dict[str, str]], str | None]:
    """({arn: {key: value}}, None) - or what is known and the error code when the tags could not be read (the
    resources whose tags are unknown are then covered by no tag exemption: the FAIL stands)."""
    own = [a for a in dict.fromkeys(arns)
           if (a.startswith("arn:") and f":{ctx.account_id}:" in a) or a.startswith("arn:aws:s3:::")]
    tags: dict[str, dict[str, str]] = {}
    client = ctx.client("resourcegroupstaggingapi", region)
    for start in range(0, len(own), TAG_BATCH):
        try:
            answer = client.get_resources(ResourceARNList=own[start:start + TAG_BATCH])
        except (ClientError, BotoCoreError) as error:
            code = error.response.get("Error", {}).get("Code", "ClientError") if isinstance(error, ClientError) \
                else type(error).__name__
            return tags, code
        for mapping in answer.get("ResourceTagMappingList", []):
            tags[mapping["ResourceARN"]] = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
    return tags, None


def tag_evidence(tags: Mapping[str, Mapping[str, str]], error: str | None) -> dict:
    return {"tags_unreadable": error} if error else {}
