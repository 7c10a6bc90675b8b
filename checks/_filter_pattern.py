"""CloudWatch Logs JSON filter patterns: parsed, and evaluated against a JSON event.

The syntax is the one in the CloudWatch Logs User Guide, "Filter pattern syntax for metric filters" /
"Using filter patterns to match terms in JSON log events":

    { $.eventName = "CreateTrail" }                 string equality; quoted or not
    { $.errorCode = "*UnauthorizedOperation" }      * matches any run of characters
    { $.latency >= 100 }                            =, !=, <, >, <=, >= on numbers
    { $.userIdentity.invokedBy NOT EXISTS }         EXISTS, NOT EXISTS, IS NULL, IS TRUE, IS FALSE
    { ($.a = 1) && (($.b = x) || ($.c != y)) }      && binds tighter than ||; parentheses group
    { $.resources[0].ARN = "arn:*" }                selectors with object keys and array indexes

Decisions where the guide is silent: a comparison (=, !=, <, ...) on a field the event does not have is
false, so `$.x != "y"` does not match an event without x; && binds tighter than || (as in every language
CloudWatch's examples resemble). Patterns that are not JSON patterns (plain terms, space-delimited
`[...]` patterns, %regex%) are refused with a ParseError: CIS prescribes JSON patterns for CloudTrail.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

MAX_PATTERN_CHARS = 1024  # CloudWatch's own limit for a filter pattern
_MISSING = object()


class ParseError(ValueError):
    pass


@dataclass(frozen=True)
class Comparison:
    selector: tuple[str | int, ...]
    operator: str  # = != < > <= >=
    value: str | float
    numeric: bool


@dataclass(frozen=True)
class Test:
    selector: tuple[str | int, ...]
    kind: str  # EXISTS, NOT EXISTS, IS NULL, IS TRUE, IS FALSE


@dataclass(frozen=True)
class Both:
    left: "Expression"
    right: "Expression"


@dataclass(frozen=True)
class Either:
    left: "Expression"
    right: "Expression"


Expression = Union[Comparison, Test, Both, Either]

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<and>&&) | (?P<or>\|\|) | (?P<open>\() | (?P<close>\)) |
      (?P<op><=|>=|!=|=|<|>) |
      (?P<selector>\$(?:\.[A-Za-z0-9_@:\-]+|\[\d+\])+) |
      (?P<quoted>"(?:[^"\\]|\\.)*") |
      (?P<word>[^\s()=!<>&|"]+)
    )""", re.VERBOSE)


def _tokens(body: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(body):
        if body[position:].strip() == "":
            break
        match = _TOKEN.match(body, position)
        if not match or match.end() == position:
            raise ParseError(f"unexpected text at '{body[position:position + 20].strip()}'")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _selector(text: str) -> tuple[str | int, ...]:
    """$.a.b[0].c -> ("a", "b", 0, "c")"""
    return tuple(int(index) if index else name for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", text[1:]))


def _wildcard(expected: str, text: str) -> bool:
    """CloudWatch's only wildcard is *; every other character stands for itself."""
    return re.fullmatch(".*".join(re.escape(part) for part in expected.split("*")), text, re.DOTALL) is not None


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self._tokens, self._at = tokens, 0

    def _peek(self) -> tuple[str, str] | None:
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def _take(self, kind: str | None = None) -> tuple[str, str]:
        token = self._peek()
        if token is None or (kind and token[0] != kind):
            found = f"'{token[1]}'" if token else "the end of the pattern"
            raise ParseError(f"expected {kind or 'more'} but found {found}")
        self._at += 1
        return token

    def parse(self) -> Expression:
        expression = self._either()
        if self._peek() is not None:
            raise ParseError(f"unexpected '{self._peek()[1]}'")
        return expression

    def _either(self) -> Expression:
        expression = self._both()
        while self._peek() and self._peek()[0] == "or":
            self._take()
            expression = Either(expression, self._both())
        return expression

    def _both(self) -> Expression:
        expression = self._primary()
        while self._peek() and self._peek()[0] == "and":
            self._take()
            expression = Both(expression, self._primary())
        return expression

    def _primary(self) -> Expression:
        token = self._peek()
        if token and token[0] == "open":
            self._take()
            expression = self._either()
            self._take("close")
            return expression
        selector = _selector(self._take("selector")[1])
        token = self._peek()
        if token and token[0] == "word" and token[1].upper() in ("IS", "NOT", "EXISTS"):
            return self._test(selector)
        operator = self._take("op")[1]
        kind, raw = self._take()
        if kind == "quoted":
            return Comparison(selector, operator, raw[1:-1].replace('\\"', '"'), False)
        if kind != "word":
            raise ParseError(f"expected a value after {operator} but found '{raw}'")
        if raw.startswith("%"):
            raise ParseError("regular-expression values (%...%) are not supported")
        try:
            return Comparison(selector, operator, float(raw), True)
        except ValueError:
            if operator not in ("=", "!="):
                raise ParseError(f"{operator} needs a number, not '{raw}'") from None
            return Comparison(selector, operator, raw, False)

    def _test(self, selector: tuple[str | int, ...]) -> Test:
        words = []
        while self._peek() and self._peek()[0] == "word" and len(words) < 2:
            words.append(self._take()[1].upper())
            if words[-1] in ("EXISTS", "NULL", "TRUE", "FALSE"):
                break
        kind = " ".join(words)
        if kind not in ("EXISTS", "NOT EXISTS", "IS NULL", "IS TRUE", "IS FALSE"):
            raise ParseError(f"unknown test '{kind}'")
        return Test(selector, kind)


def parse(pattern: str) -> Expression:
    """The expression of a JSON filter pattern `{ ... }`; ParseError says why a pattern is not one."""
    text = pattern.strip()
    if len(text) > MAX_PATTERN_CHARS:
        raise ParseError(f"longer than {MAX_PATTERN_CHARS} characters")
    if not (text.startswith("{") and text.endswith("}")):
        raise ParseError("not a JSON filter pattern ({ ... })")
    return _Parser(_tokens(text[1:-1])).parse()


def _lookup(event: Any, selector: tuple[str | int, ...]) -> Any:
    value = event
    for part in selector:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return _MISSING
            value = value[part]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return _MISSING
    return value


def _compare(actual: Any, comparison: Comparison) -> bool:
    if actual is _MISSING or actual is None or isinstance(actual, (dict, list)):
        return False
    operator = comparison.operator
    if comparison.numeric and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        expected = comparison.value
        return {"=": actual == expected, "!=": actual != expected, "<": actual < expected, ">": actual > expected,
                "<=": actual <= expected, ">=": actual >= expected}[operator]
    if operator not in ("=", "!="):
        return False
    text = str(actual).lower() if isinstance(actual, bool) else str(actual)
    expected = comparison.value if isinstance(comparison.value, str) else f"{comparison.value:g}"
    equal = _wildcard(expected, text) if "*" in expected else text == expected
    return equal if operator == "=" else not equal


def matches(expression: Expression, event: dict[str, Any]) -> bool:
    if isinstance(expression, Both):
        return matches(expression.left, event) and matches(expression.right, event)
    if isinstance(expression, Either):
        return matches(expression.left, event) or matches(expression.right, event)
    actual = _lookup(event, expression.selector)
    if isinstance(expression, Test):
        return {"EXISTS": actual is not _MISSING, "NOT EXISTS": actual is _MISSING, "IS NULL": actual is None,
                "IS TRUE": actual is True, "IS FALSE": actual is False}[expression.kind]
    return _compare(actual, expression)
