"""The catalogue keyed by id. A duplicate id is a programming error and refused at load."""
from __future__ import annotations

from typing import Iterable, Iterator

from preflight.model import Check, CheckMeta


def check(meta: CheckMeta, *, about_data=None):
    """Declares a check beside its run function, whose docstring says how the check is judged and against
    which AWS document."""
    def declare(run):
        if not (run.__doc__ or "").strip():
            raise ValueError(f"{meta.id}: the run function's docstring must say how the check is judged")
        return Check(meta, run, about_data)
    return declare


class DuplicateCheckError(ValueError):
    pass


class Registry:
    def __init__(self, checks: Iterable[Check]):
        self._checks: dict[str, Check] = {}
        for check in checks:
            if check.id in self._checks:
                raise DuplicateCheckError(f"two checks share the id {check.id!r}")
            self._checks[check.id] = check

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks

    def get(self, check_id: str) -> Check:
        return self._checks[check_id]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._checks)


def default_registry() -> Registry:
    from checks import ALL_CHECKS

    return Registry(ALL_CHECKS)
