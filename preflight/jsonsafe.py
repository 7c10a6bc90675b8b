"""JSON as untrusted input: the standard library's C parser (any whitespace JSON allows, tabs included), with
duplicate keys refused (which one would CloudFormation take?) and nesting bounded: a document nested past
the interpreter's recursion limit is refused in words rather than raising RecursionError."""
from __future__ import annotations

import json
from typing import Any

from preflight.documents import MAX_DEPTH, Refused, TooDeep, deeper_than

NotJson = json.JSONDecodeError


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise Refused(f"has the key {duplicate[:80]!r} twice in one object")
    return result


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """The document; NotJson when the text is not JSON, Refused when it is and cannot be accepted."""
    try:
        document = json.loads(text, object_pairs_hook=_object)
    except RecursionError:
        raise TooDeep(max_depth) from None
    if deeper_than(document, max_depth):
        raise TooDeep(max_depth)
    return document
