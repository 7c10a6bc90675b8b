"""The vocabulary of an audit: statuses, severities, check metadata, findings and reports."""
from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from preflight.context import CheckContext


class Status(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"  # the check raised: an AWS error (AccessDenied, ...) or a bug
    TIMEOUT = "TIMEOUT"  # the check had not finished by the audit's deadline
    NOT_APPLICABLE = "NOT_APPLICABLE"  # nothing to judge (e.g. the root user has no credentials at all)
    EXEMPT = "EXEMPT"  # a failure covered by a current exemption in the baseline
    NOT_AUDITED = "NOT_AUDITED"  # a sweep's budget ran out before this was looked at: nothing was read

    @property
    def is_failure(self) -> bool:
        return self in (Status.FAIL, Status.ERROR, Status.TIMEOUT, Status.NOT_AUDITED)

    @property
    def is_problem(self) -> bool:
        """Not a verdict about the account but the audit's inability to reach one."""
        return self in (Status.ERROR, Status.TIMEOUT, Status.NOT_AUDITED)


class Severity(str, enum.Enum):
    """Most severe first; the order matters (fail_on, sorting)."""

    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    INFORMATIONAL = "INFORMATIONAL"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    def at_least(self, threshold: "Severity") -> bool:
        return self.rank <= threshold.rank


class Mode(str, enum.Enum):
    ENFORCE = "enforce"  # a failing audit fails the resource, so the stack rolls back
    AUDIT = "audit"  # the resource always succeeds; the audit only reports


class OnError(str, enum.Enum):
    FAIL = "fail"  # an ERROR or TIMEOUT fails the audit like a FAIL
    WARN = "warn"  # it is reported but does not fail the audit


class Verdict(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    NOT_AUDITED = "NOT_AUDITED"  # an account a sweep did not read (its budget ran out): never a PASS


class Scope(str, enum.Enum):
    ACCOUNT = "account"  # evaluated once per audit, from the function's region
    REGIONAL = "regional"  # evaluated in every audited region
    TEMPLATE = "template"  # evaluated once, on the template being deployed (when one is at hand)


class Stricter(str, enum.Enum):
    """Which way a parameter's value makes a check stricter; template properties may only move that way."""

    HIGHER = "higher"
    LOWER = "lower"
    TRUE = "true"
    FALSE = "false"
    EARLIER_CHOICE = "earlier choice"  # choices are listed strictest first
    FEWER = "fewer"  # for list parameters: a subset of the items is stricter
    MORE = "more"  # for list parameters: a superset of the items is stricter (e.g. more ports forbidden)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: type  # int, bool, str, or tuple (a list of strings)
    default: Any
    description: str
    stricter: Stricter
    choices: tuple[str, ...] = ()  # for str parameters: the valid values, strictest first
    minimum: int | None = None  # for int parameters: the valid range, checked before any use
    maximum: int | None = None
    item_pattern: str | None = None  # for tuple parameters: the regular expression every item must match
    max_items: int | None = None  # for tuple parameters: the most items a value may have

    def __post_init__(self) -> None:
        if self.type is int and (self.minimum is None or self.maximum is None):
            raise ValueError(f"int parameter {self.name} needs a minimum and a maximum")
        if self.type is tuple and (self.item_pattern is None or self.max_items is None):
            raise ValueError(f"list parameter {self.name} needs an item_pattern and max_items")

    def is_stricter_or_equal(self, value: Any, than: Any) -> bool:
        if self.stricter is Stricter.HIGHER:
            return value >= than
        if self.stricter is Stricter.LOWER:
            return value <= than
        if self.stricter is Stricter.TRUE:
            return value or not than
        if self.stricter is Stricter.FALSE:
            return not value or than
        if self.stricter is Stricter.FEWER:
            return {v.lower() for v in value} <= {t.lower() for t in than}
        if self.stricter is Stricter.MORE:
            return {v.lower() for v in value} >= {t.lower() for t in than}
        return self.choices.index(value) <= self.choices.index(than)


@dataclass(frozen=True)
class Controls:
    """Where a check sits in the frameworks security teams already use."""

    cis_aws_v3: str | None = None  # CIS AWS Foundations Benchmark v3.0.0 recommendation number(s), "5.2, 5.3"
    cis_aws_v5: str | None = None  # CIS AWS Foundations Benchmark v5.0.0 recommendation number(s): v5 renumbered
    security_hub: str | None = None  # AWS Security Hub control id (e.g. "CloudTrail.1")


@dataclass(frozen=True)
class CheckMeta:
    id: str
    title: str
    severity: Severity
    controls: Controls
    remediation: str
    remediation_url: str
    iam_actions: tuple[str, ...]  # every IAM action the check's AWS calls need; the role is tested against these
    scope: Scope = Scope.ACCOUNT
    parameters: tuple[Parameter, ...] = ()

    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.name == name)


@dataclass(frozen=True)
class Result:
    """What a check function returns. `evidence` must be JSON-serialisable (dataclasses allowed);
    `resources` names the offending resources of a FAIL (exemptions can target them)."""

    status: Status
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    resources: tuple[str, ...] = ()
    # The tags of offending resources, where the check read them (exemptions by tag match these); a resource
    # absent from it has unknown tags, which no tag exemption covers.
    resource_tags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def passed(message: str, **evidence: Any) -> Result:
    return Result(Status.PASS, message, evidence)


def failed(message: str, *, resources: tuple[str, ...] = (),
           resource_tags: Mapping[str, Mapping[str, str]] | None = None, **evidence: Any) -> Result:
    return Result(Status.FAIL, message, evidence, resources, resource_tags or {})


def not_applicable(message: str, **evidence: Any) -> Result:
    return Result(Status.NOT_APPLICABLE, message, evidence)


@dataclass(frozen=True)
class Check:
    """A catalogue entry. Checks are declared with `preflight.registry.check`, which fills `how_judged` from the
    run function's docstring."""

    meta: CheckMeta
    run: Callable[["CheckContext"], Result]
    about_data: Callable[[], str] | None = None  # the data the check judges by, in words (`preflight explain`)
    how_judged: str = ""  # what PASS, FAIL, NOT_APPLICABLE and ERROR mean for it, and the AWS document it follows

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True)
class Exemption:
    check: str
    reason: str
    approved_by: str
    expires: datetime.date
    region: str | None = None
    resource: str | None = None  # an ARN, or a pattern with * and ?
    tag: tuple[str, str] | None = None  # (key, value): covers an offending resource that carries this tag

    @property
    def per_resource(self) -> bool:
        """Whether it covers offending resources one by one rather than the whole check."""
        return bool(self.resource or self.tag)


@dataclass(frozen=True)
class ExemptionNote:
    """An exemption that met a failure: applied, or expired and so not applied."""

    exemption: Exemption
    applied: bool

    @property
    def text(self) -> str:
        e = self.exemption
        if self.applied:
            return f"exempt until {e.expires.isoformat()} ({e.reason}; approved by {e.approved_by})"
        return f"exemption expired on {e.expires.isoformat()} ({e.reason}; approved by {e.approved_by})"


@dataclass(frozen=True)
class Finding:
    """A check's result as the runner saw it: with its metadata, region, timing and any error code."""

    check: CheckMeta
    status: Status
    message: str
    evidence: Mapping[str, Any]
    duration_s: float
    error_code: str | None = None  # the AWS error code (or exception type) behind an ERROR
    region: str | None = None  # the region a regional check evaluated; None for account-wide checks
    resources: tuple[str, ...] = ()
    severity: Severity | None = None  # the baseline's override of the check's severity, if any
    exemption: ExemptionNote | None = None
    resource_tags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The current per-resource exemption covering each offending resource it covers (FAIL or EXEMPT): a FAIL
    # whose resources are only partly covered stays FAIL, but Security Hub is told which of them are exempt.
    resource_exemptions: Mapping[str, ExemptionNote] = field(default_factory=dict)

    @property
    def effective_severity(self) -> Severity:
        return self.severity or self.check.severity


@dataclass(frozen=True)
class Delivery:
    """What became of the report at one destination (S3, Security Hub, SNS)."""

    destination: str
    delivered: bool
    detail: str
    uri: str | None = None


@dataclass(frozen=True)
class Report:
    verdict: Verdict
    mode: Mode
    region: str
    account_id: str
    findings: tuple[Finding, ...]
    duration_s: float
    blocking: tuple[Finding, ...] = ()  # the findings that made the verdict FAIL
    regions: tuple[str, ...] = ()
    baseline: str = ""  # where the baseline came from
    policy_digest: str = ""  # fingerprint of the effective policy (baseline + properties)
    deliveries: tuple[Delivery, ...] = ()

    @property
    def report_uri(self) -> str | None:
        return next((d.uri for d in self.deliveries if d.uri), None)

    def with_status(self, *statuses: Status) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status in statuses)

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status.is_failure)

    @property
    def passes(self) -> tuple[Finding, ...]:
        return self.with_status(Status.PASS)
