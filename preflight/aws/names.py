"""AWS names as AWS shapes them: regions, account ids, and the ARNs preflight reads or builds."""
from __future__ import annotations

import re

REGION_PATTERN = r"([a-z]{2}|eusc)(-[a-z]+){1,3}-\d{1,2}"  # us-east-1, us-gov-west-1, eusc-de-east-1


REGION_NAME = re.compile(rf"^{REGION_PATTERN}$")


def account_in_arn(arn: str) -> str | None:
    """The account id of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...), or None if it has none."""
    parts = str(arn).split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4].isdigit() else None


# arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/ID - a stack name is at most 128 characters.
STACK_ID = re.compile(
    rf"^arn:aws[a-z-]{{0,20}}:cloudformation:{REGION_PATTERN}:\d{{12}}:stack/[A-Za-z][A-Za-z0-9-]{{0,127}}/[A-Za-z0-9-]{{1,64}}$"
)


FUNCTION_ARN = re.compile(
    rf"^arn:aws[a-z-]{{0,20}}:lambda:{REGION_PATTERN}:\d{{12}}:function:[A-Za-z0-9_-]{{1,140}}(:[A-Za-z0-9$_-]{{1,128}})?$"
)


ACCOUNT_ID = re.compile(r"^[0-9]{12}$")  # ASCII digits only (\d would take any script's digits)


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def stack_name(stack_id: str) -> str:
    # arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID
    parts = stack_id.split(":stack/", 1)
    return parts[1].split("/", 1)[0] if len(parts) == 2 else "cli"
