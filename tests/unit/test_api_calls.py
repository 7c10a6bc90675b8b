"""No AWS call is made twice for the same answer in one audit, whatever shares it."""
from __future__ import annotations

import json
from collections import Counter

from checks import ALL_CHECKS
from preflight import baseline
from preflight.audit import run_audit
from preflight.aws.access import AwsAccess, new_session
from preflight.registry import default_registry
from preflight.concurrency import Deadline
from sim.account import make_fully_compliant
from sim.cloudformation import ACCOUNT_ID, REGION

REGIONS = ("us-east-1", "eu-west-1")  # home, and another region with its own single-region trail


def audit_recording_calls(regions, *, compliant: bool = True, checks=tuple(c.id for c in ALL_CHECKS)) -> Counter:
    session = new_session(region_name=REGION)
    calls: Counter = Counter()

    def record(model, params, context, **_):
        # S3 names the bucket in the host, not the body: GetBucketPolicy on two buckets is two different calls
        bucket = (context.get("s3_redirect") or {}).get("bucket") or ""
        calls[(model.service_model.service_name, model.name, context.get("client_region"),
               json.dumps(params.get("body") or params.get("query_string") or "", default=str, sort_keys=True)
               + bucket)] += 1

    session.events.register_first("before-call.*.*", record)
    policy = baseline.parse({"checks": list(checks), "regions": regions}, default_registry(), source="t")
    report = run_audit(policy, AwsAccess(session, region=REGION, account_id=ACCOUNT_ID), Deadline.after(30))
    if compliant:
        assert not report.failures, [f.message for f in report.failures]
    return calls


def test_the_full_catalogue_in_several_regions_repeats_no_call():
    make_fully_compliant(REGIONS)
    calls = audit_recording_calls(list(REGIONS))
    assert [call for call, count in calls.items() if count > 1] == []
    # once in the home region (with shadow trails), once in each other region (its own single-region trails)
    assert sum(n for (service, op, *_), n in calls.items() if op == "DescribeTrails") == len(REGIONS)
    assert sum(n for (service, op, *_), n in calls.items() if op == "GetAccountSummary") == 1


# Every check that reads the list of regions, and a regional check that runs in each of them.
REGION_LIST_READERS = ("cloudtrail-enabled", "cloudtrail-log-file-validation", "config-recording-enabled",
                       "config-global-resources-recorded", "ebs-encryption-by-default")


def test_regions_all_looks_the_region_list_up_once():
    make_fully_compliant(("us-east-1",))
    calls = audit_recording_calls("all", compliant=False, checks=REGION_LIST_READERS)
    assert sum(n for (service, op, *_), n in calls.items() if op == "DescribeRegions") == 1
    audited = {region for (service, op, region, _) in calls if op == "GetEbsEncryptionByDefault"}
    assert len(audited) >= 17
