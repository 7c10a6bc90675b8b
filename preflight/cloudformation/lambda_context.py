"""The Lambda context, read as the untrusted input it is.

The managed runtime (awslambdaric) builds the context itself: `memory_limit_in_mb`, `function_name` and the
other configuration attributes are *strings* read from the environment (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, ...),
the deadline comes from a header, and a hand-made invocation may pass no context at all. Everything the
engine reads from the context goes through `SafeContext`, which has one type per attribute or None.
"""
from __future__ import annotations

import math
import time
from typing import Any

from preflight.aws.names import FUNCTION_ARN

DEFAULT_REMAINING_S = 30.0  # for an invocation without a usable Lambda context (invoked by hand, a harness)
MAX_REMAINING_S = 900.0  # Lambda's longest timeout
LAMBDA_MEMORY_MIB = range(128, 10241)  # what Lambda allows for MemorySize


def memory_mib(value: Any) -> int | None:
    """The function's memory in MiB from an int or a digit string; None when absent or not plausible."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 6:
        value = int(value.strip())
    return value if isinstance(value, int) and value in LAMBDA_MEMORY_MIB else None


def function_arn(value: Any) -> str | None:
    return value if isinstance(value, str) and FUNCTION_ARN.match(value) else None


def _remaining_ms(context: Any) -> float | None:
    reader = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(reader):
        return None
    try:
        value = reader()
    except Exception:  # a broken context is no reason to leave a stack without an answer
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return max(0.0, min(float(value), MAX_REMAINING_S * 1000))


class SafeContext:
    """The attributes preflight uses, each validated, with the deadline fixed when the request arrives."""

    def __init__(self, context: Any, clock=time.monotonic):
        self._clock = clock
        remaining_ms = _remaining_ms(context)
        self.has_deadline = remaining_ms is not None
        remaining_s = DEFAULT_REMAINING_S if remaining_ms is None else remaining_ms / 1000
        self._source = context if self.has_deadline else None
        self._deadline = clock() + remaining_s
        self.memory_limit_in_mb = memory_mib(getattr(context, "memory_limit_in_mb", None))
        self.invoked_function_arn = function_arn(getattr(context, "invoked_function_arn", None))
        self.function_name = self.invoked_function_arn.split(":")[6] if self.invoked_function_arn else ""
        request_id = getattr(context, "aws_request_id", "")
        self.aws_request_id = request_id[:64] if isinstance(request_id, str) else ""

    def remaining_s(self) -> float:
        if self._source is not None:  # the runtime's own clock (epoch deadline), re-read each time
            remaining_ms = _remaining_ms(self._source)
            if remaining_ms is not None:
                return remaining_ms / 1000
        return max(0.0, self._deadline - self._clock())

    def get_remaining_time_in_millis(self) -> int:
        """For crhelper's timer, which reads the context itself."""
        return int(self.remaining_s() * 1000)
