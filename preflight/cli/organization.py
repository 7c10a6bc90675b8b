"""`preflight audit --organization / --accounts / --account`: the accounts to sweep and how each is reached
(its role assumed within its own deadline; the caller's own account with the caller's credentials)."""
from __future__ import annotations

import argparse
from typing import TextIO

from preflight.cli.credentials import assumed, in_words
from preflight.cli.exits import UsageError


def accounts_file(path: str) -> list[str]:
    """Every line of the file, streamed (no size limit: memory grows with the accounts, 12 digits each)."""
    from preflight.cli.sweep import accounts_in_lines

    try:
        with open(path, encoding="utf-8", errors="replace") as source:
            return accounts_in_lines(source)
    except OSError as error:
        raise UsageError(f"--accounts: cannot read {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise UsageError(f"--accounts {path}: {error}") from error


def audit_accounts(args: argparse.Namespace, session, identity: tuple[str, str], home: str, policy, template,
                   listed: list[str] | None, err: TextIO):
    """One report per account of the sweep, in the order asked."""
    import concurrent.futures

    from botocore.exceptions import BotoCoreError, ClientError

    from preflight.audit import run_audit
    from preflight.aws.access import AwsAccess
    from preflight.aws.names import role_arn
    from preflight.cli.sweep import (
        Limits,
        SweepProgress,
        Target,
        not_audited,
        organization_accounts,
        sweep,
        unreachable,
    )
    from preflight.concurrency import Deadline, spawn

    own_account, partition = identity
    if args.organization:
        try:
            accounts = organization_accounts(session)
        except (BotoCoreError, ClientError) as error:
            raise UsageError(in_words(error, "listing the organization's accounts")) from error
    else:
        accounts = listed or []
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
            assuming = spawn(assumed, sts, target.role_arn, args.external_id, name=f"assume:{target.account_id}")
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
