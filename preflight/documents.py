"""Rules shared by the readers of untrusted documents (preflight.jsonsafe, preflight.yamlstream): how deep a
document may nest, and the errors a reader raises when it refuses one or runs out of time."""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Protocol

# CloudFormation templates nest a dozen levels or so (Resources > R > Properties > PolicyDocument > Statement >
# Condition > ...); the checks walk documents recursively, so a document far deeper is refused when read.
MAX_DEPTH = 100


class Remaining(Protocol):
    """A deadline (preflight.runner.Deadline): seconds left, 0 when it has passed."""

    def remaining(self) -> float: ...


class Refused(ValueError):
    """The document was read and is refused; the message says why, for a person."""


class TooDeep(Refused):
    def __init__(self, max_depth: int, where: str = ""):
        super().__init__(f"nests deeper than {max_depth} levels{where}")


class OutOfTime(Exception):
    """The reader stopped at its deadline."""


def deeper_than(document: Any, max_depth: int) -> bool:
    """Whether lists and dicts nest more than max_depth levels. Walks with a stack of iterators, one per open
    level: no recursion (any depth is measurable) and memory in the depth, not the size."""
    stack: list[Iterator[Any]] = [iter((document,))]
    while stack:
        for node in stack[-1]:
            if isinstance(node, dict):
                children: Iterable[Any] = node.values()
            elif isinstance(node, list):
                children = node
            else:
                continue
            if len(stack) > max_depth:
                return True
            stack.append(iter(children))
            break
        else:
            stack.pop()
    return False
