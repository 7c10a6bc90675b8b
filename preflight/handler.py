"""The Lambda entry point: crhelper wiring, nothing else. Delete answers SUCCESS at once."""
from __future__ import annotations

from preflight.protocol import GuardedResource, remaining_s

helper = GuardedResource()

try:  # anything broken below is answered FAILED (Create/Update) or SUCCESS (Delete), never silence
    from preflight import tracing
    from preflight.aws import AwsAccess, account_in_arn
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
    if _aws is None:  # the account from the function's own ARN, no STS call; None lets AwsAccess ask STS
        arn = getattr(context, "invoked_function_arn", None) or event.get("ServiceToken") or ""
        _aws = AwsAccess(account_id=account_in_arn(arn))
    result = answer(event, remaining_s(context), _aws, registry, baselines,
                    getattr(context, "memory_limit_in_mb", None))
    helper.Data.update(result.data)
    helper.Reason = result.reason
    if not result.succeeded:
        helper.Status = "FAILED"
    return result.physical_id


helper.create(_audit)
helper.update(_audit)


@helper.delete
def _delete(event, context):
    return event.get("PhysicalResourceId")


def handler(event, context):
    helper(event, context)
