"""Text every door and format shares: a cut that says it cut, and the verdict's headline."""
from __future__ import annotations

from preflight.model import Mode, Report


def fit(text: str, limit: int) -> str:
    """The text within `limit` characters, cut at the end with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def headline(report: Report) -> str:
    """The verdict, in audit mode marked as not enforced."""
    suffix = " (audit mode, not enforced)" if report.mode is Mode.AUDIT else ""
    return f"{report.verdict.value}{suffix}"
