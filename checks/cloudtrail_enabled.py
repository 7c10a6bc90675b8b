"""cloudtrail-enabled: a multi-region trail is logging read and write management events, all of them."""
from __future__ import annotations

import dataclasses
from concurrent.futures import as_completed

from checks._trails import (
    CLOUDTRAIL_READ_ACTIONS,
    READ_WRITE_TYPES,
    TrailAssessment,
    assessment_futures,
    describe,
    problems_of,
)
from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import CheckMeta, Controls, Parameter, Result, Severity, Stricter, failed, passed
from preflight.registry import check


@check(CheckMeta(
    id="cloudtrail-enabled",
    title="A multi-region CloudTrail trail is logging read and write management events",
    severity=Severity.HIGH,
    controls=Controls(cis_aws_v3="3.1", security_hub="CloudTrail.1", cis_aws_v5="3.1"),
    remediation=(
        "Create a multi-region trail (or use an organization trail) that records management events with "
        "ReadWriteType All, and start it: aws cloudtrail create-trail --name audit --s3-bucket-name BUCKET "
        "--is-multi-region-trail; aws cloudtrail start-logging --name audit"
    ),
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-1",
    iam_actions=CLOUDTRAIL_READ_ACTIONS,
    parameters=(
        Parameter("read_write_type", str, "All", "Management events the trail must record: All, WriteOnly or ReadOnly.",
                  Stricter.EARLIER_CHOICE, READ_WRITE_TYPES),
        Parameter("organization_trail_suffices", bool, True,
                  "Whether an organization trail (managed by the management account) satisfies the check.",
                  Stricter.FALSE),
    ),
))
def cloudtrail_enabled(ctx: CheckContext) -> Result:
    """PASS when one trail listed by DescribeTrails (shadow trails included) is multi-region, is logging, and
    records the management events `read_write_type` asks for (All: reads and writes), all of them: classic
    selectors with IncludeManagementEvents, ReadWriteType All (or ReadOnly and WriteOnly together) and an empty
    ExcludeManagementEventSources; or an advanced selector on eventCategory = Management narrowed by nothing but
    readOnly. A selector that excludes event sources (KMS, RDS Data API, ...) or narrows by eventSource,
    eventName, userIdentity.arn or resources.* does not count. An organization trail counts unless
    `organization_trail_suffices` is false; a member account refused its status or selectors
    (CloudTrailARNInvalidException, TrailNotFoundException) trusts them to the organization and notes it. The
    first acceptable trail settles it. FAIL when there is no trail, or when no trail qualifies: each trail is
    named with why it was rejected (single-region, not logging, records no or only some management events).
    ERROR when no trail qualifies and a multi-region trail could not be read (it might have been the compliant
    one).

    Source: AWS Config rule multi-region-cloudtrail-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/multi-region-cloudtrail-enabled.html), the rule
    behind Security Hub CloudTrail.1 and CIS 3.1.
    """
    futures = assessment_futures(ctx)
    if not futures:
        return failed("No CloudTrail trail exists in this account.", trails=[])
    params = (ctx.param("read_write_type"), ctx.param("organization_trail_suffices"))
    assessments = []
    # The first acceptable trail settles it: a trail whose home region hangs cannot hold the verdict up.
    for future in as_completed(futures):
        trail = future.result()
        assessments.append(trail)
        if not trail.error and not problems_of(trail, *params):
            kind = "organization trail" if trail.organization_trail else "multi-region trail"
            return passed(f"The {kind} '{trail.name}' is logging {_events(params[0])}.",
                          trails=_evidence(assessments, params), unfinished=len(futures) - len(assessments))
    assessments = [f.result() for f in futures]  # back in DescribeTrails order for the message
    unreadable = [a for a in assessments if a.error]
    if unreadable:  # an unreadable multi-region trail might be the compliant one: that is no verdict
        raise EvaluationError(unreadable[0].error_code or "Unknown", "; ".join(describe(a, []) for a in unreadable))
    reasons = "; ".join(describe(a, problems_of(a, *params)) for a in assessments)
    return failed(f"No multi-region trail logs {_events(params[0])}: {reasons}.",
                  trails=_evidence(assessments, params), resources=tuple(a.arn for a in assessments))


def _evidence(trails: list[TrailAssessment], params: tuple[str, bool]) -> list[dict]:
    """Each trail considered, with why it was rejected (empty when accepted)."""
    return [{**dataclasses.asdict(t), "problems": problems_of(t, *params)} for t in trails]


def _events(read_write_type: str) -> str:
    return {"All": "all management events", "WriteOnly": "write management events",
            "ReadOnly": "read management events"}[read_write_type]


CHECKS = (cloudtrail_enabled,)
