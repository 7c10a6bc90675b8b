"""Renders the reports of one CLI run (one per audited account) for people and for machines:
table (a terminal), json, junit (CI systems), sarif (code-scanning UIs), markdown (pull-request comments),
asff (AWS Security Hub). Every renderer takes the same tuple of reports."""
from __future__ import annotations

import enum
import json
import xml.etree.ElementTree as ET
from typing import Callable, Sequence

from preflight.reporting import asff
from preflight import inert
from preflight.model import Finding, Report, Status, Verdict
from preflight.reporting.document import report_to_dict
from preflight.reporting.table import render_table
from preflight.text import headline

REPORT_SCHEMA_ID = "https://preflight.dev/schemas/report-1.json"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


class Format(str, enum.Enum):
    TABLE = "table"
    JSON = "json"
    JUNIT = "junit"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    ASFF = "asff"


def overall(reports: Sequence[Report]) -> Verdict:
    """FAIL when any account fails; else NOT_AUDITED when any account was not read; else PASS."""
    verdicts = {r.verdict for r in reports}
    for verdict in (Verdict.FAIL, Verdict.NOT_AUDITED):
        if verdict in verdicts:
            return verdict
    return Verdict.PASS


def not_audited(reports: Sequence[Report]) -> list[Report]:
    return [r for r in reports if r.verdict is Verdict.NOT_AUDITED]


def _where(finding: Finding, report: Report) -> str:
    return f"{report.account_id}/{finding.region or report.region}"


def to_json(reports: Sequence[Report]) -> str:
    return json.dumps(inert.json_data({"$schema": REPORT_SCHEMA_ID, "verdict": overall(reports).value,
                                       "reports": [report_to_dict(r) for r in reports]}), indent=2) + "\n"


def to_table(reports: Sequence[Report], colour: bool = False) -> str:
    blocks = []
    for report in reports:
        title = inert.line(f"Account {report.account_id or 'unknown'}")
        blocks.append(f"{title}\n{'-' * len(title)}\n{render_table(report, colour=colour)}")
    if len(reports) > 1:
        missed = len(not_audited(reports))
        blocks.append(f"Overall verdict: {overall(reports).value} ({len(reports)} accounts"
                      + (f"; {missed} not audited" if missed else "") + ")")
    return "\n\n".join(blocks) + "\n"


def to_junit(reports: Sequence[Report]) -> str:
    """One testsuite per account, one testcase per check and region; FAIL is a failure, ERROR and TIMEOUT
    are errors, NOT_APPLICABLE and EXEMPT are skipped."""
    suites = ET.Element("testsuites", name="preflight")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for report in reports:
        suite = ET.SubElement(suites, "testsuite", name=f"preflight {report.account_id}",
                              hostname=report.region, time=f"{report.duration_s:.3f}")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for finding in report.findings:
            counts["tests"] += 1
            name = finding.check.id + (f" [{finding.region}]" if finding.region else "")
            case = ET.SubElement(suite, "testcase", classname=f"preflight.{report.account_id}", name=name,
                                 time=f"{finding.duration_s:.3f}")
            detail = f"{finding.message}\n\nHow to fix: {finding.check.remediation}\n{finding.check.remediation_url}"
            if finding.status is Status.FAIL:
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=finding.message,
                              type=finding.effective_severity.value).text = detail
            elif finding.status.is_problem:
                counts["errors"] += 1
                ET.SubElement(case, "error", message=finding.message,
                              type=finding.error_code or finding.status.value).text = finding.message
            elif finding.status in (Status.NOT_APPLICABLE, Status.EXEMPT):
                counts["skipped"] += 1
                note = finding.exemption.text if finding.exemption else finding.message
                ET.SubElement(case, "skipped", message=f"{finding.status.value}: {note}")
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    _inert_tree(suites)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _inert_tree(root: ET.Element) -> None:
    """Every attribute and text in the tree as XML 1.0 can carry it (ElementTree writes any character)."""
    for element in root.iter():
        element.attrib.update({key: inert.text(value) for key, value in element.attrib.items()})
        if element.text:
            element.text = inert.text(element.text)


SARIF_LEVEL = {Status.FAIL: "error", Status.ERROR: "warning", Status.TIMEOUT: "warning", Status.NOT_AUDITED: "warning"}
SARIF_KIND = {Status.PASS: "pass", Status.NOT_APPLICABLE: "notApplicable", Status.EXEMPT: "review"}


def to_sarif(reports: Sequence[Report]) -> str:
    rules: dict[str, dict] = {}
    results = []
    for report in reports:
        for finding in report.findings:
            meta = finding.check
            rules.setdefault(meta.id, {
                "id": meta.id, "name": meta.id, "shortDescription": {"text": meta.title},
                "fullDescription": {"text": meta.remediation}, "helpUri": meta.remediation_url,
                "help": {"text": meta.remediation},
                "properties": {"severity": meta.severity.value, "cis-aws-v3": meta.controls.cis_aws_v3,
                               "cis-aws-v5": meta.controls.cis_aws_v5,
                               "security-hub": meta.controls.security_hub},
            })
            result = {
                "ruleId": meta.id,
                "kind": SARIF_KIND.get(finding.status, "fail"),
                "message": {"text": finding.message},
                "locations": [{"logicalLocations": [{"name": _where(finding, report), "kind": "resource",
                                                     "fullyQualifiedName": f"aws:{_where(finding, report)}"}]}],
                "properties": {"status": finding.status.value, "account": report.account_id,
                               "region": finding.region or report.region},
            }
            if result["kind"] == "fail":
                result["level"] = SARIF_LEVEL[finding.status]
            else:
                result["level"] = "none"
            results.append(result)
    run = {"tool": {"driver": {"name": "preflight", "informationUri": "https://github.com/preflight/preflight",
                               "rules": list(rules.values())}},
           "results": results}
    # SARIF's text is shown by other tools (code-scanning pages, editors): escaped like JUnit's
    return json.dumps(inert.json_data({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, inert.text),
                      indent=2) + "\n"


def to_markdown(reports: Sequence[Report]) -> str:
    """Check ids (the catalogue's) go in code spans as they are; every other value through inert.markdown."""
    md = inert.markdown
    lines = [f"## preflight: {overall(reports).value}", ""]
    if len(reports) > 1:  # several accounts: the summary first
        lines += ["| account | verdict | failing checks |", "|---|---|---|"]
        lines += [f"| {md(r.account_id)} | {md(headline(r))} | "
                  f"{', '.join(dict.fromkeys(f'`{f.check.id}`' for f in r.blocking)) or '-'} |" for r in reports]
        missed = not_audited(reports)
        if missed:
            lines += ["", f"**{len(missed)} of {len(reports)} accounts were not audited** (NOT_AUDITED): "
                          "nothing was read in them, so they are neither passing nor failing."]
        lines.append("")
    for report in reports:
        lines += [f"### Account {md(report.account_id)} — {md(headline(report))}", "",
                  f"Regions: {md(', '.join(report.regions) or report.region)}; baseline: {md(report.baseline)}", "",
                  "| status | severity | check | region | message |", "|---|---|---|---|---|"]
        for f in report.findings:
            lines.append(f"| {f.status.value} | {f.effective_severity.value} | `{f.check.id}` | {md(f.region or '-')} "
                         f"| {md(f.message)} |")
        to_fix = list({f.check.id: f for f in report.failures}.values())
        if to_fix:
            lines += ["", "<details><summary>How to fix</summary>", ""]
            lines += [f"- **{md(f.check.id)}** — {md(f.check.remediation)} ([docs]({f.check.remediation_url}))"
                      for f in to_fix]
            lines += ["", "</details>"]
        lines.append("")
    return "\n".join(lines)


def to_asff(reports: Sequence[Report]) -> str:
    """The findings the Security Hub destination imports (asff.py): each check's finding, then one per failing
    resource it names. Nothing is resolved here: resolving a resource that no longer fails needs Security Hub
    to say which findings earlier audits left FAILED, and this has no Security Hub to ask."""
    return json.dumps([finding for report in reports for finding in asff.findings_for(report)], indent=2) + "\n"


RENDERERS: dict[Format, Callable[[Sequence[Report]], str]] = {
    Format.JSON: to_json, Format.JUNIT: to_junit, Format.SARIF: to_sarif, Format.MARKDOWN: to_markdown,
    Format.ASFF: to_asff, Format.TABLE: to_table,
}


def render(reports: Sequence[Report], fmt: Format, colour: bool = False) -> str:
    if fmt is Format.TABLE:
        return to_table(reports, colour)
    return RENDERERS[fmt](reports)
