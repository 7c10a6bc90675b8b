"""make demo: the auditor against an embedded simulated AWS account (moto), no credentials, no network.

Deploys examples/drop-in.yaml's Custom::Preflight twice: first into an account that breaks the baseline
(the stack rolls back, and the Events tab says why), then, after fixing the account, again (it passes).
Each step invokes the real Lambda handler with a CloudFormation event; its response is received by a local
HTTPS server standing in for CloudFormation's pre-signed URL.
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile
import textwrap
import time

from sim.environment import use_simulated_aws  # noqa: E402

use_simulated_aws("demo")

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from preflight.model import Report  # noqa: E402
from preflight.report import render_table  # noqa: E402
from sim import account  # noqa: E402
from sim.cloudformation import ACCOUNT_ID, FakeLambdaContext, event, start_response_server  # noqa: E402

WIDTH = 100
BOLD, RED, GREEN, DIM, RESET = ("\033[1m", "\033[31m", "\033[32m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("",) * 5


class ReportCatcher(logging.Handler):
    """Keeps the report the handler logs, as CloudWatch Logs would."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.reports: list[Report] = []

    def emit(self, record: logging.LogRecord) -> None:
        report = getattr(record, "preflight_report", None)
        if report is not None:
            self.reports.append(report)


SECURITY_TEAM_BASELINE = """\
extends: minimal
checks:
  - root-account-no-access-keys
  - ebs-encryption-by-default
  - id: iam-password-policy
    parameters: {minimum_length: 16}
mode: enforce
exemptions:
  - check: ebs-encryption-by-default
    reason: legacy AMI pipeline, migration tracked in SEC-142
    approved_by: ciso@example.com
    expires: 2099-06-30
"""


def heading(text: str) -> None:
    print(f"\n{BOLD}{text}{RESET}\n{'=' * len(text)}")


def stack_event(logical_id: str, resource_type: str, status: str, reason: str = "") -> None:
    colour = RED if "FAILED" in status or "ROLLBACK" in status else GREEN if "COMPLETE" in status else ""
    head = f"  {logical_id:<11} {resource_type:<28} {colour}{status:<20}{RESET}"
    lines = textwrap.wrap(reason, WIDTH - 64, break_on_hyphens=False) or [""]
    print(f"{head} {lines[0]}")
    for line in lines[1:]:
        print(" " * 63 + f" {line}")


def invoke(handler, server, request_type: str, properties: dict, **fields) -> dict:
    before = len(server.received)
    request = event(request_type, "", properties, **fields)
    request["ResponseURL"] = server.url(request["RequestId"])
    started = time.monotonic()
    handler(request, FakeLambdaContext(remaining_s=60))
    [answer] = server.received[before:]
    answer.body["_elapsed_s"] = time.monotonic() - started
    return answer.body


def break_the_account() -> None:
    account.create_trail("app-logs", multi_region=False)  # logs, but only in one region
    account.put_public_access_block(RestrictPublicBuckets=False)  # three of four
    account.start_config_recorder(recording=False)  # created, never started
    # root MFA: off, as in every new moto account


def fix_the_account() -> None:
    account.create_trail("org-audit")  # multi-region, logging, all management events
    account.set_root_mfa(True)
    account.put_public_access_block()
    boto3.client("config", region_name="us-east-1").start_configuration_recorder(ConfigurationRecorderName="default")


def main() -> int:
    catcher = ReportCatcher()
    logging.getLogger("preflight").addHandler(catcher)
    server = start_response_server(tempfile.mkdtemp(prefix="preflight-demo-"))
    properties = {"ServiceTimeout": "120", "Revision": "deploy-1", "Mode": "enforce"}
    with mock_aws():
        from preflight.handler import handler

        heading(f"1. Deploying examples/drop-in.yaml into account {ACCOUNT_ID}, which breaks the baseline")
        break_the_account()
        created = invoke(handler, server, "Create", properties)
        print(f"\nWhat CloudFormation shows in the stack's Events tab (answered in {created['_elapsed_s']:.2f} s):")
        stack_event("Preflight", "Custom::Preflight", "CREATE_IN_PROGRESS")
        stack_event("Preflight", "Custom::Preflight", f"CREATE_{created['Status'].replace('SUCCESS', 'COMPLETE')}", created["Reason"])
        stack_event("app", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS",
                    "The following resource(s) failed to create: [Preflight]. AppBucket and AppQueue were never started.")
        deleted = invoke(handler, server, "Delete", properties, physical_id=created["PhysicalResourceId"])
        stack_event("Preflight", "Custom::Preflight", f"DELETE_{deleted['Status'].replace('SUCCESS', 'COMPLETE')}")
        stack_event("app", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE")
        print("\nThe audit, as the function logged it (CloudWatch Logs):\n")
        print(textwrap.indent(render_table(catcher.reports[-1], WIDTH - 2), "  "))

        heading("2. The same deployment after the account is fixed")
        fix_the_account()
        passed = invoke(handler, server, "Create", {**properties, "Revision": "deploy-2"})
        print(f"\nWhat CloudFormation shows (answered in {passed['_elapsed_s']:.2f} s):")
        stack_event("Preflight", "Custom::Preflight", "CREATE_IN_PROGRESS")
        stack_event("Preflight", "Custom::Preflight", f"CREATE_{passed['Status'].replace('SUCCESS', 'COMPLETE')}")
        stack_event("AppBucket", "AWS::S3::Bucket", "CREATE_COMPLETE")
        stack_event("AppQueue", "AWS::SQS::Queue", "CREATE_COMPLETE")
        stack_event("app", "AWS::CloudFormation::Stack", "CREATE_COMPLETE")
        print(f"\n  Outputs: PreflightVerdict = {passed['Data']['Verdict']}")
        print("\nThe audit:\n")
        print(textwrap.indent(render_table(catcher.reports[-1], WIDTH - 2), "  "))
        heading("3. The security team deploys its baseline; a template author tries to weaken it")
        baseline_file = os.path.join(tempfile.mkdtemp(prefix="preflight-demo-"), "baseline.yaml")
        with open(baseline_file, "w") as out:
            out.write(SECURITY_TEAM_BASELINE)
        os.environ["PREFLIGHT_BASELINE"] = f"file:{baseline_file}"
        import preflight.handler as module
        from preflight.resource import BaselineCache

        module.baselines = BaselineCache()  # a redeployed function reads its new configuration
        print("\nThe auditor's PREFLIGHT_BASELINE names this document:\n")
        print(textwrap.indent(SECURITY_TEAM_BASELINE, "    "))
        weakened = invoke(handler, server, "Create", {**properties, "Revision": "deploy-3", "Mode": "audit"})
        print("A template sets Mode: audit to get past it. What CloudFormation shows:")
        stack_event("Preflight", "Custom::Preflight", "CREATE_FAILED", weakened["Reason"])
        boto3.client("iam").update_account_password_policy(MinimumPasswordLength=16, PasswordReusePrevention=24)
        audited = invoke(handler, server, "Create", {**properties, "Revision": "deploy-4"})
        print("\nWithout the override, once the account has a password policy, the team's baseline passes; the")
        print("exempted EBS default shows as not blocking:")
        stack_event("Preflight", "Custom::Preflight",
                    "CREATE_COMPLETE" if audited["Status"] == "SUCCESS" else "CREATE_FAILED", audited["Reason"])
    server.close()
    ok = (created["Status"] == "FAILED" and deleted["Status"] == "SUCCESS" and passed["Status"] == "SUCCESS"
          and weakened["Status"] == "FAILED")
    print(f"\n{DIM}Next: `make test` runs the suite; README.md shows how to deploy cfn/preflight.yaml.{RESET}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
