"""AWS Config's compliance answers, which moto 5.2.5 does not implement ("The describe_compliance_by_config_rule
action has not been implemented"; likewise DescribeConfigRuleEvaluationStatus, GetComplianceDetailsByConfigRule,
DescribeConformancePackCompliance, GetConformancePackComplianceDetails and the two aggregate calls).

Modelled from the AWS Config API Reference:
- DescribeComplianceByConfigRule: `ComplianceByConfigRules[].Compliance.ComplianceType` is COMPLIANT,
  NON_COMPLIANT or INSUFFICIENT_DATA - never NOT_APPLICABLE ("Compliance" data type); a rule is non-compliant
  when any resource is, INSUFFICIENT_DATA when no evaluation results are available (never evaluated, or every
  result NOT_APPLICABLE); `ComplianceContributorCount` {CappedCount (at most 100), CapExceeded}. An unknown
  name answers NoSuchConfigRuleException.
- DescribeConfigRuleEvaluationStatus: `ConfigRulesEvaluationStatus[]` with `FirstActivatedTime` and, once it
  has run, `LastSuccessfulEvaluationTime`.
- GetComplianceDetailsByConfigRule: `EvaluationResults[].EvaluationResultIdentifier.EvaluationResultQualifier`
  {ConfigRuleName, ResourceType, ResourceId}, `ComplianceType`, `ResultRecordedTime`; ComplianceTypes filter;
  Limit 1-100 (default 10); NextToken.
- DescribeConformancePackCompliance: `ConformancePackRuleComplianceList[]` {ConfigRuleName, ComplianceType};
  GetConformancePackComplianceDetails: `ConformancePackRuleEvaluationResults[]` (Filters.ComplianceType, Limit
  1-100); an unknown pack answers NoSuchConformancePackException.
- DescribeAggregateComplianceByConfigRules (Filters ConfigRuleName, AwsRegion, AccountId):
  `AggregateComplianceByConfigRules[]` {ConfigRuleName, Compliance, AccountId, AwsRegion};
  GetAggregateComplianceDetailsByConfigRule (AccountId and AwsRegion required): `AggregateEvaluationResults[]`
  with AccountId and AwsRegion; an unknown aggregator answers NoSuchConfigurationAggregatorException.

The answers are added to moto's ConfigResponse (`patch_responses()`), so they hold for the in-process mock and
for moto's server (the demo's packaged function) alike. Rules and aggregators are moto's own (PutConfigRule,
PutConfigurationAggregator); the evaluations and packs are this module's scenario state. An aggregator sees
every account of the simulation.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

Key = tuple[str, str, str]  # (account, region, rule or pack name)


@dataclass
class Evaluation:
    resource_type: str
    resource_id: str
    compliance: str  # COMPLIANT | NON_COMPLIANT | NOT_APPLICABLE
    when: datetime.datetime


evaluations: dict[Key, dict[str, Evaluation]] = {}  # rule -> resource id -> its latest evaluation
last_evaluated: dict[Key, datetime.datetime] = {}  # rule -> LastSuccessfulEvaluationTime
packs: dict[Key, list[str]] = {}  # conformance pack -> its rules' names
ACCOUNT = "123456789012"


def reset() -> None:
    evaluations.clear()
    last_evaluated.clear()
    packs.clear()


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def add_rule(name: str, *, region: str = "us-east-1", identifier: str = "INCOMING_SSH_DISABLED") -> None:
    """A Config rule, through moto's own PutConfigRule (in the current account)."""
    import boto3

    boto3.client("config", region_name=region).put_config_rule(ConfigRule={
        "ConfigRuleName": name, "Source": {"Owner": "AWS", "SourceIdentifier": identifier}})


def evaluate(rule: str, resource_id: str, compliance: str, when: datetime.datetime | None = None, *,
             resource_type: str = "AWS::EC2::SecurityGroup", region: str = "us-east-1", account: str = ACCOUNT) -> None:
    """Config evaluated one resource against a rule (as PutEvaluations or a managed rule would record it)."""
    when = when or now()
    key = (account, region, rule)
    evaluations.setdefault(key, {})[resource_id] = Evaluation(resource_type, resource_id, compliance, when)
    last_evaluated[key] = max(when, last_evaluated.get(key, when))


def evaluated(rule: str, when: datetime.datetime | None = None, *, region: str = "us-east-1",
              account: str = ACCOUNT) -> None:
    """The rule ran successfully at `when` (with or without resources in scope)."""
    last_evaluated[(account, region, rule)] = when or now()


def conformance_pack(name: str, rules: list[str], *, region: str = "us-east-1", account: str = ACCOUNT) -> None:
    packs[(account, region, name)] = list(rules)


def _rule_compliance(key: Key) -> str:
    kinds = {e.compliance for e in evaluations.get(key, {}).values()}
    if "NON_COMPLIANT" in kinds:
        return "NON_COMPLIANT"
    return "COMPLIANT" if "COMPLIANT" in kinds else "INSUFFICIENT_DATA"


def _compliance(key: Key) -> dict[str, Any]:
    kind = _rule_compliance(key)
    answer: dict[str, Any] = {"ComplianceType": kind}
    if kind == "NON_COMPLIANT":
        count = sum(e.compliance == "NON_COMPLIANT" for e in evaluations[key].values())
        answer["ComplianceContributorCount"] = {"CappedCount": min(count, 100), "CapExceeded": count > 100}
    return answer


def _qualified(key: Key, e: Evaluation) -> dict[str, Any]:
    return {"EvaluationResultIdentifier": {"EvaluationResultQualifier": {
                "ConfigRuleName": key[2], "ResourceType": e.resource_type, "ResourceId": e.resource_id},
                "OrderingTimestamp": e.when.timestamp()},
            "ComplianceType": e.compliance, "ResultRecordedTime": e.when.timestamp(),
            "ConfigRuleInvokedTime": e.when.timestamp()}


def _page(items: list, token: str | None, limit: int | None, default: int, maximum: int) -> tuple[list, str | None]:
    limit = limit or default
    if not 1 <= limit <= maximum:
        raise _error("InvalidLimitException", f"The limit must be from 1 to {maximum}")
    start = int(token or 0)
    end = start + limit
    return items[start:end], (str(end) if end < len(items) else None)


def _details(keys: list[Key], types: list[str] | None) -> list[tuple[Key, Evaluation]]:
    return [(k, e) for k in keys for e in sorted(evaluations.get(k, {}).values(), key=lambda e: e.resource_id)
            if not types or e.compliance in types]


def _error(code: str, message: str):
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)


def _answers():
    """The methods added to moto's ConfigResponse: one per API action."""

    def place(self) -> tuple[str, str]:
        return self.current_account, self.region

    def rule_key(self, name: str) -> Key:
        if name not in self.config_backend.config_rules:
            raise _error("NoSuchConfigRuleException",
                         f"The ConfigRule '{name}' provided in the request is invalid. Please check the configRule name")
        return (*place(self), name)

    def describe_compliance_by_config_rule(self) -> str:
        keys = [rule_key(self, n) for n in self._get_param("ConfigRuleNames") or list(self.config_backend.config_rules)]
        return json.dumps({"ComplianceByConfigRules": [{"ConfigRuleName": k[2], "Compliance": _compliance(k)}
                                                       for k in keys]})

    def describe_config_rule_evaluation_status(self) -> str:
        statuses = []
        for name in self._get_param("ConfigRuleNames") or list(self.config_backend.config_rules):
            key = rule_key(self, name)
            rule = self.config_backend.config_rules[name]
            status: dict[str, Any] = {"ConfigRuleName": name, "ConfigRuleArn": rule.config_rule_arn,
                                      "ConfigRuleId": rule.config_rule_id, "FirstEvaluationStarted": key in last_evaluated}
            if key in last_evaluated:
                when = last_evaluated[key].timestamp()
                status.update(LastSuccessfulInvocationTime=when, LastSuccessfulEvaluationTime=when)
            statuses.append(status)
        return json.dumps({"ConfigRulesEvaluationStatus": statuses})

    def get_compliance_details_by_config_rule(self) -> str:
        key = rule_key(self, self._get_param("ConfigRuleName"))
        items, token = _page(_details([key], self._get_param("ComplianceTypes")), self._get_param("NextToken"),
                             self._get_param("Limit"), 10, 100)
        return json.dumps({"EvaluationResults": [_qualified(k, e) for k, e in items],
                           **({"NextToken": token} if token else {})})

    def pack_key(self) -> Key:
        key = (*place(self), self._get_param("ConformancePackName"))
        if key not in packs:
            raise _error("NoSuchConformancePackException", f"Conformance pack '{key[2]}' does not exist.")
        return key

    def describe_conformance_pack_compliance(self) -> str:
        key = pack_key(self)
        rules = [{"ConfigRuleName": r, "ComplianceType": _rule_compliance((key[0], key[1], r)), "Controls": []}
                 for r in packs[key]]
        return json.dumps({"ConformancePackName": key[2], "ConformancePackRuleComplianceList": rules})

    def get_conformance_pack_compliance_details(self) -> str:
        key = pack_key(self)
        wanted = (self._get_param("Filters") or {}).get("ComplianceType")
        keys = [(key[0], key[1], r) for r in packs[key]]
        items, token = _page(_details(keys, [wanted] if wanted else None), self._get_param("NextToken"),
                             self._get_param("Limit"), 100, 100)
        return json.dumps({"ConformancePackName": key[2],
                           "ConformancePackRuleEvaluationResults": [_qualified(k, e) for k, e in items],
                           **({"NextToken": token} if token else {})})

    def aggregator(self) -> None:
        name = self._get_param("ConfigurationAggregatorName")
        if name not in self.config_backend.config_aggregators:
            raise _error("NoSuchConfigurationAggregatorException",
                         "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")

    def describe_aggregate_compliance_by_config_rules(self) -> str:
        aggregator(self)
        filters = self._get_param("Filters") or {}
        keys = sorted(k for k in set(evaluations) | set(last_evaluated)
                      if (not filters.get("ConfigRuleName") or k[2] == filters["ConfigRuleName"])
                      and (not filters.get("AwsRegion") or k[1] == filters["AwsRegion"])
                      and (not filters.get("AccountId") or k[0] == filters["AccountId"]))
        return json.dumps({"AggregateComplianceByConfigRules": [
            {"ConfigRuleName": k[2], "Compliance": _compliance(k), "AccountId": k[0], "AwsRegion": k[1]} for k in keys]})

    def get_aggregate_compliance_details_by_config_rule(self) -> str:
        aggregator(self)
        key = (self._get_param("AccountId"), self._get_param("AwsRegion"), self._get_param("ConfigRuleName"))
        wanted = self._get_param("ComplianceType")
        items, token = _page(_details([key], [wanted] if wanted else None), self._get_param("NextToken"),
                             self._get_param("Limit"), 50, 100)
        return json.dumps({"AggregateEvaluationResults": [{**_qualified(k, e), "AccountId": k[0], "AwsRegion": k[1]}
                                                          for k, e in items],
                           **({"NextToken": token} if token else {})})

    return {f.__name__: f for f in (
        describe_compliance_by_config_rule, describe_config_rule_evaluation_status,
        get_compliance_details_by_config_rule, describe_conformance_pack_compliance,
        get_conformance_pack_compliance_details, describe_aggregate_compliance_by_config_rules,
        get_aggregate_compliance_details_by_config_rule)}


def patch_responses() -> None:
    from moto.config.responses import ConfigResponse

    for name, answer in _answers().items():
        setattr(ConfigResponse, name, answer)
