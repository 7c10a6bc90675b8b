"""VPC flow logging: CIS 3.7, Security Hub EC2.6. DescribeVpcs and DescribeFlowLogs, each listed once per region
(MaxResults 1,000) and joined in memory on the flow log's ResourceId."""
from __future__ import annotations

from checks._per_resource import Listing, arn, tags_of
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Result, Scope, Severity
from preflight.registry import check

# CIS 3.7 asks for rejected traffic to be logged; Security Hub's remediation: "choose Reject or All".
COUNTED_TRAFFIC = ("ALL", "REJECT")


@check(CheckMeta(
    id="vpc-flow-logs-enabled",
    title="Every VPC has a flow log of rejected (or all) traffic",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="3.7", security_hub="EC2.6", cis_aws_v5="3.7"),
    remediation="Create a flow log for each listed VPC: aws ec2 create-flow-logs --resource-type VPC "
                "--resource-ids VPC --traffic-type REJECT (or ALL) --log-destination-type cloud-watch-logs ...",
    remediation_url="https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
    iam_actions=("ec2:DescribeVpcs", "ec2:DescribeFlowLogs"),
    scope=Scope.REGIONAL,
))
def vpc_flow_logs_enabled(ctx: CheckContext) -> Result:
    """FAIL when a VPC has no flow log whose TrafficType is REJECT or ALL (CIS v3.0.0 3.7, which asks that
    rejected traffic be logged; Security Hub EC2.6, whose AWS Config rule vpc-flow-logs-enabled runs with
    trafficType REJECT and whose remediation says "choose Reject or All",
    https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-6). A flow log of ACCEPT traffic
    only does not count; a flow log of a subnet or network interface is not a VPC's flow log. PASS when every
    VPC has one; NOT_APPLICABLE when the region has no VPC; TIMEOUT ("judged N of M VPCs", N those already seen
    with a flow log) when the deadline comes before both listings are done, since a VPC's flow log may be on a
    page not yet read; ERROR when DescribeVpcs or DescribeFlowLogs is refused. Whether Security Hub counts an
    ALL flow log is not confirmed (its rule parameter is REJECT).

    Source: AWS Config rule vpc-flow-logs-enabled (https://docs.aws.amazon.com/config/latest/developerguide/vpc-
    flow-logs-enabled.html); Security Hub EC2.6
    (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html); CIS 3.7.
    """
    listing = Listing(ctx, "VPCs")
    owners: dict[str, str] = {}
    unlogged: dict[str, dict[str, str]] = {}
    for vpc in listing.items("ec2", "describe_vpcs", "Vpcs"):
        unlogged[vpc["VpcId"]] = tags_of(vpc)
        owners[vpc["VpcId"]] = vpc.get("OwnerId", "")
    if listing.cut_short:
        return listing.result(passed_message="", failing_message="")
    listing.total = len(unlogged)
    accept_only: set[str] = set()
    for page in listing.pages("ec2", "describe_flow_logs", "FlowLogs"):
        for flow_log in page:
            vpc = flow_log.get("ResourceId", "")
            if vpc not in unlogged:
                continue
            if flow_log.get("TrafficType") in COUNTED_TRAFFIC:
                del unlogged[vpc]
                accept_only.discard(vpc)
                listing.judged()
            else:
                accept_only.add(vpc)
    if not listing.cut_short:
        for vpc, tags in unlogged.items():
            listing.judged()
            why = "its flow logs record only accepted traffic" if vpc in accept_only else "no flow log"
            listing.fail(arn(ctx, "vpc", vpc, owners.get(vpc)), why, tags)
    return listing.result(passed_message="All {count} VPCs have a flow log of rejected or all traffic",
                          failing_message="have no flow log of rejected traffic",
                          not_applicable_message="There are no VPCs")


CHECKS = (vpc_flow_logs_enabled,)
