"""The Security Hub destination: the report's ASFF findings (asff.py) imported in their own regions, in
batches of BatchImportFindings' 100; then the resource findings of resources that no longer fail resolved.

Resolution. A resource finding an earlier audit imported stays FAILED until something says otherwise, and a
resource that was fixed or deleted is simply no longer named. So for each check whose reading this audit is
complete (`asff.resolvable`: a PASS, or a FAIL whose listing finished and named every failing resource - never
an ERROR, TIMEOUT, NOT_AUDITED or NOT_APPLICABLE), Security Hub is asked for that check's ACTIVE, FAILED
findings of this product, account and region (GetFindings: ProductArn, GeneratorId `preflight/{check}` - up to
20 checks a call, the most values GetFindings takes per attribute -, AwsAccountId, Region, ComplianceStatus,
RecordState; 100 a page), and each resource finding among them whose resource the check does not name now is
imported again PASSED with Workflow RESOLVED, as a passing check finding is. A check that failed with more
failing resources than it names resolves nothing: its unnamed failures cannot be told from resolved ones.
Only findings with preflight's own ids are touched. The pages are asked for under the destination's deadline
(the audit's): when what is left would not cover the slowest page so far plus RESOLVE_MARGIN_S, the asking
stops, what was found is still resolved, and the Delivery says the rest was not looked at. When the asking
fails (a role granted before GetFindings was), this audit's findings are still imported and the Delivery,
not delivered, says resolving failed.

Security Hub API Reference: BatchImportFindings, GetFindings, AwsSecurityFindingFilters ("You can filter by up
to 10 finding attributes. For each attribute, you can provide up to 20 filter values"), StringFilter.
"""
from __future__ import annotations

from typing import Any, Iterator

from botocore.exceptions import BotoCoreError, ClientError

from preflight import inert
from preflight.aws.access import AwsAccess
from preflight.aws.errors import describe_error
from preflight.concurrency import Deadline
from preflight.model import Delivery, Finding, Report
from preflight.reporting import asff

BATCH = 100  # BatchImportFindings takes at most 100 findings per call
PAGE = 100  # GetFindings' largest MaxResults
FILTER_VALUES = 20  # GetFindings takes at most 20 values per filter attribute
RESOLVE_MARGIN_S = 0.5  # time kept back at the deadline, beyond the slowest GetFindings page so far


def _equals(*values: str) -> list[dict[str, str]]:
    return [{"Value": v, "Comparison": "EQUALS"} for v in values]


class _Import:
    """BatchImportFindings in batches, its answers counted."""

    def __init__(self) -> None:
        self.imported = self.refused = 0
        self.problems: list[str] = []

    def send(self, client: Any, findings: list[dict]) -> int:
        before = self.imported
        for start in range(0, len(findings), BATCH):
            answer = client.batch_import_findings(Findings=findings[start:start + BATCH])
            self.imported += answer.get("SuccessCount", 0)
            self.refused += answer.get("FailedCount", 0)
            self.problems += [f"{f.get('Id')}: {f.get('ErrorMessage')}" for f in answer.get("FailedFindings", [])]
        return self.imported - before


class _Asking:
    """GetFindings pages under the deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.slowest = 0.0
        self.cut_short = False

    def pages(self, client: Any, filters: dict) -> Iterator[list[dict]]:
        token: str | None = None
        while True:
            if self.deadline.remaining() <= self.slowest + RESOLVE_MARGIN_S:
                self.cut_short = True
                return
            started = self.deadline.clock()
            answer = client.get_findings(Filters=filters, MaxResults=PAGE, **({"NextToken": token} if token else {}))
            self.slowest = max(self.slowest, self.deadline.clock() - started)
            yield answer.get("Findings") or []
            token = answer.get("NextToken")
            if not token:
                return


def _stale(report: Report, region: str, checks: dict[str, Finding], client: Any, asking: _Asking) -> list[dict]:
    """The resolved resource findings of `checks` (resolvable, by id) in one region."""
    account = report.account_id
    failing = {check_id: {inert.text(r) for r in asff.failing_resources(f)} for check_id, f in checks.items()}
    by_generator = {asff.generator_id(check_id): check_id for check_id in checks}
    ids = list(by_generator)
    resolutions: list[dict] = []
    for start in range(0, len(ids), FILTER_VALUES):
        filters = {"ProductArn": _equals(asff.product_arn(account, region)),
                   "GeneratorId": _equals(*ids[start:start + FILTER_VALUES]), "AwsAccountId": _equals(account),
                   "Region": _equals(region), "ComplianceStatus": _equals("FAILED"), "RecordState": _equals("ACTIVE")}
        for page in asking.pages(client, filters):
            for held in page:
                check_id = by_generator.get(held.get("GeneratorId", ""))
                resource = (held.get("ProductFields") or {}).get(asff.RESOURCE_FIELD)
                if check_id is None or not isinstance(resource, str) or inert.text(resource) in failing[check_id]:
                    continue  # not ours, a check finding, or still failing
                if held.get("Id") != asff.resource_finding_id(account, region, check_id, resource):
                    continue  # not an id preflight gives
                resolutions.append(asff.resolved(checks[check_id], report, resource))
    return resolutions


def deliver(report: Report, aws: AwsAccess, deadline: Deadline) -> Delivery:
    by_region: dict[str, list[dict]] = {}
    for document in asff.findings_for(report):
        by_region.setdefault(document["Resources"][0]["Region"], []).append(document)
    resolvable: dict[str, dict[str, Finding]] = {}
    for finding in report.findings:
        if asff.resolvable(finding):
            resolvable.setdefault(finding.region or report.region, {})[finding.check.id] = finding
    sent, asking = _Import(), _Asking(deadline)
    for region, documents in by_region.items():  # a finding is imported in its own region
        sent.send(aws.client("securityhub", region), documents)
    imported, resolved = sent.imported, 0
    regions = len(set(by_region) | set(resolvable))
    try:
        for region, checks in resolvable.items():  # after the findings of this audit, with the time left
            client = aws.client("securityhub", region)
            resolved += sent.send(client, _stale(report, region, checks, client, asking))
    except (ClientError, BotoCoreError) as error:  # e.g. a role from before GetFindings was granted
        return Delivery("security_hub", False, f"{imported} findings imported, {resolved} resolved in {regions} "
                        f"region(s); resolving the rest failed: {describe_error(error)[1]}")
    if sent.refused:
        return Delivery("security_hub", False, f"{imported} findings imported, {resolved} resolved, {sent.refused} "
                        f"refused: {'; '.join(sent.problems[:3])}")
    unasked = "; the audit's deadline came before every earlier finding was looked at" if asking.cut_short else ""
    return Delivery("security_hub", True, f"{imported} findings imported, {resolved} resolved in {regions} "
                    f"region(s){unasked}")
