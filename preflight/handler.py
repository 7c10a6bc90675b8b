"""The Lambda entry point: crhelper wiring, nothing else. Delete answers SUCCESS at once."""
from __future__ import annotations

import logging

from preflight import gc_policy
from preflight.cloudformation import hook_shape
from preflight.cloudformation.lambda_context import SafeContext
from preflight.cloudformation.protocol import GuardedResource

logger = logging.getLogger(__name__)
helper = GuardedResource()

# Above: only what it takes to answer. Below: the auditor, whose failure to import is answered FAILED
# (Create/Update, and a hook request) or SUCCESS (Delete), never silence.
try:
    from preflight.cloudformation import hook
    from preflight import tracing
    from preflight.aws.access import AwsAccess
    from preflight.cloudformation.baseline_cache import BaselineCache
    from preflight.aws.names import account_in_arn
    from preflight.registry import default_registry
    from preflight.cloudformation.custom_resource import answer

    registry = default_registry()
    baselines = BaselineCache()
    verdicts = hook.VerdictCache()  # the hook's recent verdicts, per warm container
    tracing.start()  # PREFLIGHT_TRACING: X-Ray in traced Lambda (botocore patched), OpenTelemetry, or off
except Exception as error:  # noqa: BLE001 - crhelper's init-failure path
    helper.init_failure(error)

_aws: "AwsAccess | None" = None  # one session and its clients per container, made on first use


def _access(context: SafeContext) -> "AwsAccess":
    global _aws
    if _aws is None:  # the account from the function's own ARN, no STS call; without one AwsAccess asks STS
        _aws = AwsAccess(account_id=account_in_arn(context.invoked_function_arn or ""))
    return _aws


def _audit(event, context):
    try:
        result = answer(event, context, _access(context), registry, baselines)
    except Exception as error:  # a bug, answered in words: crhelper would send the raw exception text as Reason
        logger.exception("the audit failed unexpectedly")
        helper.Reason = f"The preflight auditor failed unexpectedly ({type(error).__name__}); see its log."
        helper.Status = "FAILED"
        return str(event.get("PhysicalResourceId") or f"{event.get('LogicalResourceId', 'preflight')}-unset")
    helper.Data.update(result.data)
    helper.Reason = result.reason
    if not result.succeeded:
        helper.Status = "FAILED"
    return result.physical_id


helper.create(_audit)
helper.update(_audit)


def _answer_hook(event, context):
    safe = SafeContext(context)
    if helper._init_failed:  # noqa: SLF001 - the import failure crhelper recorded
        error = helper._init_failed  # noqa: SLF001
        return hook_shape.failure(hook_shape.echo_of(event),
                                  f"The preflight auditor failed to start ({type(error).__name__}: {error}); see its log.")
    return hook.answer(event, safe, _access(safe), registry, baselines, verdicts)


def handler(event, context):
    """One function, two front doors, told apart by the request's shape: a CloudFormation Lambda Hook request
    is answered by the return value; a custom-resource event by a PUT to its ResponseURL."""
    try:
        if hook_shape.is_hook_request(event):
            return _answer_hook(event, context)
        if not (isinstance(event, dict) and ("RequestType" in event or "ResponseURL" in event)):
            logger.error("neither a custom-resource event nor a Lambda Hook request; nothing to answer")
            return {"error": "preflight answers CloudFormation custom-resource events and Lambda Hook requests only"}
        helper(event, context)
    except BaseException as error:  # nothing escapes: Lambda would count an error and retry the invocation
        logger.error("the handler failed unexpectedly (%s); see the preceding log lines", type(error).__name__)
        if hook_shape.is_hook_request(event):
            return hook_shape.failure(hook_shape.echo_of(event),
                                      f"The preflight auditor failed unexpectedly ({type(error).__name__}); see its log.")
    return None


gc_policy.for_auditing()  # last, at the end of Lambda's init: what was imported is permanent
