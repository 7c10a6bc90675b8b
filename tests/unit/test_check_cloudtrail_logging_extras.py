"""The trails' S3 buckets (server access logging, not public) and S3 object-level data events.

Sources: AWS Config rules cloudtrail-s3-bucket-access-logging (CloudTrail.7, CIS 3.4),
cloudtrail-s3-bucket-public-access-prohibited (CloudTrail.6), cloudtrail-all-write-s3-data-event-check (S3.22,
CIS 3.8) and cloudtrail-all-read-s3-data-event-check (S3.23, CIS 3.9).
"""
import json

import pytest

from checks import cloudtrail_logging_extras as extras
from preflight.model import Status
from sim.account import ALL_MANAGEMENT_EVENTS, client, create_trail, harden_trail_bucket
from sim.stubs import answering, error
from tests.support.network import run_audit

LOGGING, PUBLIC, WRITES, READS = extras.CHECKS
BUCKET_CHECKS = (LOGGING, PUBLIC)
DATA_CHECKS = (WRITES, READS)
BUCKET = "audit-trail-logs-us-east-1"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
S3_ALL = {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}


def public_policy(bucket=BUCKET):
    client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))


ORG_TRAIL = {
    "Name": "org-trail", "TrailARN": "arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail",
    "HomeRegion": "us-east-1", "IsMultiRegionTrail": True, "IsOrganizationTrail": True,
    "S3BucketName": "org-log-archive",
}


def member_account():
    refused = error("CloudTrailARNInvalidException", "AccountID in ARN is wrong")
    return answering({("cloudtrail", "DescribeTrails"): {"trailList": [ORG_TRAIL]},
                      ("cloudtrail", "GetTrailStatus"): refused, ("cloudtrail", "GetEventSelectors"): refused,
                      ("s3", "GetBucketLogging"): error("AccessDenied", "denied", 403)})


# --- the trail buckets ------------------------------------------------------------------------------------

@pytest.mark.parametrize("check", BUCKET_CHECKS, ids=lambda c: c.id)
def test_a_hardened_trail_bucket_passes(run_check, check):
    create_trail("audit")
    harden_trail_bucket(BUCKET)
    result = run_check(check)
    assert result.status is Status.PASS, result.message
    assert result.evidence["buckets"][0]["arn"] == BUCKET_ARN


@pytest.mark.parametrize("check", BUCKET_CHECKS, ids=lambda c: c.id)
def test_no_trail_fails(run_check, check):
    assert run_check(check).message == "No CloudTrail trail exists in this account."


def test_a_trail_bucket_without_access_logging_fails_naming_it(run_check):
    create_trail("audit")
    harden_trail_bucket(BUCKET, access_logging=False)
    result = run_check(LOGGING)
    assert result.status is Status.FAIL
    assert result.resources == (BUCKET_ARN,)
    assert "server access logging is off" in result.message and "'audit'" in result.message


def test_each_bucket_is_judged_once_and_a_good_one_does_not_excuse_another(run_check):
    create_trail("audit")
    harden_trail_bucket(BUCKET)
    create_trail("local", multi_region=False)
    result = run_check(LOGGING)
    assert result.status is Status.FAIL and "(1 of 2 trail buckets)" in result.message
    assert result.resources == ("arn:aws:s3:::local-trail-logs-us-east-1",)


def test_a_deleted_trail_bucket_fails_logging(run_check):
    session = answering({("s3", "GetBucketLogging"): error("NoSuchBucket", "gone", 404)})
    create_trail("audit")
    result = run_check(LOGGING, session=session)
    assert result.status is Status.FAIL and "does not exist" in result.message


def test_a_public_trail_bucket_fails(run_check):
    create_trail("audit")
    public_policy()
    result = run_check(PUBLIC)
    assert result.status is Status.FAIL and result.resources == (BUCKET_ARN,)
    assert "bucket policy makes it public" in result.message


def test_a_public_policy_restricted_by_block_public_access_passes(run_check):
    create_trail("audit")
    public_policy()
    client("s3").put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    assert run_check(PUBLIC).status is Status.PASS


def test_a_private_bucket_without_block_public_access_passes(run_check):
    create_trail("audit")
    assert run_check(PUBLIC).status is Status.PASS


@pytest.mark.parametrize("check", BUCKET_CHECKS, ids=lambda c: c.id)
def test_a_member_covered_by_its_organization_trail_is_not_applicable_and_the_bucket_not_asked(run_check, check):
    result = run_check(check, session=member_account())
    assert result.status is Status.NOT_APPLICABLE
    assert "org-log-archive" in result.evidence["notes"][0]


@pytest.mark.parametrize(("check", "operation"), [(LOGGING, "GetBucketLogging"), (PUBLIC, "GetPublicAccessBlock"),
                                                  (PUBLIC, "GetBucketPolicyStatus")],
                         ids=lambda v: getattr(v, "id", v))
def test_a_refused_bucket_call_is_an_error(check, operation):
    create_trail("audit")
    session = answering({("s3", operation): error("AccessDenied", "not authorized", 403)})
    [finding] = run_audit([check], session=session)
    assert (finding.status, finding.error_code) == (Status.ERROR, "AccessDenied")


@pytest.mark.parametrize("check", extras.CHECKS, ids=lambda c: c.id)
def test_describe_trails_refused_is_an_error(check):
    session = answering({("cloudtrail", "DescribeTrails"): error("AccessDenied", "not authorized", 403)})
    [finding] = run_audit([check], session=session)
    assert (finding.status, finding.error_code) == (Status.ERROR, "AccessDenied")


def test_an_exemption_by_bucket_arn_lets_the_failing_bucket_through():
    create_trail("audit")
    [finding] = run_audit([LOGGING], exemption=BUCKET_ARN)
    assert finding.status is Status.EXEMPT
    create_trail("other")
    [finding] = run_audit([LOGGING], exemption=BUCKET_ARN)
    assert finding.status is Status.FAIL


# --- S3 data events ---------------------------------------------------------------------------------------

CLASSIC = [
    ("All", ["arn:aws:s3"], (True, True)),
    ("WriteOnly", ["arn:aws:s3:::"], (False, True)),
    ("ReadOnly", ["arn:aws:s3"], (True, False)),
    ("All", ["arn:aws:s3:::my-bucket/"], (False, False)),  # one bucket is not all buckets
]


@pytest.mark.parametrize(("read_write", "values", "expected"), CLASSIC, ids=str)
def test_classic_selectors(run_check, read_write, values, expected):
    create_trail("audit", event_selectors=[{"ReadWriteType": read_write, "IncludeManagementEvents": True,
                                            "DataResources": [{"Type": "AWS::S3::Object", "Values": values}]}])
    got = tuple(run_check(c).status is Status.PASS for c in (READS, WRITES))
    assert got == expected


def advanced(*extra):
    return [{"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
            {"Name": "s3", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                              {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}, *extra]}]


ADVANCED = [
    ((), (True, True)),
    (({"Field": "readOnly", "Equals": ["true"]},), (True, False)),
    (({"Field": "readOnly", "Equals": ["false"]},), (False, True)),
    (({"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::my-bucket/"]},), (False, False)),
    (({"Field": "eventName", "NotEquals": ["GetObject"]},), (False, False)),
]


@pytest.mark.parametrize(("extra", "expected"), ADVANCED, ids=str)
def test_advanced_selectors(run_check, extra, expected):
    create_trail("audit", advanced_event_selectors=advanced(*extra))
    got = tuple(run_check(c).status is Status.PASS for c in (READS, WRITES))
    assert got == expected


@pytest.mark.parametrize("check", DATA_CHECKS, ids=lambda c: c.id)
def test_only_management_events_fails(run_check, check):
    create_trail("audit", event_selectors=ALL_MANAGEMENT_EVENTS)
    result = run_check(check)
    assert result.status is Status.FAIL
    assert result.resources == ("arn:aws:iam::123456789012:root",)
    assert "does not select them for all buckets" in result.message


@pytest.mark.parametrize("check", DATA_CHECKS, ids=lambda c: c.id)
def test_a_single_region_or_stopped_trail_does_not_count(run_check, check):
    selectors = [{"ReadWriteType": "All", "DataResources": [S3_ALL]}]
    create_trail("local", multi_region=False, event_selectors=selectors)
    create_trail("stopped", logging=False, event_selectors=selectors)
    result = run_check(check)
    assert result.status is Status.FAIL and "no multi-region trail is logging" in result.message


@pytest.mark.parametrize("check", DATA_CHECKS, ids=lambda c: c.id)
def test_no_trail_fails_data_events(run_check, check):
    assert run_check(check).status is Status.FAIL


@pytest.mark.parametrize("check", DATA_CHECKS, ids=lambda c: c.id)
def test_a_member_whose_organization_trail_is_unreadable_is_not_applicable(run_check, check):
    result = run_check(check, session=member_account())
    assert result.status is Status.NOT_APPLICABLE and "org-trail" in result.message


@pytest.mark.parametrize("check", DATA_CHECKS, ids=lambda c: c.id)
def test_own_trail_selectors_refused_is_an_error(check):
    create_trail("audit")
    session = answering({("cloudtrail", "GetEventSelectors"): error("AccessDenied", "not authorized", 403)})
    [finding] = run_audit([check], session=session)
    assert (finding.status, finding.error_code) == (Status.ERROR, "AccessDenied")


@pytest.mark.parametrize("check", DATA_CHECKS, ids=lambda c: c.id)
def test_an_exemption_of_the_account_makes_the_failure_exempt(check):
    create_trail("audit", event_selectors=ALL_MANAGEMENT_EVENTS)
    [finding] = run_audit([check], exemption="arn:aws:iam::123456789012:root")
    assert finding.status is Status.EXEMPT
