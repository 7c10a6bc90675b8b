"""Regional EC2 account guardrails, one call each: EBS snapshot Block Public Access (Security Hub EC2.182)."""
from __future__ import annotations

from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Result, Scope, Severity, failed, passed
from preflight.registry import check


@check(CheckMeta(
    id="ebs-snapshot-block-public-access",
    title="EBS snapshot Block Public Access blocks all public sharing",
    severity=Severity.HIGH,
    controls=Controls(security_hub="EC2.182"),
    remediation="Block all public sharing of EBS snapshots in the region: aws ec2 "
                "enable-snapshot-block-public-access --state block-all-sharing (or enforce it for the "
                "organization with an EC2 declarative policy)",
    remediation_url="https://docs.aws.amazon.com/ebs/latest/userguide/block-public-access-snapshots.html",
    iam_actions=("ec2:GetSnapshotBlockPublicAccessState",),
    scope=Scope.REGIONAL,
))
def ebs_snapshot_block_public_access(ctx: CheckContext) -> Result:
    """PASS when GetSnapshotBlockPublicAccessState's State is block-all-sharing; FAIL when it is block-new-sharing
    (snapshots already public stay public) and unblocked. Security Hub EC2.182 fails "if block public access is
    not enabled to block sharing of Amazon EBS snapshots to all"
    (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-182; AWS Config rule
    ebs-snapshot-block-public-access, https://docs.aws.amazon.com/config/latest/developerguide/ebs-snapshot-block-public-access.html;
    EBS User Guide, "Block public access for snapshots"). ERROR when the call is refused. The evidence says
    whether the setting is managed by the account or by a declarative policy (ManagedBy).

    Source: Security Hub EC2.182 (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html); the
    EC2 API Reference, GetSnapshotBlockPublicAccessState
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetSnapshotBlockPublicAccessState.html).
    """
    answer = ctx.client("ec2").get_snapshot_block_public_access_state()
    state, managed_by = answer.get("State"), answer.get("ManagedBy")
    if state == "block-all-sharing":
        return passed(f"EBS snapshot Block Public Access blocks all sharing in {ctx.region}.", state=state,
                      managed_by=managed_by)
    why = ("blocks only new public sharing: snapshots already public stay public" if state == "block-new-sharing"
           else f"is {state}")
    return failed(f"EBS snapshot Block Public Access {why} in {ctx.region}.", state=state, managed_by=managed_by)


CHECKS = (ebs_snapshot_block_public_access,)
