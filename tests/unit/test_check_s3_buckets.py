"""The per-bucket S3 checks (CIS 2.1.1, 2.1.2, 2.1.4's bucket path; Security Hub S3.2, S3.3, S3.5, S3.8, S3.20): one
bucket listing per audit, per-bucket calls under the deadline, failing buckets by ARN with their tags."""
import datetime
import json

import boto3
import pytest

from checks import s3_buckets
from preflight.aws.access import AwsAccess, new_session
from preflight.concurrency import Deadline
from preflight.model import Exemption, Status
from preflight.policy import Policy, Selection
from preflight.runner import Runner
from sim import moto_gaps, stubs
from sim.account import ALL_BLOCKED, create_bucket, harden_bucket, put_public_access_block, tls_only_policy
from sim.cloudformation import ACCOUNT_ID, REGION
from tests.support.network import context, run_audit

SSL, BUCKET_BPA, PUBLIC_READ, PUBLIC_WRITE, MFA_DELETE = s3_buckets.CHECKS
PER_BUCKET = (SSL, BUCKET_BPA, MFA_DELETE)


def s3():
    return boto3.client("s3")


def bucket(name, *, policy=None, tags=None, acl=None, hardened=False, block=None, region=REGION):
    create_bucket(name, region)
    if hardened:
        harden_bucket(name)
    if policy is not None:
        s3().put_bucket_policy(Bucket=name, Policy=policy if isinstance(policy, str) else json.dumps(policy))
    if block is not None:
        s3().put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    if isinstance(acl, dict):  # explicit grants (moto's canned public-read-write gives AllUsers READ only)
        s3().put_bucket_acl(Bucket=name, **acl)
    elif acl:
        s3().put_bucket_acl(Bucket=name, ACL=acl)
    if tags:
        s3().put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return f"arn:aws:s3:::{name}"


def statement(effect="Deny", principal="*", action="s3:*", resource=None, condition=None, name="app-logs"):
    return {"Effect": effect, "Principal": principal, "Action": action,
            "Resource": resource if resource is not None else [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
            **({"Condition": condition} if condition is not None else {})}


HTTP_FALSE = {"Bool": {"aws:SecureTransport": "false"}}


def recording(*operations):
    session, calls = new_session(region_name=REGION), []
    session.events.register_first("before-call.*.*", lambda model, **_: calls.append(model.name))
    return session, calls


# --- compliant, NOT_APPLICABLE ----------------------------------------------------------------------------

def test_hardened_buckets_pass_every_check_in_every_region(run_check):
    bucket("app-logs", hardened=True)
    bucket("eu-data", hardened=True, region="eu-west-1")
    for check in s3_buckets.CHECKS:
        result = run_check(check)
        assert result.status is Status.PASS, (check.id, result.message)
        assert "2 buckets" in result.message or "account-level" in result.message or "None of 2" in result.message
    assert run_check(SSL).evidence["judged"] == 2


def test_without_buckets_the_per_bucket_checks_are_not_applicable(run_check):
    for check in (*PER_BUCKET, PUBLIC_READ, PUBLIC_WRITE):
        assert run_check(check).status is Status.NOT_APPLICABLE, check.id
    put_public_access_block()
    assert run_check(PUBLIC_READ).status is Status.PASS  # the account-level settings decide without a listing


# --- s3-bucket-ssl-requests-only ---------------------------------------------------------------------------

@pytest.mark.parametrize("policy, why", [
    (None, "no bucket policy"),
    ({"Statement": [statement(effect="Allow", principal={"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, condition=None)]},
     "does not deny"),
    ({"Statement": [statement(condition={"Bool": {"aws:SecureTransport": "true"}})]}, "does not deny"),
    ({"Statement": [statement(principal={"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, condition=HTTP_FALSE)]},
     "does not deny"),
    ({"Statement": [statement(resource="arn:aws:s3:::app-logs/*", condition=HTTP_FALSE)]}, "does not deny"),
    ({"Statement": [statement(action="s3:GetObject", condition=HTTP_FALSE)]}, "does not deny"),
    ({"Statement": [statement(condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}})]}, "does not deny"),  # v3, S3.5
])
def test_a_bucket_without_a_deny_of_plain_http_fails(run_check, policy, why):
    arn = bucket("app-logs", policy=policy)
    result = run_check(SSL)
    assert result.status is Status.FAIL and result.resources == (arn,)
    assert why in result.evidence["failing"][0]["why"]


@pytest.mark.parametrize("deny", [
    statement(condition=HTTP_FALSE),
    statement(principal={"AWS": "*"}, action="*", resource="*", condition={"Bool": {"aws:securetransport": False}}),
    statement(principal={"AWS": ["*"]}, action=["s3:*"], resource=["arn:aws:s3:::app-logs*"],
              condition={"Bool": {"aws:SecureTransport": ["false"]}}),
])
def test_each_form_of_the_deny_passes(run_check, deny):
    bucket("app-logs", policy={"Version": "2012-10-17", "Statement": deny})
    assert run_check(SSL).status is Status.PASS


TLS_BELOW_1_2 = {"NumericLessThan": {"s3:TlsVersion": "1.2"}}


def test_under_cis_v5_a_deny_of_old_tls_versions_also_passes(run_check):
    bucket("app-logs", policy={"Statement": [statement(condition=TLS_BELOW_1_2)]})
    assert run_check(SSL).status is Status.FAIL  # the Config rule's and S3.5's reading
    assert run_check(SSL, accept_tls_version_deny=True).status is Status.PASS


@pytest.mark.parametrize("condition", [
    {**TLS_BELOW_1_2, "Bool": {"aws:SecureTransport": "true"}},  # AWS's example of a policy that lets HTTP through
    {"NumericLessThan": {"s3:TlsVersion": "1.2", "aws:MultiFactorAuthAge": "3600"}},
    {"NumericGreaterThan": {"s3:TlsVersion": "1.2"}},
    {"NumericLessThan": {"s3:TlsVersion": "latest"}},
    {"NumericLessThan": {"s3:TlsVersion": ["1.2", "1.3"]}},
])
def test_a_narrowed_or_odd_tls_version_deny_still_fails_under_cis_v5(run_check, condition):
    arn = bucket("app-logs", policy={"Statement": [statement(condition=condition)]})
    result = run_check(SSL, accept_tls_version_deny=True)
    assert result.status is Status.FAIL and result.resources == (arn,)
    assert "or an old TLS version" in result.evidence["failing"][0]["why"]


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"Statement": "x"}', '{"Statement": [[]]}', "null"])
def test_a_policy_is_read_as_untrusted_json(text):
    found = s3_buckets.statements(text)
    assert found is None or not any(s3_buckets.denies_http(s, s3_buckets.Bucket("app-logs", None)) for s in found)


def test_a_policy_that_is_not_json_fails_the_bucket(run_check):
    session = stubs.answering({("s3", "GetBucketPolicy"): {"Policy": "{not json"}})
    bucket("app-logs")
    result = run_check(SSL, session=session)
    assert result.status is Status.FAIL and "not a JSON policy" in result.message


# --- s3-bucket-level-public-access-prohibited --------------------------------------------------------------

def test_a_bucket_without_its_own_block_public_access_fails(run_check):
    put_public_access_block()  # the account level does not count for S3.8
    arn = bucket("plain")
    result = run_check(BUCKET_BPA)
    assert result.status is Status.FAIL and result.resources == (arn,)
    assert "no bucket-level Block Public Access configuration" in result.message


@pytest.mark.parametrize("setting", ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"])
def test_each_bucket_level_setting_off_is_named(run_check, setting):
    bucket("partly", block={**ALL_BLOCKED, setting: False})
    result = run_check(BUCKET_BPA)
    assert result.status is Status.FAIL and f"{setting} off" in result.message


# --- s3-bucket-public-read-prohibited / -write-prohibited --------------------------------------------------

PUBLIC_GET = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                             "Resource": "arn:aws:s3:::site/*"}]}
PUBLIC_PUT = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:Put*"],
                             "Resource": "arn:aws:s3:::site/*"}]}


def test_account_level_block_public_access_decides_in_one_call():
    put_public_access_block()
    bucket("site", policy=PUBLIC_GET, acl="public-read-write")
    for check in (PUBLIC_READ, PUBLIC_WRITE):
        session, calls = recording()
        result = check.run(context(session))
        assert result.status is Status.PASS and "account-level" in result.message
        assert calls == ["GetPublicAccessBlock"]  # S3 Control's; no bucket listed


def test_a_public_read_policy_fails_read_and_not_write(run_check):
    arn = bucket("site", policy=PUBLIC_GET)
    result = run_check(PUBLIC_READ)
    assert result.status is Status.FAIL and result.resources == (arn,)
    assert "its bucket policy allows public read" in result.message
    assert run_check(PUBLIC_WRITE).status is Status.PASS


def test_a_public_write_policy_fails_write_and_not_read(run_check):
    bucket("site", policy=PUBLIC_PUT)
    assert run_check(PUBLIC_WRITE).status is Status.FAIL
    assert run_check(PUBLIC_READ).status is Status.PASS


@pytest.mark.parametrize("acl, read, write", ids=["public-read", "read-write", "write-acp", "authenticated-read",
                                                 "private"], argvalues=[
    ("public-read", Status.FAIL, Status.PASS),
    ({"GrantRead": f'uri="{s3_buckets.ALL_USERS}"', "GrantWrite": f'uri="{s3_buckets.ALL_USERS}"'},
     Status.FAIL, Status.FAIL),
    ({"GrantWriteACP": f'uri="{s3_buckets.AUTHENTICATED_USERS}"'}, Status.PASS, Status.FAIL),
    ("authenticated-read", Status.FAIL, Status.PASS),
    ("private", Status.PASS, Status.PASS),
])
def test_public_acl_grants(run_check, acl, read, write):
    bucket("site", acl=acl)
    assert run_check(PUBLIC_READ).status is read
    assert run_check(PUBLIC_WRITE).status is write


def test_block_public_access_at_either_level_makes_a_public_policy_or_acl_harmless(run_check):
    bucket("site", policy=PUBLIC_GET, acl="public-read",
           block={"BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
                  "RestrictPublicBuckets": True})
    assert run_check(PUBLIC_READ).status is Status.PASS
    bucket("site2", policy={"Statement": [{**PUBLIC_GET["Statement"][0], "Resource": "arn:aws:s3:::site2/*"}]})
    assert run_check(PUBLIC_READ).status is Status.FAIL
    put_public_access_block(IgnorePublicAcls=False)  # RestrictPublicBuckets on at the account level
    assert run_check(PUBLIC_READ).status is Status.PASS


def test_what_a_public_policy_grants():
    grants = s3_buckets.public_grants
    assert grants(json.dumps(PUBLIC_GET)) == {"read"}
    assert grants(json.dumps(PUBLIC_PUT)) == {"write"}
    assert grants(json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*"}]})) == {"read", "write"}
    assert grants(json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "NotAction": "s3:Get*"}]})) == {"read", "write"}
    assert grants("not json") == {"read", "write"}  # S3 said public; what it grants cannot be told


# --- s3-bucket-mfa-delete-enabled ---------------------------------------------------------------------------

def test_mfa_delete_needs_versioning_and_mfa_delete(run_check):
    bucket("plain")
    assert "versioning is never enabled" in run_check(MFA_DELETE).message
    s3().put_bucket_versioning(Bucket="plain", VersioningConfiguration={"Status": "Suspended"})
    assert "versioning is suspended" in run_check(MFA_DELETE).message
    s3().put_bucket_versioning(Bucket="plain", VersioningConfiguration={"Status": "Enabled"})
    assert "MFA delete is not enabled" in run_check(MFA_DELETE).message
    moto_gaps.mfa_delete.add("plain")
    assert run_check(MFA_DELETE).status is Status.PASS


# --- errors, the listing, the deadline, exemptions ------------------------------------------------------------

@pytest.mark.parametrize("check, operation", [(SSL, "GetBucketPolicy"), (BUCKET_BPA, "GetPublicAccessBlock"),
                                              (MFA_DELETE, "GetBucketVersioning"), (PUBLIC_READ, "GetBucketAcl"),
                                              (PUBLIC_WRITE, "ListBuckets")])
def test_access_denied_is_an_error_in_the_runner(check, operation):
    bucket("app-logs")
    session = stubs.answering({("s3", operation): stubs.error("AccessDenied", "Access Denied", 403)})
    [finding] = run_audit([check], session=session)
    assert finding.status is Status.ERROR and finding.error_code == "AccessDenied"


def test_the_listing_pages_with_continuation_tokens(monkeypatch):
    monkeypatch.setattr(s3_buckets, "PAGE_SIZE", 2)
    for i in range(5):
        bucket(f"bucket-{i}", hardened=i != 3)
    session, calls = recording()
    result = SSL.run(context(session, accept_tls_version_deny=False))
    assert calls.count("ListBuckets") == 3 and result.evidence["judged"] == 5
    assert result.status is Status.FAIL and result.resources == ("arn:aws:s3:::bucket-3",)


def test_the_five_checks_share_one_listing_and_each_answer(monkeypatch):
    bucket("site", policy=PUBLIC_GET)
    bucket("app-logs", hardened=True)
    session, calls = recording()
    findings = run_audit(list(s3_buckets.CHECKS), session=session)
    assert len(findings) == 5
    assert calls.count("ListBuckets") == 1
    assert calls.count("GetBucketPolicy") == 2 and calls.count("GetPublicAccessBlock") == 1 + 2  # account + buckets


def _clock_after(session, operation, calls_before, clock):
    seen = []

    def tick(**_):
        seen.append(1)
        if len(seen) == calls_before:
            clock[0] += 100

    session.events.register(f"after-call.s3.{operation}", tick)


def test_a_deadline_mid_way_is_a_timeout_saying_how_much_was_judged(monkeypatch):
    monkeypatch.setattr(s3_buckets, "CHUNK", 2)
    for i in range(6):
        bucket(f"bucket-{i}", hardened=True)
    session, clock = new_session(region_name=REGION), [0.0]
    _clock_after(session, "GetBucketVersioning", 2, clock)
    result = MFA_DELETE.run(context(session, Deadline(50.0, lambda: clock[0])))
    assert result.status is Status.TIMEOUT and "judged 2 of 6 buckets" in result.message
    assert "not a PASS" in result.message and result.evidence["complete"] is False


def test_a_deadline_during_the_listing_is_a_timeout(monkeypatch):
    monkeypatch.setattr(s3_buckets, "PAGE_SIZE", 2)
    for i in range(5):
        bucket(f"bucket-{i}", hardened=True)
    session, clock = new_session(region_name=REGION), [0.0]
    _clock_after(session, "ListBuckets", 1, clock)
    result = SSL.run(context(session, Deadline(50.0, lambda: clock[0]), accept_tls_version_deny=False))
    assert result.status is Status.TIMEOUT and "judged 0 of 2+ buckets" in result.message


def test_a_violation_found_before_the_deadline_is_a_fail(monkeypatch):
    monkeypatch.setattr(s3_buckets, "CHUNK", 2)
    for i in range(6):
        bucket(f"bucket-{i}", hardened=i != 0)
    session, clock = new_session(region_name=REGION), [0.0]
    _clock_after(session, "GetBucketVersioning", 2, clock)
    result = MFA_DELETE.run(context(session, Deadline(50.0, lambda: clock[0])))
    assert result.status is Status.FAIL and "judged 2 of 6 buckets" in result.message
    assert result.resources == ("arn:aws:s3:::bucket-0",)


def test_failing_buckets_carry_their_tags(run_check):
    arn = bucket("tagged", tags={"owner": "team-a", "public": "website"})
    bucket("untagged")
    result = run_check(SSL)
    assert result.resource_tags == {arn: {"owner": "team-a", "public": "website"}, "arn:aws:s3:::untagged": {}}


def test_failing_buckets_are_bounded_and_tags_read_only_for_the_named(monkeypatch):
    from checks import _per_resource

    monkeypatch.setattr(s3_buckets, "MAX_NAMED", 2)
    monkeypatch.setattr(_per_resource, "MAX_NAMED", 2)
    for i in range(4):
        bucket(f"bucket-{i}")
    session, calls = recording()
    result = SSL.run(context(session, accept_tls_version_deny=False))
    assert result.evidence["failing_count"] == 4 and result.resources[-1] == "(and 2 more not named)"
    assert calls.count("GetBucketTagging") == 2


def test_an_arn_exemption_lets_the_failing_bucket_through():
    bucket("legacy-logs", policy=tls_only_policy("other"))
    [finding] = run_audit([SSL], exemption="arn:aws:s3:::legacy-*")
    assert finding.status is Status.EXEMPT
    bucket("new-logs")
    [finding] = run_audit([SSL], exemption="arn:aws:s3:::legacy-*")
    assert finding.status is Status.FAIL


def test_a_tag_exemption_lets_a_tagged_public_bucket_through():
    bucket("site", policy=PUBLIC_GET, tags={"exposure": "public-website"})
    policy = Policy((Selection.of(PUBLIC_READ),), exemptions=(
        Exemption(PUBLIC_READ.id, "the public website", "secops", datetime.date(2999, 1, 1),
                  tag=("exposure", "public-website")),))
    aws = AwsAccess(new_session(region_name=REGION), region=REGION, account_id=ACCOUNT_ID)
    findings, _ = Runner().run(policy, aws, Deadline.after(20))
    [finding] = policy.exempt(findings)
    assert finding.status is Status.EXEMPT
