"""An audited account that names its metric filter or its trail's selector values with terminal escapes,
Markdown comments, table pipes and XML-forbidden characters, audited by real `preflight audit` processes
against moto's server: the auditor's terminal, CI system and pull request see the names, inert (issue 20)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from sim.account import TRAIL_LOG_GROUP, create_trail, put_metric_filter
from sim.moto_server import client_environment

from tests.support.paths import ROOT  # noqa: E402
# Erase the line, go to its start, retitle the window "preflight PASS", conceal what follows; then a Markdown
# comment, a table pipe and a character XML 1.0 forbids even as a reference.
HOSTILE = "x\x1b[2K\r\x1b]0;preflight PASS\x07\x1b[8m<!-- | \x01 PASS"
SHOWN = "x\\x1b[2K\\r\\x1b]0;preflight PASS\\x07\\x1b[8m"  # how a terminal line shows its start


def metric_filter_named_hostile() -> str:
    create_trail("audit", log_group=TRAIL_LOG_GROUP)
    put_metric_filter(HOSTILE, "{ $.eventName = NothingThatHappens }")
    return "cis-monitoring-root-usage"


def selector_value_hostile() -> str:
    create_trail("audit", advanced_event_selectors=[{"Name": "management", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}, {"Field": "eventSource", "NotEquals": [HOSTILE]}]}])
    return "cloudtrail-enabled"


@pytest.fixture(params=[metric_filter_named_hostile, selector_value_hostile], ids=["metric-filter", "selector"])
def hostile_account(request) -> str:
    """The check whose FAIL message quotes the hostile name."""
    return request.param()


def audit(moto_endpoint: str, check: str, fmt: str, *more: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **client_environment(moto_endpoint), "PYTHONPATH": str(ROOT)}
    completed = subprocess.run([sys.executable, "-m", "preflight", "audit", "--checks", check, "--format", fmt, *more],
                               capture_output=True, text=True, env=env, timeout=120)
    assert completed.returncode == 1, completed.stderr
    return completed


@pytest.mark.slow
def test_the_table_shows_the_name_escaped_and_the_verdict_intact(moto_endpoint, hostile_account):
    out = audit(moto_endpoint, hostile_account, "table").stdout
    assert SHOWN in " ".join(out.split())  # the message is wrapped to the terminal's width
    assert re.findall(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out) == []  # no ESC, BEL, CR or \x01 reached the terminal
    [verdict] = [line for line in out.splitlines() if line.startswith("Verdict: ")]
    assert verdict.startswith("Verdict: FAIL  (1 fail; ") and verdict.endswith("baseline built-in default (minimal))")


@pytest.mark.slow
def test_junit_is_well_formed_xml_showing_the_forbidden_character(moto_endpoint, hostile_account):
    suites = ET.fromstring(audit(moto_endpoint, hostile_account, "junit").stdout)
    [failure] = suites.iter("failure")
    assert "\\x01 PASS" in failure.get("message") and "\\x1b]0;preflight PASS\\x07" in failure.get("message")
    assert suites.get("failures") == "1"


@pytest.mark.slow
def test_markdown_has_no_comment_to_hide_behind_and_no_extra_cell(moto_endpoint, hostile_account):
    out = audit(moto_endpoint, hostile_account, "markdown").stdout
    assert "<!--" not in out and "&lt;!-- \\| \\\\x01 PASS" in out
    [row] = [line for line in out.splitlines() if line.startswith("| FAIL |")]
    assert len(re.findall(r"(?<!\\)(?:\\\\)*\|", row)) == 6  # five cells, the pipe from the data escaped
    assert "How to fix" in out.split(row)[1]  # what follows the row is still there


def alarm_named_hostile_notifying_a_topic_that_is_gone() -> None:
    """A CIS filter whose alarm (named HOSTILE) notifies a deleted topic: the check raises, and its log line
    quotes the alarm's name."""
    from sim.account import CIS_PATTERNS, client

    create_trail("audit", log_group=TRAIL_LOG_GROUP)
    put_metric_filter("cis-root-usage", CIS_PATTERNS["root-usage"])
    client("cloudwatch").put_metric_alarm(
        AlarmName=HOSTILE, MetricName="cis-root-usage", Namespace="n", Statistic="Sum", Period=300,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=["arn:aws:sns:us-east-1:123456789012:gone"])


@pytest.mark.slow
@pytest.mark.parametrize("accounts", [[], ["--account", "123456789012"]], ids=["this-account", "sweep"])
def test_a_log_line_quoting_aws_is_one_inert_line_on_standard_error(moto_endpoint, accounts):
    alarm_named_hostile_notifying_a_topic_that_is_gone()
    err = audit(moto_endpoint, "cis-monitoring-root-usage", "table", *accounts).stderr
    assert "raised NotFound" in err and "\\x1b]0;preflight PASS\\x07\\x1b[8m" in err  # (moto turns \r into a space)
    assert re.findall(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", err) == [] and err.count("\n") == 1
