"""What an on-call engineer and CloudWatch see of each audit: one JSON log line per finding, one summary
line per audit (the full report), and Embedded Metric Format metrics in the `Preflight` namespace.

Every line carries the stack, logical resource and request ids - never the ResponseURL. Metrics go through
Powertools for AWS Lambda's Metrics (EMF printed to stdout; ~6 ms to import, so it is imported on first use),
chosen over aws-embedded-metrics (~80 ms to import) and over a hand-written format.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Mapping

from preflight import inert
from preflight.model import Report
from preflight.reporting.document import report_to_dict

logger = logging.getLogger("preflight.audit")
NAMESPACE = "Preflight"


@dataclass(frozen=True)
class RequestIds:
    stack_id: str = ""
    logical_id: str = ""
    request_id: str = ""
    request_type: str = ""
    invocation_id: str = ""  # Lambda's own request id: repeated by Lambda's retries, never chosen by a caller

    @classmethod
    def of(cls, event: Mapping[str, Any], invocation_id: str = "") -> "RequestIds":
        """From an event whose envelope preflight.request has already checked."""
        return cls(str(event.get("StackId", "")), str(event.get("LogicalResourceId", "")),
                   str(event.get("RequestId", "")), str(event.get("RequestType", "")), invocation_id)

    def fields(self) -> dict[str, str]:
        return {"stack_id": self.stack_id, "logical_id": self.logical_id, "request_id": self.request_id,
                "request_type": self.request_type, "invocation_id": self.invocation_id}


def log_audit(report: Report, ids: RequestIds) -> None:
    for finding in report.findings:
        logger.info(json.dumps(inert.json_data({
            "event": "finding", **ids.fields(), "check": finding.check.id, "region": finding.region,
            "status": finding.status.value, "severity": finding.effective_severity.value,
            "duration_ms": round(finding.duration_s * 1000, 1), "message": finding.message,
            "error_code": finding.error_code,
        })))
    summary = {"event": "audit", **ids.fields(), **report_to_dict(report)}
    # The summary is the full report: every finding with its evidence, in one object.
    logger.info(json.dumps(inert.json_data(summary)), extra={"preflight_report": report})


def publish_metrics(report: Report) -> None:
    """AuditDuration and ChecksFailed per audit; CheckFailures with a CheckId dimension per failing check."""
    try:
        from aws_lambda_powertools.metrics import Metrics, MetricUnit, single_metric
        from aws_lambda_powertools.metrics.functions import is_metrics_disabled
    except ImportError:  # metrics are an extra, never a reason to fail an audit
        logger.warning("aws-lambda-powertools is not installed; no metrics published")
        return
    if is_metrics_disabled():  # POWERTOOLS_METRICS_DISABLED (single_metric does not check it itself)
        return
    failed = list(dict.fromkeys(f.check.id for f in report.failures))
    metrics = Metrics(namespace=NAMESPACE, service="preflight")
    metrics.add_metric(name="AuditDuration", unit=MetricUnit.Milliseconds, value=round(report.duration_s * 1000, 1))
    metrics.add_metric(name="ChecksFailed", unit=MetricUnit.Count, value=len(failed))
    metrics.add_metric(name="AuditsFailed", unit=MetricUnit.Count, value=1 if report.blocking else 0)
    metrics.flush_metrics()
    for check_id in failed:
        regions = sum(1 for f in report.failures if f.check.id == check_id)
        with single_metric(name="CheckFailures", unit=MetricUnit.Count, value=regions, namespace=NAMESPACE) as metric:
            metric.add_dimension(name="CheckId", value=check_id)
