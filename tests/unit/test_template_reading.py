"""Templates as CloudFormation reads them (issue 19): JSON first (tabs and all), YAML with the short-form tags
otherwise, within a deadline and a depth, and only ever TemplateUnavailable - in words - when a template
cannot be had."""
from __future__ import annotations

import datetime
import functools
import json

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from preflight.cloudformation import capacity
from preflight import documents, jsonsafe, template, yamlstream
from preflight.concurrency import Deadline
from preflight.template import TemplateUnavailable, parse
from tools.template_corpus import json_template, yaml_template

@functools.lru_cache(maxsize=1)
def yaml_text() -> str:
    return yaml_template(128 * 1024)


TEMPLATE = {"AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"Path": "/", "MaxSessionDuration": 3600}}}}


def test_a_tab_indented_json_template_is_read():
    assert parse(json.dumps(TEMPLATE, indent="\t")) == TEMPLATE  # what `jq --tab` writes


def test_json_with_any_whitespace_json_allows_is_read():
    assert parse(" \r\n\t" + json.dumps(TEMPLATE, separators=(",", ":")).replace(",", ",\r\n\t ") + "\n\t") == TEMPLATE


def test_a_large_json_template_is_read_by_the_json_parser_alone(monkeypatch):
    def no_yaml(*args, **kwargs):
        raise AssertionError("the YAML reader was used for a JSON template")

    monkeypatch.setattr(yamlstream, "load", no_yaml)
    text = json_template(template.MAX_TEMPLATE_BYTES)
    assert len(text.encode()) > 1_000_000
    assert len(parse(text)["Resources"]) > 1000


@pytest.mark.parametrize("text, expected", [
    ("R: !Ref Bucket", {"R": {"Ref": "Bucket"}}),
    ("R: !GetAtt Bucket.Arn", {"R": {"Fn::GetAtt": ["Bucket", "Arn"]}}),
    ("R: !GetAtt Stack.Outputs.Name", {"R": {"Fn::GetAtt": ["Stack", "Outputs.Name"]}}),
    ("R: !GetAtt [Bucket, Arn]", {"R": {"Fn::GetAtt": ["Bucket", "Arn"]}}),
    ("R: !Sub 'arn:${AWS::Partition}:s3:::${B}/*'", {"R": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${B}/*"}}),
    ("R: !Sub ['${a}', {a: !Ref b}]", {"R": {"Fn::Sub": ["${a}", {"a": {"Ref": "b"}}]}}),
    ("R: !If [IsProd, !Ref A, !Ref AWS::NoValue]",
     {"R": {"Fn::If": ["IsProd", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]}}),
    ("R: !Select [0, !GetAZs '']", {"R": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}}),
    ("R: !And [!Condition A, !Not [!Equals [!Ref E, prod]]]",
     {"R": {"Fn::And": [{"Condition": "A"}, {"Fn::Not": [{"Fn::Equals": [{"Ref": "E"}, "prod"]}]}]}}),
    ("R: !Base64 {'Fn::Sub': x}", {"R": {"Fn::Base64": {"Fn::Sub": "x"}}}),
    ("R: !Join\n  - ','\n  - - a\n    - !Ref B", {"R": {"Fn::Join": [",", ["a", {"Ref": "B"}]]}}),
    ("R: !Ref 5", {"R": {"Ref": "5"}}),  # a tagged scalar is its text
])
def test_yaml_short_forms_read_as_their_long_form(text, expected):
    assert yamlstream.load(text, cloudformation=True) == expected


@pytest.mark.parametrize("text", [
    "a: [1, -2, 2.5, .inf, true, yes, no, off, null, ~, '', 0x1f, 017, 1_000, 1e5, 1.0e+5, 2010-09-09, '2010-09-09']",
    "a: 2001-12-14t21:59:43.10-05:00\nb: 2001-12-14 21:59:43.10\nc: !!str 12\nd: !!binary aGVsbG8=",
    "a:\n  - b: |\n      text\n      more\n  - >\n    folded\n    line\n  - \"esc\\taped\\u00e9\"",
    "<<: {x: 1, y: 1}\ny: 2",
    "<<: [{x: 1}, {x: 2, z: 3}]\nx: 0",
    "a: &anchor {b: 1}\n",
    "1: one\n2.5: x\n~: n\n'=': eq",
    "",
    "---\na: 1\n...\n",
])
def test_plain_yaml_reads_as_safe_loader_read_it(text):
    assert yamlstream.load(text) == yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) | \
    st.dates() | st.datetimes()
trees = st.recursive(scalars, lambda children: st.lists(children, max_size=4) |
                     st.dictionaries(st.text(max_size=10), children, max_size=4), max_leaves=30)


@settings(max_examples=100, deadline=None)
@given(trees)
def test_any_document_yaml_can_dump_reads_back_as_safe_loader_reads_it(document):
    for style in (False, True, None):
        text = yaml.safe_dump({"d": document}, default_flow_style=style, allow_unicode=True)
        assert yamlstream.load(text) == yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader


def test_a_yaml_template_is_read_from_the_event_stream_when_libyaml_is_there():
    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML has no libyaml: the pure-Python parser is used")
    assert yamlstream._Parser is yaml.CSafeLoader


def test_a_large_yaml_template_reads_as_the_same_document_as_its_json():
    document = parse(yaml_text())
    assert document["Resources"]["Role3"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0][
        "Resource"] == [{"Fn::GetAtt": ["Bucket3", "Arn"]}, {"Fn::Sub": "${Bucket3.Arn}/*"}]
    assert parse(json.dumps(document, default=str)) == {**document, "AWSTemplateFormatVersion": "2010-09-09"}


class CountingDeadline:
    """A deadline that passes after `reads` readings of the clock: deterministic whatever the machine's speed."""

    def __init__(self, reads: int):
        self.reads = reads

    def remaining(self) -> float:
        self.reads -= 1
        return 1.0 if self.reads >= 0 else 0.0


@pytest.mark.parametrize("text", ["Resources: {R: {Type: AWS::S3::Bucket}}", json_template(64 * 1024)], ids=["yaml", "json"])
def test_a_template_whose_deadline_has_passed_is_not_read(monkeypatch, text):
    monkeypatch.setattr(jsonsafe, "loads", lambda *a, **k: pytest.fail("read after the deadline"))
    with pytest.raises(TemplateUnavailable, match=r"^reading the template \(\d+ KiB\) did not start before the "
                                                  r"deadline; more MemorySize gives the auditor more CPU$"):
        parse(text, deadline=Deadline.after(0))


def test_a_yaml_parse_stops_when_the_deadline_passes_half_way(monkeypatch):
    text = yaml_text()
    built = []
    real_add = yamlstream._Builder.add
    monkeypatch.setattr(yamlstream._Builder, "add", lambda self, value, where: (built.append(1), real_add(self, value, where)))
    with pytest.raises(TemplateUnavailable, match=r"^reading the template \(YAML, 12\d KiB\) did not finish before "
                                                  "the deadline; a JSON template reads many times faster"):
        parse(text, deadline=CountingDeadline(reads=4))  # before JSON, before YAML, then every N events
    stopped_after = len(built)
    built.clear()
    parse(text)
    assert yamlstream.EVENTS_PER_CLOCK_READ <= stopped_after < min(len(built) // 4, 4 * yamlstream.EVENTS_PER_CLOCK_READ)


def test_a_timeout_is_a_deadline_from_now():
    with pytest.raises(TemplateUnavailable, match="did not start before the deadline"):
        parse("a: 1", timeout=0)
    assert parse("a: 1", timeout=5) == {"a": 1}


def nested_json(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def nested_yaml(depth: int) -> str:
    return "a: " + "[" * (depth - 1) + "1" + "]" * (depth - 1)


@pytest.mark.parametrize("nested", [nested_json, nested_yaml], ids=["json", "yaml"])
def test_a_template_nested_a_hundred_thousand_deep_is_refused_in_words(nested):
    with pytest.raises(TemplateUnavailable, match=r"^the template nests deeper than 100 levels"):
        parse(nested(100_000))


@pytest.mark.parametrize("nested", [nested_json, nested_yaml], ids=["json", "yaml"])
def test_a_template_nested_a_hundred_deep_is_read_and_one_more_is_refused(nested):
    assert isinstance(parse(nested(documents.MAX_DEPTH)), dict)
    with pytest.raises(TemplateUnavailable, match="nests deeper than 100 levels"):
        parse(nested(documents.MAX_DEPTH + 1))


def test_yaml_aliases_are_refused_before_anything_expands():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    with pytest.raises(TemplateUnavailable, match=r"^the template uses a YAML alias \(line 2\); aliases are not allowed$"):
        parse(bomb)


@pytest.mark.parametrize("text, reason", [
    ('{"Resources": {}, "Resources": {}}', "the template has the key 'Resources' twice in one object"),
    ("Resources: {}\nOutputs: {}\nResources: {}\n", "the template has the key 'Resources' twice in one mapping (line 3)"),
    ('{"Resources": {"R": {"Type": "AWS::S3::Bucket"}}', "the template is not valid JSON or YAML (line 1 column 49: "
                                                         "Expecting ',' delimiter)"),
    ("Resources:\n\tR: x\n", "the template is not valid JSON or YAML (while scanning for the next token"),
    ("Resources: [a, b\n", "the template is not valid JSON or YAML ("),
    ("R: !!python/object:os.system x", "the template uses the YAML tag 'tag:yaml.org,2002:python/object:os.system' (line 1)"),
    ("a: 1\n---\nb: 2\n", "the template holds more than one YAML document (line 2)"),
    ("a: !!int twelve", "the template has a value that is not a valid int (line 1)"),
    ("? [k]\n: v\n", "the template has a mapping key that is not a scalar (line 1)"),
    ("a: <<", "the template uses the merge key << as a value (line 1)"),
    ("[1, 2]", "the template is not an object"),
    ("just text", "the template is not an object"),
    ("", "the template is not an object"),
    ('{"a": ' + "9" * 5000 + "}", "the template could not be read (ValueError)"),  # int() digit limit
    ("x" * (template.MAX_TEMPLATE_BYTES + 1), "the template is larger than 1024 KiB"),
    ("é" * (template.MAX_TEMPLATE_BYTES // 2 + 1), "the template is larger than 1024 KiB"),  # bytes, not characters
])
def test_a_template_that_cannot_be_read_says_why(text, reason):
    with pytest.raises(TemplateUnavailable) as raised:
        parse(text)
    assert str(raised.value).startswith(reason)


@pytest.mark.parametrize("error, reason", [
    (MemoryError(), "the template needs more memory to read than the auditor has (raise its MemorySize)"),
    (RecursionError(), "the template nests too deeply to read"),
    (UnicodeEncodeError("utf-8", "\udc80", 0, 1, "surrogates not allowed"), "the template is not UTF-8 text"),
    (KeyError("x"), "the template could not be read (KeyError)"),
])
def test_whatever_fails_inside_the_reader_becomes_template_unavailable(monkeypatch, error, reason):
    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(jsonsafe, "loads", failing)
    with pytest.raises(TemplateUnavailable) as raised:
        parse("{}")
    assert str(raised.value).startswith(reason)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.text(alphabet="{}[]:,\"'-!&*|>\t\n #?a1", max_size=200))
def test_any_text_is_a_template_or_template_unavailable(text):
    try:
        assert isinstance(parse(text), dict)
    except TemplateUnavailable as unavailable:
        assert str(unavailable).startswith("the template ")


def test_a_template_file_that_is_not_utf8_is_refused_in_words(tmp_path):
    path = tmp_path / "template.json"
    path.write_bytes(b'{"Resources": {"R": {"Type": "AWS::S3::Bucket", "Metadata": "caf\xe9"}}}')
    with pytest.raises(TemplateUnavailable, match=rf"^the template {path} is not UTF-8 text \(byte 0xe9 at offset 64"):
        template.from_file(str(path))


def test_a_template_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "template.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(TEMPLATE, indent="\t").encode())
    assert template.from_file(str(path)) == TEMPLATE


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_in_a_file_are_a_template_or_template_unavailable(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("any") / "t"
    path.write_bytes(data)
    try:
        assert isinstance(template.from_file(str(path)), dict)
    except TemplateUnavailable:
        pass


def test_yaml_keeps_its_scalar_types_in_a_template():
    document = parse("AWSTemplateFormatVersion: 2010-09-09\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
                     "    Properties: {DelaySeconds: 5, FifoQueue: true, Tags: [{Key: k, Value: 1.5}]}\n")
    assert document["AWSTemplateFormatVersion"] == datetime.date(2010, 9, 9)  # as SafeLoader gave it
    assert document["Resources"]["Q"]["Properties"] == {"DelaySeconds": 5, "FifoQueue": True,
                                                        "Tags": [{"Key": "k", "Value": 1.5}]}


def test_the_capacity_guard_reserves_what_reading_a_large_template_takes():
    """Measured by tools/bench_template.py: a 1 MiB YAML template's document 6.0 MiB, its payload ~3 copies."""
    mib = 1024 * 1024
    assert capacity.TEMPLATE_MIB >= 3 + 6.0
    assert template.parse_peak_mib(mib // 2) == pytest.approx(template.PARSE_PEAK_MIB_PER_MB / 2)


def test_text_that_is_not_json_but_is_yaml_is_read_as_yaml():
    assert parse('{"Resources": {"R": {"Type": "AWS::S3::Bucket",}}}') == {"Resources": {"R": {"Type": "AWS::S3::Bucket"}}}
