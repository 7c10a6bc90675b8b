"""`preflight audit`: the baseline and its overrides, the accounts audited at once, and the result written in
the format asked for, with the exit code."""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from typing import Sequence, TextIO

from preflight.cli import credentials, organization
from preflight.cli.credentials import account_in, assumed, identity, in_words
from preflight.cli.exits import EXIT_FAIL, EXIT_INCOMPLETE, EXIT_PASS, UsageError
from preflight.cli.parser import BASELINE_SCHEMES
from preflight.cli.progress import Progress

TEMPLATE_ONLY_REGION = "-"  # the report's region when only template checks ran and no region is configured


@dataclasses.dataclass
class AccountProgress:
    """Prefixes each label with the account when several are audited at once."""

    progress: Progress
    prefix: str

    def expect(self, labels: list[str]) -> None:
        self.progress.expect([self.prefix + label for label in labels])

    def finished(self, label: str, finding) -> None:
        self.progress.finished(self.prefix + label, finding)


def regions_override(value: str | None):
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


def audit(args: argparse.Namespace, registry, err: TextIO) -> tuple[int, str]:
    from preflight import baseline
    from preflight.aws.access import AwsAccess

    if args.output:
        check_writable(args.output)
    from preflight import gc_policy

    gc_policy.for_auditing()
    template = template_file(args.template) if args.template else None
    source = baseline.configured_source() if args.baseline is None else baseline_source(args.baseline, registry)
    sweeping = args.organization or args.accounts or args.account
    if sweeping and args.role_arn:
        raise UsageError("--role-arn audits the roles you name; --organization, --accounts and --account assume "
                         "--role-name in each account: use one or the other")
    listed = organization.accounts_file(args.accounts) if args.accounts else None
    policy = None
    if template is not None and not source.startswith(("ssm:", "s3://")):
        policy = policy_for(args, baseline.load(source, None, registry), registry, template)
        if template_only(policy) and not sweeping and not args.role_arn:
            # Like a linter: the template is all there is to read, so no credentials, region or network.
            region = args.region or os.environ.get("AWS_REGION") or TEMPLATE_ONLY_REGION
            return finish(args, run(args, policy, [("", AwsAccess(region=region))], template, err), policy, err)
    session = credentials.session(args.profile, args.region)
    if not session.region_name:
        raise UsageError("no AWS region is configured: pass --region or set AWS_REGION")
    home = session.region_name
    own_account, partition = identity(session)
    own = AwsAccess(session, region=home, account_id=own_account)  # reads the baseline; audits unless --role-arn
    accesses = [(own_account, own)] if not args.role_arn else [
        (account_in(arn), AwsAccess(session, region=home, account_id=account_in(arn),
                                     credentials=assumed(own.client("sts"), arn)))
        for arn in args.role_arn]
    if policy is None:
        policy = policy_for(args, baseline.load(source, own, registry), registry, template)

    if sweeping:
        reports = organization.audit_accounts(args, session, (own_account, partition), home, policy, template, listed, err)
        return finish(args, reports, policy, err)
    if policy.regions.names:
        check_regions_enabled(policy.regions.names, accesses)
    return finish(args, run(args, policy, accesses, template, err), policy, err)


def policy_for(args: argparse.Namespace, loaded, registry, template):
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
    regions = regions_override(args.regions)
    return policy if regions is None else dataclasses.replace(policy, regions=regions)


def template_only(policy) -> bool:
    from preflight.model import Scope

    return bool(policy.selections) and all(s.check.meta.scope is Scope.TEMPLATE for s in policy.selections)


def run(args: argparse.Namespace, policy, accesses, template, err: TextIO) -> list:
    """One report per account, audited at once, with live progress on a terminal."""
    from preflight.audit import run_audit
    from preflight.concurrency import Deadline, spawn

    progress = Progress(err)
    log_handler = progress.log_handler()  # log lines go above the progress line, never into it
    logging.getLogger().addHandler(log_handler)
    deadline = Deadline.after(args.timeout)
    several = len(accesses) > 1
    try:
        audits = [spawn(run_audit, policy, aws, deadline, None,
                        AccountProgress(progress, f"{account}:" if several else ""), template)
                  for account, aws in accesses]
        return [job.result() for job in audits]
    finally:
        logging.getLogger().removeHandler(log_handler)
        progress.close()


def finish(args: argparse.Namespace, reports, policy, err: TextIO) -> tuple[int, str]:
    from preflight.model import Verdict
    from preflight.reporting.formats import Format, not_audited, overall, render

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


def template_file(path: str):
    from preflight.template import TemplateUnavailable, from_file

    try:
        return from_file(path)
    except TemplateUnavailable as error:
        raise UsageError(f"--template: {error}") from error


def check_writable(path: str) -> None:
    """Before the audit runs: a result that cannot be written would throw the whole audit away."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"--output {path} is a folder; name a file in it")
    if not os.path.isdir(folder):
        raise UsageError(f"--output {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UsageError(f"--output {path}: not allowed to write there")


def baseline_source(value: str, registry) -> str:
    """A shipped name, file:/ssm:/s3:// as given; a plain path to a file becomes file:PATH; anything else is
    a name that does not exist (with the closest one)."""
    from preflight import named_baselines, validation

    if named_baselines.named_baseline(value, registry) is not None or value.startswith(BASELINE_SCHEMES):
        return value
    if os.sep in value or value.endswith((".yaml", ".yml", ".json")) or os.path.exists(value):
        return f"file:{os.path.abspath(value)}"
    suggestion = validation.suggest(value, named_baselines.NAMED, list_all=False)
    raise UsageError(f"unknown baseline '{value[:80]}'{suggestion}: use a name "
                     f"({', '.join(named_baselines.NAMED)}), a file path, ssm:PARAMETER or s3://BUCKET/KEY")


def check_regions_enabled(names: Sequence[str], accesses) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    for account, aws in accesses:
        try:
            enabled = aws.enabled_regions()
        except (BotoCoreError, ClientError) as error:
            raise UsageError(in_words(error, "listing the enabled regions")) from error
        missing = [n for n in names if n not in enabled]
        if missing:
            raise UsageError(f"region {', '.join(missing)} is not enabled for account {account}: enable it in the "
                             "account's settings or leave it out of --regions")
