"""How a baseline's `config_rules` and `conformance_packs` entries are judged: the verdict AWS Config already
reached, taken as it stands when it is fresh (AWS Config API Reference).

A Config rule, in each audited region:
- DescribeConfigRuleEvaluationStatus: no `LastSuccessfulEvaluationTime` is ERROR (never evaluated), one older
  than the entry's `max_evaluation_age_hours` is ERROR (stale: a stale COMPLIANT is not a PASS); an unknown
  rule (NoSuchConfigRuleException) is ERROR.
- DescribeComplianceByConfigRule: COMPLIANT is PASS; INSUFFICIENT_DATA after a successful evaluation means no
  resource in scope (AWS: "no evaluation results are available", "NOT_APPLICABLE for all evaluation results"):
  NOT_APPLICABLE; NON_COMPLIANT is FAIL, naming the resources from GetComplianceDetailsByConfigRule
  (ComplianceTypes NON_COMPLIANT, Limit 100: one page), their tags from tag:GetResources.
- Through an aggregator (the delegated administrator's organization view): DescribeAggregateComplianceByConfig
  Rules for the rule in the region, then GetAggregateComplianceDetailsByConfigRule for each non-compliant account
  (until 100 resources are named); each resource is named with its account. The aggregate API has no evaluation
  times, so staleness is not judged there; the accounts' tags are not readable from the administrator, so no tag
  exemption applies.
A conformance pack: DescribeConformancePackCompliance (NoSuchConformancePackException is ERROR), the evaluation
status of its rules (as above: any never evaluated or stale is ERROR), and GetConformancePackComplianceDetails
(NON_COMPLIANT, Limit 100) when any rule is non-compliant.
"""
from __future__ import annotations

import datetime

from botocore.exceptions import ClientError

from checks._resources import IN_EVIDENCE, Offenders, resource_name, tag_evidence, tags_of
from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import Result, failed, not_applicable, passed

STATUS_BATCH = 25  # DescribeConfigRuleEvaluationStatus takes at most 25 ConfigRuleNames
PACK_RULES_PAGE = 1000  # DescribeConformancePackCompliance's largest Limit
NON_COMPLIANT = "NON_COMPLIANT"


def _when(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _missing(error: ClientError, code: str, message: str) -> None:
    if error.response.get("Error", {}).get("Code") == code:
        raise EvaluationError(code, message) from error


def _last_evaluations(ctx: CheckContext, names: list[str], what: str) -> dict[str, datetime.datetime | None]:
    client = ctx.client("config")
    times: dict[str, datetime.datetime | None] = dict.fromkeys(names)  # a rule AWS does not answer for: never
    for start in range(0, len(names), STATUS_BATCH):
        try:
            answer = client.describe_config_rule_evaluation_status(ConfigRuleNames=names[start:start + STATUS_BATCH])
        except ClientError as error:
            _missing(error, "NoSuchConfigRuleException", f"{what} does not exist in {ctx.region}.")
            raise
        times.update({s["ConfigRuleName"]: s.get("LastSuccessfulEvaluationTime")
                      for s in answer["ConfigRulesEvaluationStatus"]})
    return times


def _trusted_since(ctx: CheckContext, times: dict[str, datetime.datetime | None], what: str) -> datetime.datetime:
    """The oldest successful evaluation, once none is missing or older than the baseline trusts."""
    never = sorted(n for n, t in times.items() if t is None)
    if never or not times:
        raise EvaluationError("NeverEvaluated", f"{what} has never completed an evaluation in {ctx.region} "
                              f"({', '.join(never)}): AWS Config has no verdict to trust.")
    name, oldest = min(times.items(), key=lambda item: item[1])  # type: ignore[arg-type,return-value]
    max_age = datetime.timedelta(hours=ctx.param("max_evaluation_age_hours"))
    age = datetime.datetime.now(datetime.timezone.utc) - oldest
    if age > max_age:
        rule = f" (rule {name})" if len(times) > 1 else ""
        raise EvaluationError("StaleEvaluation", f"{what} was last evaluated on {_when(oldest)}{rule}, "
                              f"{age.total_seconds() / 3600:.0f} h ago - older than the "
                              f"{ctx.param('max_evaluation_age_hours')} h this baseline trusts; a stale verdict is no PASS.")
    return oldest


def _offenders(results: list[dict], ctx: CheckContext, more: bool, total: int, account_of=None) -> Offenders:
    names = []
    for r in results[:IN_EVIDENCE]:
        q = r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
        names.append(resource_name(q["ResourceType"], q["ResourceId"], r.get("AwsRegion", ctx.region),
                                   r.get("AccountId", ctx.account_id)))
    return Offenders(tuple(dict.fromkeys(names)), max(total, len(names)), more)


def _failed(what: str, ctx: CheckContext, offenders: Offenders, evaluated: str, *, read_tags: bool = True,
            **evidence) -> Result:
    tags, error = tags_of(ctx, offenders.names) if read_tags else ({}, None)
    count = f"{offenders.total:,}{'+' if offenders.more_unlisted else ''}"
    return failed(f"{what} finds {count} resource{'s' if offenders.total != 1 else ''} NON_COMPLIANT in "
                  f"{ctx.region}: {offenders.sentence()}{evaluated}.", resources=offenders.resources,
                  resource_tags=tags, non_compliant=list(offenders.names), non_compliant_count=offenders.total,
                  **tag_evidence(tags, error), **evidence)


def run_config_rule(name: str, ctx: CheckContext) -> Result:
    what = f"AWS Config rule {name}"
    since = _trusted_since(ctx, _last_evaluations(ctx, [name], what), what)
    evaluated = f" (last evaluated {_when(since)})"
    client = ctx.client("config")
    [rule] = client.describe_compliance_by_config_rule(ConfigRuleNames=[name])["ComplianceByConfigRules"]
    compliance = rule.get("Compliance", {})
    kind = compliance.get("ComplianceType")
    facts = {"rule": name, "compliance": kind, "last_evaluated": since.isoformat()}
    if kind == "COMPLIANT":
        return passed(f"{what} is COMPLIANT in {ctx.region}{evaluated}.", **facts)
    if kind != NON_COMPLIANT:
        return not_applicable(f"{what} has no resources in scope in {ctx.region}{evaluated}.", **facts)
    page = client.get_compliance_details_by_config_rule(ConfigRuleName=name, ComplianceTypes=[NON_COMPLIANT],
                                                        Limit=IN_EVIDENCE)
    count = compliance.get("ComplianceContributorCount", {})
    offenders = _offenders(page["EvaluationResults"], ctx, bool(page.get("NextToken") or count.get("CapExceeded")),
                           count.get("CappedCount", 0))
    return _failed(what, ctx, offenders, evaluated, **facts)


def run_aggregated_rule(name: str, aggregator: str, ctx: CheckContext) -> Result:
    what = f"AWS Config rule {name} (aggregator {aggregator})"
    client = ctx.client("config", ctx.home_region)  # the aggregator lives in the audit's home region
    try:
        pages = client.get_paginator("describe_aggregate_compliance_by_config_rules").paginate(
            ConfigurationAggregatorName=aggregator, Filters={"ConfigRuleName": name, "AwsRegion": ctx.region})
        accounts = [a for page in pages for a in page["AggregateComplianceByConfigRules"]]
    except ClientError as error:
        _missing(error, "NoSuchConfigurationAggregatorException", f"the Config aggregator {aggregator} does not exist "
                 f"in {ctx.home_region}.")
        raise
    if not accounts:
        raise EvaluationError("NoSuchConfigRule", f"{what} is not in any aggregated account in {ctx.region}.")
    kinds = {a["AccountId"]: a.get("Compliance", {}).get("ComplianceType") for a in accounts}
    facts = {"rule": name, "aggregator": aggregator, "accounts": kinds}
    failing = sorted(a for a, k in kinds.items() if k == NON_COMPLIANT)
    if not failing:
        if "COMPLIANT" in kinds.values():
            return passed(f"{what} is COMPLIANT in {len(kinds)} account{'s' if len(kinds) != 1 else ''} in {ctx.region}.",
                          **facts)
        return not_applicable(f"{what} has no resources in scope in {ctx.region}.", **facts)
    results: list[dict] = []
    more = False
    for account in failing:
        if len(results) >= IN_EVIDENCE:
            more = True
            break
        page = client.get_aggregate_compliance_details_by_config_rule(
            ConfigurationAggregatorName=aggregator, ConfigRuleName=name, AccountId=account, AwsRegion=ctx.region,
            ComplianceType=NON_COMPLIANT, Limit=IN_EVIDENCE)
        results += [{**r, "AccountId": r.get("AccountId", account)} for r in page["AggregateEvaluationResults"]]
        more = more or bool(page.get("NextToken"))
    offenders = _offenders(results, ctx, more or len(results) > IN_EVIDENCE, len(results))
    return _failed(f"{what} in account{'s' if len(failing) > 1 else ''} {', '.join(failing)}", ctx, offenders, "",
                   read_tags=False, **facts)


def run_conformance_pack(name: str, ctx: CheckContext) -> Result:
    what = f"AWS Config conformance pack {name}"
    client = ctx.client("config")
    try:
        pages = client.get_paginator("describe_conformance_pack_compliance").paginate(
            ConformancePackName=name, PaginationConfig={"PageSize": PACK_RULES_PAGE})
        rules = {r["ConfigRuleName"]: r.get("ComplianceType") for page in pages
                 for r in page["ConformancePackRuleComplianceList"]}
    except ClientError as error:
        _missing(error, "NoSuchConformancePackException", f"{what} does not exist in {ctx.region}.")
        raise
    since = _trusted_since(ctx, _last_evaluations(ctx, sorted(rules), what), what)
    evaluated = f" (evaluated since {_when(since)})"
    facts = {"pack": name, "rules": rules, "oldest_evaluation": since.isoformat()}
    failing = sorted(r for r, k in rules.items() if k == NON_COMPLIANT)
    if not failing:
        if "COMPLIANT" in rules.values():
            return passed(f"{what} is COMPLIANT in {ctx.region}: {len(rules)} rules{evaluated}.", **facts)
        return not_applicable(f"{what} has no resources in scope in {ctx.region}{evaluated}.", **facts)
    page = client.get_conformance_pack_compliance_details(ConformancePackName=name, Limit=IN_EVIDENCE,
                                                          Filters={"ComplianceType": NON_COMPLIANT})
    results = page["ConformancePackRuleEvaluationResults"]
    offenders = _offenders(results, ctx, bool(page.get("NextToken")), len(results))
    return _failed(f"{what} (rule{'s' if len(failing) > 1 else ''} {', '.join(failing)})", ctx, offenders, evaluated,
                   non_compliant_rules=failing, **facts)
