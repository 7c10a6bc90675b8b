"""What to run and how to judge it, read from the custom resource's properties."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from preflight.errors import PolicyError
from preflight.model import Check, Finding, Mode, Verdict
from preflight.registry import Registry

CHECKS, MODE, REVISION = "Checks", "Mode", "Revision"
PROPERTIES = (CHECKS, MODE, REVISION)
# Set by CloudFormation itself, not by the template author's intent for the audit.
CLOUDFORMATION_PROPERTIES = ("ServiceToken", "ServiceTimeout")


@dataclass(frozen=True)
class Policy:
    checks: tuple[Check, ...]
    mode: Mode = Mode.ENFORCE

    def judge(self, findings: Iterable[Finding]) -> Verdict:
        """FAIL when any selected check failed, errored or timed out. The mode decides what FAIL does."""
        return Verdict.FAIL if any(f.status.is_failure for f in findings) else Verdict.PASS

    def blocks(self, verdict: Verdict) -> bool:
        """Whether this verdict must fail the resource (and so roll the stack back)."""
        return verdict is Verdict.FAIL and self.mode is Mode.ENFORCE


def _suggest(value: str, choices: Iterable[str], *, list_all: bool = True) -> str:
    """' (did you mean X?)', else the valid choices when they are few, else nothing."""
    choices = list(choices)
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.4) or difflib.get_close_matches(
        value.lower(), [c.lower() for c in choices], n=1, cutoff=0.4
    )
    if close:
        match = next((c for c in choices if c.lower() == close[0].lower()), close[0])
        return f" (did you mean '{match}'?)"
    return f" (valid: {', '.join(choices)})" if list_all else ""


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def policy_from_properties(properties: Any, registry: Registry) -> Policy:
    """Shape first, then meaning; every problem is reported, each naming the offending entry."""
    if properties is None:
        properties = {}
    if not isinstance(properties, Mapping):
        raise PolicyError([f"properties must be an object, not {_type_name(properties)}"])
    problems: list[str] = []
    for key in properties:
        if key not in PROPERTIES and key not in CLOUDFORMATION_PROPERTIES:
            problems.append(f"unknown property '{key}'{_suggest(str(key), PROPERTIES)}")

    checks = tuple(registry)
    if CHECKS in properties:
        ids = properties[CHECKS]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            problems.append(f"'{CHECKS}' must be a list of check ids, not {_type_name(ids)}")
        elif not ids:
            problems.append(f"'{CHECKS}' is empty; leave it out to run every check")
        else:
            for check_id in ids:
                if check_id not in registry:
                    problems.append(f"unknown check '{check_id}'{_suggest(check_id, registry.ids, list_all=False)}")
            checks = tuple(registry.get(i) for i in dict.fromkeys(ids) if i in registry)

    mode = Mode.ENFORCE
    if MODE in properties:
        value = properties[MODE]
        valid = [m.value for m in Mode]
        if not isinstance(value, str):
            problems.append(f"'{MODE}' must be a string ({' or '.join(valid)}), not {_type_name(value)}")
        elif value not in valid:
            problems.append(f"unknown {MODE} '{value}'{_suggest(value, valid)}")
        else:
            mode = Mode(value)

    # CloudFormation hands every scalar over as a string; a hand-written event may not.
    if REVISION in properties and isinstance(properties[REVISION], (list, dict)):
        problems.append(f"'{REVISION}' must be a string, not {_type_name(properties[REVISION])}")

    if problems:
        raise PolicyError(problems)
    return Policy(checks=checks, mode=mode)
