"""Exceptions preflight raises on purpose.

    PreflightError
    ├── PolicyError          the properties (or options) asking for the audit are invalid
    │   └── BaselineError    the deployed baseline is invalid or could not be loaded (fails closed)
    ├── SetupError           the engine cannot start: no region, no credentials, ...
    └── EvaluationError      a check could not reach a verdict; carries the AWS error code

Anything else raised inside a check is a bug or an AWS error, and becomes an ERROR finding.
"""
from __future__ import annotations


class PreflightError(Exception):
    """Base of every error preflight raises on purpose; its message is meant for a person."""


class PolicyError(PreflightError):
    """Invalid audit properties. Carries every problem found, each naming the offending entry."""

    def __init__(self, problems: list[str], header: str = ""):
        self.problems = tuple(problems)
        self.header = header  # what the problems are about ("the baseline file:x.yaml is invalid")
        super().__init__((f"{header}: " if header else "") + "; ".join(problems))


class SetupError(PreflightError):
    """The engine cannot run at all (e.g. no AWS region is configured)."""


class EvaluationError(PreflightError):
    """A check could not reach a verdict (e.g. the AWS answer it needed was refused). Becomes ERROR."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class BaselineError(PolicyError):
    """The baseline document is invalid, or could not be fetched or parsed. The audit fails closed."""
