"""template-iam-actions-exist: every IAM action named in the template being deployed exists.

AWS accepts a policy whose Action names an action that does not exist (`s3:GetObjects`, `iam:PassRoles`)
and the statement simply never matches: a typo that silently weakens a Deny or breaks an Allow. PASS when
every Action and NotAction in every policy document of the template - IAM roles (and their trust policy),
users, groups, inline and managed policies, and the resource policies of buckets, queues, topics, keys,
secrets and repositories - names an existing action, or a wildcard matching at least one (AWS's Service
Authorization Reference, as parliament ships it). Values built by intrinsic functions are skipped and noted.
Runs whenever a template is at hand (Lambda Hook requests, `preflight audit --template FILE`).
"""
from __future__ import annotations

import json
from typing import Any, Iterator

from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import Check, CheckMeta, Controls, Result, Scope, Severity, failed, not_applicable, passed

# Resource type -> where its policy documents are: a property, or "Policies" (a list of {PolicyDocument}).
POLICY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::IAM::Role": ("AssumeRolePolicyDocument", "Policies"),
    "AWS::IAM::User": ("Policies",),
    "AWS::IAM::Group": ("Policies",),
    "AWS::IAM::Policy": ("PolicyDocument",),
    "AWS::IAM::ManagedPolicy": ("PolicyDocument",),
    "AWS::IAM::RolePolicy": ("PolicyDocument",),
    "AWS::IAM::UserPolicy": ("PolicyDocument",),
    "AWS::IAM::GroupPolicy": ("PolicyDocument",),
    "AWS::S3::BucketPolicy": ("PolicyDocument",),
    "AWS::SQS::QueuePolicy": ("PolicyDocument",),
    "AWS::SNS::TopicPolicy": ("PolicyDocument",),
    "AWS::KMS::Key": ("KeyPolicy",),
    "AWS::SecretsManager::ResourcePolicy": ("ResourcePolicy",),
    "AWS::ECR::Repository": ("RepositoryPolicyText",),
}
MAX_NAMED = 10  # bad actions named in the message; the rest are counted
MAX_SUGGESTED = 25  # closest-action look-ups (difflib) per template

META = CheckMeta(
    id="template-iam-actions-exist",
    title="Every IAM action the template names exists",
    severity=Severity.MEDIUM,
    controls=Controls(),
    remediation=("Correct each misspelt action to the one AWS defines (the Service Authorization Reference lists "
                 "every service's actions); a misspelt action is accepted by AWS and never matches anything."),
    remediation_url="https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
    iam_actions=(),
    scope=Scope.TEMPLATE,
)


def _documents(resource: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    properties = resource.get("Properties") or {}
    for name in POLICY_PROPERTIES.get(resource.get("Type"), ()):
        value = properties.get(name) if isinstance(properties, dict) else None
        if name == "Policies" and isinstance(value, list):
            for index, policy in enumerate(value):
                if isinstance(policy, dict):
                    yield f"Policies[{index}]", policy.get("PolicyDocument")
        elif value is not None:
            yield name, value


def _actions(document: Any) -> Iterator[tuple[str, Any]]:
    """(where, action) for every Action and NotAction entry; an action may be an intrinsic function."""
    if isinstance(document, str):  # some resource types take the policy as a JSON string
        try:
            document = json.loads(document)
        except ValueError:
            return
    if not isinstance(document, dict):
        return
    statements = document.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict):
            continue
        for key in ("Action", "NotAction"):
            value = statement.get(key)
            for action in (value if isinstance(value, list) else [value] if value is not None else []):
                yield f"Statement[{index}].{key}", action


def run(ctx: CheckContext) -> Result:
    from preflight import iam_actions

    template = ctx.template
    if template is None:
        return not_applicable("No template at hand (Lambda Hook requests and `preflight audit --template` bring one).")
    if isinstance(template, Exception):
        raise EvaluationError("TemplateUnavailable", str(template))
    resources = template.get("Resources") if isinstance(template, dict) else None
    bad, skipped, checked = [], [], 0
    for logical_id, resource in (resources.items() if isinstance(resources, dict) else ()):
        if not isinstance(resource, dict):
            continue
        for where, document in _documents(resource):
            for statement, action in _actions(document):
                place = f"{logical_id}.{where}.{statement}"
                if not isinstance(action, str):
                    skipped.append(place)
                    continue
                checked += 1
                if not iam_actions.exists(action):
                    bad.append((action[:128], str(logical_id)[:128], place))
    evidence = {"actions_checked": checked, "built_by_intrinsic_functions": skipped[:50]}
    if not bad:
        return passed(f"All {checked} IAM actions in the template exist"
                      + (f" ({len(skipped)} built by intrinsic functions, not checked)." if skipped else "."), **evidence)
    named = []
    for i, (action, logical_id, _) in enumerate(bad[:MAX_NAMED]):
        suggestion = iam_actions.closest(action) if i < MAX_SUGGESTED else None
        named.append(f"{action} in {logical_id}" + (f" (did you mean {suggestion}?)" if suggestion else ""))
    more = f" and {len(bad) - MAX_NAMED} more" if len(bad) > MAX_NAMED else ""
    return failed(f"IAM actions that do not exist: {'; '.join(named)}{more}.",
                  resources=tuple(dict.fromkeys(b[1] for b in bad)),
                  bad_actions=[{"action": a, "resource": r, "where": w} for a, r, w in bad[:100]], **evidence)


CHECK = Check(META, run)
