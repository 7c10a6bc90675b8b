"""Text that came from AWS or from a request, made inert where it leaves the program: one function per kind of
output. An audited account chooses its metric filter names, trail names, selector values, ARNs and error
messages; none of them may move a terminal's cursor, retitle its window, end an XML document, or hide the rest
of a Markdown comment. Each function takes any string, so a new row or status is covered by the renderer that
passes its text through here.

- `line`: one line for a terminal (table cells, progress lines, error messages): every control character
  (C0 with newline, tab and CR, DEL, C1), bidi override, embedding, isolate and mark, line and paragraph
  separator, surrogate and non-character is shown as a Python-style escape (`\\x1b`, `\\u202e`).
- `text`: the same for text other programs display (JUnit, SARIF, ASFF), keeping newlines and tabs; what it
  returns is always XML 1.0 character data.
- `json_data`: a value made JSON-safe: lone surrogates (not UTF-8, refused by strict parsers) escaped visibly,
  non-finite numbers as strings; every other character json.dumps escapes faithfully.
- `markdown`: `line`, then the characters Markdown or HTML give a meaning escaped.
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # ALM, LRM, RLM, embeddings/overrides, isolates
_SEPARATORS = "\u2028\u2029"  # str.splitlines() and some renderers break lines there
_NOT_TEXT = "\ud800-\udfff\ufffe\uffff"  # surrogates (not encodable) and XML 1.0's excluded non-characters
_CONTROLS = "\x00-\x1f\x7f-\x9f"
_UNSAFE_LINE = re.compile(f"[{_CONTROLS}{_BIDI}{_SEPARATORS}{_NOT_TEXT}]")
_UNSAFE_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}{_SEPARATORS}{_NOT_TEXT}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Markdown's inline syntax (code, emphasis, strike-through, links, tables, math) and raw HTML.
_MARKDOWN = {**{c: "\\" + c for c in "\\`*_[]|~$"}, "<": "&lt;", ">": "&gt;", "&": "&amp;"}
_MARKDOWN_SPECIAL = re.compile("[" + re.escape("".join(_MARKDOWN)) + "]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def line(value: str) -> str:
    """One terminal line that shows every character and moves nothing."""
    return _UNSAFE_LINE.sub(_escape, value)


def text(value: str) -> str:
    """Display text with its newlines and tabs; always legal XML 1.0 character data."""
    return _UNSAFE_TEXT.sub(_escape, value)


def _surrogates(value: str) -> str:
    return _SURROGATE.sub(_escape, value)


def json_data(value: Any, escape: Callable[[str], str] = _surrogates) -> Any:
    """The value as JSON-native data whose every string went through `escape` (dict keys too): what
    json.dumps then writes is valid UTF-8 JSON that strict parsers accept. Anything else becomes its str()."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # json.dumps would write NaN, which is not JSON
    if isinstance(value, dict):
        return {_key(k, escape): json_data(v, escape) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_data(v, escape) for v in value]
    return escape(str(value))


def _key(key: Any, escape: Callable[[str], str]) -> Any:
    """json.dumps writes None, bool and number keys as strings itself; any other key becomes its str()."""
    return key if key is None or isinstance(key, (bool, int, float)) else escape(str(key))


def markdown(value: str) -> str:
    """Inline Markdown that renders as the text it shows: no HTML (`<!--` hides nothing), no table cell
    boundary, no link, emphasis or code span, on one line."""
    return _MARKDOWN_SPECIAL.sub(lambda m: _MARKDOWN[m.group()], line(value))
