"""RDS DB instances (CIS 2.3.1-2.3.3, RDS.2/.3/.5/.13) and clusters (RDS.15): one shared listing per region."""
import pytest

from checks import rds_instances
from preflight.aws.access import new_session
from preflight.concurrency import Deadline
from preflight.model import Status
from sim import stubs
from sim.account import create_db_cluster, create_db_instance
from sim.cloudformation import REGION
from tests.support.data_stores import audit, run_with_deadline, slow_calls
from tests.support.network import context

ENCRYPTED, MINOR, PUBLIC, MULTI_AZ, CLUSTER = rds_instances.CHECKS
INSTANCE_CHECKS = (ENCRYPTED, MINOR, PUBLIC, MULTI_AZ)


def test_compliant_instances_pass_every_instance_check(run_check):
    create_db_instance("a")
    create_db_instance("b")
    for check in INSTANCE_CHECKS:
        result = run_check(check)
        assert result.status is Status.PASS and result.evidence["judged"] == 2, check.id


@pytest.mark.parametrize("check, deviation, why", [
    (ENCRYPTED, {"encrypted": False}, "StorageEncrypted false"),
    (MINOR, {"minor_upgrades": False}, "AutoMinorVersionUpgrade false"),
    (PUBLIC, {"public": True}, "PubliclyAccessible true"),
    (MULTI_AZ, {"multi_az": False}, "MultiAZ false"),
])
def test_each_deviation_fails_only_its_check_naming_the_instance_with_its_tags(run_check, check, deviation, why):
    create_db_instance("good")
    bad = create_db_instance("bad", tags={"owner": "team-a"}, **deviation)
    result = run_check(check)
    assert result.status is Status.FAIL and f"{bad} ({why})" in result.message
    assert result.resources == (bad,) and result.resource_tags == {bad: {"owner": "team-a"}}
    for other in INSTANCE_CHECKS:
        if other is not check:
            assert run_check(other).status is Status.PASS, other.id


def test_instances_in_a_cluster_and_aurora_engines_are_not_judged_for_multi_az(run_check):
    create_db_cluster("aurora")
    create_db_instance("member", engine="aurora-postgresql", cluster="aurora", multi_az=False)
    result = run_check(MULTI_AZ)
    assert result.status is Status.NOT_APPLICABLE and "outside a DB cluster" in result.message
    assert run_check(ENCRYPTED).evidence["judged"] == 1  # the member is judged by the other checks


def test_no_instances_is_not_applicable(run_check):
    for check in (*INSTANCE_CHECKS, CLUSTER):
        assert run_check(check).status is Status.NOT_APPLICABLE, check.id


def test_instances_page_past_one_page(monkeypatch, run_check):
    monkeypatch.setattr(rds_instances, "PAGE_SIZE", 2)
    for i in range(4):
        create_db_instance(f"db{i}")
    create_db_instance("db4", encrypted=False)  # on the third page
    session, markers = new_session(region_name=REGION), []
    session.events.register("before-call.rds.DescribeDBInstances",
                            lambda params, **_: markers.append(params["body"].get("Marker")))
    result = run_check(ENCRYPTED, session=session)
    assert result.status is Status.FAIL and result.evidence["judged"] == 5 and len(markers) == 3


def test_a_deadline_mid_listing_is_a_timeout_saying_how_much_was_judged(monkeypatch):
    monkeypatch.setattr(rds_instances, "PAGE_SIZE", 2)
    for i in range(5):
        create_db_instance(f"db{i}", public=(i == 4))  # the public one on the last page
    result = run_with_deadline(PUBLIC, "rds", "DescribeDBInstances", 2)
    assert result.status is Status.TIMEOUT and "judged 4 of 4+ DB instances" in result.message
    assert "not a PASS" in result.message and result.evidence["complete"] is False


def test_a_violation_on_the_first_page_is_a_fail_even_when_the_deadline_comes(monkeypatch):
    monkeypatch.setattr(rds_instances, "PAGE_SIZE", 2)
    create_db_instance("db0", encrypted=False)
    for i in range(1, 5):
        create_db_instance(f"db{i}")
    result = run_with_deadline(ENCRYPTED, "rds", "DescribeDBInstances", 1)
    assert result.status is Status.FAIL and "judged 2 of 2+ DB instances" in result.message


def test_the_instance_checks_share_one_listing_per_region():
    create_db_instance("bad", encrypted=False, minor_upgrades=False, public=True, multi_az=False)
    session, calls = new_session(region_name=REGION), []
    session.events.register("after-call.rds.DescribeDBInstances", lambda **_: calls.append(1))
    findings = audit(list(INSTANCE_CHECKS), session=session)
    assert [f.status for f in findings] == [Status.FAIL] * 4 and len(calls) == 1


def test_an_arn_exemption_and_a_tag_exemption_cover_the_failing_instance():
    bad = create_db_instance("legacy", public=True, tags={"exposure": "accepted"})
    [finding] = audit([PUBLIC], resource=bad)
    assert finding.status is Status.EXEMPT
    [finding] = audit([PUBLIC], tag=("exposure", "accepted"))
    assert finding.status is Status.EXEMPT
    [finding] = audit([PUBLIC], tag=("exposure", "other"))
    assert finding.status is Status.FAIL
    create_db_instance("another", public=True)
    [finding] = audit([PUBLIC], resource=bad)
    assert finding.status is Status.FAIL


# --- clusters ---------------------------------------------------------------------------------------------

def test_a_single_az_cluster_fails_and_a_multi_az_one_passes():
    session = stubs.answering({("rds", "DescribeDBClusters"): {"DBClusters": [
        {"DBClusterArn": "arn:aws:rds:us-east-1:123456789012:cluster:ha", "MultiAZ": True, "TagList": []}]}})
    assert CLUSTER.run(context(session)).status is Status.PASS
    arn = create_db_cluster("single", tags={"tier": "dev"})  # moto: MultiAZ false
    result = CLUSTER.run(context(new_session(region_name=REGION)))
    assert result.status is Status.FAIL and result.resources == (arn,)
    assert result.resource_tags == {arn: {"tier": "dev"}}


def test_clusters_page_past_one_page_and_time_out_mid_way(monkeypatch, run_check):
    monkeypatch.setattr(rds_instances, "PAGE_SIZE", 2)
    arns = [create_db_cluster(f"c{i}") for i in range(5)]
    result = run_check(CLUSTER)
    assert result.status is Status.FAIL and result.evidence["judged"] == 5 and result.evidence["failing_count"] == 5
    assert set(result.resources) == set(arns)
    result = run_with_deadline(CLUSTER, "rds", "DescribeDBClusters", 1)
    assert result.status is Status.FAIL and "judged 2 of 2+ DB clusters" in result.message


def test_a_cluster_deadline_with_nothing_failing_is_a_timeout(monkeypatch):
    monkeypatch.setattr(rds_instances, "PAGE_SIZE", 1)
    pages = [{"DBClusters": [{"DBClusterArn": f"arn:aws:rds:us-east-1:123456789012:cluster:c{i}", "MultiAZ": True}]}
             for i in range(3)]
    session, clock = stubs.paged("rds", "DescribeDBClusters", pages), [0.0]
    slow_calls(session, "rds", "DescribeDBClusters", 2, clock)
    result = CLUSTER.run(context(session, Deadline(50.0, lambda: clock[0])))
    assert result.status is Status.TIMEOUT and "judged 2 of 2+ DB clusters" in result.message


def test_a_cluster_exemption_by_arn_or_by_tag():
    arn = create_db_cluster("legacy", tags={"availability": "single-az-accepted"})
    assert audit([CLUSTER], resource=arn)[0].status is Status.EXEMPT
    assert audit([CLUSTER], tag=("availability", "single-az-accepted"))[0].status is Status.EXEMPT
    create_db_cluster("new")
    assert audit([CLUSTER], tag=("availability", "single-az-accepted"))[0].status is Status.FAIL
