"""EC2 instances and IMDSv2: CIS 5.6, Security Hub EC2.8. One DescribeInstances listing per region
(MaxResults 1,000, terminated instances filtered out by AWS)."""
from __future__ import annotations

from checks._per_resource import Listing, arn
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Result, Scope, Severity
from preflight.registry import check

# Every state but terminated (EC2 API Reference, InstanceState).
LIVE_STATES = ["pending", "running", "shutting-down", "stopping", "stopped"]


def why_not(instance: dict) -> str | None:
    options = instance.get("MetadataOptions") or {}
    if options.get("HttpTokens") != "required":
        return f"HttpTokens {options.get('HttpTokens', 'unset')}"
    if options.get("State", "applied") != "applied":
        return f"metadata options {options.get('State')}, not yet applied"
    return None


@check(CheckMeta(
    id="ec2-imdsv2-check",
    title="Every EC2 instance requires IMDSv2",
    severity=Severity.HIGH,
    controls=Controls(cis_aws_v3="5.6", security_hub="EC2.8", cis_aws_v5="5.7"),
    remediation="Require session tokens on each listed instance: aws ec2 modify-instance-metadata-options "
                "--instance-id ID --http-tokens required --http-endpoint enabled (and make IMDSv2 the account's "
                "default for new instances: aws ec2 modify-instance-metadata-defaults --http-tokens required)",
    remediation_url="https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html",
    iam_actions=("ec2:DescribeInstances",),
    scope=Scope.REGIONAL,
))
def ec2_imdsv2_check(ctx: CheckContext) -> Result:
    """FAIL when an instance that is not terminated has MetadataOptions.HttpTokens other than "required", or its
    metadata options are not yet applied (CIS v3.0.0 5.6: HttpTokens required and State applied; Security Hub
    EC2.8, AWS Config rule ec2-imdsv2-check, "NON_COMPLIANT if the HttpTokens is set to optional",
    https://docs.aws.amazon.com/config/latest/developerguide/ec2-imdsv2-check.html). PASS when every instance
    requires IMDSv2; NOT_APPLICABLE when the region has no instance (terminated ones are ignored); TIMEOUT
    ("judged N of M instances") when the deadline cuts the listing short with nothing found; ERROR when
    DescribeInstances is refused.

    Source: AWS Config rule ec2-imdsv2-check
    (https://docs.aws.amazon.com/config/latest/developerguide/ec2-imdsv2-check.html); Security Hub EC2.8
    (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html); CIS 5.6.
    """
    listing = Listing(ctx, "instances")
    for page in listing.pages("ec2", "describe_instances", "Reservations",
                              Filters=[{"Name": "instance-state-name", "Values": LIVE_STATES}]):
        for reservation in page:
            for instance in reservation.get("Instances") or ():
                listing.listed += 1
                if (instance.get("State") or {}).get("Name") == "terminated":
                    continue
                listing.judged()
                why = why_not(instance)
                if why:
                    listing.fail(arn(ctx, "instance", instance["InstanceId"], reservation.get("OwnerId")), why,
                                 instance.get("Tags"))
    return listing.result(passed_message="All {count} instances require IMDSv2",
                          failing_message="do not require IMDSv2",
                          not_applicable_message="There are no instances")


CHECKS = (ec2_imdsv2_check,)
