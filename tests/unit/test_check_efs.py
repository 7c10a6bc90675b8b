"""EFS encryption at rest (CIS v3.0.0 2.4.1, v5.0.0 2.3.1, EFS.1)."""
from checks import efs_file_systems
from preflight.aws.access import new_session
from preflight.model import Status
from sim.account import create_file_system
from sim.cloudformation import REGION
from tests.support.data_stores import audit, run_with_deadline

EFS, = efs_file_systems.CHECKS


def test_encrypted_file_systems_pass_and_an_unencrypted_one_fails_with_its_tags(run_check):
    create_file_system("a")
    create_file_system("b")
    assert run_check(EFS).status is Status.PASS
    bad = create_file_system("plain", encrypted=False, tags={"Name": "scratch"})
    result = run_check(EFS)
    assert result.status is Status.FAIL and f"{bad} (Encrypted false)" in result.message
    assert result.resources == (bad,) and result.resource_tags == {bad: {"Name": "scratch"}}


def test_no_file_systems_is_not_applicable(run_check):
    assert run_check(EFS).status is Status.NOT_APPLICABLE


def test_file_systems_page_past_one_page(monkeypatch, run_check):
    monkeypatch.setattr(efs_file_systems, "PAGE_SIZE", 2)
    for i in range(4):
        create_file_system(f"fs{i}")
    create_file_system("fs4", encrypted=False)
    session, calls = new_session(region_name=REGION), []
    session.events.register("after-call.efs.DescribeFileSystems", lambda **_: calls.append(1))
    result = run_check(EFS, session=session)
    assert result.status is Status.FAIL and result.evidence["judged"] == 5 and len(calls) == 3


def test_a_deadline_mid_listing_is_a_timeout_and_a_violation_before_it_a_fail(monkeypatch):
    monkeypatch.setattr(efs_file_systems, "PAGE_SIZE", 2)
    for i in range(4):
        create_file_system(f"fs{i}")
    create_file_system("fs4", encrypted=False)  # on the last page
    result = run_with_deadline(EFS, "efs", "DescribeFileSystems", 2)
    assert result.status is Status.TIMEOUT and "judged 4 of 4+ file systems" in result.message
    monkeypatch.setattr(efs_file_systems, "PAGE_SIZE", 5)
    result = run_with_deadline(EFS, "efs", "DescribeFileSystems", 1)
    assert result.status is Status.FAIL


def test_an_arn_exemption_and_a_tag_exemption_cover_the_failing_file_system():
    bad = create_file_system("legacy", encrypted=False, tags={"data": "public"})
    assert audit([EFS], resource=bad)[0].status is Status.EXEMPT
    assert audit([EFS], tag=("data", "public"))[0].status is Status.EXEMPT
    create_file_system("other", encrypted=False)
    assert audit([EFS], tag=("data", "public"))[0].status is Status.FAIL
