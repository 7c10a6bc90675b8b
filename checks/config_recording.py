"""config-recording-enabled: an AWS Config recorder records every supported resource type, healthily."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from preflight.concurrency import fan_out
from preflight.context import CheckContext
from preflight.model import Check, CheckMeta, Controls, Result, Severity, failed, passed

META = CheckMeta(
    id="config-recording-enabled",
    title="AWS Config records all supported resource types in this region",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="3.3", security_hub="Config.1"),
    remediation=(
        "Create a configuration recorder with recordingGroup allSupported=true and a delivery channel, then "
        "start it: aws configservice start-configuration-recorder --configuration-recorder-name default"
    ),
    remediation_url="https://docs.aws.amazon.com/config/latest/developerguide/gs-console.html",
    iam_actions=("config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus"),
)


@dataclass
class RecorderAssessment:
    name: str
    recording: bool
    last_status: str | None
    all_supported: bool
    problems: list[str] = field(default_factory=list)


def assess(recorder: dict[str, Any], status: dict[str, Any]) -> RecorderAssessment:
    assessment = RecorderAssessment(
        name=recorder["name"],
        recording=bool(status.get("recording")),
        last_status=status.get("lastStatus"),
        all_supported=bool(recorder.get("recordingGroup", {}).get("allSupported")),
    )
    if not assessment.recording:
        assessment.problems.append("is not recording")
    if (assessment.last_status or "").upper() == "FAILURE":  # AWS says "Failure"; moto upper-cases
        reason = status.get("lastErrorMessage") or status.get("lastErrorCode") or "no reason given"
        assessment.problems.append(f"last delivered with FAILURE ({reason})")
    if not assessment.all_supported:
        assessment.problems.append("records only some resource types")
    return assessment


def run(ctx: CheckContext) -> Result:
    client = ctx.client("config")
    recorders, statuses = fan_out(
        lambda call: call(),
        (
            lambda: client.describe_configuration_recorders()["ConfigurationRecorders"],
            lambda: client.describe_configuration_recorder_status()["ConfigurationRecordersStatus"],
        ),
    )
    if not recorders:
        return failed(f"AWS Config has no configuration recorder in {ctx.region}.", recorders=[])
    status_by_name = {s["name"]: s for s in statuses}
    assessments = [assess(r, status_by_name.get(r["name"], {})) for r in recorders]
    good = [a for a in assessments if not a.problems]
    if good:
        return passed(
            f"Configuration recorder '{good[0].name}' records all supported resource types in {ctx.region}.",
            recorders=assessments,
        )
    reasons = "; ".join(f"recorder '{a.name}' " + " and ".join(a.problems) for a in assessments)
    return failed(f"AWS Config is not recording everything in {ctx.region}: {reasons}.", recorders=assessments)


CHECK = Check(META, run)
