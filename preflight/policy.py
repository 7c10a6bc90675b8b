"""What to run and how to judge it: the effective policy of one audit (baseline + template properties)."""
from __future__ import annotations

import datetime
import enum
import fnmatch
import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from preflight.model import (
    Check,
    Exemption,
    ExemptionNote,
    Finding,
    Mode,
    OnError,
    Scope,
    Severity,
    Status,
    Verdict,
)


class RegionsKind(str, enum.Enum):
    CURRENT = "current"  # the function's own region
    ALL = "all"  # every region enabled for the account, looked up once per audit
    LISTED = "listed"


@dataclass(frozen=True)
class Regions:
    kind: RegionsKind = RegionsKind.CURRENT
    names: tuple[str, ...] = ()

    def describe(self) -> str:
        return ", ".join(self.names) if self.kind is RegionsKind.LISTED else self.kind.value


class TemplateChecks(str, enum.Enum):
    """Which template checks run when a template is at hand (a Lambda Hook request, `audit --template`)."""

    ALL = "all"  # every template check, whether the baseline selects it or not
    SELECTED = "selected"  # only the template checks the baseline selects; none when it selects none


@dataclass(frozen=True)
class Reports:
    """Where the baseline wants each audit reported (see preflight.destinations)."""

    s3_bucket: str | None = None
    s3_prefix: str = "preflight/"
    security_hub: bool = False
    sns_topic_arn: str | None = None

    @property
    def configured(self) -> tuple[str, ...]:
        return tuple(name for name, on in (("s3", self.s3_bucket), ("security_hub", self.security_hub),
                                            ("sns", self.sns_topic_arn)) if on)


@dataclass(frozen=True)
class Selection:
    """A check chosen by the policy, with its full parameters (defaults filled in)."""

    check: Check
    parameters: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None  # the baseline's override
    tuned_by_template: bool = False  # the template's properties set some of its parameters

    @classmethod
    def of(cls, check: Check, parameters: Mapping[str, Any] | None = None, severity: Severity | None = None):
        full = {p.name: p.default for p in check.meta.parameters}
        full.update(parameters or {})
        return cls(check, full, severity)


@dataclass(frozen=True)
class Policy:
    selections: tuple[Selection, ...]
    mode: Mode = Mode.ENFORCE
    on_error: OnError = OnError.FAIL
    fail_on: Severity = Severity.INFORMATIONAL  # the lowest severity that fails the audit: every severity
    regions: Regions = Regions()
    exemptions: tuple[Exemption, ...] = ()
    allow_overrides: bool = True  # whether template properties may weaken this policy
    source: str = "built-in default"
    reports: Reports = Reports()
    template_checks: TemplateChecks = TemplateChecks.ALL

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(s.check for s in self.selections)

    def digest(self) -> str:
        """A short fingerprint of what this policy enforces, so two reports can be compared."""
        canonical = json.dumps({
            "checks": [[s.check.id, dict(s.parameters), s.severity] for s in self.selections],
            "mode": self.mode, "on_error": self.on_error, "fail_on": self.fail_on,
            "regions": [self.regions.kind, list(self.regions.names)],
            "exemptions": [[e.check, e.region, e.resource, e.expires.isoformat()] + ([list(e.tag)] if e.tag else [])
                           for e in self.exemptions],
            # only when not the default, so the digests of every policy that predates the key are unchanged
            **({"template_checks": self.template_checks} if self.template_checks is not TemplateChecks.ALL else {}),
        }, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def only(self, *scopes: Scope) -> "Policy":
        """The same policy with only the checks of these scopes."""
        return replace(self, selections=tuple(s for s in self.selections if s.check.meta.scope in scopes))

    def selection(self, check_id: str) -> Selection | None:
        return next((s for s in self.selections if s.check.id == check_id), None)

    @property
    def has_regional_checks(self) -> bool:
        return any(s.check.meta.scope is Scope.REGIONAL for s in self.selections)

    def exempt(self, findings: Iterable[Finding], today: datetime.date | None = None) -> tuple[Finding, ...]:
        """Failures covered by a current exemption become EXEMPT; an expired one is only noted."""
        today = today or datetime.date.today()
        return tuple(self._exempt_one(f, today) for f in findings)

    def _exempt_one(self, finding: Finding, today: datetime.date) -> Finding:
        if not finding.status.is_failure:
            return finding
        covers = self._resource_covers(finding, today)
        if covers:
            finding = replace(finding, resource_exemptions={r: ExemptionNote(e, applied=True) for r, e in covers.items()})
        matching = [e for e in self.exemptions if _covers(e, finding)]
        current = [e for e in matching if e.expires >= today]
        if current:
            return replace(finding, status=Status.EXEMPT, exemption=ExemptionNote(current[0], applied=True))
        if finding.resources and len(covers) == len(set(finding.resources)):
            # together, the per-resource exemptions cover every offending resource (one by ARN, another by tag...)
            return replace(finding, status=Status.EXEMPT, exemption=ExemptionNote(next(iter(covers.values())), applied=True))
        if matching:
            return replace(finding, exemption=ExemptionNote(max(matching, key=lambda e: e.expires), applied=False))
        return finding

    def _resource_covers(self, finding: Finding, today: datetime.date) -> dict[str, Exemption]:
        """The first current per-resource exemption covering each offending resource of a FAIL that one covers
        (one by ARN, another by tag, ...); a resource no exemption covers is absent."""
        if finding.status is not Status.FAIL or not finding.resources:
            return {}
        candidates = [e for e in self.exemptions if e.per_resource and e.expires >= today
                      and e.check == finding.check.id and (not e.region or e.region == finding.region)]
        covers = {}
        for resource in finding.resources:
            cover = next((e for e in candidates if resource_exempted(e, resource, finding.resource_tags)), None)
            if cover is not None:
                covers[resource] = cover
        return covers

    def blocking(self, findings: Iterable[Finding]) -> tuple[Finding, ...]:
        """The findings that fail the audit: FAIL, and ERROR/TIMEOUT unless on_error is warn, at or above
        fail_on."""
        tuned = {s.check.id for s in self.selections if s.tuned_by_template}
        return tuple(
            f for f in findings
            if f.status.is_failure
            # an ERROR under parameters the template chose blocks whatever on_error says: a template must
            # not be able to turn a check off by handing it a value it cannot evaluate
            and (not f.status.is_problem or self.on_error is OnError.FAIL or f.check.id in tuned)
            and f.effective_severity.at_least(self.fail_on)
        )

    def judge(self, findings: Iterable[Finding]) -> Verdict:
        """FAIL when anything blocks - and when there is nothing to judge: no findings is never a PASS."""
        findings = tuple(findings)
        return Verdict.FAIL if not findings or self.blocking(findings) else Verdict.PASS

    def blocks(self, verdict: Verdict) -> bool:
        """Whether this verdict must fail the resource (and so roll the stack back)."""
        return verdict is Verdict.FAIL and self.mode is Mode.ENFORCE


def with_template_checks(policy: Policy, registry: Iterable[Check]) -> Policy:
    """The policy for an audit that has a template at hand. With `template_checks: all` every template check
    of the catalogue runs, those the policy does not select with their defaults; with `selected`, only the
    ones it selects. A selection the policy has (its parameters, its severity) is kept as it is."""
    if policy.template_checks is TemplateChecks.SELECTED:
        return policy
    missing = [c for c in registry if c.meta.scope is Scope.TEMPLATE and policy.selection(c.id) is None]
    return replace(policy, selections=policy.selections + tuple(Selection.of(c) for c in missing)) if missing else policy


def _covers(exemption: Exemption, finding: Finding) -> bool:
    if exemption.check != finding.check.id:
        return False
    if exemption.region and exemption.region != finding.region:
        return False
    if exemption.per_resource:
        # A resource exemption covers a FAIL whose every offending resource it names; never an ERROR.
        return finding.status is Status.FAIL and bool(finding.resources) and all(
            resource_exempted(exemption, r, finding.resource_tags) for r in finding.resources
        )
    return True


def resource_exempted(exemption: Exemption, resource: str, tags: Mapping[str, Mapping[str, str]]) -> bool:
    """Whether a per-resource exemption covers one offending resource: its ARN matches the pattern (when the
    exemption has one) and it carries the tag (when the exemption names one). A resource whose tags were not
    read is covered by no tag exemption."""
    if exemption.resource and not fnmatch.fnmatchcase(resource, exemption.resource):
        return False
    if exemption.tag:
        key, value = exemption.tag
        return tags.get(resource, {}).get(key) == value
    return True

