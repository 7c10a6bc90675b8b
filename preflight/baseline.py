"""The baseline a security team owns: a YAML or JSON document, validated in two phases (shape, then
meaning), loaded from the function's own configuration, and failing closed when it cannot be had.

    checks:                       # ids, or {id, parameters, severity}
      - cloudtrail-enabled
      - id: iam-password-policy
        parameters: {minimum_length: 16}
        severity: CRITICAL
    extends: recommended          # optional: start from a named baseline
    mode: enforce                 # or audit
    on_error: fail                # or warn: ERROR/TIMEOUT are reported but do not fail the audit
    fail_on: LOW                  # the lowest severity that fails the audit (default: every severity)
    regions: current              # or all, or a list of region names
    allow_overrides: false        # whether template properties may weaken it
    template_checks: all          # when a template is at hand (hook, --template): every template check runs
                                  # (all), or only the template checks listed in `checks` (selected)
    reports:                      # optional destinations for every audit's report
      s3: {bucket: security-reports, prefix: preflight/}
      security_hub: true
      sns: {topic_arn: arn:aws:sns:us-east-1:111122223333:security-alerts}
    exemptions:
      - {check: ..., region: ..., resource: ..., reason: ..., approved_by: ..., expires: 2027-03-31}
      - {check: config-rule:restricted-ssh, tag: {key: exposure, value: public-by-design}, ...}
    config_rules: [...]           # detective controls already running: see preflight.detective
    conformance_packs: [...]
    security_hub_controls: [...]
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Mapping

from preflight import detective, validation
from preflight.aws.access import AwsAccess
from preflight.errors import BaselineError
from preflight.model import Mode, OnError, Severity
from preflight.policy import (
    Policy,
    Regions,
    RegionsKind,
    Reports,
    Selection,
    TemplateChecks,
)
from preflight.named_baselines import NAMED, named_baseline
from preflight.registry import Registry

BASELINE_ENV = "PREFLIGHT_BASELINE"  # a baseline name, file:PATH, ssm:PARAMETER or s3://BUCKET/KEY
MAX_DOCUMENT_BYTES = 64 * 1024  # a baseline is a page of YAML; anything far larger is a mistake or an attack
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
KEYS = ("description", "extends", "checks", "mode", "on_error", "fail_on", "regions", "exemptions", "allow_overrides",
        "reports", "template_checks") + detective.KEYS
REPORT_KEYS = ("s3", "security_hub", "sns")

def default_policy(registry: Registry) -> Policy:
    """No baseline configured by whoever deployed the auditor: minimal, and the template is in charge."""
    return parse(named_baseline("minimal", registry), registry, source="built-in default (minimal)",
                 allow_overrides=True)


def parse(document: Any, registry: Registry, *, source: str, allow_overrides: bool | None = None) -> Policy:
    problems = validation.Problems(BaselineError)
    # Phase 1: the shape of the document.
    if not isinstance(document, Mapping):
        problems.add(f"the baseline must be an object, not {validation.type_name(document)}")
        problems.raise_if_any()
    validation.unknown_keys(document, KEYS, "baseline key ", problems)
    shapes = {"extends": str, "checks": list, "mode": str, "on_error": str, "fail_on": str,
              "exemptions": list, "allow_overrides": bool, "description": str, "reports": dict,
              "template_checks": str}
    for key, expected in shapes.items():
        if key in document and not isinstance(document[key], expected):
            problems.add(f"'{key}' must be {validation.type_name(expected())}, not {validation.type_name(document[key])}")
    if "regions" in document and not isinstance(document["regions"], (str, list)):
        problems.add(f"'regions' must be current, all or a list of regions, not {validation.type_name(document['regions'])}")
    problems.raise_if_any()

    # Phase 2: what it means.
    base: Policy | None = None
    if "extends" in document:
        named = named_baseline(document["extends"], registry)
        if named is None:
            problems.add(f"'extends': unknown baseline {validation.quoted(document['extends'])}"
                         f"{validation.suggest(document['extends'], NAMED)}")
        else:
            base = parse(named, registry, source=document["extends"])
    selections: dict[str, Selection] = {s.check.id: s for s in (base.selections if base else ())}
    for index, entry in enumerate(document.get("checks", [])):
        where = f"checks[{index}]"
        if isinstance(entry, Mapping):
            validation.unknown_keys(entry, ("id", "parameters", "severity"), f"field in {where} ", problems)
            check = validation.check_id(entry.get("id"), registry, f"{where}.id", problems)
            if check is None:
                continue
            where = f"{where} ({check.id})"
            params = validation.parameters(check, entry.get("parameters", {}), f"{where}.parameters", problems)
            level = validation.severity(entry["severity"], f"{where}.severity", problems) if "severity" in entry else None
            selections[check.id] = Selection.of(check, params, level)
        else:
            check = validation.check_id(entry, registry, where, problems)
            if check is not None and check.id not in selections:
                selections[check.id] = Selection.of(check)
    controls = detective.parse(document, problems)  # the detective controls the team already runs
    for check in controls:
        selections[check.id] = Selection.of(check)
    registry = registry.including(controls)
    if not selections:
        problems.add("the baseline selects no checks")

    mode = _enum(Mode, document.get("mode"), "mode", problems) or (base.mode if base else Mode.ENFORCE)
    on_error = _enum(OnError, document.get("on_error"), "on_error", problems) or (base.on_error if base else OnError.FAIL)
    fail_on = (validation.severity(document["fail_on"], "'fail_on'", problems) if "fail_on" in document
               else (base.fail_on if base else Severity.INFORMATIONAL))
    regions = _regions(document["regions"], problems) if "regions" in document else (base.regions if base else Regions())
    exemptions = validation.exemptions(document.get("exemptions", []), registry, "exemptions", problems)
    reports = _reports(document["reports"], problems) if "reports" in document else (base.reports if base else Reports())
    template_checks = (_enum(TemplateChecks, document.get("template_checks"), "template_checks", problems)
                       or (base.template_checks if base else TemplateChecks.ALL))
    problems.raise_if_any()
    return Policy(
        selections=tuple(selections.values()),
        mode=mode,
        on_error=on_error,
        fail_on=fail_on or Severity.INFORMATIONAL,
        regions=regions,
        exemptions=(base.exemptions if base else ()) + exemptions,
        allow_overrides=document.get("allow_overrides", False) if allow_overrides is None else allow_overrides,
        source=source,
        reports=reports,
        template_checks=template_checks,
    )


def _reports(section: Mapping, problems: validation.Problems) -> Reports:
    """reports: {s3: {bucket, prefix}, security_hub: true, sns: {topic_arn}}"""
    validation.unknown_keys(section, REPORT_KEYS, "reports destination ", problems)
    bucket = prefix = topic = None
    s3 = section.get("s3")
    if s3 is not None:
        if not isinstance(s3, Mapping) or not isinstance(s3.get("bucket"), str) or not s3["bucket"]:
            problems.add("reports.s3 must be {bucket: NAME, prefix: PREFIX}")
        else:
            validation.unknown_keys(s3, ("bucket", "prefix"), "field in reports.s3 ", problems)
            bucket, prefix = s3["bucket"], str(s3.get("prefix", "preflight/"))
    security_hub = section.get("security_hub", False)
    if not isinstance(security_hub, bool):
        problems.add(f"reports.security_hub must be true or false, not {validation.quoted(security_hub)}")
        security_hub = False
    sns = section.get("sns")
    if sns is not None:
        arn = sns.get("topic_arn") if isinstance(sns, Mapping) else None
        if not isinstance(arn, str) or not arn.startswith("arn:") or ":sns:" not in arn:
            problems.add("reports.sns must be {topic_arn: arn:aws:sns:REGION:ACCOUNT:TOPIC}")
        else:
            topic = arn
    return Reports(bucket, prefix or "preflight/", security_hub, topic)


def _enum(kind, value: Any, key: str, problems: validation.Problems):
    if value is None:
        return None
    valid = [m.value for m in kind]
    if value in valid:
        return kind(value)
    hint = validation.suggest(value, valid) if isinstance(value, str) else ""
    problems.add(f"unknown {key} {validation.quoted(value)}{hint}")
    return None


def _regions(value: Any, problems: validation.Problems) -> Regions:
    if value in ("current", "all"):
        return Regions(RegionsKind(value))
    if isinstance(value, str):
        problems.add(f"'regions' must be current, all or a list of regions, not {validation.quoted(value)}")
        return Regions()
    names = []
    for index, name in enumerate(value):
        if not isinstance(name, str) or not validation.REGION_NAME.match(name):
            problems.add(f"regions[{index}] is not a region name: {validation.quoted(name)}")
        elif name not in names:
            names.append(name)
    if not value:
        problems.add("'regions' is an empty list; use current or all")
    return Regions(RegionsKind.LISTED, tuple(names))


def _bounded(data: bytes, source: str) -> str:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise BaselineError([f"the baseline {source} is larger than {MAX_DOCUMENT_BYTES // 1024} KiB"])
    return data.decode()


def _fetch(source: str, aws: AwsAccess | None) -> str:
    """The document's text, never more than MAX_DOCUMENT_BYTES of it read. SSM and S3 need AWS access."""
    if source.startswith("file:"):
        path = Path(source[len("file:"):])
        with open(path if path.is_absolute() else PACKAGE_ROOT / path, "rb") as document:
            return _bounded(document.read(MAX_DOCUMENT_BYTES + 1), source)
    if source.startswith(("ssm:", "s3://")) and aws is None:
        raise BaselineError([f"the baseline {source} is in AWS, and no AWS access was given to read it"])
    assert aws is not None or not source.startswith(("ssm:", "s3://"))
    if source.startswith("ssm:") and aws is not None:  # at most 8 KB (advanced tier), but checked all the same
        value = aws.client("ssm").get_parameter(Name=source[len("ssm:"):])["Parameter"]["Value"]
        return _bounded(value.encode(), source)
    if source.startswith("s3://") and aws is not None:
        bucket, _, key = source[len("s3://"):].partition("/")
        answer = aws.client("s3").get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{MAX_DOCUMENT_BYTES}")
        return _bounded(answer["Body"].read(MAX_DOCUMENT_BYTES + 1), source)
    raise BaselineError([f"unknown baseline '{source[:80]}'{validation.suggest(source, NAMED, list_all=False)}: use a name "
                         f"({', '.join(NAMED)}), file:PATH, ssm:PARAMETER or s3://BUCKET/KEY"])


def load(source: str, aws: AwsAccess | None, registry: Registry) -> Policy:
    """The baseline named by `source`; "" is the built-in default. Anything unreadable raises BaselineError."""
    source = source.strip()
    if not source:
        return default_policy(registry)
    named = named_baseline(source, registry)
    if named is not None:
        return parse(named, registry, source=source)
    try:
        text = _fetch(source, aws)
    except BaselineError:
        raise
    except Exception as error:  # AWS refusals, missing files: all fail closed, in words
        code = getattr(error, "response", {}).get("Error", {}).get("Code") or type(error).__name__
        raise BaselineError([f"the baseline {source} could not be fetched ({code}: {error})"]) from error
    document = parse_document(text, source)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    try:
        return parse(document, registry, source=f"{source} (sha256 {digest})")
    except BaselineError as error:
        raise BaselineError(list(error.problems), header=f"the baseline {source} is invalid") from error


def parse_document(text: str, source: str) -> Any:
    """YAML (or JSON) without aliases: a few hundred bytes of nested aliases expand to gigabytes as soon as
    anything walks the result, so a baseline that uses them is refused before it is composed."""
    from preflight import yamlsafe

    if len(text) > MAX_DOCUMENT_BYTES:
        raise BaselineError([f"the baseline {source} is larger than {MAX_DOCUMENT_BYTES // 1024} KiB"])
    try:
        return yamlsafe.load(text)
    except yamlsafe.AliasRefused as error:
        raise BaselineError([f"the baseline {source} uses a YAML alias (line {error.line}); "
                             "aliases are not allowed in a baseline"]) from error
    except Exception as error:
        problem = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise BaselineError([f"the baseline {source} is not valid YAML or JSON ({problem})"]) from error


def configured_source() -> str:
    return os.environ.get(BASELINE_ENV, "")
