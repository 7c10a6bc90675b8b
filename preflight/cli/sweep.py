"""An organization from one command: every account audited, a bounded number at once, each within its own
deadline, and the sweep as a whole within an optional budget.

- An account whose role cannot be assumed is an ERROR report for that account, never the end of the sweep.
- Each account gets its own audit deadline (`--timeout`): one slow account cannot starve the others.
- A slot is freed only when the account's check threads have all ended, so `--concurrency` bounds the AWS
  work actually running, checks abandoned at their deadline included.
- An account the sweep's budget (`--sweep-timeout`) left unread - not started, or cut short - is
  NOT_AUDITED: its own row in every format, never a PASS, and the CLI's exit code says the sweep is
  incomplete. So is an account in which no check finished at all: nothing was read.
- Each account's session and clients are dropped as soon as its audit is done, so memory stays flat.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator, Sequence, TextIO

from preflight import inert
from preflight.aws.names import ACCOUNT_ID
from preflight.concurrency import Deadline
from preflight.model import (
    CheckMeta,
    Controls,
    Finding,
    Mode,
    Report,
    Severity,
    Status,
    Verdict,
)
from preflight.policy import Policy
from preflight.runner import Runner

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
DEFAULT_CONCURRENCY = 8  # accounts audited at once: each holds its own clients and threads
MAX_CONCURRENCY = 64
# After the budget, how long an account already judging (its deadline reached) may take to hand its report in.
REPORT_GRACE_S = 1.0
BYTE_ORDER_MARK = "\ufeff"

# The pseudo-check an unreachable account is reported under (it is not in the catalogue: nothing selects it).
ACCOUNT_ACCESS = CheckMeta(
    id="account-access",
    title="The audit role can be assumed in the account",
    severity=Severity.HIGH,
    controls=Controls(),
    remediation=("Create the audit role in the account, trusting the account the sweep runs from (AWS Organizations "
                 "creates OrganizationAccountAccessRole in accounts it creates), or name another with --role-name."),
    remediation_url="https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access-cross-account-role.html",
    iam_actions=("sts:AssumeRole",),
)
# The pseudo-check an account the sweep did not read is reported under.
ACCOUNT_AUDITED = CheckMeta(
    id="account-audited",
    title="The account was audited within the sweep's budget",
    severity=Severity.HIGH,
    controls=Controls(),
    remediation=("Give the sweep more time (--sweep-timeout), more accounts at once (--concurrency), or sweep "
                 "the accounts not audited again (--accounts FILE)."),
    remediation_url="https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts.html",
    iam_actions=(),
)


@dataclass(frozen=True)
class Target:
    account_id: str
    role_arn: str | None  # None: the caller's own account, audited with the caller's credentials


@dataclass(frozen=True)
class Limits:
    concurrency: int
    account_timeout_s: float  # each account's own audit deadline
    budget: Deadline | None = None  # the whole sweep's, if any


def accounts_in_lines(lines: Iterable[str]) -> list[str]:
    """One account id a line, read as a stream (no size limit); a leading UTF-8 byte-order mark, blank lines
    and # comments ignored. ValueError names the first bad line."""
    accounts: dict[str, None] = {}
    for number, line in enumerate(lines, 1):
        if number == 1:
            line = line.removeprefix(BYTE_ORDER_MARK)
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if not ACCOUNT_ID.match(value):
            raise ValueError(f"line {number} is not a 12-digit account id: {value[:40]!r}")
        accounts[value] = None
    return list(accounts)


def organization_accounts(session) -> list[str]:
    """The organization's ACTIVE accounts (organizations:ListAccounts, every page)."""
    pages = session.client("organizations").get_paginator("list_accounts").paginate()
    return [a["Id"] for page in pages for a in page["Accounts"] if a.get("Status", a.get("State")) == "ACTIVE"]


def pseudo_report(meta: CheckMeta, status: Status, verdict: Verdict, account_id: str, region: str, reason: str,
                   code: str | None) -> Report:
    finding = Finding(meta, status, reason, {}, 0.0, code)
    return Report(verdict, Mode.ENFORCE, region, account_id, (finding,), 0.0, (finding,), (region,))


def unreachable(account_id: str, region: str, reason: str, code: str) -> Report:
    return pseudo_report(ACCOUNT_ACCESS, Status.ERROR, Verdict.FAIL, account_id, region, reason, code)


def not_audited(account_id: str, region: str, reason: str) -> Report:
    return pseudo_report(ACCOUNT_AUDITED, Status.NOT_AUDITED, Verdict.NOT_AUDITED, account_id, region,
                          f"not audited: {reason}", "NotAudited")


def cut_short(report: Report, policy: Policy, reason: str) -> Report:
    """An account whose audit the sweep's budget ended: what did not finish is NOT_AUDITED; a breach found
    before the end is still a FAIL, otherwise the account is NOT_AUDITED."""
    findings = tuple(replace(f, status=Status.NOT_AUDITED, message=f"not audited: {reason}")
                     if f.status is Status.TIMEOUT else f for f in report.findings)
    judged = [f for f in findings if f.status is not Status.NOT_AUDITED]
    breach = bool(judged) and any(f.status is Status.FAIL for f in policy.blocking(judged))
    return replace(report, findings=findings, verdict=Verdict.FAIL if breach else Verdict.NOT_AUDITED,
                   blocking=tuple(f for f in findings if f in policy.blocking(judged) or f.status is Status.NOT_AUDITED))


def nothing_read(report: Report) -> bool:
    return bool(report.findings) and all(f.status is Status.TIMEOUT for f in report.findings)


class SweepProgress:
    """accounts done / total, failing so far - on a terminal only."""

    def __init__(self, stream: TextIO, total: int):
        self._stream, self._total = stream, total
        self._enabled = stream.isatty()
        self._lock = threading.Lock()
        self._done = self._failing = 0

    def finished(self, report: Report) -> None:
        with self._lock:
            self._done += 1
            self._failing += report.verdict is Verdict.FAIL
            if self._enabled:
                status = f"{self._done}/{self._total} accounts done, {self._failing} failing so far"
                self._stream.write("\r\033[K" + inert.line(status))
                self._stream.flush()

    def close(self) -> None:
        if self._enabled:
            self._stream.write("\r\033[K")
            self._stream.flush()


AuditOne = Callable[[Target, Deadline, Runner], Report]


def sweep(targets: Sequence[Target], audit_one: AuditOne, policy: Policy, limits: Limits, home: str,
          progress: SweepProgress | None = None) -> list[Report]:
    """Each target audited by audit_one (which owns its session) with its own deadline and runner, at most
    `limits.concurrency` at once; one report per target, in the targets' order."""
    results: list[Report | None] = [None] * len(targets)
    reported = [threading.Event() for _ in targets]
    started = [False] * len(targets)
    slots = threading.Semaphore(max(1, min(limits.concurrency, MAX_CONCURRENCY)))
    budget = limits.budget

    def work(index: int, target: Target) -> None:
        runner = Runner()
        try:
            report = results[index] = audited(target, audit_one, runner, policy, limits, home)
            reported[index].set()
            if progress is not None:
                progress.finished(report)
        finally:
            # the slot stays taken until the account's abandoned checks have ended too (never past the budget)
            runner.settle(budget.remaining() if budget else None)
            slots.release()

    for index, target in enumerate(targets):
        if not slots.acquire(timeout=budget.remaining() if budget else None) or (budget and not budget.remaining()):
            break  # the budget ran out: the rest are not started
        started[index] = True
        threading.Thread(target=work, args=(index, target), name=f"sweep:{target.account_id}", daemon=True).start()
    for index in (i for i, began in enumerate(started) if began):
        # an account's deadline never passes the budget, so only its report is awaited beyond it
        reported[index].wait(budget.remaining() + REPORT_GRACE_S if budget else None)
    return list(every_target(targets, [r if e.is_set() else None for r, e in zip(results, reported)], started,
                              home))


def audited(target: Target, audit_one: AuditOne, runner: Runner, policy: Policy, limits: Limits,
             home: str) -> Report:
    budget = limits.budget
    own = limits.account_timeout_s
    bound_by_budget = budget is not None and budget.remaining() < own
    deadline = Deadline.after(min(own, budget.remaining()) if budget else own)
    try:
        report = audit_one(target, deadline, runner)
    except Exception as error:  # an account's failure is its own row, never the end of the sweep
        return unreachable(target.account_id, home, f"{type(error).__name__}: {error}"[:300], type(error).__name__)
    if bound_by_budget and any(f.status is Status.TIMEOUT for f in report.findings):
        return cut_short(report, policy, "the sweep's budget ran out while the account was being audited")
    if nothing_read(report):
        return cut_short(report, policy, f"no check finished within the account's {own:g} s")
    return report


def every_target(targets: Sequence[Target], results: Sequence[Report | None], started: Sequence[bool],
                  home: str) -> Iterator[Report]:
    for target, report, began in zip(targets, results, started):
        if report is not None:
            yield report
        else:
            yield not_audited(target.account_id, home, "the sweep's budget ran out before this account's audit "
                                                       + ("finished" if began else "started"))
