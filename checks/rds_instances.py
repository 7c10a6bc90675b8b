"""RDS DB instances and clusters: CIS v3.0.0 2.3.1-2.3.3 (v5.0.0 2.2.1-2.2.4), Security Hub RDS.2, RDS.3, RDS.5,
RDS.13, RDS.15. One DescribeDBInstances listing per region (MaxRecords 100, Marker), shared by the four instance
checks (only the instances failing one of them are kept, with the TagList the listing returned); the cluster check
lists DescribeDBClusters the same way."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from checks._per_resource import Listing, Paging, tags_of
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Result, Scope, Severity
from preflight.registry import check

PAGE_SIZE = 100  # MaxRecords: DescribeDBInstances and DescribeDBClusters accept 20-100 (RDS API Reference)
# Engines whose instances RDS.5 / rds-multi-az-support does not evaluate (the Config rule: "does not evaluate
# Amazon Aurora DB, Amazon DocumentDB, and Amazon Neptune DB instances").
NOT_MULTI_AZ_ENGINES = ("aurora", "docdb", "neptune")


def paging() -> Paging:
    return ("MaxRecords", PAGE_SIZE, "Marker", "Marker")


def not_encrypted(instance: dict) -> str | None:
    return None if instance.get("StorageEncrypted") is True else "StorageEncrypted false"


def no_minor_upgrades(instance: dict) -> str | None:
    return None if instance.get("AutoMinorVersionUpgrade") is True else "AutoMinorVersionUpgrade false"


def public(instance: dict) -> str | None:
    return "PubliclyAccessible true" if instance.get("PubliclyAccessible") is True else None


def multi_az_applies(instance: dict) -> bool:
    """Not a member of a cluster (Aurora, Multi-AZ DB cluster), not an Aurora / DocumentDB / Neptune engine."""
    return not instance.get("DBClusterIdentifier") and not str(instance.get("Engine", "")).startswith(NOT_MULTI_AZ_ENGINES)


def single_az(instance: dict) -> str | None:
    if not multi_az_applies(instance):
        return None
    return None if instance.get("MultiAZ") is True else "MultiAZ false"


JUDGES: dict[str, Callable[[dict], str | None]] = {
    "rds-storage-encrypted": not_encrypted,
    "rds-automatic-minor-version-upgrade-enabled": no_minor_upgrades,
    "rds-instance-public-access-check": public,
    "rds-multi-az-support": single_az,
}


@dataclass(frozen=True)
class Flagged:
    arn: str
    tags: dict[str, str]
    whys: dict[str, str]  # check id -> why the instance fails it


@dataclass(frozen=True)
class Instances:
    flagged: tuple[Flagged, ...]
    listed: int
    multi_az_applicable: int
    cut_short: bool
    more_unlisted: bool


def list_instances(ctx: CheckContext) -> Instances:
    """DescribeDBInstances once, under the deadline; only the instances failing one of the checks are kept."""
    listing = Listing(ctx, "DB instances")
    flagged, applicable = [], 0
    for instance in listing.items("rds", "describe_db_instances", "DBInstances", paging=paging()):
        applicable += multi_az_applies(instance)
        whys = {check_id: why for check_id, judge in JUDGES.items() if (why := judge(instance))}
        if whys:
            flagged.append(Flagged(instance["DBInstanceArn"], tags_of({"Tags": instance.get("TagList")}), whys))
    return Instances(tuple(flagged), listing.listed, applicable, listing.cut_short, listing.more_unlisted)


def judge_instances(ctx: CheckContext, check_id: str, *, passed_message: str, failing_message: str,
                    not_applicable_message: str = "There are no DB instances") -> Result:
    instances = ctx.remember(("rds", "db_instances", ctx.region), lambda: list_instances(ctx))
    listing = Listing(ctx, "DB instances")
    listing.listed, listing.cut_short, listing.more_unlisted = instances.listed, instances.cut_short, instances.more_unlisted
    if check_id == "rds-multi-az-support":
        listing.total = None if instances.cut_short else instances.multi_az_applicable
        listing.judged(instances.multi_az_applicable)
    else:
        listing.judged(instances.listed)
    for instance in instances.flagged:
        if why := instance.whys.get(check_id):
            listing.fail(instance.arn, why, instance.tags)
    return listing.result(passed_message=passed_message, failing_message=failing_message,
                          not_applicable_message=not_applicable_message)


ACTIONS = ("rds:DescribeDBInstances",)


@check(CheckMeta(
    id="rds-storage-encrypted",
    title="Every RDS DB instance encrypts its storage",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="2.3.1", security_hub="RDS.3", cis_aws_v5="2.2.1"),
    remediation="An instance cannot be encrypted in place: snapshot it, copy the snapshot with --kms-key-id, restore "
                "an encrypted instance from the copy and move clients to it (and create new instances with "
                "--storage-encrypted)",
    remediation_url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
    iam_actions=ACTIONS,
    scope=Scope.REGIONAL,
))
def rds_storage_encrypted(ctx: CheckContext) -> Result:
    """FAIL when a DB instance's StorageEncrypted is not true (CIS v3.0.0 2.3.1, v5.0.0 2.2.1; Security Hub RDS.3,
    AWS Config rule rds-storage-encrypted, "NON_COMPLIANT if storage encryption is not enabled"). Every instance
    DescribeDBInstances lists is judged, Aurora members included. PASS when every instance encrypts its storage;
    NOT_APPLICABLE when the region has no DB instance; TIMEOUT ("judged N of M DB instances") when the deadline
    cuts the listing short with nothing found; ERROR when DescribeDBInstances is refused.

    Source: AWS Config rule rds-storage-encrypted
    (https://docs.aws.amazon.com/config/latest/developerguide/rds-storage-encrypted.html); Security Hub RDS.3
    (https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html); CIS 2.3.1.
    """
    return judge_instances(ctx, "rds-storage-encrypted", passed_message="All {count} DB instances encrypt their storage",
                           failing_message="do not encrypt their storage")


@check(CheckMeta(
    id="rds-automatic-minor-version-upgrade-enabled",
    title="Every RDS DB instance upgrades minor engine versions automatically",
    severity=Severity.HIGH,
    controls=Controls(cis_aws_v3="2.3.2", security_hub="RDS.13", cis_aws_v5="2.2.2"),
    remediation="aws rds modify-db-instance --db-instance-identifier ID --auto-minor-version-upgrade --apply-immediately",
    remediation_url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Maintenance.html",
    iam_actions=ACTIONS,
    scope=Scope.REGIONAL,
))
def rds_automatic_minor_version_upgrade_enabled(ctx: CheckContext) -> Result:
    """FAIL when a DB instance's AutoMinorVersionUpgrade is not true (CIS v3.0.0 2.3.2, v5.0.0 2.2.2; Security Hub
    RDS.13, AWS Config rule rds-automatic-minor-version-upgrade-enabled, "NON_COMPLIANT if
    autoMinorVersionUpgrade is false"). PASS when every instance has it on; NOT_APPLICABLE when the region has
    no DB instance; TIMEOUT ("judged N of M DB instances") when the deadline cuts the listing short with nothing
    found; ERROR when DescribeDBInstances is refused.

    Source: AWS Config rule rds-automatic-minor-version-upgrade-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/rds-automatic-minor-version-upgrade-enabled.html);
    Security Hub RDS.13 (https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html); CIS 2.3.2.
    """
    return judge_instances(ctx, "rds-automatic-minor-version-upgrade-enabled",
                           passed_message="All {count} DB instances upgrade minor versions automatically",
                           failing_message="do not upgrade minor versions automatically")


@check(CheckMeta(
    id="rds-instance-public-access-check",
    title="No RDS DB instance is publicly accessible",
    severity=Severity.CRITICAL,
    controls=Controls(cis_aws_v3="2.3.3", security_hub="RDS.2", cis_aws_v5="2.2.3"),
    remediation="aws rds modify-db-instance --db-instance-identifier ID --no-publicly-accessible --apply-immediately",
    remediation_url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html",
    iam_actions=ACTIONS,
    scope=Scope.REGIONAL,
))
def rds_instance_public_access_check(ctx: CheckContext) -> Result:
    """FAIL when a DB instance's PubliclyAccessible is true (CIS v3.0.0 2.3.3, v5.0.0 2.2.3; Security Hub RDS.2,
    AWS Config rule rds-instance-public-access-check, "NON_COMPLIANT if the publiclyAccessible field is true in
    the instance configuration item"). The flag alone is judged: CIS's audit also walks the instance's subnets
    and route tables, which this check does not (a public instance in private subnets still fails, as in
    Security Hub). PASS when no instance is publicly accessible; NOT_APPLICABLE when the region has no DB
    instance; TIMEOUT ("judged N of M DB instances") when the deadline cuts the listing short with nothing
    found; ERROR when DescribeDBInstances is refused.

    Source: AWS Config rule rds-instance-public-access-check
    (https://docs.aws.amazon.com/config/latest/developerguide/rds-instance-public-access-check.html); Security Hub
    RDS.2 (https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html); CIS 2.3.3.
    """
    return judge_instances(ctx, "rds-instance-public-access-check",
                           passed_message="None of {count} DB instances is publicly accessible",
                           failing_message="are publicly accessible")


@check(CheckMeta(
    id="rds-multi-az-support",
    title="Every RDS DB instance outside a cluster is a Multi-AZ deployment",
    severity=Severity.MEDIUM,
    controls=Controls(security_hub="RDS.5", cis_aws_v5="2.2.4"),
    remediation="aws rds modify-db-instance --db-instance-identifier ID --multi-az --apply-immediately",
    remediation_url="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZSingleStandby.html",
    iam_actions=ACTIONS,
    scope=Scope.REGIONAL,
))
def rds_multi_az_support(ctx: CheckContext) -> Result:
    """FAIL when a DB instance that is not in a DB cluster (no DBClusterIdentifier) and whose engine is not
    Aurora, DocumentDB or Neptune has MultiAZ other than true (CIS v5.0.0 2.2.4, a Manual item, instances; not in
    CIS v3.0.0; Security Hub RDS.5, AWS Config rule rds-multi-az-support, which "does not evaluate Amazon Aurora
    DB, Amazon DocumentDB, and Amazon Neptune DB instances"; RDS.5 "doesn't apply to RDS DB instances that are
    part of a Multi-AZ DB cluster deployment"). PASS when every such instance is Multi-AZ; NOT_APPLICABLE when
    the region has none; TIMEOUT ("judged N of M DB instances") when the deadline cuts the listing short with
    nothing found; ERROR when DescribeDBInstances is refused. Clusters: rds-cluster-multi-az-enabled.

    Source: AWS Config rule rds-multi-az-support
    (https://docs.aws.amazon.com/config/latest/developerguide/rds-multi-az-support.html); Security Hub RDS.5
    (https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html); CIS v5.0.0 2.2.4.
    """
    return judge_instances(ctx, "rds-multi-az-support", passed_message="All {count} DB instances are Multi-AZ",
                           failing_message="are not Multi-AZ deployments",
                           not_applicable_message="There are no DB instances outside a DB cluster")


@check(CheckMeta(
    id="rds-cluster-multi-az-enabled",
    title="Every RDS DB cluster spans several Availability Zones",
    severity=Severity.MEDIUM,
    controls=Controls(security_hub="RDS.15", cis_aws_v5="2.2.4"),
    remediation="Add a reader instance in another Availability Zone to each listed cluster: aws rds "
                "create-db-instance --db-cluster-identifier ID --availability-zone AZ ...",
    remediation_url="https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html",
    iam_actions=("rds:DescribeDBClusters",),
    scope=Scope.REGIONAL,
))
def rds_cluster_multi_az_enabled(ctx: CheckContext) -> Result:
    """FAIL when a DB cluster's MultiAZ is not true (CIS v5.0.0 2.2.4, a Manual item, clusters; not in CIS
    v3.0.0; Security Hub RDS.15, AWS Config rule rds-cluster-multi-az-enabled). Every cluster DescribeDBClusters
    lists is judged (MaxRecords 100, Marker). PASS when every cluster is Multi-AZ; NOT_APPLICABLE when the region
    has no DB cluster; TIMEOUT ("judged N of M DB clusters") when the deadline cuts the listing short with
    nothing found; ERROR when DescribeDBClusters is refused.

    Source: AWS Config rule rds-cluster-multi-az-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/rds-cluster-multi-az-enabled.html); Security Hub
    RDS.15 (https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html); CIS v5.0.0 2.2.4.
    """
    listing = Listing(ctx, "DB clusters")
    for cluster in listing.items("rds", "describe_db_clusters", "DBClusters", paging=paging()):
        listing.judged()
        if cluster.get("MultiAZ") is not True:
            listing.fail(cluster["DBClusterArn"], "MultiAZ false", cluster.get("TagList"))
    return listing.result(passed_message="All {count} DB clusters are Multi-AZ",
                          failing_message="are not Multi-AZ", not_applicable_message="There are no DB clusters")


CHECKS = (rds_storage_encrypted, rds_automatic_minor_version_upgrade_enabled, rds_instance_public_access_check,
          rds_multi_az_support, rds_cluster_multi_az_enabled)
