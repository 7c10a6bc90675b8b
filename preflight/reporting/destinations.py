"""Where a finished audit is reported, as the baseline's `reports` section says: the full JSON report to S3,
findings to AWS Security Hub (security_hub.py), a notification to SNS on FAIL. Each runs concurrently and is
bounded by the audit's deadline; one that fails or overruns is logged and noted, and never changes the verdict."""
from __future__ import annotations

import concurrent.futures
import json
import logging
from typing import Callable

from preflight.reporting import security_hub
from preflight import inert
from preflight.aws.access import AwsAccess
from preflight.aws.errors import describe_error
from preflight.concurrency import Deadline, spawn
from preflight.model import Delivery, Report
from preflight.aws.names import stack_name
from preflight.reporting.observability import RequestIds
from preflight.policy import Reports
from preflight.reporting.document import report_to_dict

logger = logging.getLogger(__name__)

# IAM actions each destination needs; cfn/preflight.yaml grants them only when the destination is configured.
# Security Hub: the findings imported, and the earlier ones read back to resolve those that no longer fail.
IAM_ACTIONS = {"s3": ("s3:PutObject",), "security_hub": ("securityhub:BatchImportFindings", "securityhub:GetFindings"),
               "sns": ("sns:Publish",)}


def report_key(reports: Reports, report: Report, ids: RequestIds) -> str:
    """One key per Lambda invocation: a retry of the same invocation rewrites its own report, and no other
    request - a forged one reusing a real RequestId included - can overwrite it."""
    invocation = f"/{ids.invocation_id}" if ids.invocation_id else ""
    return (f"{reports.s3_prefix}{report.account_id}/{report.region}/{stack_name(ids.stack_id)}/"
            f"{ids.request_id or 'cli'}{invocation}.json")


def _to_s3(report: Report, reports: Reports, aws: AwsAccess, ids: RequestIds) -> Delivery:
    key = report_key(reports, report, ids)
    body = json.dumps(inert.json_data({**ids.fields(), **report_to_dict(report)})).encode()
    aws.client("s3").put_object(Bucket=reports.s3_bucket, Key=key, Body=body, ContentType="application/json")
    uri = f"s3://{reports.s3_bucket}/{key}"
    return Delivery("s3", True, f"report written to {uri}", uri)


def _to_sns(report: Report, reports: Reports, aws: AwsAccess, ids: RequestIds, report_uri: str | None) -> Delivery:
    if not report.blocking:
        return Delivery("sns", True, "nothing to notify: the audit passed")
    stack = stack_name(ids.stack_id)
    lines = [f"preflight FAILED stack {stack} in account {report.account_id}, region {report.region}.", ""]
    for finding in report.blocking:
        where = f" [{finding.region}]" if finding.region else ""
        lines.append(f"- {finding.check.id}{where} ({finding.status.value}): {finding.message}")
    lines += ["", f"Stack: {ids.stack_id}", f"Request: {ids.request_id}"]
    if report_uri:
        lines.append(f"Full report: {report_uri}")
    subject = f"preflight FAIL: {stack} ({report.account_id} {report.region})"[:100]
    assert reports.sns_topic_arn  # only a configured destination is sent to
    region = reports.sns_topic_arn.split(":")[3]
    aws.client("sns", region).publish(TopicArn=reports.sns_topic_arn, Subject=subject, Message="\n".join(lines))
    return Delivery("sns", True, f"notified {reports.sns_topic_arn}")


def deliver(report: Report, reports: Reports, aws: AwsAccess, ids: RequestIds, deadline: Deadline
            ) -> tuple[Delivery, ...]:
    if not reports.configured:
        return ()

    def guarded(name: str, send: Callable[[], Delivery]) -> Delivery:
        try:
            return send()
        except Exception as error:  # a destination never fails the audit
            code, message = describe_error(error)
            logger.warning("report destination %s failed: %s", name, message)
            return Delivery(name, False, message)

    # S3 first in line for the SNS message's link; both start at once, SNS only waits for the URI it names.
    jobs: dict[str, concurrent.futures.Future] = {}
    if reports.s3_bucket:
        jobs["s3"] = spawn(guarded, "s3", lambda: _to_s3(report, reports, aws, ids))
    if reports.security_hub:
        jobs["security_hub"] = spawn(guarded, "security_hub", lambda: security_hub.deliver(report, aws, deadline))
    if reports.sns_topic_arn:
        def notify() -> Delivery:
            uri = None
            if "s3" in jobs:
                try:
                    uri = jobs["s3"].result(timeout=deadline.remaining()).uri
                except concurrent.futures.TimeoutError:
                    pass
            return _to_sns(report, reports, aws, ids, uri)
        jobs["sns"] = spawn(guarded, "sns", notify)
    concurrent.futures.wait(jobs.values(), timeout=deadline.remaining())
    deliveries = []
    for name, job in jobs.items():
        if job.done():
            deliveries.append(job.result())
        else:
            logger.warning("report destination %s did not finish before the deadline", name)
            deliveries.append(Delivery(name, False, "did not finish before the audit's deadline"))
    return tuple(deliveries)
