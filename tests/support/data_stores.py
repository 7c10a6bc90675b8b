"""Helpers for the RDS, EFS and KMS check tests."""
import datetime

from preflight.aws.access import AwsAccess, new_session
from preflight.concurrency import Deadline
from preflight.model import Exemption
from preflight.policy import Policy, Selection
from preflight.runner import Runner
from sim.cloudformation import ACCOUNT_ID, REGION
from tests.support.network import context
from tests.support.sessions import shared_session


def slow_calls(session, service, operation, after_calls, clock):
    """Each answer of `operation` from the `after_calls`-th on takes the clock past the deadline."""
    answered = []

    def tick(**_):
        answered.append(1)
        if len(answered) >= after_calls:
            clock[0] += 100

    session.events.register(f"after-call.{service}.{operation}", tick)


def run_with_deadline(check, service, operation, after_calls):
    session, clock = new_session(region_name=REGION), [0.0]
    slow_calls(session, service, operation, after_calls, clock)
    return check.run(context(session, Deadline(50.0, lambda: clock[0])))


def audit(checks, *, resource=None, tag=None, session=None):
    """The runner's findings after the policy's exemptions: one exemption of the first check, by ARN or by tag."""
    exemptions = (Exemption(checks[0].id, "accepted risk", "secops", datetime.date(2999, 1, 1), resource=resource,
                            tag=tag),) if resource or tag else ()
    policy = Policy(tuple(Selection.of(c) for c in checks), exemptions=exemptions)
    aws = AwsAccess(session or shared_session(), region=REGION, account_id=ACCOUNT_ID)
    findings, _ = Runner().run(policy, aws, Deadline.after(20))
    return policy.exempt(findings)
