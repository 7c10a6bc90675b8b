"""YAML (and so JSON) as untrusted input: no aliases - a few hundred bytes of nested aliases expand to
gigabytes as soon as anything walks the result - and, for CloudFormation templates, the short-form tags
(!Ref, !Sub, !GetAtt, ...) read as their long form ({"Ref": ...}, {"Fn::Sub": ...})."""
from __future__ import annotations

from typing import Any

import yaml


class AliasRefused(ValueError):
    def __init__(self, line: int):
        self.line = line
        super().__init__(f"uses a YAML alias (line {line}); aliases are not allowed")


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            raise AliasRefused(self.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)


class _TemplateLoader(_NoAliasLoader):
    pass


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = suffix if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load(text: str, *, cloudformation: bool = False) -> Any:
    """The document; AliasRefused for an alias, yaml.YAMLError for anything else malformed."""
    return yaml.load(text, Loader=_TemplateLoader if cloudformation else _NoAliasLoader)  # noqa: S506 - SafeLoader
