"""The catalogue keyed by id, and the one way a check is declared (checks/ follows it; tests/test_catalogue.py):

    @check(CheckMeta(id="root-account-mfa-enabled", ...))
    def root_account_mfa_enabled(ctx: CheckContext) -> Result:
        \"\"\"PASS when ... FAIL when ... NOT_APPLICABLE when ... ERROR when ...

        Source: AWS Config rule root-account-mfa-enabled (https://docs.aws.amazon.com/config/...), CIS 1.5.
        \"\"\"

    CHECKS = (root_account_mfa_enabled, ...)

The run function is named after the check's id and its docstring is how the check is judged (docs/checks.md prints
it): a run function without one is refused at import. A duplicate id is refused when the registry is built.
"""
from __future__ import annotations

import inspect
import re
import sys
from typing import Callable, Iterable, Iterator

from preflight.model import Check, CheckMeta, Result

RunFunction = Callable[..., Result]


class DuplicateCheckError(ValueError):
    pass


class UndocumentedCheckError(TypeError):
    """A run function without a docstring saying how its check is judged."""


def check(meta: CheckMeta, *, about_data: Callable[[], str] | None = None) -> Callable[[RunFunction], Check]:
    """Declares a check: `meta` beside the run function it decorates, whose docstring says how it is judged."""
    def declare(run: RunFunction) -> Check:
        how_judged = cleaned(inspect.getdoc(run) or "")
        if not how_judged and sys.flags.optimize < 2:  # under -OO every docstring is stripped: nothing to refuse
            raise UndocumentedCheckError(f"check {meta.id!r}: its run function {run.__qualname__} has no docstring; "
                                         "say what PASS, FAIL and NOT_APPLICABLE mean and which AWS document it follows")
        return Check(meta, run, about_data, how_judged)
    return declare


def cleaned(text: str) -> str:
    """A docstring as prose: each paragraph on one line, paragraphs apart by a blank line."""
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def docstring(text: str) -> Callable[[RunFunction], RunFunction]:
    """For checks built from data (a family of items): gives the run function the docstring built for its item,
    under `@check`."""
    def give(run: RunFunction) -> RunFunction:
        run.__doc__ = text
        return run
    return give


class Registry:
    def __init__(self, checks: Iterable[Check]):
        self._checks: dict[str, Check] = {}
        for entry in checks:
            if entry.id in self._checks:
                raise DuplicateCheckError(f"two checks share the id {entry.id!r}")
            self._checks[entry.id] = entry

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks

    def get(self, check_id: str) -> Check:
        return self._checks[check_id]

    def including(self, checks: Iterable[Check]) -> "Registry":
        """This catalogue and the checks a baseline made of its own entries (detective controls), so that
        exemptions and properties can name them; a catalogue id is never replaced."""
        extra = {c.id: c for c in checks if c.id not in self._checks}  # a duplicate entry is the baseline's error
        return Registry([*self, *extra.values()]) if extra else self

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._checks)


def default_registry() -> Registry:
    from checks import ALL_CHECKS

    return Registry(ALL_CHECKS)
