"""Output that cannot be forged by the data it reports (issue 20): any text an audited account or a request
chose - control characters, escape sequences, surrogates, bidi overrides, Markdown and XML syntax - goes into
every AWS-sourced field of a report, and each format is parsed back. docs/security.md, "Output is inert"."""
from __future__ import annotations

import datetime
import io
import json
import re
import unicodedata
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight import inert
from preflight.reporting import asff
from preflight.reporting.formats import to_asff, to_json, to_junit, to_markdown, to_sarif, to_table
from preflight.model import Delivery, Exemption, ExemptionNote, Finding, Mode, Report, Severity, Status, Verdict
from preflight.cli.progress import Progress
from preflight.registry import default_registry
from preflight.cloudformation.reason import MAX_REASON_CHARS, reason
from preflight.text import headline
from preflight.cli.sweep import SweepProgress, unreachable

from tests.support.paths import ROOT  # noqa: E402
# Checks that other tests abandoned at a deadline may still be retrying in this worker, drawing botocore's
# jitter from the global `random` while an example is generated; hypothesis would blame the strategies.
pytestmark = pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
REPORT_SCHEMA = jsonschema.Draft202012Validator(json.loads((ROOT / "docs" / "schemas" / "report-1.schema.json").read_text()))
JUNIT_SCHEMA = xmlschema.XMLSchema(ROOT / "docs" / "schemas" / "junit.xsd")
CATALOGUE = [check.meta for check in default_registry()]

ATTACKS = ["\x1b[2K\r", "\x1b]0;preflight PASS\x07", "\x1b[8m", "\x1b[1A", "\x9b2J", "\x9d0;x\x9c", "\x1bP", "\x08",
           "\x7f", "\r", "\n", "\nPASS  HIGH  fake-row  ", "\x00", "\x01", "\u202e", "\u2066", "\u2069", "\u200f",
           "\u2028", "\ud800", "\udfff", "\ufffe", "<!-- ", "-->", "|", "\\|", "`", "<script>", "&lt;", "[x](y)",
           "*", "_", "~~", "$", "]]>", '"', "'", "é", "😀"]
# Arbitrary Unicode, surrogates included (hypothesis leaves them out unless asked), with the attacks above
# mixed in so that most examples carry several.
characters = st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])
hostile = st.lists(st.sampled_from(ATTACKS) | st.text(characters, max_size=6), max_size=6).map("".join)
evidence = st.dictionaries(hostile, hostile | st.lists(hostile, max_size=3) | st.integers(), max_size=3)

SGR_OURS = re.compile(r"\x1b\[(?:0|2|3[1235])m")  # preflight's own status colours (report.STATUS_COLOURS)
CLEAR_LINE = "\r\x1b[K"  # the progress line's own redraw


def forbidden_on_a_terminal(char: str) -> bool:
    return (unicodedata.category(char) in ("Cc", "Cs") or char in "\u2028\u2029\ufffe\uffff"
            or unicodedata.bidirectional(char) in ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI")
            or char in "\u061c\u200e\u200f")


def raw_controls(text: str, allowed: str = "\n") -> list[str]:
    return [c for c in text if c not in allowed and forbidden_on_a_terminal(c)]


@st.composite
def findings(draw) -> Finding:
    meta = draw(st.sampled_from(CATALOGUE))
    status = draw(st.sampled_from(list(Status)))
    exemption = None
    if draw(st.booleans()):
        exemption = ExemptionNote(Exemption(meta.id, draw(hostile), draw(hostile), datetime.date(2030, 1, 1),
                                            draw(hostile), draw(hostile)), draw(st.booleans()))
    return Finding(meta, status, draw(hostile), draw(evidence), 0.1, draw(st.none() | hostile),
                   draw(st.none() | hostile), tuple(draw(st.lists(hostile, max_size=3))),
                   draw(st.none() | st.sampled_from(list(Severity))), exemption)


@st.composite
def reports(draw) -> Report:
    found = tuple(draw(st.lists(findings(), min_size=1, max_size=3)))
    blocking = tuple(f for f in found if f.status.is_failure)
    deliveries = tuple(Delivery(draw(hostile), draw(st.booleans()), draw(hostile), draw(st.none() | hostile))
                       for _ in range(draw(st.integers(0, 2))))
    return Report(Verdict.FAIL if blocking else Verdict.PASS, draw(st.sampled_from(list(Mode))), draw(hostile),
                  draw(hostile), found, 0.5, blocking, tuple(draw(st.lists(hostile, max_size=3))), draw(hostile),
                  "0123456789abcdef", deliveries)


some_reports = st.lists(reports(), min_size=1, max_size=2)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# --- the terminal -----------------------------------------------------------------------------------------

TABLE_LINE_STARTS = ("STATUS ", "How to fix:", "- ", "    ", "Verdict: ", "Account ", "---", "Overall verdict: ")


@FUZZ
@given(batch=some_reports, colour=st.booleans())
def test_the_table_shows_any_data_without_a_raw_control_character_or_a_fake_row(batch, colour):
    out = to_table(batch, colour=colour)
    assert raw_controls(SGR_OURS.sub("", out)) == []
    statuses = tuple(f"{s.value} " for s in Status)
    for text in out.split("\n"):  # a line is ours: a header, a finding's row, a wrapped message, the verdict...
        assert text == "" or text.startswith(TABLE_LINE_STARTS + statuses) or SGR_OURS.match(text), text
    rows = [t for t in out.split("\n") if SGR_OURS.sub("", t).startswith(statuses)]
    assert len(rows) == sum(len(r.findings) for r in batch)
    assert all(f"\nVerdict: {headline(r)}  (" in out for r in batch)


@FUZZ
@given(labels=st.lists(hostile, min_size=1, max_size=5), logged=hostile, account=hostile)
def test_progress_lines_show_any_label_or_log_line_without_a_raw_control_character(labels, logged, account):
    terminal = Terminal()
    progress = Progress(terminal)
    progress.expect(labels)
    progress.above(logged)
    progress.finished(labels[0], None)
    progress.close()
    sweep_terminal = Terminal()
    sweeping = SweepProgress(sweep_terminal, 2)
    sweeping.finished(unreachable(account, account, logged, logged))
    sweeping.close()
    for drawn in (terminal.getvalue(), sweep_terminal.getvalue()):
        assert raw_controls(drawn.replace(CLEAR_LINE, "")) == []
    assert terminal.getvalue().count("\n") == 1  # the log line's own end, nothing from the data


@FUZZ
@given(report=reports())
def test_the_cloudformation_reason_shows_any_data_without_a_raw_control_character(report):
    text = reason(report)
    assert raw_controls(text, allowed="") == [] and len(text) <= MAX_REASON_CHARS
    assert text.startswith(headline(report))


@FUZZ
@given(report=reports())
def test_the_hooks_annotations_show_any_data_without_a_raw_control_character(report):
    from preflight.cloudformation.hook import MAX_STATUS_MESSAGE_CHARS, _annotation

    for finding in report.findings:
        message = _annotation(finding, report)["statusMessage"]
        assert raw_controls(message, allowed="") == [] and len(message) <= MAX_STATUS_MESSAGE_CHARS


# --- JUnit ------------------------------------------------------------------------------------------------

def xml_text(element: ET.Element) -> list[str]:
    return [v for e in element.iter() for v in (*e.attrib.values(), e.text or "")]


@FUZZ
@given(batch=some_reports)
def test_junit_is_well_formed_xml_1_0_and_follows_its_schema_whatever_the_data(batch):
    out = to_junit(batch)
    suites = ET.fromstring(out)  # expat refuses any character XML 1.0 forbids, even as a reference
    JUNIT_SCHEMA.validate(suites)
    assert all(raw_controls(value, allowed="\n\t") == [] for value in xml_text(suites))
    cases = suites.findall("testsuite/testcase")
    assert len(cases) == sum(len(r.findings) for r in batch)
    failures = [f for r in batch for f in r.findings if f.status is Status.FAIL]
    assert [e.get("message") for e in suites.iter("failure")] == [inert.text(f.message) for f in failures]


# --- JSON, SARIF, ASFF ------------------------------------------------------------------------------------

def strict_json(out: str):
    """Parsed as a strict parser would: ASCII (so UTF-8), no NaN, no lone surrogate in any string."""
    out.encode("ascii")

    def refuse(constant: str):
        raise AssertionError(f"{constant} is not JSON")

    parsed = json.loads(out, parse_constant=refuse)
    strings = [parsed]
    while strings:
        value = strings.pop()
        if isinstance(value, dict):
            strings += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            strings += value
        elif isinstance(value, str):
            value.encode("utf-8")  # a lone surrogate would raise here
    return parsed


@FUZZ
@given(batch=some_reports)
def test_json_is_valid_utf8_json_that_follows_its_schema_and_keeps_the_text(batch):
    parsed = strict_json(to_json(batch))
    REPORT_SCHEMA.validate(parsed)
    messages = [f["message"] for r in parsed["reports"] for f in r["findings"]]
    assert messages == [inert.json_data(f.message) for r in batch for f in r.findings]
    # every character but a lone surrogate comes back exactly as AWS gave it
    assert all(m == f.message for m, f in zip(messages, (f for r in batch for f in r.findings))
               if not re.search("[\ud800-\udfff]", f.message))


@FUZZ
@given(batch=some_reports)
def test_sarif_is_valid_json_whose_text_shows_no_control_character(batch):
    sarif = strict_json(to_sarif(batch))
    results = sarif["runs"][0]["results"]
    assert len(results) == sum(len(r.findings) for r in batch)
    assert all(raw_controls(r["message"]["text"], allowed="\n\t") == [] for r in results)
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert all(r["ruleId"] in rule_ids for r in results)


@FUZZ
@given(batch=some_reports)
def test_asff_is_valid_json_within_security_hubs_limits_whatever_the_data(batch):
    findings_ = strict_json(to_asff(batch))
    # a check finding each, and a resource finding for each resource a FAIL or EXEMPT names
    assert len(findings_) == sum(1 + len(asff.failing_resources(f)) for r in batch for f in r.findings)
    for finding in findings_:
        assert len(finding["Title"]) <= 256 and len(finding["Description"]) <= 1024
        assert len(finding["Remediation"]["Recommendation"]["Text"]) <= 512 and len(finding["Resources"]) <= 32
        assert raw_controls(json.dumps(finding, ensure_ascii=False), allowed="\n\t") == []


# --- Markdown ---------------------------------------------------------------------------------------------

OUR_HTML = ("<details><summary>How to fix</summary>", "</details>")


def unescaped(char: str, text: str) -> int:
    """How many times `char` appears not escaped by a backslash (itself not escaped)."""
    return len(re.findall(r"(?<!\\)(?:\\\\)*" + re.escape(char), text))


@FUZZ
@given(batch=some_reports)
def test_markdown_keeps_every_value_inside_its_cell_and_no_html_from_the_data(batch):
    out = to_markdown(batch)
    assert raw_controls(out) == []
    lines = out.split("\n")
    assert not any(c in text for text in lines if text not in OUR_HTML for c in "<>")
    assert re.findall(r"&(?!lt;|gt;|amp;)", out) == []
    summary, *accounts = out.split("\n### Account")
    tables = [(summary, 3, len(batch) if len(batch) > 1 else 0)]
    tables += [(block, 5, len(r.findings)) for block, r in zip(accounts, batch)]
    for block, columns, expected in tables:
        rows = [t for t in block.split("\n") if t.startswith("| ") and not t.startswith(("| status ", "| account "))]
        assert len(rows) == expected  # a value's line break ends no row
        for row in rows:
            assert unescaped("|", row) == columns + 1, row  # no cell boundary from the data
            assert unescaped("`", row) % 2 == 0  # the only code spans are the check ids'
    headings = [t for t in lines if t.startswith("#")]
    assert len(headings) == 1 + len(batch)  # no heading from the data


# --- the rule, by example ---------------------------------------------------------------------------------

def test_each_kind_of_dangerous_character_is_shown_as_an_escape_on_a_terminal_line():
    shown = inert.line("a\x1b]0;preflight PASS\x07\x9b2J\r\n\t\x08\x7f\u202eb\u2066\u2028\ud800\ufffe")
    assert shown == "a\\x1b]0;preflight PASS\\x07\\x9b2J\\r\\n\\t\\x08\\x7f\\u202eb\\u2066\\u2028\\ud800\\ufffe"
    assert inert.line("cis-root-usage (é, 😀, \\x1b)") == "cis-root-usage (é, 😀, \\x1b)"  # printable text as it is


def test_display_text_keeps_its_lines_and_is_xml():
    assert inert.text("line one\n\tline two\r\x01\x1b") == "line one\n\tline two\\r\\x01\\x1b"


def test_json_data_escapes_lone_surrogates_only_and_writes_no_nan():
    data = inert.json_data({"f\ud800": ["\x1b[8m", float("nan"), datetime.date(2030, 1, 1)], 1: None})
    assert data == {"f\\ud800": ["\x1b[8m", "nan", "2030-01-01"], 1: None}


def test_markdown_escapes_html_cells_links_emphasis_and_code():
    assert inert.markdown("<!-- a|b `c` *d* _e_ [f](g) ~~h~~ $i$ & \\") == (
        "&lt;!-- a\\|b \\`c\\` \\*d\\* \\_e\\_ \\[f\\](g) \\~\\~h\\~\\~ \\$i\\$ &amp; \\\\")


def test_preflights_own_colours_still_colour_the_table():
    meta = CATALOGUE[0]
    failing = Finding(meta, Status.FAIL, "\x1b[32mPASS\x1b[0m", {}, 0.1)
    out = to_table([Report(Verdict.FAIL, Mode.ENFORCE, "us-east-1", "123456789012", (failing,), 0.1, (failing,),
                           ("us-east-1",))], colour=True)
    assert "\x1b[31mFAIL\x1b[0m" in out and "\\x1b[32mPASS\\x1b[0m" in out
    assert SGR_OURS.findall(out) == ["\x1b[31m", "\x1b[0m"]
