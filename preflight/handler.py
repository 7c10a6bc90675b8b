"""The Lambda entry point: crhelper wiring, nothing else. Delete answers SUCCESS at once."""
from __future__ import annotations

import logging

from preflight.protocol import GuardedResource

logger = logging.getLogger(__name__)
helper = GuardedResource()

try:  # anything broken below is answered FAILED (Create/Update) or SUCCESS (Delete), never silence
    from preflight import tracing
    from preflight.aws import AwsAccess
    from preflight.registry import default_registry
    from preflight.resource import BaselineCache, answer

    registry = default_registry()
    baselines = BaselineCache()
    tracing.start()  # only in traced Lambda: patches botocore so every AWS call is a subsegment
except Exception as error:  # noqa: BLE001 - crhelper's init-failure path
    helper.init_failure(error)

_aws: "AwsAccess | None" = None  # one session and its clients per container, made on first use


def _audit(event, context):
    global _aws
    if _aws is None:  # the account from the function's own ARN, no STS call; without one AwsAccess asks STS
        _aws = AwsAccess(account_id=account_of_function(context.invoked_function_arn))
    result = answer(event, context, _aws, registry, baselines)
    helper.Data.update(result.data)
    helper.Reason = result.reason
    if not result.succeeded:
        helper.Status = "FAILED"
    return result.physical_id


def account_of_function(arn: str | None) -> str | None:
    return arn.split(":")[4] if arn else None


helper.create(_audit)
helper.update(_audit)


def handler(event, context):
    try:
        helper(event, context)
    except BaseException as error:  # nothing escapes: Lambda would count an error and retry the invocation
        logger.error("the handler failed unexpectedly (%s); see the preceding log lines", type(error).__name__)
