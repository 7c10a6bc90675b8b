"""AWS errors in words: one short line for a person, and the error code, whatever raised them."""
from __future__ import annotations

import re

from botocore.exceptions import BotoCoreError, ClientError

from preflight.errors import EvaluationError

MAX_ERROR_MESSAGE_CHARS = 200


def condensed(message: str) -> str:
    """An error message as one short line: an HTML error page (an endpoint that is not AWS, a proxy) becomes
    its title or first text, never markup."""
    text = str(message)
    if "<" in text and re.search(r"<(!doctype|html|head|body|title|h1)\b", text, re.IGNORECASE):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        text = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_MESSAGE_CHARS else text[:MAX_ERROR_MESSAGE_CHARS - 1] + "…"


def describe_error(error: BaseException) -> tuple[str, str]:
    """(error code, a message for a person) for anything a check may raise."""
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        code = condensed(detail.get("Code", "ClientError"))[:60]
        retries = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        tried = f" (after {retries + 1} attempts)" if retries else ""
        return code, f"{code} calling {error.operation_name}{tried}: {condensed(detail.get('Message', ''))}".rstrip(": ")
    if isinstance(error, EvaluationError):
        return error.code, condensed(str(error))
    if isinstance(error, BotoCoreError):
        return type(error).__name__, condensed(str(error))
    return type(error).__name__, f"internal error in the check: {type(error).__name__}: {condensed(str(error))}"
