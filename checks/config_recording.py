"""AWS Config: recording everything in every audited region, and the global IAM types in an eligible one. Both
checks share one look-up of each region's recorders and their status (two calls at once, once per audit)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from preflight.concurrency import fan_out
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Parameter, Result, Scope, Severity, Stricter, failed, passed
from preflight.registry import check

CONFIG_READ_ACTIONS = ("config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus")
URL = "https://docs.aws.amazon.com/config/latest/developerguide/select-resources.html"


@dataclass
class RecorderAssessment:
    name: str
    region: str
    recording: bool
    last_status: str | None
    all_supported: bool
    global_types: bool
    role_arn: str = ""
    problems: list[str] = field(default_factory=list)


# AWS Config's service-linked role (AWS Config Developer Guide, "Using Service-Linked Roles for AWS Config").
SERVICE_LINKED_ROLE = "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


# The global IAM resource types AWS Config records only where it existed before February 2022 (AWS Config
# Developer Guide, "Recording global resource types" / "Managed Rules and Global IAM Resource Types").
GLOBAL_IAM_TYPES = frozenset({"AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"})
REGIONS_RECORDING_GLOBAL_TYPES = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-north-1",
    "me-south-1", "sa-east-1", "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
})  # later regions (Hyderabad, Melbourne, Calgary, Spain, Zurich, Tel Aviv, UAE, ... and any newer) cannot


def _records_global_types(group: dict[str, Any]) -> bool:
    """Whether a recording group covers all four global IAM types (where the region can record them)."""
    strategy = (group.get("recordingStrategy") or {}).get("useOnly")
    if strategy == "EXCLUSION_BY_RESOURCE_TYPES":
        excluded = set((group.get("exclusionByResourceTypes") or {}).get("resourceTypes") or [])
        return not (GLOBAL_IAM_TYPES & excluded)
    if strategy == "INCLUSION_BY_RESOURCE_TYPES" or not group.get("allSupported"):
        return GLOBAL_IAM_TYPES <= set(group.get("resourceTypes") or [])
    return bool(group.get("includeGlobalResourceTypes"))


def assess(recorder: dict[str, Any], status: dict[str, Any], region: str) -> RecorderAssessment:
    group = recorder.get("recordingGroup", {})
    assessment = RecorderAssessment(
        name=recorder["name"],
        region=region,
        recording=bool(status.get("recording")),
        last_status=status.get("lastStatus"),
        all_supported=bool(group.get("allSupported")),
        global_types=_records_global_types(group),
        role_arn=str(recorder.get("roleARN") or ""),
    )
    if not assessment.recording:
        assessment.problems.append("is not recording")
    if (assessment.last_status or "").upper() == "FAILURE":  # AWS says "Failure"; moto upper-cases
        reason = status.get("lastErrorMessage") or status.get("lastErrorCode") or "no reason given"
        assessment.problems.append(f"last delivered with FAILURE ({reason})")
    if not assessment.all_supported:
        assessment.problems.append("records only some resource types")
    return assessment


def _with_rules(assessment: RecorderAssessment, success_required: bool, slr_required: bool) -> RecorderAssessment:
    """The assessment with config-recording-enabled's own rules added to the shared ones."""
    problems = list(assessment.problems)
    status = (assessment.last_status or "").upper()
    if success_required and assessment.recording and status not in ("SUCCESS", "FAILURE"):
        problems.append(f"has not delivered yet (lastStatus {assessment.last_status or 'none'}, not SUCCESS)")
    if slr_required and not assessment.role_arn.endswith(SERVICE_LINKED_ROLE):
        problems.append(f"uses {assessment.role_arn or 'no role'}, not AWS Config's service-linked role")
    return RecorderAssessment(assessment.name, assessment.region, assessment.recording, assessment.last_status,
                              assessment.all_supported, assessment.global_types, assessment.role_arn, problems)


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


@check(CheckMeta(
    id="config-recording-enabled",
    title="AWS Config records all supported resource types",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="3.3", security_hub="Config.1", cis_aws_v5="3.3"),
    remediation=(
        "Create a configuration recorder with recordingGroup allSupported=true and a delivery channel, then "
        "start it: aws configservice start-configuration-recorder --configuration-recorder-name default"
    ),
    remediation_url="https://docs.aws.amazon.com/config/latest/developerguide/gs-console.html",
    iam_actions=CONFIG_READ_ACTIONS,
    scope=Scope.REGIONAL,
    parameters=(
        Parameter("require_last_status_success", bool, True, "the recorder's lastStatus must be SUCCESS (CIS 3.3's "
                  "audit), not only not FAILURE: a recorder still PENDING has not delivered anything yet",
                  Stricter.TRUE),
        Parameter("include_service_linked_role_check", bool, True, "the recorder must use AWS Config's "
                  "service-linked role (Security Hub Config.1's includeConfigServiceLinkedRoleCheck, default true)",
                  Stricter.TRUE),
    ),
))
def config_recording_enabled(ctx: CheckContext) -> Result:
    """Per audited region. PASS when a configuration recorder records all supported resource types
    (recordingGroup allSupported), is recording, its lastStatus is SUCCESS (parameter
    require_last_status_success, default true; false: anything but FAILURE) and it uses AWS Config's
    service-linked role AWSServiceRoleForConfig (parameter include_service_linked_role_check, default true, as
    Security Hub Config.1's includeConfigServiceLinkedRoleCheck). FAIL when the region has no recorder, or when
    every recorder falls short: each is named with why (is not recording, last delivered with FAILURE and
    AWS's reason, has not delivered yet (PENDING), records only some resource types, uses another role) - a
    recorder that records but fails to deliver does not count. ERROR when the recorders or their status
    cannot be read.

    Source: Security Hub Config.1
    (https://docs.aws.amazon.com/securityhub/latest/userguide/config-controls.html#config-1) and CIS 3.3;
    AWS Config Developer Guide, "Recording AWS Resources with AWS Config"
    (https://docs.aws.amazon.com/config/latest/developerguide/select-resources.html).
    """
    assessments = [_with_rules(a, ctx.param("require_last_status_success"), ctx.param("include_service_linked_role_check"))
                   for a in recorders_in(ctx, ctx.region)]
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


@check(CheckMeta(
    id="config-global-resources-recorded",
    title="AWS Config records global (IAM) resource types in at least one audited region",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="3.3", security_hub="Config.1", cis_aws_v5="3.3"),
    remediation=(
        "In one region (usually the home region), set includeGlobalResourceTypes=true on a recorder that "
        "records all supported types, and keep it recording."
    ),
    remediation_url=URL,
    iam_actions=CONFIG_READ_ACTIONS,
))
def config_global_resources_recorded(ctx: CheckContext) -> Result:
    """PASS when a recording recorder in an audited region where AWS Config existed before February 2022 records
    all four global IAM types (AWS::IAM::User, Group, Role and Policy): allSupported with
    includeGlobalResourceTypes, an EXCLUSION_BY_RESOURCE_TYPES strategy that excludes none of them, or an
    inclusion list with all four. FAIL when none does, naming the audited regions - and any region whose
    recorder would record them but cannot, being newer than February 2022 (Hyderabad, Melbourne, Calgary, Spain, Zurich,
    Tel Aviv, UAE, ...). The audited regions count, so `regions: all` judges every region. ERROR when a region's
    recorders cannot be read.

    Source: AWS Config Developer Guide, "Recording AWS Resources with AWS Config", "Regional and global resources"
    (https://docs.aws.amazon.com/config/latest/developerguide/select-resources.html); mapped to CIS 3.3 and
    Security Hub Config.1.
    """
    regions = ctx.audited_regions()
    per_region = dict(zip(regions, fan_out(lambda r: recorders_in(ctx, r), regions)))
    eligible = [r for r in regions if r in REGIONS_RECORDING_GLOBAL_TYPES]
    recording_global = [a for r in eligible for a in per_region[r] if a.global_types and a.recording]
    evidence = {r: [a.name for a in items if a.global_types] for r, items in per_region.items()}
    if recording_global:
        first = recording_global[0]
        return passed(f"Recorder '{first.name}' in {first.region} records the global IAM resource types.",
                      recorders_with_global_types=evidence)
    ineligible = [r for r in regions if r not in REGIONS_RECORDING_GLOBAL_TYPES and any(
        a.global_types and a.recording for a in per_region[r])]
    note = (f" ({', '.join(ineligible)} cannot record them: AWS Config records IAM users, groups, roles and "
            "policies only in regions where it existed before February 2022)") if ineligible else ""
    return failed(f"No recording AWS Config recorder records the global IAM resource types (User, Group, Role, "
                  f"Policy) in {', '.join(regions)}{note}.", recorders_with_global_types=evidence)


CHECKS = (config_recording_enabled, config_global_resources_recorded)
