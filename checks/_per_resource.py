"""Helper for per-resource checks (not a check): one listing per region at the largest page size, judged as it
arrives, under the audit's deadline, keeping only what fails.

    listing = Listing(ctx, "security groups")
    for group in listing.items("ec2", "describe_security_groups", "SecurityGroups"):
        listing.judged()
        if why := breach(group):
            listing.fail(group["SecurityGroupArn"], why, group.get("Tags"))
    return listing.result(passed_message=...)

- Pages: `MaxResults=PAGE_SIZE` (1,000, the most the EC2 Describe* calls accept); before asking for the next
  page the listing looks at the audit's deadline (`ctx.deadline`) and stops when what is left would not cover
  the slowest page so far plus `DEADLINE_MARGIN_S` - so the check answers in words before the runner gives up on
  it. A listing cut short is never a PASS: `result()` is TIMEOUT, "judged N of M security groups" (M is what
  was listed; "M+" when pages were left unlisted), unless a violation was already found: that is a FAIL
  whatever is left unjudged.
- Other services page differently (RDS MaxRecords / Marker, EFS MaxItems / NextMarker, KMS Limit / NextMarker):
  `pages(..., paging=(size parameter, size, token parameter, token in the answer))`. Per-item calls (a KMS
  key's DescribeKey) go through `call()`, which looks at the deadline the same way.
- Failing resources are named by ARN: the first `IN_MESSAGE` in the message, up to `MAX_NAMED` in the evidence
  and in `Result.resources` (what resource exemptions match). When more fail, `resources` ends with a
  "(and N more not named)" entry, which no ARN pattern matches, so an exemption naming the listed ARNs cannot
  exempt failures it never saw (fail closed). Memory grows with what is kept, not with what is listed.
- The tags the listing returned for each named failing resource go into the evidence as
  `resource_tags: {arn: {key: value}}`. Listings that return no tags (IAM's ListPolicies, KMS's
  ListKeys) read them per named failing resource with `read_tags` (one call each, at most MAX_NAMED).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from botocore.exceptions import ClientError

from preflight.context import CheckContext
from preflight.model import Result, Status, failed, not_applicable, passed

PAGE_SIZE = 1000  # MaxResults: DescribeSecurityGroups, DescribeNetworkAcls, DescribeVpcs, DescribeFlowLogs, DescribeInstances
MAX_NAMED = 100  # failing resources named in the evidence and in Result.resources
IN_MESSAGE = 3  # failing resources named in the message
DEADLINE_MARGIN_S = 0.25  # time kept back at the deadline, beyond the slowest page so far

# How a listing pages: (page-size parameter, page size, token parameter, token in the answer). EC2's is the
# default; RDS: ("MaxRecords", 100, "Marker", "Marker"), EFS: ("MaxItems", 100, "Marker", "NextMarker").
Paging = tuple[str, int, str, str]


def partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def arn(ctx: CheckContext, kind: str, resource_id: str, owner: str | None = None) -> str:
    """arn:PARTITION:ec2:REGION:ACCOUNT:KIND/ID, for listings whose items do not carry their ARN. `owner`: the
    item's OwnerId (no call to learn the account id then)."""
    return f"arn:{partition(ctx.region)}:ec2:{ctx.region}:{owner or ctx.account_id}:{kind}/{resource_id}"


def tags_of(item: dict) -> dict[str, str]:
    return {t.get("Key", ""): t.get("Value", "") for t in item.get("Tags") or ()}


def read_tags(listing: "Listing", call: Callable[..., dict], **params: Any) -> dict[str, str] | None:
    """The tags of a failing resource whose listing did not return them, by one call (IAM ListPolicyTags,
    KMS ListResourceTags: one page holds the 50 tags a resource can have), timed as a per-item
    call and made only while the resource is to be named (MAX_NAMED). Key / Value (IAM) and TagKey / TagValue
    (KMS) alike. None when the call is refused: the resource's tags are unknown, so no tag exemption covers it
    and the FAIL stands (fail closed); the error code goes into the evidence as `tags_unreadable`."""
    if listing.failing_count >= MAX_NAMED:
        return None
    try:
        answer = listing.timed(call, **params)
    except ClientError as error:
        listing.tags_unreadable = error.response.get("Error", {}).get("Code", "ClientError")
        return None
    return {t.get("Key", t.get("TagKey", "")): t.get("Value", t.get("TagValue", "")) for t in answer.get("Tags") or ()}


class Listing:
    """One per-resource judgement: pages listed under the deadline, counts, and the failures kept (bounded)."""

    def __init__(self, ctx: CheckContext, noun: str, where: str | None = None):
        self.ctx = ctx
        self.noun = noun  # plural: "security groups"
        self.where = f" in {ctx.region}" if where is None else where  # appended to messages ("" for IAM, global)
        self._last_page_truncated = False
        self._slowest_item_s = 0.0
        self.listed = 0
        self.judged_count = 0
        self.cut_short = False  # the deadline came before the listing (or the judging) was done
        self.more_unlisted = False  # pages were left unlisted
        self.failing: list[dict[str, str]] = []  # [{"arn", "why"}], at most MAX_NAMED
        self.resource_tags: dict[str, dict[str, str]] = {}
        self.failing_count = 0
        self.total: int | None = None  # when the number to judge is known up front (e.g. VPCs)
        self._slowest_call = 0.0
        self.more_pages = False
        self.tags_unreadable: str | None = None  # the error code when a failing resource's tags could not be read

    def _time_left_for(self, slowest_page_s: float) -> bool:
        deadline = self.ctx.deadline
        return deadline is None or deadline.remaining() > slowest_page_s + DEADLINE_MARGIN_S

    def pages(self, service: str, operation: str, key: str, *, paging: Paging | None = None,
              **params: Any) -> Iterator[list[dict]]:
        """Each page's items; stops (setting cut_short) when the deadline leaves no time for another page.
        `paging`: how the operation names its page size and tokens (default EC2's MaxResults / NextToken)."""
        size_param, size, token_in, token_out = paging or ("MaxResults", PAGE_SIZE, "NextToken", "NextToken")
        client = self.ctx.client(service)
        clock = self.ctx.deadline.clock if self.ctx.deadline else None
        slowest = 0.0
        token: str | None = None
        while True:
            if not self._time_left_for(slowest):
                self.cut_short = self.more_unlisted = True
                return
            started = clock() if clock else 0.0
            page = getattr(client, operation)(**{size_param: size}, **params, **({token_in: token} if token else {}))
            if clock:
                slowest = max(slowest, clock() - started)
            items = page.get(key) or []
            token = page.get(token_out)
            self.more_pages = bool(token)  # for a caller that stops mid-page: were pages left?
            yield items
            if not token:
                return

    def call(self, service: str, operation: str, **params: Any) -> dict | None:
        """One per-item call (e.g. a key's rotation status) if the deadline leaves time for the slowest such
        call so far; None (setting cut_short) when it does not."""
        if not self._time_left_for(self._slowest_call):
            self.cut_short = True
            return None
        clock = self.ctx.deadline.clock if self.ctx.deadline else None
        started = clock() if clock else 0.0
        answer = getattr(self.ctx.client(service), operation)(**params)
        if clock:
            self._slowest_call = max(self._slowest_call, clock() - started)
        return answer

    def items(self, service: str, operation: str, key: str, **params: Any) -> Iterator[dict]:
        for page in self.pages(service, operation, key, **params):
            self.listed += len(page)
            yield from page

    def marker_pages(self, service: str, operation: str, key: str, **params: Any) -> Iterator[list[dict]]:
        """`pages` for the APIs that page by MaxItems / Marker / IsTruncated (IAM: at most 1,000 items a page)."""
        client = self.ctx.client(service)
        clock = self.ctx.deadline.clock if self.ctx.deadline else None
        slowest = 0.0
        marker: str | None = None
        while True:
            if not self._time_left_for(slowest):
                self.cut_short = self.more_unlisted = True
                return
            started = clock() if clock else 0.0
            page = getattr(client, operation)(MaxItems=PAGE_SIZE, **params, **({"Marker": marker} if marker else {}))
            if clock:
                slowest = max(slowest, clock() - started)
            self._last_page_truncated = bool(page.get("IsTruncated") and page.get("Marker"))
            yield page.get(key) or []
            if not self._last_page_truncated:
                return
            marker = page["Marker"]

    def marker_items(self, service: str, operation: str, key: str, **params: Any) -> Iterator[dict]:
        for page in self.marker_pages(service, operation, key, **params):
            self.listed += len(page)
            yield from page

    def time_for_another(self) -> bool:
        """Before a per-item call: whether the deadline leaves time for one more, as slow as the slowest so far
        (`timed` measures them). When it does not, the listing is cut short (pages left unlisted if the last page
        said more were coming)."""
        if self._time_left_for(self._slowest_item_s):
            return True
        self.cut_short = True
        self.more_unlisted = self.more_unlisted or self._last_page_truncated
        return False

    def timed(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        """call(*args, **kwargs), its duration noted for `time_for_another`."""
        clock = self.ctx.deadline.clock if self.ctx.deadline else None
        started = clock() if clock else 0.0
        try:
            return call(*args, **kwargs)
        finally:
            if clock:
                self._slowest_item_s = max(self._slowest_item_s, clock() - started)

    def judged(self, count: int = 1) -> None:
        self.judged_count += count

    def fail(self, resource_arn: str, why: str, tags: Iterable[dict] | dict | None = None) -> None:
        self.failing_count += 1
        if len(self.failing) < MAX_NAMED:
            self.failing.append({"arn": resource_arn, "why": why})
            self.resource_tags[resource_arn] = dict(tags) if isinstance(tags, dict) else tags_of({"Tags": tags})

    @property
    def progress(self) -> str:
        total = self.total if self.total is not None else self.listed
        more = "+" if self.more_unlisted and self.total is None else ""
        return f"judged {self.judged_count:,} of {total:,}{more} {self.noun}"

    def evidence(self) -> dict[str, Any]:
        evidence: dict[str, Any] = {"judged": self.judged_count, "listed": self.listed, "complete": not self.cut_short}
        if self.total is not None:
            evidence["total"] = self.total
        if self.failing_count:
            evidence.update(failing=self.failing, failing_count=self.failing_count,
                            not_named=self.failing_count - len(self.failing), resource_tags=self.resource_tags)
        if self.tags_unreadable:
            evidence["tags_unreadable"] = self.tags_unreadable
        return evidence

    def resources(self) -> tuple[str, ...]:
        named = tuple(f["arn"] for f in self.failing)
        rest = self.failing_count - len(named)
        return named + ((f"(and {rest:,} more not named)",) if rest else ())

    def result(self, *, passed_message: str, failing_message: str, not_applicable_message: str | None = None,
               where: str | None = None, **evidence: Any) -> Result:
        """FAIL if anything failed (whatever is left unjudged); else TIMEOUT if cut short; else NOT_APPLICABLE
        when there was nothing to judge and the check says so; else PASS. Messages get `where` appended (default:
        the region; account-wide resources such as S3 buckets say so instead)."""
        evidence = {**self.evidence(), **evidence}
        where = self.where if where is None else where  # the listing's, unless this result says otherwise
        if self.failing_count:
            named = ", ".join(f"{f['arn']} ({f['why']})" for f in self.failing[:IN_MESSAGE])
            more = self.failing_count - min(IN_MESSAGE, len(self.failing))
            unjudged = f"; the audit's deadline came first, {self.progress}" if self.cut_short else ""
            return failed(f"{self.failing_count:,} of {self.judged_count:,} {self.noun} {failing_message}{where}: {named}"
                          f"{f' and {more:,} more' if more else ''}{unjudged}.",
                          resources=self.resources(), **evidence)
        if self.cut_short:
            return Result(Status.TIMEOUT, f"The audit's deadline came first: {self.progress}{where}"
                          f"{' (the listing was not finished)' if self.more_unlisted else ''}; none of those fails, "
                          "but the rest are unjudged, so this is not a PASS.", evidence)
        if not self.judged_count and not_applicable_message:
            return not_applicable(f"{not_applicable_message}{where}.", **evidence)
        return passed(f"{passed_message.format(count=f'{self.judged_count:,}')}{where}.", **evidence)
