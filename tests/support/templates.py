"""Reading the repository's CloudFormation templates (with their intrinsic-function tags)."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

from tests.support.paths import ROOT  # noqa: E402
AUDITOR_TEMPLATE = ROOT / "cfn" / "preflight.yaml"


def all_templates() -> list[Path]:
    return sorted([*ROOT.glob("cfn/**/*.yaml"), *ROOT.glob("examples/**/*.yaml")])


@functools.cache
def _linter():
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    config = ConfigMixIn([], regions=["us-east-1"])
    return config, Runner(config).rules  # loading cfn-lint's rules takes a second; linting a template a tenth


def lint(text: str) -> list[str]:
    """cfn-lint's findings (warnings included: an unknown IAM action is only W3037) for a template's text."""
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import run_template_by_data

    template, errors = decode_str(text)
    if errors:
        return [str(m) for m in errors]
    config, rules = _linter()
    return [str(m) for m in run_template_by_data(template, config, rules)]


def load(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    assert not matches, f"{path} does not parse: {matches}"
    return template


def role_policies(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The auditor role's inline policies, conditional ones included (both branches of an Fn::If)."""
    policies = []
    for policy in template["Resources"]["AuditorRole"]["Properties"]["Policies"]:
        if "Fn::If" in policy:
            policies += [branch for branch in policy["Fn::If"][1:] if "PolicyDocument" in branch]
        else:
            policies.append(policy)
    return policies


def role_statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The auditor role's statements by Sid."""
    return {s["Sid"]: s for p in role_policies(template) for s in p["PolicyDocument"]["Statement"]}


NO_VALUE = object()


def resolved(template: dict[str, Any], node: Any, parameters: dict[str, Any]) -> Any:
    """A template value as CloudFormation would resolve it for these parameter values (the functions the
    shipped templates use in conditions and Fn::If; anything else is left as written)."""
    conditions = template.get("Conditions", {})

    def condition(name: str) -> bool:
        return bool(value(conditions[name]))

    def value(item: Any) -> Any:
        if isinstance(item, list):
            return [v for v in (value(i) for i in item) if v is not NO_VALUE]
        if not isinstance(item, dict) or len(item) != 1:
            return {k: v for k, v in ((k, value(i)) for k, i in item.items()) if v is not NO_VALUE} \
                if isinstance(item, dict) else item
        [(function, argument)] = item.items()
        if function == "Ref":
            return NO_VALUE if argument == "AWS::NoValue" else parameters.get(argument, item)
        if function == "Fn::If":
            return value(argument[1] if condition(argument[0]) else argument[2])
        if function == "Condition":
            return condition(argument)
        if function == "Fn::Equals":
            return value(argument[0]) == value(argument[1])
        if function == "Fn::Not":
            return not value(argument[0])
        if function == "Fn::And":
            return all(value(a) for a in argument)
        if function == "Fn::Or":
            return any(value(a) for a in argument)
        if function == "Fn::Join":
            return argument[0].join(value(argument[1]))
        return {function: value(argument)}

    return value(node)
