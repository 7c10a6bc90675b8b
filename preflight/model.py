"""The vocabulary of an audit: statuses, severities, check metadata, findings and reports."""
from __future__ import annotations

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

    @property
    def is_failure(self) -> bool:
        return self is not Status.PASS


class Severity(str, enum.Enum):
    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    INFORMATIONAL = "INFORMATIONAL"


class Mode(str, enum.Enum):
    ENFORCE = "enforce"  # a failing audit fails the resource, so the stack rolls back
    AUDIT = "audit"  # the resource always succeeds; the audit only reports


class Verdict(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Controls:
    """Where a check sits in the frameworks security teams already use."""

    cis_aws_v3: str | None = None  # CIS AWS Foundations Benchmark v3.0.0 recommendation number
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


@dataclass(frozen=True)
class Result:
    """What a check function returns. `evidence` must be JSON-serialisable (dataclasses allowed)."""

    status: Status
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


def passed(message: str, **evidence: Any) -> Result:
    return Result(Status.PASS, message, evidence)


def failed(message: str, **evidence: Any) -> Result:
    return Result(Status.FAIL, message, evidence)


@dataclass(frozen=True)
class Check:
    meta: CheckMeta
    run: Callable[["CheckContext"], Result]

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True)
class Finding:
    """A check's result as the runner saw it: with its metadata, timing and any error code."""

    check: CheckMeta
    status: Status
    message: str
    evidence: Mapping[str, Any]
    duration_s: float
    error_code: str | None = None  # the AWS error code (or exception type) behind an ERROR


@dataclass(frozen=True)
class Report:
    verdict: Verdict
    mode: Mode
    region: str
    account_id: str
    findings: tuple[Finding, ...]
    duration_s: float

    def with_status(self, *statuses: Status) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status in statuses)

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status.is_failure)

    @property
    def passes(self) -> tuple[Finding, ...]:
        return self.with_status(Status.PASS)
