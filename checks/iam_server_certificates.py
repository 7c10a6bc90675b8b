"""iam-server-certificate-expiration-check: no expired SSL/TLS certificate is stored in IAM (CIS AWS
Foundations v3.0.0 1.19)."""
from __future__ import annotations

import datetime

from checks import _credential_report as listing
from preflight.context import CheckContext
from preflight.model import CheckMeta, Controls, Result, Severity, failed, not_applicable, passed
from preflight.registry import check


@check(CheckMeta(
    id="iam-server-certificate-expiration-check",
    title="No expired SSL/TLS server certificate is stored in IAM",
    severity=Severity.MEDIUM,
    controls=Controls(cis_aws_v3="1.19", security_hub="IAM.26", cis_aws_v5="1.18"),
    remediation="Delete each listed expired certificate: aws iam delete-server-certificate "
                "--server-certificate-name <name> (move live endpoints to AWS Certificate Manager first).",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-26",
    iam_actions=("iam:ListServerCertificates",),
))
def iam_server_certificate_expiration_check(ctx: CheckContext) -> Result:
    """Calls iam:ListServerCertificates, every page. FAIL when any certificate's `Expiration` is in the past,
    naming them by ARN; PASS when none has expired; NOT_APPLICABLE if IAM stores no server certificate; ERROR if
    the call is refused. Source: CIS 1.19 (CIS AWS Foundations v3.0.0; v5.0.0 1.18); AWS Security Hub IAM.26
    (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-26); AWS Config
    iam-server-certificate-expiration-check
    (https://docs.aws.amazon.com/config/latest/developerguide/iam-server-certificate-expiration-check.html)."""
    pages = ctx.client("iam").get_paginator("list_server_certificates").paginate()
    certificates = [c for page in pages for c in page.get("ServerCertificateMetadataList", [])]
    if not certificates:
        return not_applicable("IAM stores no server certificate.", certificates=0)
    now = datetime.datetime.now(datetime.timezone.utc)
    expired = [{"arn": c.get("Arn"), "name": c.get("ServerCertificateName"), "expired": _utc(c["Expiration"]).isoformat()}
               for c in certificates if c.get("Expiration") and _utc(c["Expiration"]) < now]
    if not expired:
        return passed(f"None of the {len(certificates)} server certificates in IAM has expired.",
                      certificates=len(certificates))
    arns, named = listing.listed(item["arn"] or item["name"] for item in expired)
    return failed(f"{len(expired)} of the {len(certificates)} server certificates in IAM have expired: {named}.",
                  resources=arns, expired_certificates=listing.bounded(expired), certificates=len(certificates))


def _utc(when: datetime.datetime) -> datetime.datetime:
    return when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)


CHECKS = (iam_server_certificate_expiration_check,)
