"""iam-server-certificate-expiration-check (CIS 1.19, IAM.26): no expired server certificate in IAM, every page.
moto dates every certificate 2012 and answers one page, so the certificates are stubbed (docs/simulation.md)."""
from __future__ import annotations

import datetime

from checks import iam_server_certificates
from preflight.aws.access import AwsAccess
from preflight.concurrency import Deadline
from preflight.model import Status
from preflight.policy import Policy, Selection
from preflight.runner import Runner
from sim.cloudformation import ACCOUNT_ID, REGION
from sim.stubs import answering, error, paged

[CHECK] = iam_server_certificates.CHECKS
NOW = datetime.datetime.now(datetime.timezone.utc)


def certificate(name: str, expires_in_days: float) -> dict:
    return {"ServerCertificateName": name, "Path": "/", "ServerCertificateId": f"ASCA{name.upper()}",
            "Arn": f"arn:aws:iam::{ACCOUNT_ID}:server-certificate/{name}",
            "UploadDate": NOW - datetime.timedelta(days=400),
            "Expiration": NOW + datetime.timedelta(days=expires_in_days)}


def test_no_server_certificate_is_not_applicable(run_check):
    result = run_check(CHECK)
    assert (result.status, result.message) == (Status.NOT_APPLICABLE, "IAM stores no server certificate.")


def test_certificates_still_valid_pass(run_check):
    session = paged("iam", "ListServerCertificates", [{"ServerCertificateMetadataList": [certificate("www", 30)]}])
    result = run_check(CHECK, session=session)
    assert (result.status, result.message) == (Status.PASS, "None of the 1 server certificates in IAM has expired.")


def test_an_expired_certificate_on_a_later_page_fails_by_arn(run_check):
    markers: list = []
    session = paged("iam", "ListServerCertificates", [
        {"ServerCertificateMetadataList": [certificate("www", 30)]},
        {"ServerCertificateMetadataList": [certificate("old", -1), certificate("api", 365)]}], markers_seen=markers)
    result = run_check(CHECK, session=session)
    assert result.status is Status.FAIL
    old = f"arn:aws:iam::{ACCOUNT_ID}:server-certificate/old"
    assert result.resources == (old,)
    assert result.message == f"1 of the 3 server certificates in IAM have expired: {old}."
    assert markers == [None, "page-1"]


def test_access_denied_is_an_error_not_a_verdict():
    session = answering({("iam", "ListServerCertificates"): error("AccessDenied", "not authorized", 403)})
    aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
    [found], _ = Runner().run(Policy((Selection.of(CHECK),)), aws, Deadline.after(10), REGION)
    assert (found.status, found.error_code) == (Status.ERROR, "AccessDenied")
