"""Where moto 5.2 differs from AWS, AWS's behaviour modelled around it. docs/simulation.md lists every
stand-in in the project with the AWS document that justifies it.

- CreateTrail: AWS gives a new trail the default event selector - all management events, ReadWriteType All
  (CloudTrail User Guide, "Logging management events": "By default, trails ... log all management
  events"; CreateTrail API: a trail created without selectors logs management events) - moto leaves it empty.
  `patch_backends()` models it in moto's backend, so it holds in-process and for moto's server alike.
- DescribeRegions: an account sees its own partition's regions, and those launched after 20 March 2019 are
  opt-in, not enabled until someone opts in (AWS General Reference / Account Management guide, "Enable or
  disable AWS Regions in your account"); moto lists China and GovCloud regions to a commercial account and
  marks several opt-in regions enabled. `opted_in` holds the regions a scenario has opted in to.
- IAM Access Analyzer's ListAnalyzers answers "Not yet implemented": `analyzers` holds each region's answer.
- CloudTrail never delivers to CloudWatch Logs, so GetTrailStatus has no LatestCloudWatchLogsDeliveryTime:
  `cloudwatch_deliveries` holds it per trail name or ARN.
- AssumeRole: AWS refuses a role that does not exist (AccessDenied: "... is not authorized to perform:
  sts:AssumeRole on resource: ..."; STS API Reference, AssumeRole, and IAM User Guide, "Troubleshooting
  IAM roles"); moto hands out credentials for any role ARN in any account. With `roles_must_exist` set, a
  role missing from the target account's IAM is refused as AWS does (`patch_backends()`; a scenario turns
  it on). Organizations creates OrganizationAccountAccessRole only in the member accounts it creates
  (Organizations User Guide, "Accessing member accounts"); moto creates none: scenarios create it.
- AWS Config's compliance calls and Security Hub's GetFindings filters: `sim/config_compliance.py` and
  `sim/security_hub_findings.py`, added to moto's responses by `patch_backends()`.
- DescribeSecurityGroups, DescribeNetworkAcls, DescribeVpcs and DescribeFlowLogs return at most MaxResults items
  and a NextToken for the rest (EC2 API Reference, each action's MaxResults and NextToken; "Pagination" in the
  EC2 API Reference's query-API page); moto ignores MaxResults and answers everything at once.
  `_page_as_aws_does` pages moto's whole answer (client-side). The same for RDS DescribeDBClusters (MaxRecords,
  Marker: RDS API Reference, DescribeDBClusters), KMS ListKeys (Limit, Marker / NextMarker and Truncated:
  KMS API Reference, ListKeys), IAM GetAccountAuthorizationDetails (MaxItems, Marker and
  IsTruncated: IAM API Reference, GetAccountAuthorizationDetails), which moto also answers in one piece.
- The regional EC2 account settings - GetSnapshotBlockPublicAccessState, GetImageBlockPublicAccessState and
  GetInstanceMetadataDefaults - are not implemented: `sim/ec2_account_settings.py` models them once (AWS's defaults
  until a scenario changes a region), answered client-side by `install_client_answers()`.
- DescribeImages also ignores MaxResults (EC2 API Reference, DescribeImages: MaxResults, NextToken; AWS strongly
  recommends paginated requests): paged by `_page_as_aws_does` as the Describe calls above.
- GetCredentialReport's GeneratedTime: AWS gives the time IAM generated the report (IAM API Reference,
  GetCredentialReport: "The date and time when the credential report was created"); moto always answers
  2015-02-02T20:02:02Z. `patch_backends()` notes when moto's backend first generates the report and answers
  that (`sim.account.set_credential_report_time` moves it, for a report hours old).
- StartConfigurationRecorder: a recorder's lastStatus is Pending until its first delivery and Success after it
  (AWS Config API Reference, ConfigurationRecorderStatus); moto leaves it PENDING for ever. The simulation
  treats the first delivery as done at once (`patch_backends()`); `sim.account.start_config_recorder
  (delivered=False)` keeps one PENDING.
- ListBuckets answers at most MaxBuckets buckets, in name order, with a ContinuationToken for the rest, and each
  bucket's BucketRegion (S3 API Reference, ListBuckets: MaxBuckets, ContinuationToken, Bucket.BucketRegion); moto
  cuts the list at MaxBuckets with no token (the rest cannot be had) and gives no region. `patch_backends()`
  answers as AWS does, in moto's S3 responses.
- GetBucketVersioning's MFADelete: AWS returns it once a bucket has been configured with MFA delete (S3 API
  Reference, GetBucketVersioning; enabling it needs the root user's MFA device, S3 User Guide, "Configuring MFA
  delete"); moto never does. `mfa_delete` holds the buckets with MFA delete enabled.
- GetInsightSelectors on a trail without Insights raises InsightNotEnabledException (CloudTrail API Reference,
  GetInsightSelectors: "If you run GetInsightSelectors on a trail or event data store that does not have Insights
  events enabled, the operation throws the exception InsightNotEnabledException",
  https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetInsightSelectors.html); DescribeTrails'
  HasInsightSelectors says whether a trail has them (API Reference, Trail); PutInsightSelectors sets the trail's
  selectors, an empty list turning Insights off (API Reference, PutInsightSelectors). moto answers no selectors,
  always says HasInsightSelectors false, and adds each Put's selectors to the last. `patch_backends()` answers as
  AWS does, in moto's CloudTrail model.
`install()` (client-side answers and backend patches) must run before any botocore session is created.
"""
from __future__ import annotations

import datetime
import json

import botocore.handlers
from botocore.awsrequest import AWSResponse

from sim import config_compliance, ec2_account_settings, security_hub_findings

analyzers: dict[str, list[dict]] = {}  # region -> analyzers
opted_in: set[str] = set()  # opt-in regions enabled for the simulated account
# The commercial regions enabled by default: every region launched before 20 March 2019.
DEFAULT_ENABLED_REGIONS = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-north-1", "sa-east-1",
})
cloudwatch_deliveries: dict[str, datetime.datetime] = {}  # trail name or ARN -> last delivery
mfa_delete: set[str] = set()  # buckets whose versioning has MFA delete enabled
roles_must_exist = False  # AssumeRole refuses a role missing from its account's IAM, as AWS does
_installed = False


def _remember_trail_name(model, params, context, **_):
    if model.service_model.service_name == "cloudtrail" and model.name == "GetTrailStatus":
        context["preflight_trail"] = json.loads(params.get("body") or b"{}").get("Name")
    if model.service_model.service_name == "ec2" and model.name == "DescribeRegions":
        body = params.get("body")
        context["preflight_all_regions"] = isinstance(body, dict) and str(body.get("AllRegions")).lower() == "true"


def _add_delivery_time(model, parsed, context, **_):
    if model.service_model.service_name == "cloudtrail" and model.name == "GetTrailStatus":
        delivered = cloudwatch_deliveries.get(context.get("preflight_trail"))
        if delivered and isinstance(parsed, dict):
            parsed["LatestCloudWatchLogsDeliveryTime"] = delivered


def _partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def _regions_as_aws_lists_them(model, parsed, context, **_):
    if model.service_model.service_name != "ec2" or model.name != "DescribeRegions" or not isinstance(parsed, dict):
        return
    home = _partition(context.get("client_region") or "us-east-1")
    regions = []
    for region in parsed.get("Regions", []):
        name = region.get("RegionName", "")
        if _partition(name) != home:
            continue
        if home == "aws":
            enabled = name in DEFAULT_ENABLED_REGIONS or name in opted_in
            region["OptInStatus"] = ("opt-in-not-required" if name in DEFAULT_ENABLED_REGIONS
                                     else "opted-in" if enabled else "not-opted-in")
            if not enabled and not context.get("preflight_all_regions"):
                continue  # AllRegions false (the default): only the regions enabled for the account
        regions.append(region)
    parsed["Regions"] = regions


# Operations moto answers in one piece whatever the page size says -> (the list AWS pages, page-size parameter,
# token parameter, token in the answer, the answer's "more to come" flag or None).
PAGED_BY_AWS = {
    ("ec2", "DescribeSecurityGroups"): ("SecurityGroups", "MaxResults", "NextToken", "NextToken", None),
    ("ec2", "DescribeNetworkAcls"): ("NetworkAcls", "MaxResults", "NextToken", "NextToken", None),
    ("ec2", "DescribeVpcs"): ("Vpcs", "MaxResults", "NextToken", "NextToken", None),
    ("ec2", "DescribeFlowLogs"): ("FlowLogs", "MaxResults", "NextToken", "NextToken", None),
    ("ec2", "DescribeImages"): ("Images", "MaxResults", "NextToken", "NextToken", None),
    ("rds", "DescribeDBClusters"): ("DBClusters", "MaxRecords", "Marker", "Marker", None),
    ("kms", "ListKeys"): ("Keys", "Limit", "Marker", "NextMarker", "Truncated"),
    ("iam", "GetAccountAuthorizationDetails"): ("UserDetailList", "MaxItems", "Marker", "Marker", "IsTruncated"),
}


def _remember_page(model, params, context, **_):
    paged = PAGED_BY_AWS.get((model.service_model.service_name, model.name))
    if paged is None:
        return
    _, size_param, token_in, _, _ = paged
    body = params.get("body")
    as_json = isinstance(body, (bytes, str))
    if as_json:
        body = json.loads(body or b"{}")
    if isinstance(body, dict) and size_param in body:
        offset = body.pop(token_in, None)  # moto would not know its own offsets
        context["preflight_page"] = (int(body[size_param]), int(offset or 0))
        if as_json:
            params["body"] = json.dumps(body).encode()


def _page_as_aws_does(model, parsed, context, **_):
    page = context.get("preflight_page")
    paged = PAGED_BY_AWS.get((model.service_model.service_name, model.name))
    if page is None or paged is None or not isinstance(parsed, dict):
        return
    key, _, _, token_out, truncated = paged
    size, offset = page
    items = parsed.get(key) or []
    parsed[key] = items[offset:offset + size]
    parsed.pop(token_out, None)
    more = offset + size < len(items)
    if more:
        parsed[token_out] = str(offset + size)
    if truncated:
        parsed[truncated] = more


def _remember_bucket(params, model, context, **_):
    if model.service_model.service_name == "s3" and model.name == "GetBucketVersioning":
        context["preflight_bucket"] = params.get("Bucket")


def _add_mfa_delete(model, parsed, context, **_):
    if model.service_model.service_name == "s3" and model.name == "GetBucketVersioning" and isinstance(parsed, dict):
        if context.get("preflight_bucket") in mfa_delete:
            parsed["MFADelete"] = "Enabled"


def _list_analyzers(model, context, **_):
    if model.service_model.service_name != "accessanalyzer" or model.name != "ListAnalyzers":
        return None
    region = context.get("client_region")
    return AWSResponse("https://access-analyzer.local", 200, {}, None), {"analyzers": list(analyzers.get(region, []))}


DEFAULT_EVENT_SELECTORS = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                            "ExcludeManagementEventSources": []}]
_backends_patched = False


def patch_backends() -> None:
    """AWS behaviour in moto's own models (in this process: the in-process mock and a ThreadedMotoServer)."""
    global _backends_patched
    if _backends_patched:
        return
    from moto.cloudtrail import models

    original = models.Trail.__init__

    def trail_with_default_selector(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        self.event_selectors = [dict(s) for s in DEFAULT_EVENT_SELECTORS]

    models.Trail.__init__ = trail_with_default_selector
    _recorders_deliver()
    _refuse_missing_roles()
    config_compliance.patch_responses()
    security_hub_findings.patch_responses()
    _credential_report_generated_time()
    _list_buckets_as_aws_does()
    _insights_as_aws_does()
    _backends_patched = True


def _recorders_deliver() -> None:
    from moto.config.models import ConfigRecorderStatus

    original = ConfigRecorderStatus.start

    def start_and_deliver(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        self.last_status = "SUCCESS"

    ConfigRecorderStatus.start = start_and_deliver


def _refuse_missing_roles() -> None:
    from moto.iam.models import iam_backends
    from moto.sts.exceptions import STSClientError
    from moto.sts.models import STSBackend
    from moto.utilities.utils import get_partition

    original = STSBackend.assume_role

    def assume_role(self, region_name, role_session_name, role_arn, *args, **kwargs):  # type: ignore[no-untyped-def]
        if roles_must_exist:
            parts = role_arn.split(":")
            account, name = (parts[4], parts[5].split("/")[-1]) if len(parts) > 5 else ("", "")
            roles = iam_backends[account][get_partition(region_name)].roles.values() if account else ()
            if not any(role.name == name for role in roles):
                raise STSClientError("AccessDenied", f"User: arn:aws:iam::{self.account_id}:user/preflight is not "
                                                     f"authorized to perform: sts:AssumeRole on resource: {role_arn}")
        return original(self, region_name, role_session_name, role_arn, *args, **kwargs)

    STSBackend.assume_role = assume_role


def _credential_report_generated_time() -> None:
    from moto.core.utils import utcnow
    from moto.iam.models import IAMBackend
    from moto.iam.responses import IamResponse

    generate = IAMBackend.generate_report
    get = IamResponse.get_credential_report

    def generate_report(self):  # type: ignore[no-untyped-def]
        if not self.credential_report or getattr(self, "preflight_report_time", None) is None:
            self.preflight_report_time = utcnow()
        generate(self)

    def get_credential_report(self):  # type: ignore[no-untyped-def]
        answer = get(self)
        when = getattr(self.backend, "preflight_report_time", None)
        if when is not None and isinstance(answer.result, dict):
            answer.result["GeneratedTime"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        return answer

    IAMBackend.generate_report = generate_report
    IamResponse.get_credential_report = get_credential_report


def _list_buckets_as_aws_does() -> None:
    from moto.core.responses import ActionResult
    from moto.s3.responses import S3Response

    def all_buckets(self):  # type: ignore[no-untyped-def]
        self.data["Action"] = "ListAllMyBuckets"
        self._authenticate_and_authorize_s3_action()
        prefix, region = self._get_param("prefix"), self._get_param("bucket-region")
        size, after = int(self._get_param("max-buckets") or 10000), self._get_param("continuation-token")
        buckets = sorted(self.backend.list_buckets(prefix=prefix, bucket_region=region, max_buckets=None),
                         key=lambda b: b.name)
        if after:
            buckets = [b for b in buckets if b.name > after]
        page = buckets[:size]
        result: dict = {"Owner": {"ID": "bcaf1ffd86f41161ca5fb16fd081034f", "DisplayName": "webfile"},
                        "Buckets": [{"Name": b.name, "CreationDate": b.creation_date_ISO8601,
                                     "BucketRegion": b.region_name} for b in page]}
        if len(buckets) > size:
            result["ContinuationToken"] = page[-1].name
        if prefix:
            result["Prefix"] = prefix
        self.data["Action"] = "ListBuckets"
        return self.serialized(ActionResult(result))

    S3Response.all_buckets = all_buckets


def _insights_as_aws_does() -> None:
    from moto.cloudtrail import models
    from moto.core.exceptions import JsonRESTError

    describe = models.Trail.description

    def description(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return describe(self, *args, **kwargs) | {"HasInsightSelectors": bool(self.insight_selectors)}

    def put_insight_selectors(self, insight_selectors):  # type: ignore[no-untyped-def]
        self.insight_selectors = list(insight_selectors or [])

    def get_insight_selectors(self, trail_name):  # type: ignore[no-untyped-def]
        trail = self.get_trail(trail_name)
        if not trail.insight_selectors:
            raise JsonRESTError("InsightNotEnabledException",
                                f"Trail {trail.arn} does not have Insights enabled. Edit the trail settings to enable "
                                "Insights, and then try the operation again.")
        return trail.arn, trail.insight_selectors

    models.Trail.description = description
    models.Trail.put_insight_selectors = put_insight_selectors
    models.CloudTrailBackend.get_insight_selectors = get_insight_selectors


def install() -> None:
    patch_backends()
    install_client_answers()


def install_client_answers() -> None:
    """Only the client-side answers: for an auditor in a process of its own, talking to moto's server
    elsewhere (it does not import moto)."""
    global _installed
    if not _installed:
        botocore.handlers.BUILTIN_HANDLERS.append(("before-call.*.*", _list_analyzers))
        botocore.handlers.BUILTIN_HANDLERS.append(("before-call.*.*", _remember_trail_name))
        botocore.handlers.BUILTIN_HANDLERS.append(("after-call.*.*", _add_delivery_time))
        botocore.handlers.BUILTIN_HANDLERS.append(("after-call.*.*", _regions_as_aws_lists_them))
        botocore.handlers.BUILTIN_HANDLERS.append(("before-call.*.*", _remember_page))
        botocore.handlers.BUILTIN_HANDLERS.append(("before-call.ec2.*", ec2_account_settings.answer))
        botocore.handlers.BUILTIN_HANDLERS.append(("after-call.*.*", _page_as_aws_does))
        botocore.handlers.BUILTIN_HANDLERS.append(("before-parameter-build.s3.GetBucketVersioning", _remember_bucket))
        botocore.handlers.BUILTIN_HANDLERS.append(("after-call.s3.GetBucketVersioning", _add_mfa_delete))
        _installed = True


def create_analyzer(region: str, name: str = "external", kind: str = "ACCOUNT", status: str = "ACTIVE") -> None:
    analyzers.setdefault(region, []).append({
        "name": name, "type": kind, "status": status,
        "arn": f"arn:aws:access-analyzer:{region}:123456789012:analyzer/{name}",
    })


def deliver_to_cloudwatch(trail_name_or_arn: str, when: datetime.datetime | None = None) -> None:
    cloudwatch_deliveries[trail_name_or_arn] = when or datetime.datetime.now(datetime.timezone.utc)


def snapshot() -> dict:
    """The client-side answers as JSON-able data, for an auditor in another process (`restore` there)."""
    return {"analyzers": analyzers, "opted_in": sorted(opted_in), "mfa_delete": sorted(mfa_delete),
            "ec2_account_settings": ec2_account_settings.snapshot(),
            "cloudwatch_deliveries": {k: v.isoformat() for k, v in cloudwatch_deliveries.items()}}


def restore(state: dict) -> None:
    reset()
    analyzers.update(state["analyzers"])
    opted_in.update(state["opted_in"])
    mfa_delete.update(state.get("mfa_delete", ()))
    ec2_account_settings.restore(state.get("ec2_account_settings", {}))
    cloudwatch_deliveries.update({k: datetime.datetime.fromisoformat(v)
                                  for k, v in state["cloudwatch_deliveries"].items()})


def reset() -> None:
    global roles_must_exist
    roles_must_exist = False
    analyzers.clear()
    opted_in.clear()
    mfa_delete.clear()
    config_compliance.reset()
    cloudwatch_deliveries.clear()
    ec2_account_settings.reset()
