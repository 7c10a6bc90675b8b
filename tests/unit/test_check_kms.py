"""Rotation of customer managed symmetric KMS keys (CIS 3.6, KMS.4)."""
import pytest

from checks import kms_keys
from preflight.aws.access import new_session
from preflight.model import Status
from sim import stubs
from sim.account import client, create_kms_key
from sim.cloudformation import REGION
from tests.support.data_stores import audit, run_with_deadline

KMS, = kms_keys.CHECKS


def test_rotating_keys_pass_and_one_without_rotation_fails(run_check):
    create_kms_key()
    assert run_check(KMS).status is Status.PASS
    bad = create_kms_key(rotation=False)
    result = run_check(KMS)
    assert result.status is Status.FAIL and f"{bad} (rotation off)" in result.message
    assert result.resources == (bad,) and result.resource_tags == {bad: {}}


@pytest.mark.parametrize("out_of_scope", ["asymmetric", "hmac", "disabled", "pending deletion"])
def test_keys_out_of_scope_are_judged_but_never_fail(run_check, out_of_scope):
    kms = client("kms", region_name=REGION)
    if out_of_scope == "asymmetric":
        create_kms_key(rotation=False, key_spec="RSA_2048")
    elif out_of_scope == "hmac":
        create_kms_key(rotation=False, key_spec="HMAC_256", usage="GENERATE_VERIFY_MAC")
    else:
        key = create_kms_key(rotation=False).split("/")[-1]  # moto wants the id here
        if out_of_scope == "disabled":
            kms.disable_key(KeyId=key)
        else:
            kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    result = run_check(KMS)
    assert result.status is Status.NOT_APPLICABLE and result.evidence["judged"] == 1
    create_kms_key()
    assert run_check(KMS).status is Status.PASS


def test_aws_managed_and_imported_keys_are_out_of_scope():
    keys = [{"KeyId": "k1", "KeyArn": "arn:aws:kms:us-east-1:123456789012:key/k1"}]
    for metadata in ({"KeyManager": "AWS", "KeySpec": "SYMMETRIC_DEFAULT", "KeyState": "Enabled", "Origin": "AWS_KMS"},
                     {"KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT", "KeyState": "Enabled", "Origin": "EXTERNAL"}):
        session = stubs.answering({("kms", "ListKeys"): {"Keys": keys, "Truncated": False},
                                   ("kms", "DescribeKey"): {"KeyMetadata": {"KeyId": "k1", **metadata}},
                                   ("kms", "GetKeyRotationStatus"): stubs.error("AccessDenied", "not asked", 403)})
        [finding] = audit([KMS], session=session)
        assert finding.status is Status.NOT_APPLICABLE, metadata


def test_no_keys_is_not_applicable(run_check):
    assert run_check(KMS).status is Status.NOT_APPLICABLE


@pytest.mark.parametrize("operation", ["ListKeys", "DescribeKey", "GetKeyRotationStatus"])
def test_access_denied_is_an_error(operation):
    create_kms_key()
    session = stubs.answering({("kms", operation): stubs.error("AccessDeniedException", "not authorized", 400)})
    [finding] = audit([KMS], session=session)
    assert finding.status is Status.ERROR and finding.error_code == "AccessDeniedException"


def test_keys_page_past_one_page(monkeypatch, run_check):
    monkeypatch.setattr(kms_keys, "PAGE_SIZE", 2)
    for _ in range(4):
        create_kms_key()
    bad = create_kms_key(rotation=False)  # on the third page
    session, calls = new_session(region_name=REGION), []
    session.events.register("after-call.kms.ListKeys", lambda **_: calls.append(1))
    result = run_check(KMS, session=session)
    assert result.status is Status.FAIL and result.resources == (bad,)
    assert result.evidence["judged"] == 5 and len(calls) == 3


def test_a_deadline_among_the_per_key_calls_is_a_timeout_and_a_violation_before_it_a_fail(monkeypatch):
    monkeypatch.setattr(kms_keys, "CHUNK", 2)  # keys are read two at a time
    for _ in range(4):
        create_kms_key()
    result = run_with_deadline(KMS, "kms", "GetKeyRotationStatus", 2)  # the clock jumps with the first two keys
    assert result.status is Status.TIMEOUT and "judged 2 of 4 keys" in result.message
    client("kms", region_name=REGION).disable_key_rotation(KeyId=_first_key())
    result = run_with_deadline(KMS, "kms", "GetKeyRotationStatus", 2)
    assert result.status is Status.FAIL and "judged 2 of 4 keys" in result.message


def test_a_deadline_in_the_listing_is_a_timeout(monkeypatch):
    monkeypatch.setattr(kms_keys, "PAGE_SIZE", 2)
    for _ in range(3):
        create_kms_key()
    result = run_with_deadline(KMS, "kms", "ListKeys", 1)
    assert result.status is Status.TIMEOUT and "not a PASS" in result.message
    assert "judged 0 of 2+ keys" in result.message  # past the deadline with the first page: no key described


def test_an_arn_exemption_or_a_tag_exemption_covers_the_key():
    bad = create_kms_key(rotation=False, tags={"rotation": "exempt"})
    assert audit([KMS], resource=bad)[0].status is Status.EXEMPT
    assert audit([KMS], resource="arn:aws:kms:*:*:key/*")[0].status is Status.EXEMPT
    assert audit([KMS], tag=("rotation", "exempt"))[0].status is Status.EXEMPT  # ListResourceTags, not ListKeys
    create_kms_key(rotation=False)
    assert audit([KMS], tag=("rotation", "exempt"))[0].status is Status.FAIL


def test_a_failing_keys_tags_refused_leave_the_fail_standing():
    create_kms_key(rotation=False, tags={"rotation": "exempt"})
    session = stubs.answering({("kms", "ListResourceTags"): stubs.error("AccessDeniedException", "no", 400)})
    [finding] = audit([KMS], tag=("rotation", "exempt"), session=session)
    assert finding.status is Status.FAIL and finding.evidence["tags_unreadable"] == "AccessDeniedException"


def _first_key():
    return client("kms", region_name=REGION).list_keys()["Keys"][0]["KeyId"]
