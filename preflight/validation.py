"""Validation shared by the baseline document and the template properties: every problem is collected,
each naming the offending entry and, where one is close, the valid choice meant."""
from __future__ import annotations

import datetime
import difflib
import re
from typing import Any, Iterable, Mapping

from preflight.model import Check, Exemption, Parameter, Severity
from preflight.aws.names import REGION_NAME
from preflight.registry import Registry

MAX_PROBLEMS = 10  # listed in a message; the rest are counted ("... and 4,990 more")
MAX_QUOTED_CHARS = 40  # of a value quoted back in a message
MAX_MATCHED_CHARS = 64  # of a value compared for a suggestion (difflib is quadratic in its length)


def quoted(value: Any) -> str:
    """A value as a message may show it: bounded however large or deeply nested the value is (a YAML
    alias bomb expands only when something walks it, and repr() would)."""
    if isinstance(value, str):
        text = value if len(value) <= MAX_QUOTED_CHARS else value[:MAX_QUOTED_CHARS] + "…"
        return repr(text)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return repr(value) if abs(value) < 10**15 else "a number too large to show"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple, dict)):
        return f"{type_name(value)} of {len(value)} item{'s' if len(value) != 1 else ''}"
    return type_name(value)


def suggest(value: str, choices: Iterable[str], *, list_all: bool = True) -> str:
    """' (did you mean X?)', else the valid choices when they are few, else nothing."""
    choices = list(choices)
    value = value[:MAX_MATCHED_CHARS]
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.4)
    if not close:
        close = [lowered[m] for m in difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.4)]
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (valid: {', '.join(choices)})" if list_all else ""


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels deep (walked without recursion: the value may
    be deep enough to exhaust Python's stack)."""
    level: list[Any] = [value]
    for _ in range(limit + 1):
        level = [child for item in level if isinstance(item, (dict, list))
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return True


def type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


class Problems:
    """Collects problems; raise_if_any() ends a validation phase. Only the first MAX_PROBLEMS are kept
    (and only those get suggestions: `full` tells the callers to skip that work); the rest are counted."""

    def __init__(self, error_type: type[Exception]):
        self._error_type = error_type
        self.items: list[str] = []
        self.more = 0

    @property
    def count(self) -> int:
        return len(self.items) + self.more

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_PROBLEMS

    def add(self, text: str) -> None:
        if self.full:
            self.more += 1
        else:
            self.items.append(text)

    def extend(self, other: "Problems") -> None:
        """Puts the other's problems first."""
        self.more += other.more + max(0, len(other.items) + len(self.items) - MAX_PROBLEMS)
        self.items[:0] = other.items
        del self.items[MAX_PROBLEMS:]

    def raise_if_any(self) -> None:
        if self.items:
            more = [f"… and {self.more:,} more"] if self.more else []
            raise self._error_type(self.items + more)


def unknown_keys(mapping: Mapping, known: Iterable[str], where: str, problems: Problems) -> None:
    known = tuple(known)
    for key in mapping:
        if key not in known:
            hint = "" if problems.full or not isinstance(key, str) else suggest(key, known)
            problems.add(f"unknown {where}{quoted(key)}{hint}")


def check_id(value: Any, registry: Registry, where: str, problems: Problems) -> Check | None:
    if not isinstance(value, str):
        problems.add(f"{where} must be a check id, not {type_name(value)}")
        return None
    if value not in registry:
        hint = "" if problems.full else suggest(value, registry.ids, list_all=False)
        problems.add(f"unknown check {quoted(value)}{hint}")
        return None
    return registry.get(value)


def parameter_value(parameter: Parameter, value: Any, where: str, problems: Problems) -> Any:
    """The value as the parameter's type. Strings are accepted too: CloudFormation sends every scalar as one."""
    if parameter.type is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        problems.add(f"{where} must be true or false, not {quoted(value)}")
    elif parameter.type is int:
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and re.fullmatch(r"-?\d{1,15}", value.strip()):
            number = int(value)
        if number is None:
            problems.add(f"{where} must be a whole number, not {quoted(value)}")
        elif not (parameter.minimum or 0) <= number <= (parameter.maximum or 0):  # both set: Parameter checks
            problems.add(f"{where} must be from {parameter.minimum} to {parameter.maximum}, not {quoted(number)}")
        else:
            return number
    elif parameter.type is tuple:
        return _items(parameter, value, where, problems)
    elif isinstance(value, str) and (not parameter.choices or value in parameter.choices):
        return value
    else:
        choices = f" ({' or '.join(parameter.choices)})" if parameter.choices else ""
        problems.add(f"{where} must be one of{choices}, not {quoted(value)}" if parameter.choices
                     else f"{where} must be a string, not {type_name(value)}")
    return None


def _items(parameter: Parameter, value: Any, where: str, problems: Problems) -> tuple[str, ...] | None:
    """A list of strings (or one comma-separated string, as a template may send it), each matching the
    parameter's item_pattern; duplicates dropped."""
    items = [i.strip() for i in value.split(",") if i.strip()] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        problems.add(f"{where} must be a list of strings, not {type_name(value)}")
        return None
    assert parameter.max_items is not None and parameter.item_pattern is not None  # a list Parameter has both
    if len(items) > parameter.max_items:
        problems.add(f"{where} has {len(items):,} items; at most {parameter.max_items} are allowed")
        return None
    bad = next((i for i, item in enumerate(items) if not re.fullmatch(parameter.item_pattern, item)), None)
    if bad is not None:
        problems.add(f"{where}[{bad}] {quoted(items[bad])} does not match {parameter.item_pattern}")
        return None
    return tuple(dict.fromkeys(items))


def parameters(check: Check, raw: Any, where: str, problems: Problems) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        problems.add(f"{where} must be an object of parameter values, not {type_name(raw)}")
        return {}
    known = {p.name: p for p in check.meta.parameters}
    values = {}
    for name, value in raw.items():
        if name not in known:
            hint = f" ({check.id} takes no parameters)" if not known else (
                "" if problems.full or not isinstance(name, str) else suggest(name, known))
            problems.add(f"unknown parameter {quoted(name)} for {check.id}{hint}")
            continue
        coerced = parameter_value(known[name], value, f"{where}.{name}", problems)
        if coerced is not None:
            values[name] = coerced
    return values


def severity(value: Any, where: str, problems: Problems) -> Severity | None:
    names = [s.value for s in Severity]
    if isinstance(value, str) and value.upper() in names:
        return Severity(value.upper())
    problems.add(f"{where} must be one of {', '.join(names)}, not {quoted(value)}")
    return None


def date(value: Any, where: str, problems: Problems) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.add(f"{where} must be a date (YYYY-MM-DD), not {quoted(value)}")
    return None


EXEMPTION_FIELDS = ("check", "reason", "approved_by", "expires", "region", "resource", "tag")
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256  # AWS's limits on a tag (Tagging AWS Resources user guide)
REQUIRED_EXEMPTION_FIELDS = ("check", "reason", "approved_by", "expires")


def exemptions(raw: Any, registry: Registry, where: str, problems: Problems) -> tuple[Exemption, ...]:
    if not isinstance(raw, list):
        problems.add(f"{where} must be a list, not {type_name(raw)}")
        return ()
    parsed = []
    for index, entry in enumerate(raw):
        at = f"{where}[{index}]"
        if not isinstance(entry, Mapping):
            problems.add(f"{at} must be an object, not {type_name(entry)}")
            continue
        before = problems.count
        unknown_keys(entry, EXEMPTION_FIELDS, f"field in {at} ", problems)
        for name in REQUIRED_EXEMPTION_FIELDS:
            if name not in entry:
                problems.add(f"{at} lacks '{name}'")
        check = check_id(entry.get("check"), registry, f"{at}.check", problems) if "check" in entry else None
        expires = date(entry["expires"], f"{at}.expires", problems) if "expires" in entry else None
        for name in ("reason", "approved_by", "region", "resource"):
            if name in entry and (not isinstance(entry[name], str) or not entry[name].strip()):
                problems.add(f"{at}.{name} must be a non-empty string")
        region = entry.get("region")
        if isinstance(region, str) and not REGION_NAME.match(region):
            problems.add(f"{at}.region {quoted(region)} is not a region name")
        tag = _tag(entry["tag"], f"{at}.tag", problems) if "tag" in entry else None
        if problems.count == before and check and expires:
            parsed.append(Exemption(check.id, entry["reason"].strip(), entry["approved_by"].strip(), expires,
                                    region, entry.get("resource"), tag))
    return tuple(parsed)


def _tag(raw: Any, where: str, problems: Problems) -> tuple[str, str] | None:
    """tag: {key: K, value: V} - both non-empty strings within AWS's tag limits (a value may be empty in AWS,
    but an exemption by an empty value would cover every resource that merely has the key: refused)."""
    if not isinstance(raw, Mapping):
        problems.add(f"{where} must be {{key: KEY, value: VALUE}}, not {type_name(raw)}")
        return None
    unknown_keys(raw, ("key", "value"), f"field in {where} ", problems)
    key, value = raw.get("key"), raw.get("value")
    for name, item, limit in (("key", key, TAG_KEY_MAX), ("value", value, TAG_VALUE_MAX)):
        if not isinstance(item, str) or not item.strip():
            problems.add(f"{where}.{name} must be a non-empty string")
            return None
        if len(item) > limit:
            problems.add(f"{where}.{name} is longer than AWS allows ({limit} characters)")
            return None
    assert isinstance(key, str) and isinstance(value, str)  # checked above
    return key, value
