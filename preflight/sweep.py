"""An organization from one command: every account audited through a role assumed in it, a bounded number at
once. An account whose role cannot be assumed is an ERROR report for that account, never the end of the sweep;
each account's session and clients are dropped as soon as its audit is done, so memory stays flat."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Callable, Sequence, TextIO

from preflight import inert
from preflight.model import CheckMeta, Controls, Finding, Mode, Report, Severity, Status, Verdict

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
DEFAULT_CONCURRENCY = 8  # accounts audited at once: each holds its own clients and threads
MAX_CONCURRENCY = 64
ACCOUNT_ID = re.compile(r"^\d{12}$")

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


@dataclass(frozen=True)
class Target:
    account_id: str
    role_arn: str


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def accounts_in_file(text: str) -> list[str]:
    """One account id a line; blank lines and # comments ignored. ValueError names a bad line."""
    accounts = []
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if not ACCOUNT_ID.match(value):
            raise ValueError(f"line {number} is not a 12-digit account id: {value[:40]!r}")
        accounts.append(value)
    return list(dict.fromkeys(accounts))


def organization_accounts(session) -> list[str]:
    """The organization's ACTIVE accounts (organizations:ListAccounts, every page)."""
    pages = session.client("organizations").get_paginator("list_accounts").paginate()
    return [a["Id"] for page in pages for a in page["Accounts"] if a.get("Status", a.get("State")) == "ACTIVE"]


def unreachable(account_id: str, region: str, reason: str, code: str) -> Report:
    finding = Finding(ACCOUNT_ACCESS, Status.ERROR, reason, {}, 0.0, code)
    return Report(Verdict.FAIL, Mode.ENFORCE, region, account_id, (finding,), 0.0, (finding,), (region,))


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


def sweep(targets: Sequence[Target], audit_one: Callable[[Target], Report], concurrency: int,
          progress: SweepProgress | None = None) -> list[Report]:
    """Each target audited by audit_one (which owns its session), at most `concurrency` at once; results in
    the targets' order."""
    results: list[Report | None] = [None] * len(targets)
    slots = threading.Semaphore(max(1, min(concurrency, MAX_CONCURRENCY)))
    threads = []

    def work(index: int, target: Target) -> None:
        try:
            results[index] = audit_one(target)
        except Exception as error:  # an account's failure is its own row, never the end of the sweep
            results[index] = unreachable(target.account_id, "-", f"{type(error).__name__}: {error}"[:300],
                                         type(error).__name__)
        finally:
            slots.release()
            if progress is not None:
                progress.finished(results[index])

    for index, target in enumerate(targets):
        slots.acquire()
        thread = threading.Thread(target=work, args=(index, target), name=f"sweep:{target.account_id}", daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return [r for r in results if r is not None]
