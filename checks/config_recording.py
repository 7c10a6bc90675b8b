"""AWS Config: recording everything in every audited region, and global (IAM) resource types somewhere."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from preflight.concurrency import fan_out
from preflight.context import CheckContext
from preflight.model import Check, CheckMeta, Controls, Result, Scope, Severity, failed, passed

CONFIG_READ_ACTIONS = ("config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus")
URL = "https://docs.aws.amazon.com/config/latest/developerguide/select-resources.html"

RECORDING_META = CheckMeta(
    id="config-recording-enabled",
    title="AWS Config records all supported resource types",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="3.3", security_hub="Config.1"),
    remediation=(
        "Create a configuration recorder with recordingGroup allSupported=true and a delivery channel, then "
        "start it: aws configservice start-configuration-recorder --configuration-recorder-name default"
    ),
    remediation_url="https://docs.aws.amazon.com/config/latest/developerguide/gs-console.html",
    iam_actions=CONFIG_READ_ACTIONS,
    scope=Scope.REGIONAL,
)


@dataclass
class RecorderAssessment:
    name: str
    region: str
    recording: bool
    last_status: str | None
    all_supported: bool
    global_types: bool
    problems: list[str] = field(default_factory=list)


def _records_global_types(group: dict[str, Any]) -> bool:
    if group.get("allSupported") and group.get("includeGlobalResourceTypes"):
        return True
    return any(t.startswith("AWS::IAM::") for t in group.get("resourceTypes", []))


def assess(recorder: dict[str, Any], status: dict[str, Any], region: str) -> RecorderAssessment:
    group = recorder.get("recordingGroup", {})
    assessment = RecorderAssessment(
        name=recorder["name"],
        region=region,
        recording=bool(status.get("recording")),
        last_status=status.get("lastStatus"),
        all_supported=bool(group.get("allSupported")),
        global_types=_records_global_types(group),
    )
    if not assessment.recording:
        assessment.problems.append("is not recording")
    if (assessment.last_status or "").upper() == "FAILURE":  # AWS says "Failure"; moto upper-cases
        reason = status.get("lastErrorMessage") or status.get("lastErrorCode") or "no reason given"
        assessment.problems.append(f"last delivered with FAILURE ({reason})")
    if not assessment.all_supported:
        assessment.problems.append("records only some resource types")
    return assessment


def recorders_in(ctx: CheckContext, region: str) -> list[RecorderAssessment]:
    """Every recorder in a region with its status: two calls at once, once per audit and region."""
    def fetch() -> list[RecorderAssessment]:
        client = ctx.client("config", region)
        recorders, statuses = fan_out(
            lambda call: call(),
            (
                lambda: client.describe_configuration_recorders()["ConfigurationRecorders"],
                lambda: client.describe_configuration_recorder_status()["ConfigurationRecordersStatus"],
            ),
        )
        by_name = {s["name"]: s for s in statuses}
        return [assess(r, by_name.get(r["name"], {}), region) for r in recorders]

    return ctx.remember(("config", "recorders", region), fetch)


def run_recording(ctx: CheckContext) -> Result:
    assessments = recorders_in(ctx, ctx.region)
    if not assessments:
        return failed(f"AWS Config has no configuration recorder in {ctx.region}.", recorders=[])
    good = [a for a in assessments if not a.problems]
    if good:
        return passed(
            f"Configuration recorder '{good[0].name}' records all supported resource types in {ctx.region}.",
            recorders=assessments,
        )
    reasons = "; ".join(f"recorder '{a.name}' " + " and ".join(a.problems) for a in assessments)
    return failed(f"AWS Config is not recording everything in {ctx.region}: {reasons}.", recorders=assessments,
                  resources=tuple(f"arn:aws:config:{ctx.region}:{ctx.account_id}:config-recorder/{a.name}"
                                  for a in assessments))


GLOBAL_META = CheckMeta(
    id="config-global-resources-recorded",
    title="AWS Config records global (IAM) resource types in at least one audited region",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="3.3", security_hub="Config.1"),
    remediation=(
        "In one region (usually the home region), set includeGlobalResourceTypes=true on a recorder that "
        "records all supported types, and keep it recording."
    ),
    remediation_url=URL,
    iam_actions=CONFIG_READ_ACTIONS,
)


def run_global(ctx: CheckContext) -> Result:
    regions = ctx.audited_regions()
    per_region = dict(zip(regions, fan_out(lambda r: recorders_in(ctx, r), regions)))
    recording_global = [a for items in per_region.values() for a in items if a.global_types and a.recording]
    evidence = {r: [a.name for a in items if a.global_types] for r, items in per_region.items()}
    if recording_global:
        first = recording_global[0]
        return passed(f"Recorder '{first.name}' in {first.region} records global resource types.",
                      recorders_with_global_types=evidence)
    return failed(f"No recording AWS Config recorder records global (IAM) resource types in "
                  f"{', '.join(regions)}.", recorders_with_global_types=evidence)


RECORDING = Check(RECORDING_META, run_recording)
GLOBAL_RESOURCES = Check(GLOBAL_META, run_global)
