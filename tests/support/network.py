"""Helpers for the per-resource network check tests."""
import datetime

import boto3

from preflight.aws.access import AwsAccess
from preflight.concurrency import Deadline
from preflight.context import CheckContext
from preflight.model import Exemption
from preflight.policy import Policy, Selection
from preflight.runner import Runner
from sim.cloudformation import ACCOUNT_ID, REGION
from tests.support.sessions import shared_session


def ec2():
    return boto3.client("ec2")


def slow_listing(session, operation, after_pages, clock):
    """Each answer of `operation` after the first `after_pages` takes the clock past the deadline."""
    answered = []

    def tick(**_):
        answered.append(1)
        if len(answered) >= after_pages:
            clock[0] += 100

    session.events.register(f"after-call.ec2.{operation}", tick)


def context(session, deadline=None, **parameters):
    aws = AwsAccess(session, region=REGION, account_id=ACCOUNT_ID)
    return CheckContext(aws, REGION, parameters, home_region=REGION, deadline=deadline)


def run_audit(checks, exemption=None, session=None):
    exemptions = (Exemption(checks[0].id, "legacy bastion", "secops", datetime.date(2999, 1, 1),
                            resource=exemption),) if exemption else ()
    policy = Policy(tuple(Selection.of(c) for c in checks), exemptions=exemptions)
    aws = AwsAccess(session or shared_session(), region=REGION, account_id=ACCOUNT_ID)
    findings, _ = Runner().run(policy, aws, Deadline.after(20))
    return policy.exempt(findings)
