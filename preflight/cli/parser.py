"""The command line: every command, option and default, each value checked as it is parsed."""
from __future__ import annotations

import argparse
import math
import re

from preflight.cli.sweep import DEFAULT_CONCURRENCY, DEFAULT_ROLE_NAME

DEFAULT_TIMEOUT_S = 120.0  # each account's own audit deadline


MAX_TIMEOUT_S = 3600.0


MAX_SWEEP_TIMEOUT_S = 7 * 24 * 3600.0


FORMATS = ("table", "json", "junit", "sarif", "markdown", "asff")


ROLE_ARN = re.compile(r"^arn:aws[a-z-]{0,20}:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")


BASELINE_SCHEMES = ("file:", "ssm:", "s3://")


def version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("preflight")
    except PackageNotFoundError:
        return "unknown"


def seconds(value: str, limit: float) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value[:40]!r}") from None
    if not math.isfinite(seconds) or not 0 < seconds <= limit:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {limit:.0f} seconds, not {value[:40]}")
    return seconds


def timeout(value: str) -> float:
    return seconds(value, MAX_TIMEOUT_S)


def sweep_timeout(value: str) -> float:
    return seconds(value, MAX_SWEEP_TIMEOUT_S)


def account_id(value: str) -> str:
    if not re.fullmatch(r"\d{12}", value):
        raise argparse.ArgumentTypeError(f"not a 12-digit account id: {value[:40]!r}")
    return value


def concurrency(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 64, not {value[:20]!r}")
    return int(value)


def role_arn(value: str) -> str:
    if not ROLE_ARN.match(value):
        raise argparse.ArgumentTypeError(f"not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME): {value[:80]!r}")
    return value


def build() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="preflight", description="Audit AWS accounts against a security baseline.")
    parser.add_argument("--version", action="version", version=f"preflight {version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    audit = commands.add_parser("audit", help="run the audit")
    audit.add_argument("--baseline", help="a shipped baseline (minimal, recommended, cis-aws-foundations-v5, cis-aws-foundations-v3), "
                       "file:PATH, ssm:PARAMETER or s3://BUCKET/KEY (default: $PREFLIGHT_BASELINE, else minimal)")
    audit.add_argument("--checks", help="comma-separated check ids to run (default: the baseline's)")
    audit.add_argument("--mode", choices=("enforce", "audit"), help="audit: report only, always exit 0")
    audit.add_argument("--regions", help="current, all, or a comma-separated list (default: the baseline's)")
    audit.add_argument("--region", help="the home region (default: the profile's or AWS_REGION)")
    audit.add_argument("--profile", help="AWS named profile")
    audit.add_argument("--role-arn", action="append", default=[], metavar="ARN", type=role_arn,
                       help="audit the account of this role (assumed with your credentials); repeat for several")
    sweep = audit.add_argument_group("auditing many accounts through a role in each (instead of --role-arn)")
    sweep.add_argument("--organization", action="store_true",
                       help="every ACTIVE account of the organization (organizations:ListAccounts)")
    sweep.add_argument("--accounts", metavar="FILE", help="the accounts listed in FILE, one 12-digit id a line")
    sweep.add_argument("--account", action="append", default=[], metavar="ID", type=account_id,
                       help="this account; repeat for several")
    sweep.add_argument("--role-name", default=DEFAULT_ROLE_NAME,
                       help=f"the role assumed in each account but your own (default: {DEFAULT_ROLE_NAME})")
    sweep.add_argument("--external-id", help="the ExternalId the role's trust policy requires")
    sweep.add_argument("--concurrency", type=concurrency, default=DEFAULT_CONCURRENCY,
                       help=f"accounts audited at once, their abandoned checks included (default {DEFAULT_CONCURRENCY}, "
                            "at most 64)")
    sweep.add_argument("--sweep-timeout", type=sweep_timeout, metavar="SECONDS",
                       help="a budget for the whole sweep: accounts not audited within it are listed NOT_AUDITED "
                            "and the exit code is 3 (default: no budget; each account still has --timeout)")
    audit.add_argument("--format", choices=FORMATS, default="table", type=str.lower,
                       help=f"how to write the result: {', '.join(FORMATS)} (default: table)")
    audit.add_argument("--output", metavar="FILE", help="write the result there instead of to standard output")
    audit.add_argument("--template", metavar="FILE",
                       help="also check this CloudFormation template (JSON or YAML): the template checks; when "
                            "they are all that is selected, no AWS credentials or region are needed")
    audit.add_argument("--timeout", type=timeout, default=DEFAULT_TIMEOUT_S,
                       help=f"seconds each account's audit may take before its unfinished checks are reported "
                            f"TIMEOUT (default {DEFAULT_TIMEOUT_S:.0f}, at most {MAX_TIMEOUT_S:.0f})")
    checks = commands.add_parser("checks", help="list the catalogue")
    checks.add_argument("--format", choices=("table", "json"), default="table", type=str.lower,
                        help="table or json (default: table)")
    explain = commands.add_parser("explain", help="everything about one check")
    explain.add_argument("check_id", metavar="CHECK")
    validate = commands.add_parser("validate", help="validate a baseline without running it")
    validate.add_argument("baseline", metavar="BASELINE", help="name, file:PATH (or a plain path), ssm:NAME or s3://B/K")
    validate.add_argument("--profile")
    validate.add_argument("--region")
    snippet = commands.add_parser("snippet", help="print a Custom::Preflight block to paste into a template")
    snippet.add_argument("--token-from", choices=("export", "ssm"), default="export",
                         help="import the auditor stack's export, or read the SSM parameter a StackSet publishes")
    snippet.add_argument("--stack-name", default="preflight", help="the auditor stack (for --token-from export)")
    snippet.add_argument("--parameter", default="/preflight/service-token", help="the SSM parameter (for ssm)")
    return parser
