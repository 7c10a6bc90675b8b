"""Per-bucket S3 checks: CIS 2.1.1 (S3.5, TLS only), 2.1.4's bucket path (S3.8), S3.2 / S3.3 (no public read or
write) and CIS v5.0.0 2.1.2 (S3.20, MFA delete).

Buckets are global: ListBuckets answers every bucket of the account whatever the region it is asked in, so these
checks are ACCOUNT scope - judged once per audit, not once per audited region (a REGIONAL check would list the same
buckets in every region, or judge only some of them). The listing is made once per audit (MaxBuckets 1,000 a
page, ContinuationToken) and shared by the five checks through the audit's memo; each bucket's region comes with
it (ListBuckets' BucketRegion), so no GetBucketLocation is needed and each per-bucket call goes to a client in the
bucket's own region. Every per-bucket answer (GetBucketPolicy, GetPublicAccessBlock, ...) is remembered too, so
two checks needing the same answer make one call. Per-bucket calls go CHUNK at a time, with the audit's deadline
looked at before each chunk: cut short, the check is TIMEOUT "judged N of M buckets" (or FAIL when a bucket
already failed). Failing buckets are named by ARN (arn:aws:s3:::NAME) with their tags (GetBucketTagging, for the
named failing buckets only), which exemptions by ARN and by tag match.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from botocore.exceptions import ClientError

from checks._per_resource import DEADLINE_MARGIN_S, MAX_NAMED, Listing
from checks.s3_account_public_access_block import SETTINGS, account_block
from preflight.concurrency import fan_out
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Parameter, Result, Scope, Severity, Stricter, passed
from preflight.registry import check, docstring

PAGE_SIZE = 1000  # ListBuckets MaxBuckets (1 to 10,000)
CHUNK = 8  # per-bucket calls in flight at once: below a client's 10 pooled connections
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
# ACL permissions that grant reading the bucket's objects (or listing them), and writing them or the ACL itself.
ACL_PERMISSIONS = {"read": ("READ", "FULL_CONTROL"), "write": ("WRITE", "WRITE_ACP", "FULL_CONTROL")}
# Actions a wildcard action pattern is tried against: matching one of them makes the pattern grant read / write.
SAMPLE_ACTIONS = {
    "read": ("s3:getobject", "s3:getobjectversion", "s3:listbucket", "s3:listbucketversions"),
    "write": ("s3:putobject", "s3:deleteobject", "s3:deleteobjectversion", "s3:putobjectacl", "s3:putbucketacl",
              "s3:putbucketpolicy", "s3:deletebucketpolicy", "s3:deletebucket", "s3:restoreobject",
              "s3:abortmultipartupload", "s3:putlifecycleconfiguration", "s3:replicateobject"),
}


@dataclass(frozen=True)
class Bucket:
    name: str
    region: str | None  # ListBuckets' BucketRegion; None: ask in the audit's region (botocore follows S3's redirect)
    partition: str = "aws"

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.name}"


@dataclass(frozen=True)
class Buckets:
    """The account's buckets, listed once per audit under its deadline."""

    buckets: tuple[Bucket, ...]
    cut_short: bool
    more_unlisted: bool


def _partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def _time_left(ctx: CheckContext, slowest_s: float) -> bool:
    return ctx.deadline is None or ctx.deadline.remaining() > slowest_s + DEADLINE_MARGIN_S


def _timed(ctx: CheckContext) -> Callable[[], float]:
    return ctx.deadline.clock if ctx.deadline else (lambda: 0.0)


def list_buckets(ctx: CheckContext) -> Buckets:
    client, clock, partition = ctx.client("s3"), _timed(ctx), _partition(ctx.region)
    found: list[Bucket] = []
    token: str | None = None
    slowest = 0.0
    while True:
        if not _time_left(ctx, slowest):
            return Buckets(tuple(found), True, True)
        started = clock()
        page = client.list_buckets(MaxBuckets=PAGE_SIZE, **({"ContinuationToken": token} if token else {}))
        slowest = max(slowest, clock() - started)
        found += [Bucket(b["Name"], b.get("BucketRegion") or None, partition) for b in page.get("Buckets") or ()]
        token = page.get("ContinuationToken")
        if not token:
            return Buckets(tuple(found), False, False)


def bucket_call(ctx: CheckContext, bucket: Bucket, operation: str, *, missing: str | None = None) -> dict | None:
    """One per-bucket S3 call, once per audit; None when AWS answers the `missing` error code (nothing configured)."""
    def fetch() -> dict | None:
        try:
            return getattr(ctx.client("s3", bucket.region), operation)(Bucket=bucket.name)
        except ClientError as error:
            if missing and error.response.get("Error", {}).get("Code") == missing:
                return None
            raise
    return ctx.remember(("s3-bucket", bucket.name, operation), fetch)


def bucket_tags(ctx: CheckContext, bucket: Bucket) -> dict[str, str]:
    """A failing bucket's tags; none when it has no tag set, or when they cannot be read (then no tag exemption
    covers it: fail closed)."""
    try:
        answer = bucket_call(ctx, bucket, "get_bucket_tagging", missing="NoSuchTagSet")
    except ClientError:
        return {}
    return {t.get("Key", ""): t.get("Value", "") for t in (answer or {}).get("TagSet") or ()}


def judge_buckets(ctx: CheckContext, verdict: Callable[[Bucket], str | None], *, passed_message: str,
                  failing_message: str, **evidence: Any) -> Result:
    """`verdict` (why a bucket fails, or None) over every bucket, CHUNK at a time under the deadline."""
    buckets = ctx.remember(("s3-buckets", ctx.account_id), lambda: list_buckets(ctx))
    listing = Listing(ctx, "buckets")
    listing.listed, listing.cut_short, listing.more_unlisted = (len(buckets.buckets), buckets.cut_short,
                                                                buckets.more_unlisted)
    clock, slowest = _timed(ctx), 0.0
    for start in range(0, len(buckets.buckets), CHUNK):
        if not _time_left(ctx, slowest):
            listing.cut_short = True
            break
        chunk = buckets.buckets[start:start + CHUNK]
        started = clock()
        whys = fan_out(verdict, chunk)
        failing = [(bucket, why) for bucket, why in zip(chunk, whys) if why]
        room = max(0, MAX_NAMED - listing.failing_count)
        tags = fan_out(lambda bucket: bucket_tags(ctx, bucket), [bucket for bucket, _ in failing[:room]])
        slowest = max(slowest, clock() - started)
        listing.judged(len(chunk))
        for (bucket, why), bucket_tag_set in zip(failing, [*tags, *([{}] * (len(failing) - len(tags)))]):
            listing.fail(bucket.arn, why, bucket_tag_set)
    return listing.result(passed_message=passed_message, failing_message=failing_message,
                          not_applicable_message="The account has no S3 buckets", where=" (all regions)", **evidence)


# --- policies, read as untrusted JSON -----------------------------------------------------------------------

def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: * any run of characters, ? one character; nothing else is special."""
    flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags) is not None


def statements(policy_text: str | None) -> list[dict] | None:
    """The policy's statements (dicts only), or None when the text is not a JSON policy document."""
    try:
        document = json.loads(policy_text or "")
    except (ValueError, TypeError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    return [s for s in _listed(document.get("Statement") or []) if isinstance(s, dict)]


def _everyone(principal: Any) -> bool:
    """Principal "*" or {"AWS": "*"} (also in a list): the statement applies to every principal."""
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _listed(principal.get("AWS"))


def _secure_transport_false(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for operator, keys in condition.items():
        if operator != "Bool" or not isinstance(keys, dict):
            continue
        for key, value in keys.items():
            if str(key).lower() == "aws:securetransport" and [str(v).lower() for v in _listed(value)] == ["false"]:
                return True
    return False


def _denies_old_tls_only(condition: Any) -> bool:
    """A condition that is only {"NumericLessThan": {"s3:TlsVersion": V}}, V one number. Any other operator or key
    beside it narrows the Deny - {"Bool": {"aws:SecureTransport": "true"}} with it is AWS's own example of a
    policy that lets plain HTTP through - so it is not the CIS v5.0.0 form."""
    if not isinstance(condition, dict) or list(condition) != ["NumericLessThan"]:
        return False
    keys = condition["NumericLessThan"]
    if not isinstance(keys, dict) or [str(k).lower() for k in keys] != ["s3:tlsversion"]:
        return False
    values = _listed(next(iter(keys.values())))
    if len(values) != 1 or isinstance(values[0], bool):
        return False
    try:
        float(values[0])
    except (TypeError, ValueError):
        return False
    return True


def denies_http(statement: dict, bucket: Bucket, *, accept_tls_version: bool = False) -> bool:
    """A Deny of s3:* (or *) to every principal, on the bucket and its objects, when aws:SecureTransport is false
    - or, with `accept_tls_version`, when s3:TlsVersion is below a version (CIS v5.0.0 2.1.1's second form)."""
    if statement.get("Effect") != "Deny" or not _everyone(statement.get("Principal")):
        return False
    if not any(str(a).lower() in ("s3:*", "*") for a in _listed(statement.get("Action"))):
        return False
    resources = [str(r) for r in _listed(statement.get("Resource"))]
    covers = (lambda target: any(_wildcard(r, target) for r in resources))
    if not (covers(bucket.arn) and covers(f"{bucket.arn}/*")):
        return False
    condition = statement.get("Condition")
    return _secure_transport_false(condition) or (accept_tls_version and _denies_old_tls_only(condition))


def _grants(action: Any, kind: str) -> bool:
    text = str(action).lower()
    if "*" in text or "?" in text:
        return any(_wildcard(text, sample) for sample in SAMPLE_ACTIONS[kind])
    read = text.startswith(("s3:get", "s3:list"))
    return read if kind == "read" else text.startswith("s3:") and not read


def public_grants(policy_text: str | None) -> set[str]:
    """What a policy S3 reports public (GetBucketPolicyStatus IsPublic) grants the public: "read", "write" or
    both. The statements read: Allow to a principal with a wildcard (or NotPrincipal); their actions classified
    (Get*/List* read, other s3: actions write; NotAction both). When no statement explains the verdict (or the text
    is not JSON), both: S3 said the policy is public, and what it grants cannot be told."""
    found: set[str] = set()
    for statement in statements(policy_text) or ():
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if "NotPrincipal" not in statement and "*" not in json.dumps(principal):
            continue
        if "NotAction" in statement:
            return {"read", "write"}
        found |= {kind for kind in ("read", "write") if any(_grants(a, kind) for a in _listed(statement.get("Action")))}
    return found or {"read", "write"}


# --- s3-bucket-ssl-requests-only ------------------------------------------------------------------------------

@check(CheckMeta(
    id="s3-bucket-ssl-requests-only",
    title="Every S3 bucket's policy denies requests that do not use TLS (aws:SecureTransport false)",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="2.1.1", security_hub="S3.5", cis_aws_v5="2.1.1"),
    remediation="Add to each listed bucket's policy a statement {\"Effect\": \"Deny\", \"Principal\": \"*\", "
                "\"Action\": \"s3:*\", \"Resource\": [\"arn:aws:s3:::BUCKET\", \"arn:aws:s3:::BUCKET/*\"], "
                "\"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"false\"}}} (aws s3api put-bucket-policy)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-5",
    iam_actions=("s3:ListAllMyBuckets", "s3:GetBucketPolicy", "s3:GetBucketTagging"),
    scope=Scope.ACCOUNT,
    parameters=(
        Parameter("accept_tls_version_deny", bool, False, "A Deny of s3:* to everyone on the bucket and its objects "
                  "when s3:TlsVersion is NumericLessThan a version (and no other condition) also passes - CIS "
                  "v5.0.0 2.1.1's second form; Security Hub S3.5 and v3.0.0 key on aws:SecureTransport only. The "
                  "cis-aws-foundations-v5 baseline sets it.", Stricter.FALSE),
    ),
))
def s3_bucket_ssl_requests_only(ctx: CheckContext) -> Result:
    """PASS when every bucket's policy (GetBucketPolicy, read as untrusted JSON) has a statement with Effect Deny,
    Principal "*" (or {"AWS": "*"}), Action s3:* (or *), a Resource covering both the bucket (arn:aws:s3:::NAME)
    and its objects (arn:aws:s3:::NAME/*), and Condition {"Bool": {"aws:SecureTransport": "false"}} - the CIS
    2.1.1 audit and the AWS Config rule s3-bucket-ssl-requests-only behind Security Hub S3.5. FAIL when a bucket
    has no policy (NoSuchBucketPolicy), a policy that is not JSON, or no such statement (each failing bucket named
    by ARN, with its tags). NOT_APPLICABLE when the account has no bucket; TIMEOUT ("judged N of M buckets") when
    the audit's deadline comes first with nothing failing; ERROR when a call is refused. Account-wide: every
    bucket, whatever its region. With `accept_tls_version_deny` (CIS v5.0.0 2.1.1, "Enforce TLS version"), the
    same Deny with only {"NumericLessThan": {"s3:TlsVersion": V}} as its condition also passes:
    AWS's Knowledge Center calls that policy one that "enforces HTTPS", and shows that adding
    {"Bool": {"aws:SecureTransport": "true"}} to it is what lets HTTP through - so a TLS-version Deny with any
    other condition beside it is not accepted. Off by default: the Config rule and S3.5 ask for aws:SecureTransport.

    Source: AWS Config rule s3-bucket-ssl-requests-only
    (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-ssl-requests-only.html); Security Hub S3.5
    (https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-5); CIS 2.1.1 (v3.0.0 and v5.0.0);
    AWS Knowledge Center, "How can I enforce TLS 1.2 or later for my Amazon S3 buckets?"
    (https://repost.aws/knowledge-center/s3-enforce-modern-tls).
    """
    accept_tls_version = bool(ctx.param("accept_tls_version_deny"))

    def verdict(bucket: Bucket) -> str | None:
        answer = bucket_call(ctx, bucket, "get_bucket_policy", missing="NoSuchBucketPolicy")
        if answer is None:
            return "no bucket policy"
        found = statements(answer.get("Policy"))
        if found is None:
            return "its bucket policy is not a JSON policy document"
        if not any(denies_http(s, bucket, accept_tls_version=accept_tls_version) for s in found):
            tls = " or an old TLS version" if accept_tls_version else ""
            return f"its policy does not deny requests with aws:SecureTransport false{tls}"
        return None

    return judge_buckets(ctx, verdict, passed_message="All {count} buckets deny requests without TLS",
                         failing_message="do not deny requests without TLS")


# --- s3-bucket-level-public-access-prohibited -----------------------------------------------------------------

def bucket_block(ctx: CheckContext, bucket: Bucket) -> dict[str, bool]:
    """The bucket's four Block Public Access settings (all off when it has no configuration)."""
    answer = bucket_call(ctx, bucket, "get_public_access_block", missing="NoSuchPublicAccessBlockConfiguration")
    configuration = (answer or {}).get("PublicAccessBlockConfiguration") or {}
    return {name: bool(configuration.get(name)) for name in SETTINGS}


@check(CheckMeta(
    id="s3-bucket-level-public-access-prohibited",
    title="Every S3 bucket has all four bucket-level Block Public Access settings on",
    severity=Severity.HIGH,
    controls=Controls(cis_aws_v3="2.1.4", security_hub="S3.8", cis_aws_v5="2.1.4"),
    remediation="Turn on the four settings on each listed bucket: aws s3api put-public-access-block --bucket BUCKET "
                "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
                "BlockPublicPolicy=true,RestrictPublicBuckets=true",
    remediation_url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-bucket.html",
    iam_actions=("s3:ListAllMyBuckets", "s3:GetBucketPublicAccessBlock", "s3:GetBucketTagging"),
    scope=Scope.ACCOUNT,
))
def s3_bucket_level_public_access_prohibited(ctx: CheckContext) -> Result:
    """PASS when every bucket's own Block Public Access configuration (S3 GetPublicAccessBlock on the bucket) has
    BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets all on - Security Hub S3.8 and
    the bucket path of CIS 2.1.4 (the account path is s3-account-level-public-access-blocks, S3.1). FAIL when a
    bucket has a setting off (each named) or no configuration at all (NoSuchPublicAccessBlockConfiguration); the
    account-level settings are not looked at, as S3.8 does not. A bucket meant to be public (Config's
    excludedPublicBuckets parameter) is exempted by ARN or tag in the baseline. NOT_APPLICABLE without buckets;
    TIMEOUT ("judged N of M buckets") when the deadline comes first with nothing failing; ERROR when a call is
    refused.

    Source: AWS Config rule s3-bucket-level-public-access-prohibited
    (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-level-public-access-prohibited.html);
    Security Hub S3.8 (https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-8); CIS 2.1.4
    (v3.0.0 and v5.0.0).
    """
    def verdict(bucket: Bucket) -> str | None:
        answer = bucket_call(ctx, bucket, "get_public_access_block", missing="NoSuchPublicAccessBlockConfiguration")
        if answer is None:
            return "no bucket-level Block Public Access configuration"
        off = [name for name, on in bucket_block(ctx, bucket).items() if not on]
        return f"{', '.join(off)} off" if off else None

    return judge_buckets(ctx, verdict, passed_message="All {count} buckets block public access at the bucket level",
                         failing_message="do not block public access at the bucket level")


# --- s3-bucket-public-read-prohibited / -write-prohibited ----------------------------------------------------

def public_access(ctx: CheckContext, bucket: Bucket, kind: str, account: dict[str, bool] | None) -> str | None:
    """Why the bucket allows public `kind` ("read" / "write"), or None. A setting on at the account or the bucket
    level applies to the bucket (S3 applies the most restrictive combination)."""
    own = bucket_block(ctx, bucket)
    on = {name: own[name] or bool(account and account[name]) for name in SETTINGS}
    why = []
    if not on["RestrictPublicBuckets"]:
        status = bucket_call(ctx, bucket, "get_bucket_policy_status", missing="NoSuchBucketPolicy")
        if ((status or {}).get("PolicyStatus") or {}).get("IsPublic"):
            policy = bucket_call(ctx, bucket, "get_bucket_policy", missing="NoSuchBucketPolicy")
            if kind in public_grants((policy or {}).get("Policy")):
                why.append(f"its bucket policy allows public {kind}")
    if not on["IgnorePublicAcls"]:
        acl = bucket_call(ctx, bucket, "get_bucket_acl") or {}
        for grant in acl.get("Grants") or ():
            uri = (grant.get("Grantee") or {}).get("URI")
            if uri in (ALL_USERS, AUTHENTICATED_USERS) and grant.get("Permission") in ACL_PERMISSIONS[kind]:
                why.append(f"its ACL grants {grant['Permission']} to {uri.rsplit('/', 1)[-1]}")
    return "; ".join(why) or None


def judge_public(ctx: CheckContext, kind: str) -> Result:
    account = account_block(ctx)
    if account is not None and all(account.values()):
        return passed(f"All four account-level S3 Block Public Access settings are on: no bucket allows public {kind}.",
                      account_settings=account)
    return judge_buckets(ctx, lambda bucket: public_access(ctx, bucket, kind, account),
                         passed_message=f"None of {{count}} buckets allows public {kind}",
                         failing_message=f"allow public {kind}", account_settings=account)


PUBLIC_ACTIONS = ("s3:GetAccountPublicAccessBlock", "s3:ListAllMyBuckets", "s3:GetBucketPublicAccessBlock",
                  "s3:GetBucketPolicyStatus", "s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:GetBucketTagging")
PUBLIC_RULE = """PASS when the account-level S3 Block Public Access (S3 Control GetPublicAccessBlock) has all four
    settings on: no bucket can then be public, and no bucket is listed (one call). Otherwise every bucket is
    judged as the AWS Config rule s3-bucket-public-{kind}-prohibited does: it passes when both (a) Block Public
    Access restricts public policies (RestrictPublicBuckets on at the bucket or the account level) or the bucket
    policy does not allow public {kind} (GetBucketPolicyStatus IsPublic false, or no policy; a public policy's
    Allow statements to a wildcard principal are read to tell {kind} from {other}: Get*/List* actions read,
    other s3: actions write, NotAction or an unexplained public verdict both), and (b) Block Public Access
    ignores public ACLs (IgnorePublicAcls on at either level) or the bucket ACL (GetBucketAcl) grants {perms} to
    neither AllUsers nor AuthenticatedUsers. FAIL when a bucket allows public {kind} through its policy or its
    ACL (each failing bucket named by ARN, with its tags). NOT_APPLICABLE without buckets; TIMEOUT ("judged N of
    M buckets") when the deadline comes first with nothing failing; ERROR when a call is refused.

    Source: AWS Config rule s3-bucket-public-{kind}-prohibited
    (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-public-{kind}-prohibited.html); Security
    Hub {control} (https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#{anchor})."""


@check(CheckMeta(
    id="s3-bucket-public-read-prohibited",
    title="No S3 bucket allows public read access (bucket policy or ACL)",
    severity=Severity.CRITICAL,
    controls=Controls(security_hub="S3.2"),
    remediation="Turn on account-level Block Public Access (aws s3control put-public-access-block), or for each "
                "listed bucket remove the public statement from its policy and the AllUsers / AuthenticatedUsers "
                "grants from its ACL (aws s3api put-bucket-acl --bucket BUCKET --acl private)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-2",
    iam_actions=PUBLIC_ACTIONS,
    scope=Scope.ACCOUNT,
))
@docstring(PUBLIC_RULE.format(kind="read", other="write", perms="READ or FULL_CONTROL", control="S3.2", anchor="s3-2"))
def s3_bucket_public_read_prohibited(ctx: CheckContext) -> Result:
    return judge_public(ctx, "read")


@check(CheckMeta(
    id="s3-bucket-public-write-prohibited",
    title="No S3 bucket allows public write access (bucket policy or ACL)",
    severity=Severity.CRITICAL,
    controls=Controls(security_hub="S3.3"),
    remediation="Turn on account-level Block Public Access (aws s3control put-public-access-block), or for each "
                "listed bucket remove the public statement from its policy and the AllUsers / AuthenticatedUsers "
                "WRITE grants from its ACL (aws s3api put-bucket-acl --bucket BUCKET --acl private)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-3",
    iam_actions=PUBLIC_ACTIONS,
    scope=Scope.ACCOUNT,
))
@docstring(PUBLIC_RULE.format(kind="write", other="read", perms="WRITE, WRITE_ACP or FULL_CONTROL", control="S3.3",
                              anchor="s3-3"))
def s3_bucket_public_write_prohibited(ctx: CheckContext) -> Result:
    return judge_public(ctx, "write")



# --- s3-bucket-mfa-delete-enabled -----------------------------------------------------------------------------

@check(CheckMeta(
    id="s3-bucket-mfa-delete-enabled",
    title="Every S3 bucket has versioning with MFA delete enabled",
    severity=Severity.LOW,
    controls=Controls(cis_aws_v3="2.1.2", security_hub="S3.20", cis_aws_v5="2.1.2"),
    remediation="As the root user with its MFA device: aws s3api put-bucket-versioning --bucket BUCKET "
                "--versioning-configuration Status=Enabled,MFADelete=Enabled --mfa 'SERIAL CODE'",
    remediation_url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html",
    iam_actions=("s3:ListAllMyBuckets", "s3:GetBucketVersioning", "s3:GetBucketTagging"),
    scope=Scope.ACCOUNT,
))
def s3_bucket_mfa_delete_enabled(ctx: CheckContext) -> Result:
    """PASS when every bucket's versioning configuration (GetBucketVersioning) has Status Enabled and MFADelete
    Enabled - the CIS 2.1.2 audit (CIS v5.0.0 2.1.2 and v3.0.0 2.1.2, both Manual; "both enabled") and Security
    Hub S3.20. FAIL when a bucket's versioning is not enabled or MFA delete is not (AWS omits MFADelete for a
    bucket never configured with it), each failing bucket named by ARN with its tags. Unlike S3.20, a bucket with
    a lifecycle configuration is judged too (CIS makes no exception; exempt it by ARN or tag). NOT_APPLICABLE
    without buckets; TIMEOUT ("judged N of M buckets") when the deadline comes first with nothing failing; ERROR
    when a call is refused.

    Source: Security Hub S3.20 (https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-20);
    AWS Config rule s3-bucket-versioning-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-versioning-enabled.html, isMfaDeleteEnabled);
    S3 User Guide, "Configuring MFA delete"
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html); CIS 2.1.2.
    """
    def verdict(bucket: Bucket) -> str | None:
        answer = bucket_call(ctx, bucket, "get_bucket_versioning") or {}
        if answer.get("Status") != "Enabled":
            return f"versioning is {(answer.get('Status') or 'never enabled').lower()}"
        return None if answer.get("MFADelete") == "Enabled" else "MFA delete is not enabled"

    return judge_buckets(ctx, verdict, passed_message="All {count} buckets have versioning with MFA delete",
                         failing_message="do not have MFA delete enabled")


CHECKS = (s3_bucket_ssl_requests_only, s3_bucket_level_public_access_prohibited, s3_bucket_public_read_prohibited,
          s3_bucket_public_write_prohibited, s3_bucket_mfa_delete_enabled)
