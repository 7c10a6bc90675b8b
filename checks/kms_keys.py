"""KMS key rotation: CIS v3.0.0 and v5.0.0 3.6, Security Hub KMS.4. ListKeys per region (Limit 1,000, Marker /
NextMarker), then DescribeKey per key and GetKeyRotationStatus per customer managed symmetric key, eight keys at
a time, each eight begun only while the audit's deadline leaves time for them."""
from __future__ import annotations

from checks._per_resource import Listing, read_tags
from preflight.concurrency import fan_out
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Result, Scope, Severity, not_applicable
from preflight.registry import check

PAGE_SIZE = 1000  # Limit: ListKeys accepts 1-1,000 (KMS API Reference)
CHUNK = 8  # keys read at once (DescribeKey, then GetKeyRotationStatus), as the S3 checks read buckets


def _read_key(kms, entry: dict) -> tuple[dict, bool | None]:
    """A key's metadata, and whether it rotates - None when it is not in scope (no rotation status asked)."""
    key = kms.describe_key(KeyId=entry["KeyId"]).get("KeyMetadata") or {}
    if not in_scope(key):
        return key, None
    return key, kms.get_key_rotation_status(KeyId=entry["KeyId"]).get("KeyRotationEnabled") is True


def in_scope(key: dict) -> bool:
    """A customer managed, enabled, symmetric encryption key with key material from KMS: the keys automatic
    rotation applies to (KMS Developer Guide, "Rotating AWS KMS keys": not asymmetric, HMAC, imported or custom
    key store keys)."""
    return (key.get("KeyManager") == "CUSTOMER" and key.get("KeySpec", key.get("CustomerMasterKeySpec")) ==
            "SYMMETRIC_DEFAULT" and key.get("KeyState") == "Enabled" and key.get("Origin", "AWS_KMS") == "AWS_KMS")


@check(CheckMeta(
    id="cmk-backing-key-rotation-enabled",
    title="Every customer managed symmetric KMS key rotates automatically",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="3.6", security_hub="KMS.4", cis_aws_v5="3.6"),
    remediation="aws kms enable-key-rotation --key-id KEY (optionally --rotation-period-in-days 90-2560)",
    remediation_url="https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
    iam_actions=("kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus", "kms:ListResourceTags"),
    scope=Scope.REGIONAL,
))
def cmk_backing_key_rotation_enabled(ctx: CheckContext) -> Result:
    """FAIL when a customer managed key (KeyManager CUSTOMER) with KeySpec SYMMETRIC_DEFAULT, Origin AWS_KMS and
    KeyState Enabled has KeyRotationEnabled false (CIS v3.0.0 and v5.0.0 3.6; Security Hub KMS.4, AWS Config rule
    cmk-backing-key-rotation-enabled). AWS managed keys, asymmetric and HMAC keys, imported and custom key store
    keys, and keys disabled or pending deletion are out of scope (counted as judged, never failing). PASS when
    every key in scope rotates; NOT_APPLICABLE when the region has no key in scope; TIMEOUT ("judged N of M
    keys") when the deadline comes before every key is described (DescribeKey and GetKeyRotationStatus are one
    call per key, CHUNK keys at a time, each chunk begun only while the deadline leaves time for the slowest
    chunk so far) with nothing found; ERROR when ListKeys,
    DescribeKey or GetKeyRotationStatus is refused. ListKeys returns no tags: each failing key's are read with
    ListResourceTags (for exemptions by tag; a refusal leaves them unknown, and the FAIL stands).

    Source: AWS Config rule cmk-backing-key-rotation-enabled
    (https://docs.aws.amazon.com/config/latest/developerguide/cmk-backing-key-rotation-enabled.html); Security Hub
    KMS.4 (https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html); CIS 3.6.
    """
    listing = Listing(ctx, "keys")
    paging = ("Limit", PAGE_SIZE, "Marker", "NextMarker")
    kms = ctx.client("kms")
    in_scope_count = 0
    for page in listing.pages("kms", "list_keys", "Keys", paging=paging):
        listing.listed += len(page)
        for start in range(0, len(page), CHUNK):
            if not listing.time_for_another():
                break
            chunk = page[start:start + CHUNK]
            for entry, (key, rotating) in zip(chunk, listing.timed(fan_out, lambda e: _read_key(kms, e), chunk)):
                listing.judged()
                if rotating is None:
                    continue
                in_scope_count += 1
                if not rotating:
                    listing.fail(key.get("Arn") or entry["KeyArn"], "rotation off",
                                 read_tags(listing, kms.list_resource_tags, KeyId=entry["KeyId"]))
        if listing.cut_short:
            listing.more_unlisted = listing.more_pages
            break
    if listing.judged_count and not in_scope_count and not listing.cut_short:
        return not_applicable(f"None of {listing.judged_count:,} keys in {ctx.region} is a customer managed, "
                              "enabled symmetric key with KMS key material.", **listing.evidence())
    return listing.result(passed_message="All customer managed symmetric keys rotate ({count} keys judged)",
                          failing_message="are customer managed symmetric keys without automatic rotation",
                          not_applicable_message="There are no KMS keys")


CHECKS = (cmk_backing_key_rotation_enabled,)
