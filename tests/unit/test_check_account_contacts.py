"""security-account-information-provided (CIS 1.2, Account.1): a SECURITY alternate contact is registered."""
from __future__ import annotations

import boto3

from checks import account_contacts
from preflight.aws.access import AwsAccess
from preflight.concurrency import Deadline
from preflight.model import Status
from preflight.policy import Policy, Selection
from preflight.runner import Runner
from sim.account import put_security_contact
from sim.cloudformation import ACCOUNT_ID, REGION
from sim.stubs import answering, error

[CHECK] = account_contacts.CHECKS


def test_no_security_contact_fails(run_check):
    result = run_check(CHECK)
    assert (result.status, result.message) == (Status.FAIL, "The account has no security contact registered.")
    assert result.resources == (f"arn:aws:iam::{ACCOUNT_ID}:root",)


def test_other_alternate_contacts_do_not_count(run_check):
    boto3.client("account").put_alternate_contact(AlternateContactType="OPERATIONS", EmailAddress="ops@example.com",
                                                  Name="Ops", PhoneNumber="+1-555-0101", Title="Ops")
    assert run_check(CHECK).status is Status.FAIL


def test_a_security_contact_passes_and_is_shown(run_check):
    put_security_contact("secops@example.com")
    result = run_check(CHECK)
    assert result.status is Status.PASS
    assert result.evidence["security_contact"] == {"name": "Security team", "email_address": "secops@example.com"}


def test_access_denied_is_an_error_not_a_verdict():
    session = answering({("account", "GetAlternateContact"): error("AccessDeniedException", "not authorized", 403)})
    aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
    [found], _ = Runner().run(Policy((Selection.of(CHECK),)), aws, Deadline.after(10), REGION)
    assert (found.status, found.error_code) == (Status.ERROR, "AccessDeniedException")
