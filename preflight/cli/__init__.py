"""preflight on a terminal or in a pipeline: the same baseline -> policy -> runner -> verdict path as the Lambda.

    preflight audit     run the audit (this account, or others through --role-arn), any output format
    preflight checks    the catalogue with severities and control ids
    preflight explain   one check in full
    preflight validate  check a baseline document without running it
    preflight snippet   a drop-in Custom::Preflight block for a template

Exit codes: 0 the audit passed (or audit mode), 1 it failed, 2 a usage, credentials or baseline error,
3 a sweep left accounts not audited (its budget ran out; they are listed as NOT_AUDITED).

The CLI is a door of its own beside the two Lambda doors (preflight.serving): the same baseline, policy,
audit and verdict, but no Lambda capacity guard (a laptop or a pipeline is not a 128 MB function) and no
report destinations (the baseline's S3, Security Hub and SNS destinations belong to the deployed auditor;
the CLI writes the report where --output and --format say).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import os
import re
import sys
from typing import Sequence, TextIO

from preflight import inert
from preflight.errors import PolicyError, PreflightError
from preflight.cli.sweep import DEFAULT_CONCURRENCY, DEFAULT_ROLE_NAME

DEFAULT_TIMEOUT_S = 120.0  # each account's own audit deadline
MAX_TIMEOUT_S = 3600.0
MAX_SWEEP_TIMEOUT_S = 7 * 24 * 3600.0
EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3
FORMATS = ("table", "json", "junit", "sarif", "markdown", "asff")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]{0,20}:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
BASELINE_SCHEMES = ("file:", "ssm:", "s3://")
TEMPLATE_ONLY_REGION = "-"  # the report's region when only template checks ran and no region is configured


class UsageError(PreflightError):
    """Something the person running the CLI can fix; exits 2 with the message."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("preflight")
    except PackageNotFoundError:
        return "unknown"


def _seconds(value: str, limit: float) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value[:40]!r}") from None
    if not math.isfinite(seconds) or not 0 < seconds <= limit:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {limit:.0f} seconds, not {value[:40]}")
    return seconds


def _timeout(value: str) -> float:
    return _seconds(value, MAX_TIMEOUT_S)


def _sweep_timeout(value: str) -> float:
    return _seconds(value, MAX_SWEEP_TIMEOUT_S)


def _account_id(value: str) -> str:
    if not re.fullmatch(r"\d{12}", value):
        raise argparse.ArgumentTypeError(f"not a 12-digit account id: {value[:40]!r}")
    return value


def _concurrency(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 64, not {value[:20]!r}")
    return int(value)


def _role_arn(value: str) -> str:
    if not ROLE_ARN.match(value):
        raise argparse.ArgumentTypeError(f"not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME): {value[:80]!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="preflight", description="Audit AWS accounts against a security baseline.")
    parser.add_argument("--version", action="version", version=f"preflight {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    audit = commands.add_parser("audit", help="run the audit")
    audit.add_argument("--baseline", help="a shipped baseline (minimal, recommended, cis-aws-foundations-v3), "
                       "file:PATH, ssm:PARAMETER or s3://BUCKET/KEY (default: $PREFLIGHT_BASELINE, else minimal)")
    audit.add_argument("--checks", help="comma-separated check ids to run (default: the baseline's)")
    audit.add_argument("--mode", choices=("enforce", "audit"), help="audit: report only, always exit 0")
    audit.add_argument("--regions", help="current, all, or a comma-separated list (default: the baseline's)")
    audit.add_argument("--region", help="the home region (default: the profile's or AWS_REGION)")
    audit.add_argument("--profile", help="AWS named profile")
    audit.add_argument("--role-arn", action="append", default=[], metavar="ARN", type=_role_arn,
                       help="audit the account of this role (assumed with your credentials); repeat for several")
    sweep = audit.add_argument_group("auditing many accounts through a role in each (instead of --role-arn)")
    sweep.add_argument("--organization", action="store_true",
                       help="every ACTIVE account of the organization (organizations:ListAccounts)")
    sweep.add_argument("--accounts", metavar="FILE", help="the accounts listed in FILE, one 12-digit id a line")
    sweep.add_argument("--account", action="append", default=[], metavar="ID", type=_account_id,
                       help="this account; repeat for several")
    sweep.add_argument("--role-name", default=DEFAULT_ROLE_NAME,
                       help=f"the role assumed in each account but your own (default: {DEFAULT_ROLE_NAME})")
    sweep.add_argument("--external-id", help="the ExternalId the role's trust policy requires")
    sweep.add_argument("--concurrency", type=_concurrency, default=DEFAULT_CONCURRENCY,
                       help=f"accounts audited at once, their abandoned checks included (default {DEFAULT_CONCURRENCY}, "
                            "at most 64)")
    sweep.add_argument("--sweep-timeout", type=_sweep_timeout, metavar="SECONDS",
                       help="a budget for the whole sweep: accounts not audited within it are listed NOT_AUDITED "
                            "and the exit code is 3 (default: no budget; each account still has --timeout)")
    audit.add_argument("--format", choices=FORMATS, default="table", type=str.lower,
                       help=f"how to write the result: {', '.join(FORMATS)} (default: table)")
    audit.add_argument("--output", metavar="FILE", help="write the result there instead of to standard output")
    audit.add_argument("--template", metavar="FILE",
                       help="also check this CloudFormation template (JSON or YAML): the template checks; when "
                            "they are all that is selected, no AWS credentials or region are needed")
    audit.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT_S,
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


# --- credentials, in words -------------------------------------------------------------------------------

def _in_words(error: Exception, doing: str) -> str:
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ProfileNotFound,
        SSOTokenLoadError,
        TokenRetrievalError,
        UnauthorizedSSOTokenError,
    )

    if isinstance(error, NoCredentialsError):
        return ("no AWS credentials found: pass --profile, set AWS_PROFILE or AWS_ACCESS_KEY_ID, "
                "or run `aws configure` / `aws sso login`")
    if isinstance(error, ProfileNotFound):
        return f"{error} (the profiles you have are in ~/.aws/config)"
    if isinstance(error, (SSOTokenLoadError, UnauthorizedSSOTokenError, TokenRetrievalError)):
        return "your AWS SSO session has expired or was never started: run `aws sso login` and try again"
    if isinstance(error, NoRegionError):
        return "no AWS region is configured: pass --region or set AWS_REGION"
    if isinstance(error, EndpointConnectionError):
        return f"cannot reach AWS while {doing} ({error}); check the network and the region name"
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
            return "your AWS credentials have expired: refresh them (for example `aws sso login`) and try again"
        if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"):
            return f"AWS does not accept these credentials ({code}): check the access key, secret and profile"
        return f"AWS refused {doing} ({code}: {message})"
    return f"{doing} failed: {error}"


def _session(profile: str | None, region: str | None):
    from botocore.exceptions import BotoCoreError

    from preflight.aws.access import new_session

    # botocore reads AWS_DEFAULT_REGION only; Lambda and the newer SDKs set AWS_REGION, which wins over the
    # profile's region as it does in those SDKs.
    region = region or os.environ.get("AWS_REGION") or None
    try:
        return new_session(profile_name=profile, region_name=region)
    except BotoCoreError as error:
        raise UsageError(_in_words(error, "opening the profile")) from error


def _identity(session) -> tuple[str, str]:
    """(account id, partition) of the credentials in use."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        identity = session.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as error:
        raise UsageError(_in_words(error, "checking your credentials")) from error
    return identity["Account"], identity["Arn"].split(":")[1]


def _account_in(role_arn: str) -> str:
    from preflight.aws.names import account_in_arn

    account = account_in_arn(role_arn)
    if account is None or not ROLE_ARN.match(role_arn):
        raise UsageError(f"--role-arn {role_arn[:80]!r} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    return account


def _assumed(sts, role_arn: str, external_id: str | None = None):
    """The role's credentials, assumed through `sts` (one client serves every account of a sweep)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from preflight.aws.access import AssumedCredentials

    extra = {"ExternalId": external_id} if external_id else {}
    try:
        return AssumedCredentials.from_sts(sts.assume_role(RoleArn=role_arn, RoleSessionName="preflight", **extra))
    except (BotoCoreError, ClientError) as error:
        raise UsageError(f"could not assume {role_arn}: " + _in_words(error, "assuming the role")) from error


# --- audit -----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class _AccountProgress:
    """Prefixes each label with the account when several are audited at once."""

    progress: object
    prefix: str

    def expect(self, labels: list[str]) -> None:
        self.progress.expect([self.prefix + label for label in labels])

    def finished(self, label: str, finding) -> None:
        self.progress.finished(self.prefix + label, finding)


def _regions_override(value: str | None):
    from preflight import validation
    from preflight.policy import Regions, RegionsKind

    if value is None:
        return None
    if value in ("current", "all"):
        return Regions(RegionsKind(value))
    names = tuple(dict.fromkeys(r.strip() for r in value.split(",") if r.strip()))
    bad = [n for n in names if not validation.REGION_NAME.match(n)]
    if bad or not names:
        raise UsageError(f"--regions: not a region name: {', '.join(bad) or value!r} (use current, all or a list)")
    return Regions(RegionsKind.LISTED, names)


def _audit(args: argparse.Namespace, registry, err: TextIO) -> tuple[int, str]:
    from preflight import baseline
    from preflight.aws.access import AwsAccess

    if args.output:
        _check_writable(args.output)
    from preflight import gc_policy

    gc_policy.for_auditing()
    template = _template_file(args.template) if args.template else None
    source = baseline.configured_source() if args.baseline is None else _baseline_source(args.baseline, registry)
    sweeping = args.organization or args.accounts or args.account
    if sweeping and args.role_arn:
        raise UsageError("--role-arn audits the roles you name; --organization, --accounts and --account assume "
                         "--role-name in each account: use one or the other")
    accounts_file = _accounts_file(args.accounts) if args.accounts else None
    policy = None
    if template is not None and not source.startswith(("ssm:", "s3://")):
        policy = _policy(args, baseline.load(source, None, registry), registry, template)
        if _template_only(policy) and not sweeping and not args.role_arn:
            # Like a linter: the template is all there is to read, so no credentials, region or network.
            region = args.region or os.environ.get("AWS_REGION") or TEMPLATE_ONLY_REGION
            return _finish(args, _run(args, policy, [("", AwsAccess(region=region))], template, err), policy, err)
    session = _session(args.profile, args.region)
    if not session.region_name:
        raise UsageError("no AWS region is configured: pass --region or set AWS_REGION")
    home = session.region_name
    own_account, partition = _identity(session)
    own = AwsAccess(session, region=home, account_id=own_account)  # reads the baseline; audits unless --role-arn
    accesses = [(own_account, own)] if not args.role_arn else [
        (_account_in(arn), AwsAccess(session, region=home, account_id=_account_in(arn),
                                     credentials=_assumed(own.client("sts"), arn)))
        for arn in args.role_arn]
    if policy is None:
        policy = _policy(args, baseline.load(source, own, registry), registry, template)

    if sweeping:
        reports = _sweep(args, session, (own_account, partition), home, policy, template, accounts_file, err)
        return _finish(args, reports, policy, err)
    if policy.regions.names:
        _check_regions_enabled(policy.regions.names, accesses)
    return _finish(args, _run(args, policy, accesses, template, err), policy, err)


def _policy(args: argparse.Namespace, loaded, registry, template):
    """The baseline with the command line's overrides, and the template checks when a template is at hand."""
    from preflight import properties
    from preflight.policy import with_template_checks

    overrides: dict = {}
    if args.mode:
        overrides["Mode"] = args.mode
    if args.checks:
        overrides["Checks"] = [c.strip() for c in args.checks.split(",") if c.strip()]
    policy = properties.apply(overrides, loaded, registry)
    if template is not None:
        policy = with_template_checks(policy, registry)
    regions = _regions_override(args.regions)
    return policy if regions is None else dataclasses.replace(policy, regions=regions)


def _template_only(policy) -> bool:
    from preflight.model import Scope

    return bool(policy.selections) and all(s.check.meta.scope is Scope.TEMPLATE for s in policy.selections)


def _run(args: argparse.Namespace, policy, accesses, template, err: TextIO) -> list:
    """One report per account, audited at once, with live progress on a terminal."""
    from preflight.audit import run_audit
    from preflight.concurrency import Deadline, spawn
    from preflight.cli.progress import Progress

    progress = Progress(err)
    log_handler = progress.log_handler()  # log lines go above the progress line, never into it
    logging.getLogger().addHandler(log_handler)
    deadline = Deadline.after(args.timeout)
    several = len(accesses) > 1
    try:
        audits = [spawn(run_audit, policy, aws, deadline, None,
                        _AccountProgress(progress, f"{account}:" if several else ""), template)
                  for account, aws in accesses]
        return [job.result() for job in audits]
    finally:
        logging.getLogger().removeHandler(log_handler)
        progress.close()


def _finish(args: argparse.Namespace, reports, policy, err: TextIO) -> tuple[int, str]:
    from preflight.reporting.formats import Format, not_audited, overall, render
    from preflight.model import Verdict

    fmt = Format(args.format)
    colour = fmt is Format.TABLE and not args.output and sys.stdout.isatty()
    text = render(reports, fmt, colour)
    blocked = any(policy.blocks(r.verdict) for r in reports)
    missed = not_audited(reports)
    if missed:  # whatever the format and mode: the result is incomplete, and says which accounts are missing
        listed = ", ".join(r.account_id for r in missed[:20]) + (f" and {len(missed) - 20} more" if len(missed) > 20 else "")
        err.write(f"preflight: {len(missed)} of {len(reports)} accounts not audited ({listed}); exit code "
                  f"{EXIT_INCOMPLETE}\n")
    if args.output:
        with open(args.output, "w") as out:
            out.write(text)
        verdict = overall(reports)
        err.write(f"preflight: {verdict.value}{' (audit mode)' if verdict is Verdict.FAIL and not blocked else ''}"
                  f" - {fmt.value} written to {args.output}\n")
        text = ""
    return (EXIT_INCOMPLETE if missed else EXIT_FAIL if blocked else EXIT_PASS), text


def _template_file(path: str):
    from preflight.template import TemplateUnavailable, from_file

    try:
        return from_file(path)
    except TemplateUnavailable as error:
        raise UsageError(f"--template: {error}") from error


def _accounts_file(path: str) -> list[str]:
    """Every line of the file, streamed (no size limit: memory grows with the accounts, 12 digits each)."""
    from preflight.cli.sweep import accounts_in_lines

    try:
        with open(path, encoding="utf-8", errors="replace") as source:
            return accounts_in_lines(source)
    except OSError as error:
        raise UsageError(f"--accounts: cannot read {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise UsageError(f"--accounts {path}: {error}") from error


def _sweep(args: argparse.Namespace, session, identity: tuple[str, str], home: str, policy, template,
           accounts_file, err: TextIO):
    import concurrent.futures

    from botocore.exceptions import BotoCoreError, ClientError

    from preflight.audit import run_audit
    from preflight.aws.access import AwsAccess
    from preflight.concurrency import Deadline, spawn
    from preflight.aws.names import role_arn
    from preflight.cli.sweep import Limits, SweepProgress, Target, not_audited, organization_accounts, sweep, unreachable

    own_account, partition = identity
    if args.organization:
        try:
            accounts = organization_accounts(session)
        except (BotoCoreError, ClientError) as error:
            raise UsageError(_in_words(error, "listing the organization's accounts")) from error
    else:
        accounts = accounts_file or []
    accounts = list(dict.fromkeys(accounts + args.account))
    if not accounts:
        raise UsageError("no accounts to audit")
    # The caller's own account is read with the caller's credentials: the role a sweep assumes elsewhere
    # (OrganizationAccountAccessRole) does not exist in the management account.
    targets = [Target(a, None if a == own_account else role_arn(partition, a, args.role_name)) for a in accounts]
    sts = AwsAccess(session, region=home).client("sts")

    def audit_one(target: Target, deadline: Deadline, runner):
        if target.role_arn is None:
            aws = AwsAccess(session, region=home, account_id=own_account)
        else:
            assuming = spawn(_assumed, sts, target.role_arn, args.external_id, name=f"assume:{target.account_id}")
            try:  # the role is assumed within the account's own deadline too
                credentials = assuming.result(timeout=deadline.remaining())
            except concurrent.futures.TimeoutError:
                return not_audited(target.account_id, home, f"AssumeRole did not answer within the account's "
                                                            f"{args.timeout:g} s")
            except UsageError as error:
                return unreachable(target.account_id, home, str(error), "AssumeRoleFailed")
            # the account's clients live only as long as its audit; the session is everyone's
            aws = AwsAccess(session, region=home, account_id=target.account_id, credentials=credentials)
        return run_audit(policy, aws, deadline, runner=runner, template=template)

    budget = Deadline.after(args.sweep_timeout) if args.sweep_timeout else None
    progress = SweepProgress(err, len(targets))
    try:
        return sweep(targets, audit_one, policy, Limits(args.concurrency, args.timeout, budget), home, progress)
    finally:
        progress.close()


def _check_writable(path: str) -> None:
    """Before the audit runs: a result that cannot be written would throw the whole audit away."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"--output {path} is a folder; name a file in it")
    if not os.path.isdir(folder):
        raise UsageError(f"--output {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UsageError(f"--output {path}: not allowed to write there")


def _baseline_source(value: str, registry) -> str:
    """A shipped name, file:/ssm:/s3:// as given; a plain path to a file becomes file:PATH; anything else is
    a name that does not exist (with the closest one)."""
    from preflight import baseline, validation

    if baseline.named_baseline(value, registry) is not None or value.startswith(BASELINE_SCHEMES):
        return value
    if os.sep in value or value.endswith((".yaml", ".yml", ".json")) or os.path.exists(value):
        return f"file:{os.path.abspath(value)}"
    raise UsageError(f"unknown baseline '{value[:80]}'{validation.suggest(value, baseline.NAMED, list_all=False)}: use a name "
                     f"({', '.join(baseline.NAMED)}), a file path, ssm:PARAMETER or s3://BUCKET/KEY")


def _check_regions_enabled(names: Sequence[str], accesses) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    for account, aws in accesses:
        try:
            enabled = aws.enabled_regions()
        except (BotoCoreError, ClientError) as error:
            raise UsageError(_in_words(error, "listing the enabled regions")) from error
        missing = [n for n in names if n not in enabled]
        if missing:
            raise UsageError(f"region {', '.join(missing)} is not enabled for account {account}: enable it in the "
                             "account's settings or leave it out of --regions")


# --- catalogue commands ----------------------------------------------------------------------------------

def _list_checks(registry, fmt: str) -> str:
    if fmt == "json":
        return json.dumps([{"id": c.id, "title": c.meta.title, "severity": c.meta.severity.value,
                            "scope": c.meta.scope.value, "cis_aws_v3": c.meta.controls.cis_aws_v3,
                            "security_hub": c.meta.controls.security_hub} for c in registry], indent=2) + "\n"
    header = ("CHECK", "SEVERITY", "SCOPE", "CIS v3", "SECURITY HUB")
    rows = [(c.id, c.meta.severity.value, c.meta.scope.value, c.meta.controls.cis_aws_v3 or "-",
             c.meta.controls.security_hub or "-", c.meta.title) for c in registry]
    widths = [max(len(r[i]) for r in rows + [header + ("",)]) for i in range(5)]
    return "\n".join("  ".join(f"{v:<{w}}" for v, w in zip(row[:5], widths)) + "  " + row[5]
                     for row in [header + ("TITLE",), *rows]) + "\n"


def _explain(check_id: str, registry) -> str:
    from preflight import baseline, validation

    if check_id not in registry:
        raise UsageError(f"unknown check '{check_id}'{validation.suggest(check_id, registry.ids, list_all=False)}; "
                         "`preflight checks` lists them")
    check = registry.get(check_id)
    meta = check.meta
    in_baselines = [n for n in baseline.NAMED if check_id in baseline.named_baseline(n, registry)["checks"]]
    lines = [meta.id, "=" * len(meta.id), meta.title, "",
             f"Severity:      {meta.severity.value}",
             f"Scope:         {meta.scope.value}" + (" (every audited region)" if meta.scope.value == "regional" else ""),
             f"CIS AWS v3.0:  {meta.controls.cis_aws_v3 or '-'}",
             f"Security Hub:  {meta.controls.security_hub or '-'}",
             f"Baselines:     {', '.join(in_baselines) or 'none (add it to yours)'}",
             f"IAM actions:   {', '.join(meta.iam_actions)}"]
    if check.about_data is not None:
        lines.append(f"Judged by:     {check.about_data()}")
    if meta.parameters:
        lines += ["", "Parameters:"]
        lines += [f"  {p.name} = {json.dumps(p.default)}  ({_parameter_in_words(p)})  {p.description}"
                  for p in meta.parameters]
    lines += ["", "How to fix:", f"  {meta.remediation}", f"  {meta.remediation_url}"]
    return "\n".join(lines) + "\n"


def _parameter_in_words(parameter) -> str:
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
                Stricter.FEWER: "fewer items are stricter"}[parameter.stricter]
    return f"{kind}; {stricter}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _validate(source: str, args: argparse.Namespace, registry) -> str:
    import datetime

    from preflight import baseline
    from preflight.aws.access import AwsAccess

    source = _baseline_source(source, registry)
    aws = None
    if source.startswith(("ssm:", "s3://")):
        aws = AwsAccess(_session(args.profile, args.region))
    policy = baseline.load(source, aws, registry)
    expired = [e for e in policy.exemptions if e.expires < datetime.date.today()]
    regional = sum(1 for s in policy.selections if s.check.meta.scope.value == "regional")
    return (f"{source}: valid. {_plural(len(policy.selections), 'check')} ({regional} regional), mode "
            f"{policy.mode.value}, on_error {policy.on_error.value}, fail_on {policy.fail_on.value}, regions "
            f"{policy.regions.describe()}, {_plural(len(policy.exemptions), 'exemption')} ({len(expired)} expired), overrides "
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


def _snippet(args: argparse.Namespace) -> str:
    if args.token_from == "ssm":
        extra = (f"  PreflightServiceToken:\n    Type: AWS::SSM::Parameter::Value<String>\n"
                 f"    Default: {args.parameter}\n")
        return SNIPPET.format(extra_parameters=extra, token="!Ref PreflightServiceToken")
    return SNIPPET.format(extra_parameters="", token=f"!ImportValue {args.stack_name}-ServiceToken")


class _InertLastResort(logging.Handler):
    """Python's handler of last resort (a record no handler took goes to standard error), writing one inert
    line: a sweep's check errors quote AWS's messages, and no progress line takes them there."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(inert.line(f"{record.levelname.lower()}: {record.getMessage()}") + "\n")
        except Exception:
            self.handleError(record)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    logging.lastResort = _InertLastResort()
    args = _parser().parse_args(argv)
    from preflight.registry import default_registry

    registry = default_registry()
    try:
        if args.command == "checks":
            out.write(_list_checks(registry, args.format))
            return EXIT_PASS
        if args.command == "explain":
            out.write(_explain(args.check_id, registry))
            return EXIT_PASS
        if args.command == "validate":
            out.write(_validate(args.baseline, args, registry))
            return EXIT_PASS
        if args.command == "snippet":
            out.write(_snippet(args))
            return EXIT_PASS
        code, text = _audit(args, registry, err)
        out.write(text)
        return code
    except PolicyError as error:  # one header, one problem a line
        if len(error.problems) == 1 and not error.header:
            err.write(f"preflight: {inert.line(error.problems[0])}\n")
        else:
            err.write(f"preflight: {inert.line(error.header or 'invalid options')}:\n")
            err.writelines(f"  - {inert.line(problem)}\n" for problem in error.problems)
        return EXIT_USAGE
    except PreflightError as error:  # may quote AWS's answer or a baseline's text
        err.write(f"preflight: {inert.line(str(error))}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
