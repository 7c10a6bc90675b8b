"""The IAM credential report: generated and read once per audit, shared by every check that judges it.

GenerateCredentialReport starts a report (State STARTED, INPROGRESS or COMPLETE); GetCredentialReport returns it
as CSV once it is ready, and refuses with ReportInProgress while IAM is still writing it, ReportNotPresent when
there is none and ReportExpired when it is older than four hours (IAM API Reference, GenerateCredentialReport,
GetCredentialReport). IAM generates a new report at most every four hours, so a finding may describe the account
as it was up to four hours ago: every finding says when the report was generated and how old it is.

The format (IAM User Guide, "Get credential reports for your AWS account",
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html): one row per IAM user and
one for the root user (`<root_account>`); booleans are TRUE/FALSE; a date field holds `N/A` when there is no such
credential (`password_last_used` of a user without a password, `access_key_N_last_used_date` of a key never
used or not used since April 2015), `no_information` when the password has never been used (or not since
October 2014), and `not_supported` where a field does not apply. Any such value is "no date" here.
"""
from __future__ import annotations

import csv
import datetime
import io
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from botocore.exceptions import ClientError

from preflight.context import CheckContext
from preflight.errors import EvaluationError

IAM_ACTIONS = ("iam:GenerateCredentialReport", "iam:GetCredentialReport")
ROOT_ROW = "<root_account>"
# Seconds to wait before each GetCredentialReport while IAM is still generating the report: 20 polls, ~25 s in
# all. The runner abandons a check at the audit's deadline (TIMEOUT); this bounds the thread itself.
POLL_DELAYS_S = (0.1, 0.2, 0.4, 0.8) + (1.5,) * 16
MAX_LISTED = 100  # the most users a finding's evidence lists (the message names the first few)
NAMED_IN_MESSAGE = 3
_sleep = time.sleep


@dataclass(frozen=True)
class CredentialReport:
    rows: tuple[Mapping[str, str], ...]
    generated_at: datetime.datetime | None

    @property
    def users(self) -> tuple[Mapping[str, str], ...]:
        """The IAM users' rows (the root user's row is judged by the root-account checks)."""
        return tuple(row for row in self.rows if row.get("user") != ROOT_ROW)

    def evidence(self, now: datetime.datetime | None = None) -> dict[str, Any]:
        """When IAM generated the report and how old it is, for every finding that judges it."""
        if self.generated_at is None:
            return {"report_generated_at": None, "report_age_s": None}
        now = now or datetime.datetime.now(datetime.timezone.utc)
        age = max(0, int((now - self.generated_at).total_seconds()))
        return {"report_generated_at": self.generated_at.isoformat(), "report_age_s": age,
                "report_age": _words(age),
                "report_note": "IAM generates the credential report at most every four hours; changes made since "
                               "report_generated_at are not seen."}


def about_data() -> str:
    """What the report checks judge by, in words (`preflight explain`)."""
    return ("the IAM credential report, one per audit; IAM generates a new one at most every four hours, so it may "
            "be up to four hours old (each finding gives report_generated_at and its age)")


def credential_report(ctx: CheckContext) -> CredentialReport:
    """The audit's one credential report (generated and read by whichever check asks first)."""
    return ctx.remember(("iam", "credential_report"), lambda: fetch(ctx.client("iam")))


def fetch(iam: Any) -> CredentialReport:
    state = iam.generate_credential_report().get("State")
    for delay in POLL_DELAYS_S:
        if state != "COMPLETE":
            _sleep(delay)
        try:
            answer = iam.get_credential_report()
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code == "ReportInProgress":
                state = "INPROGRESS"
                continue
            if code in ("ReportNotPresent", "ReportExpired"):
                state = iam.generate_credential_report().get("State")
                continue
            raise
        return parse(answer)
    raise EvaluationError("ReportInProgress", f"IAM had not finished generating the credential report after "
                                              f"{len(POLL_DELAYS_S)} polls over {sum(POLL_DELAYS_S):.0f} s; "
                                              "audit again in a minute")


def parse(answer: Mapping[str, Any]) -> CredentialReport:
    content = answer.get("Content", b"")
    text = content.decode("utf-8-sig") if isinstance(content, (bytes, bytearray)) else str(content)
    rows = tuple(dict(row) for row in csv.DictReader(io.StringIO(text)))
    generated = answer.get("GeneratedTime")
    if isinstance(generated, datetime.datetime) and generated.tzinfo is None:
        generated = generated.replace(tzinfo=datetime.timezone.utc)
    return CredentialReport(rows, generated if isinstance(generated, datetime.datetime) else None)


def flag(row: Mapping[str, str], field: str) -> bool:
    return (row.get(field) or "").strip().lower() == "true"


def date(row: Mapping[str, str], field: str) -> datetime.datetime | None:
    """The field's date, or None for N/A, no_information, not_supported, an empty or unreadable value."""
    value = (row.get(field) or "").strip()
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def arn_of(row: Mapping[str, str]) -> str:
    return row.get("arn") or row.get("user") or "?"


def listed(arns: Iterable[str]) -> tuple[tuple[str, ...], str]:
    """(the ARNs, distinct, in order) and the first few of them in words for a message."""
    unique = tuple(dict.fromkeys(arns))
    named = ", ".join(unique[:NAMED_IN_MESSAGE])
    more = len(unique) - NAMED_IN_MESSAGE
    return unique, named + (f" and {more} more" if more > 0 else "")


def bounded(items: list[Any]) -> dict[str, Any]:
    """A list for the evidence, at most MAX_LISTED long, with how many there are in all."""
    return {"count": len(items), "items": items[:MAX_LISTED], "truncated": len(items) > MAX_LISTED}


def _words(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    if hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min"
