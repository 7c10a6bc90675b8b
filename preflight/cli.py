"""preflight on a terminal or in a pipeline: the same policy -> runner -> verdict path as the Lambda.

    preflight audit [--checks ID,ID] [--mode enforce|audit] [--region R] [--profile P] [--format table|json]
    preflight checks

Exit codes: 0 the audit passed (or audit mode), 1 it failed, 2 usage or set-up error.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from preflight.errors import PreflightError

DEFAULT_TIMEOUT_S = 60.0
EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="preflight", description="Audit an AWS account against the preflight baseline.")
    commands = parser.add_subparsers(dest="command", required=True)
    audit = commands.add_parser("audit", help="run the checks against the current credentials' account")
    audit.add_argument("--baseline", help="a baseline name (minimal, recommended, cis-aws-foundations-v3), "
                       "file:PATH, ssm:PARAMETER or s3://BUCKET/KEY (default: $PREFLIGHT_BASELINE, else minimal)")
    audit.add_argument("--checks", help="comma-separated check ids (default: the baseline's)")
    audit.add_argument("--mode", choices=("enforce", "audit"), help="audit: report only, always exit 0")
    audit.add_argument("--region", help="region for regional checks (default: the profile's or AWS_REGION)")
    audit.add_argument("--profile", help="AWS named profile")
    audit.add_argument("--format", choices=("table", "json"), default="table")
    audit.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds before unfinished checks time out")
    commands.add_parser("checks", help="list the catalogue")
    return parser


def _list_checks(registry) -> str:
    rows = [(c.id, c.meta.severity.value, c.meta.controls.cis_aws_v3 or "-", c.meta.controls.security_hub or "-",
             c.meta.title) for c in registry]
    widths = [max(len(r[i]) for r in rows + [("CHECK", "SEVERITY", "CIS v3", "SECURITY HUB", "")]) for i in range(4)]
    header = ("CHECK", "SEVERITY", "CIS v3", "SECURITY HUB", "TITLE")
    return "\n".join("  ".join(f"{v:<{w}}" for v, w in zip(row[:4], widths)) + "  " + row[4] for row in [header, *rows])


def _audit(args: argparse.Namespace, registry) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from preflight import baseline, properties
    from preflight.audit import run_audit
    from preflight.aws import AwsAccess
    from preflight.report import render_table, report_to_json
    from preflight.runner import Deadline

    try:
        aws = AwsAccess(boto3.Session(profile_name=args.profile, region_name=args.region))
        aws.region  # fail early, in words, when no region is configured
    except (BotoCoreError, ClientError) as error:
        raise PreflightError(str(error)) from error
    source = baseline.configured_source() if args.baseline is None else args.baseline
    overrides: dict = {}
    if args.mode:
        overrides["Mode"] = args.mode
    if args.checks:
        overrides["Checks"] = [c.strip() for c in args.checks.split(",") if c.strip()]
    policy = properties.apply(overrides, baseline.load(source, aws, registry), registry)
    report = run_audit(policy, aws, Deadline.after(args.timeout))
    print(report_to_json(report) if args.format == "json" else render_table(report))
    return EXIT_FAIL if policy.blocks(report.verdict) else EXIT_PASS


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from preflight.registry import default_registry

    registry = default_registry()
    if args.command == "checks":
        print(_list_checks(registry))
        return EXIT_PASS
    try:
        return _audit(args, registry)
    except PreflightError as error:
        print(f"preflight: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
