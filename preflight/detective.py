"""The detective controls a team already runs, named in its baseline, as checks of the audit.

    config_rules:                          # AWS Config rules in the audited account and regions
      - restricted-ssh
      - name: my-custom-tagging-rule
        max_evaluation_age_hours: 26       # an older evaluation is not trusted (ERROR); default 8760 (a year)
        severity: HIGH                     # default MEDIUM
    # or, from the delegated administrator, the organization's view through an aggregator:
    # config_rules: {aggregator: org-aggregator, rules: [restricted-ssh]}   (or `aggregator:` in one entry)
    conformance_packs: [operational-best-practices-for-cis]
    security_hub_controls: [IAM.1, S3.8, {id: EC2.53, severity: HIGH}]

Each entry becomes one Check (`config-rule:NAME`, `conformance-pack:NAME`, `security-hub:ID`, scope REGIONAL)
when the baseline is parsed, selected like any catalogue check, so exemptions, severities, fail_on, on_error
and every report format treat it alike. How each kind is judged is in checks/_config_rules.py and
checks/_security_hub_controls.py.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Mapping

from preflight import validation
from preflight.model import Check, CheckMeta, Controls, Parameter, Scope, Severity, Stricter

KEYS = ("config_rules", "conformance_packs", "security_hub_controls")
DEFAULT_SEVERITY = Severity.MEDIUM
DEFAULT_MAX_AGE_HOURS = 24 * 365
MAX_ENTRIES = 200  # per kind: a baseline is a page of YAML
RULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")  # Config: 1-128 characters
PACK_NAME = re.compile(r"^[A-Za-z][-A-Za-z0-9]{0,255}$")  # Config: ConformancePackName pattern
CONTROL_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,30}\.\d{1,4}$")  # IAM.1, EC2.53, CloudTrail.1
AGGREGATOR_NAME = re.compile(r"^[\w-]{1,256}$")

RULE_ACTIONS = ("config:DescribeConfigRuleEvaluationStatus", "config:DescribeComplianceByConfigRule",
                "config:GetComplianceDetailsByConfigRule", "tag:GetResources")
AGGREGATE_ACTIONS = ("config:DescribeAggregateComplianceByConfigRules",
                     "config:GetAggregateComplianceDetailsByConfigRule")
PACK_ACTIONS = ("config:DescribeConformancePackCompliance", "config:DescribeConfigRuleEvaluationStatus",
                "config:GetConformancePackComplianceDetails", "tag:GetResources")
CONTROL_ACTIONS = ("securityhub:GetFindings",)
# What cfn/preflight.yaml grants with DetectiveControls=true.
IAM_ACTIONS = tuple(sorted(set(RULE_ACTIONS + AGGREGATE_ACTIONS + PACK_ACTIONS + CONTROL_ACTIONS)))


def _max_age(default: int) -> Parameter:
    return Parameter("max_evaluation_age_hours", int, default, "An evaluation older than this is not trusted (ERROR)",
                     Stricter.LOWER, minimum=1, maximum=DEFAULT_MAX_AGE_HOURS)


def config_rule(name: str, severity: Severity = DEFAULT_SEVERITY, max_age_hours: int = DEFAULT_MAX_AGE_HOURS,
                aggregator: str | None = None) -> Check:
    # Imported here, not at the top: importing `checks` loads the whole catalogue, which the handler does only
    # inside its start-up guard (so a broken deploy still answers every request).
    from checks import _config_rules

    console = f"https://console.aws.amazon.com/config/home#/rules/details?configRuleName={name}"
    remediation = (f"Fix the resources AWS Config names (or run the rule's remediation action), then re-evaluate: "
                   f"aws configservice start-config-rules-evaluation --config-rule-names {name}")
    if aggregator:
        return Check(CheckMeta(
            f"config-rule:{name}", f"AWS Config rule {name} is compliant in every account (aggregator {aggregator})",
            severity, Controls(), remediation + " (in the account named)", console, AGGREGATE_ACTIONS, Scope.REGIONAL),
            functools.partial(_config_rules.run_aggregated_rule, name, aggregator))
    return Check(CheckMeta(f"config-rule:{name}", f"AWS Config rule {name} is compliant", severity, Controls(),
                           remediation, console, RULE_ACTIONS, Scope.REGIONAL, (_max_age(max_age_hours),)),
                 functools.partial(_config_rules.run_config_rule, name))


def conformance_pack(name: str, severity: Severity = DEFAULT_SEVERITY,
                     max_age_hours: int = DEFAULT_MAX_AGE_HOURS) -> Check:
    from checks import _config_rules

    return Check(CheckMeta(
        f"conformance-pack:{name}", f"AWS Config conformance pack {name} is compliant", severity, Controls(),
        "Fix the resources the pack's non-compliant rules name, then re-evaluate the pack's rules: aws configservice "
        "start-config-rules-evaluation --config-rule-names RULE ...",
        f"https://console.aws.amazon.com/config/home#/conformance-packs/details?conformancePackName={name}",
        PACK_ACTIONS, Scope.REGIONAL, (_max_age(max_age_hours),)),
        functools.partial(_config_rules.run_conformance_pack, name))


def security_hub_control(control: str, severity: Severity = DEFAULT_SEVERITY) -> Check:
    from checks import _security_hub_controls

    service, number = control.split(".")
    return Check(CheckMeta(
        f"security-hub:{control}", f"Security Hub control {control} has no FAILED findings", severity,
        Controls(security_hub=control),
        f"Follow the remediation of control {control} in the Security Hub User Guide for each resource named, or "
        "suppress a finding you accept in Security Hub (it is then reported as EXEMPT)",
        f"https://docs.aws.amazon.com/securityhub/latest/userguide/{service.lower()}-controls.html"
        f"#{service.lower()}-{number}", CONTROL_ACTIONS, Scope.REGIONAL),
        functools.partial(_security_hub_controls.run_control, control))


def from_id(check_id: str) -> Check | None:
    """The check an id names, with default settings (a logged report names its checks by id only)."""
    kind, _, name = check_id.partition(":")
    if kind == "config-rule" and RULE_NAME.match(name):
        return config_rule(name)
    if kind == "conformance-pack" and PACK_NAME.match(name):
        return conformance_pack(name)
    if kind == "security-hub" and CONTROL_ID.match(name):
        return security_hub_control(name)
    return None


def parse(document: Mapping[str, Any], problems: validation.Problems) -> list[Check]:
    """A check for every entry of the three keys, validated (problems name the entry); duplicates refused."""
    entries: list[Check] = []
    rules = document.get("config_rules", [])
    block_aggregator = None
    if isinstance(rules, Mapping):
        validation.unknown_keys(rules, ("aggregator", "rules"), "field in config_rules ", problems)
        block_aggregator = _name(rules.get("aggregator"), AGGREGATOR_NAME, "config_rules.aggregator", problems)
        rules = rules.get("rules", [])
    entries += _entries(rules, "config_rules", "name", problems, lambda name, e, at: _rule(name, e, at, block_aggregator,
                                                                                          problems))
    entries += _entries(document.get("conformance_packs", []), "conformance_packs", "name", problems,
                        lambda name, e, at: _pack(name, e, at, problems))
    entries += _entries(document.get("security_hub_controls", []), "security_hub_controls", "id", problems,
                        lambda name, e, at: _control(name, e, at, problems))
    seen: set[str] = set()
    for check in entries:
        if check.id in seen:
            problems.add(f"{check.id} is listed twice")
        seen.add(check.id)
    return entries


PATTERNS = {"config_rules": RULE_NAME, "conformance_packs": PACK_NAME, "security_hub_controls": CONTROL_ID}
FIELDS = {"config_rules": ("name", "max_evaluation_age_hours", "severity", "aggregator"),
          "conformance_packs": ("name", "max_evaluation_age_hours", "severity"),
          "security_hub_controls": ("id", "severity")}


def _entries(raw: Any, key: str, name_field: str, problems: validation.Problems, build) -> list[Check]:
    if not isinstance(raw, list):
        problems.add(f"'{key}' must be a list, not {validation.type_name(raw)}")
        return []
    if len(raw) > MAX_ENTRIES:
        problems.add(f"'{key}' has {len(raw):,} entries; at most {MAX_ENTRIES} are allowed")
        return []
    built = []
    for index, item in enumerate(raw):
        at = f"{key}[{index}]"
        entry: Mapping[str, Any] = item if isinstance(item, Mapping) else {name_field: item}
        validation.unknown_keys(entry, FIELDS[key], f"field in {at} ", problems)
        name = _name(entry.get(name_field), PATTERNS[key], f"{at}.{name_field}", problems)
        if name is not None:
            result = build(name, entry, f"{at} ({name})")
            if result is not None:
                built.append(result)
    return built


def _name(value: Any, pattern: re.Pattern, where: str, problems: validation.Problems) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.match(value):
        problems.add(f"{where} {validation.quoted(value)} is not a valid name ({pattern.pattern})")
        return None
    return value


def _common(entry: Mapping[str, Any], at: str, problems: validation.Problems) -> tuple[Severity, int | None]:
    severity = validation.severity(entry["severity"], f"{at}.severity", problems) if "severity" in entry else None
    age = None
    if "max_evaluation_age_hours" in entry:
        age = validation.parameter_value(_max_age(DEFAULT_MAX_AGE_HOURS), entry["max_evaluation_age_hours"],
                                         f"{at}.max_evaluation_age_hours", problems)
    return severity or DEFAULT_SEVERITY, age


def _rule(name: str, entry: Mapping[str, Any], at: str, block_aggregator: str | None,
          problems: validation.Problems) -> Check | None:
    severity, age = _common(entry, at, problems)
    aggregator = _name(entry.get("aggregator"), AGGREGATOR_NAME, f"{at}.aggregator", problems) or block_aggregator
    if aggregator and "max_evaluation_age_hours" in entry:
        problems.add(f"{at}.max_evaluation_age_hours cannot be judged through an aggregator (the aggregate API "
                     "has no evaluation times); audit the rule in its account instead")
        return None
    return config_rule(name, severity, age or DEFAULT_MAX_AGE_HOURS, aggregator)


def _pack(name: str, entry: Mapping[str, Any], at: str, problems: validation.Problems) -> Check:
    severity, age = _common(entry, at, problems)
    return conformance_pack(name, severity, age or DEFAULT_MAX_AGE_HOURS)


def _control(name: str, entry: Mapping[str, Any], at: str, problems: validation.Problems) -> Check:
    severity, _ = _common(entry, at, problems)
    return security_hub_control(name, severity)
