"""YAML (and so JSON) as untrusted input: no aliases - a few hundred bytes of nested aliases expand to
gigabytes as soon as anything walks the result - nesting bounded, and, for CloudFormation templates, the
short-form tags (!Ref, !Sub, !GetAtt, ...) read as their long form ({"Ref": ...}, {"Fn::Sub": ...}).
The reader itself is preflight.yamlstream."""
from __future__ import annotations

from typing import Any

from preflight.documents import Remaining
from preflight.yamlstream import AliasRefused
from preflight.yamlstream import load as _load

__all__ = ["AliasRefused", "load"]


def load(text: str, *, cloudformation: bool = False, deadline: Remaining | None = None) -> Any:
    """The document; AliasRefused for an alias, another documents.Refused for a document refused (too deep, a
    key twice, a tag not read), yaml.YAMLError for anything else malformed, documents.OutOfTime at the
    deadline."""
    return _load(text, cloudformation=cloudformation, deadline=deadline)
