"""Reading CloudTrail event selectors, classic and advanced: which management events a trail records
(cloudtrail-enabled, CIS 3.1) and which data events, for every resource of a type (S3 objects for CIS 3.8 / 3.9,
Lambda functions). Pure functions of a GetEventSelectors answer; checks/_trails.py asks for it once per trail.

How advanced selectors match (CloudTrail API Reference, AdvancedEventSelector and AdvancedFieldSelector): a
selector records an event when every one of its field selectors matches it; a field selector matches when the
event's field equals / starts with / ends with one of its Equals / StartsWith / EndsWith values (if it has any)
and none of its NotEquals / NotStartsWith / NotEndsWith values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ManagementCoverage:
    """Whether *all* read and write management events are recorded. A management selector narrowed to
    some sources, names, users or resources does not count (AWS Config multi-region-cloudtrail-enabled, the
    rule behind Security Hub CloudTrail.1: NON_COMPLIANT "if the ExcludeManagementEventSources field is not
    empty or if AWS CloudTrail is configured to exclude management events such as AWS KMS events or Amazon
    RDS Data API events"); `narrowing` says how such selectors narrow."""

    reads: bool
    writes: bool
    narrowing: tuple[str, ...] = ()


# Advanced event selector fields that do not narrow *which* management events are recorded.
NON_NARROWING_FIELDS = ("eventCategory", "readOnly")
EXCLUDING_OPERATORS = {"NotEquals": "excludes", "NotStartsWith": "excludes names starting with",
                       "NotEndsWith": "excludes names ending with"}
LIMITING_OPERATORS = {"Equals": "", "StartsWith": "starting with ", "EndsWith": "ending with "}


def coverage_of_classic(selectors: list[dict[str, Any]]) -> ManagementCoverage:
    # AWS defaults: IncludeManagementEvents true, ReadWriteType All.
    kinds, narrowing = set(), []
    for selector in selectors:
        if not selector.get("IncludeManagementEvents", True):
            continue
        excluded = selector.get("ExcludeManagementEventSources") or []
        if excluded:
            narrowing.append(f"excludes {', '.join(excluded)}")
        else:
            kinds.add(selector.get("ReadWriteType", "All"))
    return ManagementCoverage(reads=bool(kinds & {"All", "ReadOnly"}), writes=bool(kinds & {"All", "WriteOnly"}),
                              narrowing=tuple(narrowing))


def _narrowing_of(field: dict[str, Any]) -> list[str]:
    """How one advanced field selector narrows the events a selector records, in words."""
    name, words = field["Field"], []
    for operator, verb in EXCLUDING_OPERATORS.items():
        if field.get(operator):
            words.append(f"{verb} {', '.join(field[operator])}" + ("" if name == "eventSource" else f" ({name})"))
    for operator, qualifier in LIMITING_OPERATORS.items():
        if field.get(operator):
            words.append(f"records only {name} {qualifier}{', '.join(field[operator])}")
    return words


def admits(field: dict[str, Any] | None, value: str, *, fold: bool = False) -> bool:
    """Whether an advanced field selector lets events with this field value through: one of its Equals /
    StartsWith / EndsWith values matches (when it has any) and none of its Not* values does."""
    if field is None:
        return True
    def norm(v: str) -> str:
        return v.lower() if fold else v
    value = norm(value)
    tests = {"Equals": value.__eq__, "StartsWith": value.startswith, "EndsWith": value.endswith}
    positive = [test(norm(v)) for op, test in tests.items() for v in field.get(op) or ()]
    negative = [test(norm(v)) for op, test in tests.items() for v in field.get(f"Not{op}") or ()]
    return (not positive or any(positive)) and not any(negative)


def read_only_allows(field: dict[str, Any] | None) -> set[str]:
    """The readOnly values ("true" read events, "false" write events) a readOnly field selector lets through."""
    return {v for v in ("true", "false") if admits(field, v, fold=True)}


def coverage_of_advanced(selectors: list[dict[str, Any]]) -> ManagementCoverage:
    reads = writes = False
    narrowing: list[str] = []
    for selector in selectors:
        fields = {f["Field"]: f for f in selector.get("FieldSelectors", [])}
        if fields.get("eventCategory", {}).get("Equals") != ["Management"]:
            continue
        narrowed = [words for name, f in fields.items() if name not in NON_NARROWING_FIELDS for words in _narrowing_of(f)]
        if narrowed:  # a selector that records only some management events covers neither reads nor writes fully
            narrowing += narrowed
            continue
        allowed = read_only_allows(fields.get("readOnly"))
        reads = reads or "true" in allowed
        writes = writes or "false" in allowed
    return ManagementCoverage(reads=reads, writes=writes, narrowing=tuple(narrowing))


def coverage_of(selectors_response: dict[str, Any]) -> ManagementCoverage:
    advanced = selectors_response.get("AdvancedEventSelectors") or []
    if advanced:
        return coverage_of_advanced(advanced)
    return coverage_of_classic(selectors_response.get("EventSelectors") or [])


@dataclass(frozen=True)
class DataEventType:
    """A data-event resource type as event selectors name it: the classic DataResources Values that mean every
    resource of the type ({partition} filled in), and the one eventName that matters, if any (an eventName
    condition that lets it through does not narrow)."""

    resource_type: str
    every_resource: tuple[str, ...]
    event_name: str | None = None


S3_OBJECTS = DataEventType("AWS::S3::Object", ("arn:{partition}:s3", "arn:{partition}:s3:::"))
LAMBDA_FUNCTIONS = DataEventType("AWS::Lambda::Function", ("arn:{partition}:lambda",), event_name="Invoke")


def data_events(selectors: dict[str, Any], kind: DataEventType = S3_OBJECTS, partition: str = "aws"
                ) -> tuple[bool, bool]:
    """(reads, writes): whether the selectors record `kind`'s read / write data events for every resource of the
    type, current and future. Classic: a DataResource of that Type with one of `every_resource` among its Values,
    and ReadWriteType All / ReadOnly / WriteOnly. Advanced: eventCategory Equals Data and resources.type Equals
    the type, narrowed by nothing but readOnly (and eventName, when it still lets `kind.event_name` through)."""
    reads = writes = False
    advanced = selectors.get("AdvancedEventSelectors") or []
    if advanced:
        for selector in advanced:
            fields = {f["Field"]: f for f in selector.get("FieldSelectors", [])}
            if fields.get("eventCategory", {}).get("Equals") != ["Data"]:
                continue
            kind_field = fields.get("resources.type", {})
            if kind_field.get("Equals") != [kind.resource_type] or set(kind_field) - {"Field", "Equals"}:
                continue
            if "eventName" in fields and not (kind.event_name and admits(fields["eventName"], kind.event_name)):
                continue
            if any(name not in ("eventCategory", "resources.type", "readOnly", "eventName") for name in fields):
                continue  # narrowed to some resources, users, sources...
            allowed = read_only_allows(fields.get("readOnly"))
            reads = reads or "true" in allowed
            writes = writes or "false" in allowed
        return reads, writes
    every = {value.format(partition=partition) for value in kind.every_resource}
    for selector in selectors.get("EventSelectors") or []:
        for resource in selector.get("DataResources") or []:
            if resource.get("Type") == kind.resource_type and every & set(resource.get("Values") or []):
                rw = selector.get("ReadWriteType", "All")
                reads = reads or rw in ("All", "ReadOnly")
                writes = writes or rw in ("All", "WriteOnly")
    return reads, writes
