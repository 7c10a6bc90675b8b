"""The commands about the catalogue and baselines: checks, explain, validate, snippet."""
from __future__ import annotations

import argparse
import json

from preflight.cli.audit import baseline_source
from preflight.cli.credentials import session
from preflight.cli.exits import UsageError


def list_checks(registry, fmt: str) -> str:
    """The catalogue; a CIS item the benchmark marks Manual is labelled so ("4.1 (Manual)")."""
    from preflight.benchmarks import Benchmark, labelled

    def cis(c, benchmark: Benchmark, numbers: str | None) -> str:
        return labelled(benchmark, numbers)

    if fmt == "json":
        return json.dumps([{"id": c.id, "title": c.meta.title, "severity": c.meta.severity.value,
                            "scope": c.meta.scope.value, "cis_aws_v3": c.meta.controls.cis_aws_v3,
                            "cis_aws_v5": c.meta.controls.cis_aws_v5,
                            "cis_aws_v3_label": cis(c, Benchmark.CIS_AWS_V3, c.meta.controls.cis_aws_v3),
                            "cis_aws_v5_label": cis(c, Benchmark.CIS_AWS_V5, c.meta.controls.cis_aws_v5),
                            "security_hub": c.meta.controls.security_hub} for c in registry], indent=2) + "\n"
    header = ("CHECK", "SEVERITY", "SCOPE", "CIS v3", "CIS v5", "SECURITY HUB")
    rows = [(c.id, c.meta.severity.value, c.meta.scope.value, cis(c, Benchmark.CIS_AWS_V3, c.meta.controls.cis_aws_v3),
             cis(c, Benchmark.CIS_AWS_V5, c.meta.controls.cis_aws_v5), c.meta.controls.security_hub or "-",
             c.meta.title) for c in registry]
    columns = len(header)
    widths = [max(len(r[i]) for r in rows + [header + ("",)]) for i in range(columns)]
    return "\n".join("  ".join(f"{v:<{w}}" for v, w in zip(row[:columns], widths)) + "  " + row[columns]
                     for row in [header + ("TITLE",), *rows]) + "\n"


def explain(check_id: str, registry) -> str:
    from preflight import named_baselines, validation
    from preflight.benchmarks import Benchmark, labelled

    if check_id not in registry:
        raise UsageError(f"unknown check '{check_id}'{validation.suggest(check_id, registry.ids, list_all=False)}; "
                         "`preflight checks` lists them")
    check = registry.get(check_id)
    meta = check.meta
    in_baselines = [n for n in named_baselines.NAMED
                    if check_id in named_baselines.check_ids(named_baselines.named_baseline(n, registry))]
    lines = [meta.id, "=" * len(meta.id), meta.title, "",
             f"Severity:      {meta.severity.value}",
             f"Scope:         {meta.scope.value}" + (" (every audited region)" if meta.scope.value == "regional" else ""),
             f"CIS AWS v3.0:  {labelled(Benchmark.CIS_AWS_V3, meta.controls.cis_aws_v3)}",
             f"CIS AWS v5.0:  {labelled(Benchmark.CIS_AWS_V5, meta.controls.cis_aws_v5)}",
             f"Security Hub:  {meta.controls.security_hub or '-'}",
             f"Baselines:     {', '.join(in_baselines) or 'none (add it to yours)'}",
             f"IAM actions:   {', '.join(meta.iam_actions)}"]
    if check.about_data is not None:
        lines.append(f"Judged by:     {check.about_data()}")
    if meta.parameters:
        lines += ["", "Parameters:"]
        lines += [f"  {p.name} = {json.dumps(p.default)}  ({parameter_in_words(p)})  {p.description}"
                  for p in meta.parameters]
    lines += ["", "How to fix:", f"  {meta.remediation}", f"  {meta.remediation_url}"]
    return "\n".join(lines) + "\n"


def parameter_in_words(parameter) -> str:
    from preflight.model import Stricter

    if parameter.choices:
        kind = f"one of {', '.join(parameter.choices)}"
    elif parameter.type is int:
        kind = f"a whole number from {parameter.minimum} to {parameter.maximum}"
    elif parameter.type is bool:
        kind = "true or false"
    elif parameter.type is tuple:
        kind = f"a list of at most {parameter.max_items} items matching {parameter.item_pattern}"
    else:
        kind = "text"
    stricter = {Stricter.HIGHER: "a higher number is stricter", Stricter.LOWER: "a lower number is stricter",
                Stricter.TRUE: "true is stricter", Stricter.FALSE: "false is stricter",
                Stricter.EARLIER_CHOICE: "each choice is stricter than the ones after it",
                Stricter.FEWER: "fewer items are stricter", Stricter.MORE: "more items are stricter"}[parameter.stricter]
    return f"{kind}; {stricter}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def validate(source: str, args: argparse.Namespace, registry) -> str:
    import datetime

    from preflight import baseline
    from preflight.aws.access import AwsAccess

    source = baseline_source(source, registry)
    aws = None
    if source.startswith(("ssm:", "s3://")):
        aws = AwsAccess(session(args.profile, args.region))
    policy = baseline.load(source, aws, registry)
    expired = [e for e in policy.exemptions if e.expires < datetime.date.today()]
    regional = sum(1 for s in policy.selections if s.check.meta.scope.value == "regional")
    return (f"{source}: valid. {plural(len(policy.selections), 'check')} ({regional} regional), mode "
            f"{policy.mode.value}, on_error {policy.on_error.value}, fail_on {policy.fail_on.value}, regions "
            f"{policy.regions.describe()}, {plural(len(policy.exemptions), 'exemption')} ({len(expired)} expired), overrides "
            f"{'allowed' if policy.allow_overrides else 'refused'}, reports: "
            f"{', '.join(policy.reports.configured) or 'none'}.\n")


SNIPPET = """\
Parameters:
  DeploymentId:
    Type: String
    Description: Changes on every deployment (commit id, timestamp), so the audit re-runs on stack updates.
{extra_parameters}
Resources:
  Preflight:
    Type: Custom::Preflight
    Properties:
      ServiceToken: {token}
      ServiceTimeout: 120           # fail after 2 minutes, not CloudFormation's default hour
      Revision: !Ref DeploymentId
      Mode: enforce
  # Add `DependsOn: Preflight` to every other resource, so nothing is created before the audit passes.
"""


def snippet(args: argparse.Namespace) -> str:
    if args.token_from == "ssm":
        extra = (f"  PreflightServiceToken:\n    Type: AWS::SSM::Parameter::Value<String>\n"
                 f"    Default: {args.parameter}\n")
        return SNIPPET.format(extra_parameters=extra, token="!Ref PreflightServiceToken")
    return SNIPPET.format(extra_parameters="", token=f"!ImportValue {args.stack_name}-ServiceToken")
