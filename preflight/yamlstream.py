"""A YAML document built straight from the parser's event stream, as SafeLoader would build it, within a
deadline, a depth and without aliases.

PyYAML's loaders compose a node graph first and construct the document from it (recursively), in pure Python:
~2 s of CPU and ~55 MiB per MB of template on this machine, uninterruptible, and RecursionError for a deeply
nested document. Here libyaml's parser (when the installed PyYAML has it; its pure-Python parser otherwise)
produces the events and one loop builds the dicts and lists: the clock is read every few thousand events,
nesting is counted, and an alias is refused when it is met. Plain scalars resolve as SafeLoader resolves them
(int, float, bool, null, timestamp, merge keys); CloudFormation's short-form tags (!Ref, !Sub, !GetAtt a.b,
...) read as their long form when asked.
"""
from __future__ import annotations

from typing import Any

import yaml

from preflight.documents import MAX_DEPTH, OutOfTime, Refused, Remaining, TooDeep

WITH_LIBYAML: bool = bool(getattr(yaml, "__with_libyaml__", False))
EVENTS_PER_CLOCK_READ = 512  # ~0.5 ms of libyaml's work at a full CPU, ~7 ms of the pure-Python parser's
_Parser: Any = yaml.CSafeLoader if WITH_LIBYAML else yaml.SafeLoader

_STR, _MERGE, _VALUE = "tag:yaml.org,2002:str", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"
_CONTAINER_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
_NO_PREFIX = {"Ref", "Condition"}  # !Ref x is {"Ref": x}, !Condition c is {"Condition": c}; the rest Fn::...
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_SCALAR_CONSTRUCTORS = {tag: fn for tag, fn in yaml.constructor.SafeConstructor.yaml_constructors.items()
                        if tag is not None and tag not in _CONTAINER_TAGS}


class AliasRefused(Refused):
    def __init__(self, line: int):
        self.line = line
        super().__init__(f"uses a YAML alias (line {line}); aliases are not allowed")


class _Merge:
    """The `<<` key: its mapping's entries are merged into the enclosing one."""


MERGE = _Merge()


class _Frame:
    __slots__ = ("items", "is_mapping", "key", "key_line", "has_key", "intrinsic", "merged", "line")

    def __init__(self, is_mapping: bool, intrinsic: str | None, line: int):
        self.items: Any = {} if is_mapping else []
        self.is_mapping = is_mapping
        self.key: Any = None
        self.key_line: Any = None  # the key's event, or its line: only read to say where a duplicate is
        self.has_key = False
        self.intrinsic = intrinsic
        self.merged: dict[Any, Any] | None = None
        self.line = line


def _line(event: Any) -> int:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else 0


def _where(where: Any) -> int:
    return where if isinstance(where, int) else _line(where)


def _intrinsic_name(tag: str | None, cloudformation: bool, line: int) -> str | None:
    """The long form a container's tag stands for, None for a plain container; Refused for any other tag."""
    if tag is None or tag == "!" or tag in _CONTAINER_TAGS:
        return None
    if cloudformation and tag.startswith("!") and len(tag) > 1:
        suffix = tag[1:]
        return suffix if suffix in _NO_PREFIX else f"Fn::{suffix}"
    raise Refused(f"uses the YAML tag {tag[:60]!r} (line {line}), which is not read here")


class _Builder:
    def __init__(self, cloudformation: bool, max_depth: int):
        self.cloudformation = cloudformation
        self.max_depth = max_depth
        self.stack: list[_Frame] = []
        self.documents: list[Any] = []
        # Each distinct short scalar resolved once, and one object shared by its every occurrence (a template
        # repeats "Type", "Properties", "Effect", "Allow", ... thousands of times).
        self.plain: dict[str, Any] = {}
        self.quoted: dict[str, str] = {}

    def scalar(self, event: Any) -> Any:
        tag, value = event.tag, event.value
        if tag is None or tag == "!":
            if not event.implicit[0]:  # quoted: always a string
                return self.quoted.setdefault(value, value) if len(value) < 64 else value
            known = self.plain.get(value, self)
            if known is not self:
                return known
            resolved = self.resolve(value, _line(event))
            if len(value) < 64:
                self.plain[value] = resolved
            return resolved
        if self.cloudformation and tag.startswith("!") and len(tag) > 1:
            name = _intrinsic_name(tag, True, _line(event))
            return {name: value.split(".", 1) if name == "Fn::GetAtt" else value}
        return self.construct(tag, value, _line(event))

    def resolve(self, value: str, line: int) -> Any:
        tag = _resolver.resolve(yaml.ScalarNode, value, (True, False))
        if tag == _MERGE:
            return MERGE
        if tag == _STR or tag == _VALUE:
            return value
        return self.construct(tag, value, line)

    def construct(self, tag: str, value: str, line: int) -> Any:
        constructor = _SCALAR_CONSTRUCTORS.get(tag)
        if constructor is None:
            raise Refused(f"uses the YAML tag {tag[:60]!r} (line {line}), which is not read here")
        try:
            return constructor(_constructor, yaml.ScalarNode(tag, value))
        except (ValueError, yaml.YAMLError) as error:
            raise Refused(f"has a value that is not a valid {tag.rsplit(':', 1)[-1]} (line {line})") from error

    def open(self, is_mapping: bool, event: Any) -> None:
        if len(self.stack) >= self.max_depth:
            raise TooDeep(self.max_depth, f" (line {_line(event)})")
        line = _line(event)
        self.stack.append(_Frame(is_mapping, _intrinsic_name(event.tag, self.cloudformation, line), line))

    def close(self) -> None:
        frame = self.stack.pop()
        items = frame.items
        if frame.merged is not None:
            items = {**frame.merged, **items}
        self.add({frame.intrinsic: items} if frame.intrinsic else items, frame.line)

    def add(self, value: Any, where: Any) -> None:
        """Adds a value to the open container; `where` is its event (a scalar's) or its line (a container's)."""
        frame = self.stack[-1] if self.stack else None
        if value is MERGE and (frame is None or not frame.is_mapping or frame.has_key):
            raise Refused(f"uses the merge key << as a value (line {_where(where)})")
        if frame is None:
            self.documents.append(value)
            return
        if not frame.is_mapping:
            frame.items.append(value)
        elif not frame.has_key:
            if isinstance(value, (dict, list)):
                raise Refused(f"has a mapping key that is not a scalar (line {_where(where)})")
            frame.key, frame.key_line, frame.has_key = value, where, True
        else:
            frame.has_key = False
            if frame.key is MERGE:
                self.merge(frame, value, _where(where))
            elif frame.key in frame.items:
                raise Refused(f"has the key {str(frame.key)[:80]!r} twice in one mapping "
                              f"(line {_where(frame.key_line)})")
            else:
                frame.items[frame.key] = value

    def merge(self, frame: _Frame, value: Any, line: int) -> None:
        # SafeLoader's rule: the mapping's own keys win over merged ones; of merged mappings, the first wins.
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(source, dict) for source in sources):
            raise Refused(f"merges (<<) something that is not a mapping (line {line})")
        merged = frame.merged or {}
        for source in reversed(sources):
            merged.update(source)
        frame.merged = merged


def load(text: str | bytes, *, cloudformation: bool = False, deadline: Remaining | None = None,
         max_depth: int = MAX_DEPTH) -> Any:
    """The single document in text (None when there is none). Raises AliasRefused or another Refused, OutOfTime
    when the deadline passes, yaml.YAMLError when the text is not YAML."""
    if deadline is not None and deadline.remaining() <= 0:
        raise OutOfTime()
    builder = _Builder(cloudformation, max_depth)
    parser = _Parser(text)
    get_event = parser.get_event
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    count = 0
    try:
        while True:
            event = get_event()
            if event is None:
                break
            count += 1
            if deadline is not None and count % EVENTS_PER_CLOCK_READ == 0 and deadline.remaining() <= 0:
                raise OutOfTime()
            kind = type(event)
            if kind is scalar_event:
                builder.add(builder.scalar(event), event)
            elif kind is mapping_start:
                builder.open(True, event)
            elif kind is sequence_start:
                builder.open(False, event)
            elif kind in ends:
                builder.close()
            elif kind is alias_event:
                raise AliasRefused(_line(event))
            elif kind is yaml.DocumentStartEvent and builder.documents:
                raise Refused(f"holds more than one YAML document (line {_line(event)})")
            elif kind is yaml.StreamEndEvent:
                break
    except yaml.MarkedYAMLError as error:
        if "nesting depth" in (error.problem or ""):  # libyaml's own limit, met before the events reach ours
            mark = error.problem_mark
            raise TooDeep(max_depth, f" (line {mark.line + 1})" if mark else "") from None
        raise
    finally:
        parser.dispose()
    return builder.documents[0] if builder.documents else None
