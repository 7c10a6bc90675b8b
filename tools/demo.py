"""make demo: the auditor against an embedded simulated AWS account (moto), no credentials, no network.

What runs is what Lambda runs: the zip `make package` builds, unpacked into an empty folder and started by
AWS's own runtime interface client (awslambdaric) with Lambda's environment, fed CloudFormation events
through a stand-in for the Lambda Runtime API. AWS is moto's server on 127.0.0.1; CloudFormation's
pre-signed ResponseURL is a local HTTPS server. examples/drop-in.yaml's Custom::Preflight is deployed into
an account that breaks the baseline (the stack rolls back, and the Events tab says why), then, after the
account is fixed, again (it passes); then a security team's baseline meets a template that tries to weaken it;
the same function gates stacks as a Lambda Hook; and an AWS Config rule the team already runs blocks a deployment
until the resource it flags is fixed, a bastion exempted by its tag.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import textwrap
import time
import uuid
import zipfile
from pathlib import Path

from sim.environment import use_simulated_aws  # noqa: E402

use_simulated_aws("demo")

import boto3  # noqa: E402

from preflight.registry import default_registry  # noqa: E402
from preflight.reporting.document import report_from_dict  # noqa: E402
from preflight.reporting.table import render_table  # noqa: E402
from sim import account, config_compliance  # noqa: E402
from sim.cloudformation import ACCOUNT_ID, event, start_response_server  # noqa: E402
from sim.lambda_runtime import FUNCTION_ARN, LambdaFunction  # noqa: E402
from sim.moto_server import client_environment, start_moto_server  # noqa: E402
from tools import lambda_runtime, package  # noqa: E402

WIDTH = 100
BOLD, RED, GREEN, DIM, RESET = ("\033[1m", "\033[31m", "\033[32m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("",) * 5


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


DETECTIVE_BASELINE = """\
config_rules:                   # a rule the security team already runs in AWS Config
  - name: restricted-ssh
    max_evaluation_age_hours: 26
    severity: HIGH
exemptions:
  - check: config-rule:restricted-ssh
    tag: {key: exposure, value: bastion}
    reason: bastion hosts, SSH from the VPN range only
    approved_by: ciso@example.com
    expires: 2099-06-30
"""


def heading(text: str) -> None:
    print(f"\n{BOLD}{text}{RESET}\n{'=' * len(text)}")


def stack_event(logical_id: str, resource_type: str, status: str, reason: str = "") -> None:
    colour = RED if "FAILED" in status or "ROLLBACK" in status else GREEN if "COMPLETE" in status or "SUCCEEDED" in status else ""
    head = f"  {logical_id:<11} {resource_type:<32} {colour}{status:<24}{RESET}"
    indent = 2 + 11 + 1 + 32 + 1 + 24
    lines = textwrap.wrap(reason, max(30, WIDTH + 10 - indent), break_on_hyphens=False) or [""]
    print(f"{head} {lines[0]}")
    for line in lines[1:]:
        print(" " * indent + f" {line}")


def invoke(function: LambdaFunction, server, request_type: str, properties: dict, **fields) -> dict:
    before = len(server.received)
    request = event(request_type, "", properties, **fields)
    request["ResponseURL"] = server.url(request["RequestId"])
    started = time.monotonic()
    function.invoke(request, timeout_s=60)
    [answer] = server.received[before:]
    answer.body["_elapsed_s"] = time.monotonic() - started
    return answer.body


TEAM_TEMPLATE = {"Resources": {"AppBucket": {"Type": "AWS::S3::Bucket"}, "AppBucketPolicy": {
    "Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "AppBucket"}, "PolicyDocument": {"Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}}}}


def invoke_hook(function: LambdaFunction, server, stack: str) -> dict:
    """A CREATE_PRE_PROVISION hook request for a stack, as CloudFormation sends it, its pre-signed payload URL
    (the template) served locally; the answer is the function's return value."""
    token = str(uuid.uuid4())
    request = {
        "clientRequestToken": token, "awsAccountId": ACCOUNT_ID,
        "stackId": f"arn:aws:cloudformation:us-east-1:{ACCOUNT_ID}:stack/{stack}/{uuid.uuid4()}",
        "changeSetId": None, "hookTypeName": "Private::Preflight::AccountGate", "hookTypeVersion": "00000001",
        "hookModel": {"LambdaFunction": FUNCTION_ARN}, "actionInvocationPoint": "CREATE_PRE_PROVISION",
        "requestData": {"targetName": "STACK", "targetType": "STACK", "targetLogicalId": stack,
                        "payload": server.serve(token, {"template": TEAM_TEMPLATE})},
        "requestContext": {"invocation": 1, "callbackContext": None},
    }
    return function.invoke(request, timeout_s=30).outcome.body


def show_hook(stack: str, answer: dict) -> None:
    stack_event(stack, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS")
    hook_status = "HOOK_COMPLETE_SUCCEEDED" if answer["hookStatus"] == "SUCCESS" else "HOOK_COMPLETE_FAILED"
    stack_event(stack, "Private::Preflight::AccountGate", hook_status, answer["message"])
    failing = [a for a in answer.get("annotations", []) if a["status"] == "FAILED"]
    for annotation in failing:
        print(f"{'':14}annotation {annotation['annotationName']} [{annotation['severityLevel']}]: "
              f"{annotation['statusMessage']}")
        print(f"{'':14}  fix: {annotation['remediationLink']}")
    if answer["hookStatus"] == "SUCCESS":
        stack_event("AppBucket", "AWS::S3::Bucket", "CREATE_COMPLETE")
        stack_event(stack, "AWS::CloudFormation::Stack", "CREATE_COMPLETE")
    else:
        stack_event(stack, "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", "Nothing was provisioned.")


def last_report(function: LambdaFunction):
    """The audit as the function logged it (its CloudWatch Logs), rendered as a table."""
    lines = [line for line in function.log.splitlines() if '{"event": "audit"' in line]
    return report_from_dict(json.loads(lines[-1][lines[-1].index("{"):]), default_registry())


def start_function(work: Path, **env: str) -> LambdaFunction:
    """A fresh execution environment of the packaged function (built once per demo)."""
    archive = package.cached_build()
    task = work / f"task-{len(list(work.glob('task-*')))}"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(task)
    return LambdaFunction(task, lambda_runtime.build(), env=env)


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


def write(work: Path, text: str) -> Path:
    path = work / f"baseline-{len(list(work.glob('baseline-*')))}.yaml"
    path.write_text(text)
    return path


def detective_scenario() -> tuple[str, str]:
    """A Config rule with two NON_COMPLIANT security groups, one of them tagged as an accepted bastion."""
    ec2 = boto3.client("ec2", region_name="us-east-1")
    groups = []
    for name, tags in (("bastion", [{"Key": "exposure", "Value": "bastion"}]), ("web", [])):
        spec = [{"ResourceType": "security-group", "Tags": tags}] if tags else []
        groups.append(ec2.create_security_group(GroupName=name, Description=name, TagSpecifications=spec)["GroupId"])
    config_compliance.add_rule("restricted-ssh")
    for group in groups:
        config_compliance.evaluate("restricted-ssh", group, "NON_COMPLIANT")
    return groups[0], groups[1]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="preflight-demo-"))
    moto, endpoint = start_moto_server()
    os.environ.update(client_environment(endpoint))
    server = start_response_server(str(work))
    properties = {"ServiceTimeout": "120", "Revision": "deploy-1", "Mode": "enforce"}
    print(f"{DIM}Packaging the function (make package) and starting it under AWS's runtime interface client, "
          f"with moto's server as AWS ...{RESET}")
    function = start_function(work)
    try:
        heading(f"1. Deploying examples/drop-in.yaml into account {ACCOUNT_ID}, which breaks the baseline")
        break_the_account()
        created = invoke(function, server, "Create", properties)
        print(f"\nWhat CloudFormation shows in the stack's Events tab (answered in {created['_elapsed_s']:.2f} s, "
              "cold start included):")
        stack_event("Preflight", "Custom::Preflight", "CREATE_IN_PROGRESS")
        stack_event("Preflight", "Custom::Preflight", f"CREATE_{created['Status'].replace('SUCCESS', 'COMPLETE')}", created["Reason"])
        stack_event("app", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS",
                    "The following resource(s) failed to create: [Preflight]. AppBucket and AppQueue were never started.")
        deleted = invoke(function, server, "Delete", properties, physical_id=created["PhysicalResourceId"])
        stack_event("Preflight", "Custom::Preflight", f"DELETE_{deleted['Status'].replace('SUCCESS', 'COMPLETE')}")
        stack_event("app", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE")
        print("\nThe audit, as the function logged it (CloudWatch Logs):\n")
        print(textwrap.indent(render_table(last_report(function), WIDTH - 2), "  "))

        heading("2. The same deployment after the account is fixed")
        fix_the_account()
        passed = invoke(function, server, "Create", {**properties, "Revision": "deploy-2"})
        print(f"\nWhat CloudFormation shows (answered in {passed['_elapsed_s']:.2f} s, warm):")
        stack_event("Preflight", "Custom::Preflight", "CREATE_IN_PROGRESS")
        stack_event("Preflight", "Custom::Preflight", f"CREATE_{passed['Status'].replace('SUCCESS', 'COMPLETE')}")
        stack_event("AppBucket", "AWS::S3::Bucket", "CREATE_COMPLETE")
        stack_event("AppQueue", "AWS::SQS::Queue", "CREATE_COMPLETE")
        stack_event("app", "AWS::CloudFormation::Stack", "CREATE_COMPLETE")
        print(f"\n  Outputs: PreflightVerdict = {passed['Data']['Verdict']}")
        print("\nThe audit:\n")
        print(textwrap.indent(render_table(last_report(function), WIDTH - 2), "  "))

        heading("3. The security team deploys its baseline; a template author tries to weaken it")
        baseline_file = work / "baseline.yaml"
        baseline_file.write_text(SECURITY_TEAM_BASELINE)
        function.stop()  # a redeployed function reads its new configuration
        # The hook's verdict reuse is off here so the fix in act 4 shows at once (default: 30 s).
        function = start_function(work, PREFLIGHT_BASELINE=f"file:{baseline_file}", PREFLIGHT_HOOK_VERDICT_TTL_S="0")
        print("\nThe auditor's PREFLIGHT_BASELINE names this document:\n")
        print(textwrap.indent(SECURITY_TEAM_BASELINE, "    "))
        weakened = invoke(function, server, "Create", {**properties, "Revision": "deploy-3", "Mode": "audit"})
        print("A template sets Mode: audit to get past it. What CloudFormation shows:")
        stack_event("Preflight", "Custom::Preflight", "CREATE_FAILED", weakened["Reason"])
        boto3.client("iam").update_account_password_policy(MinimumPasswordLength=16, PasswordReusePrevention=24)
        audited = invoke(function, server, "Create", {**properties, "Revision": "deploy-4"})
        print("\nWithout the override, once the account has a password policy, the team's baseline passes; the")
        print("exempted EBS default shows as not blocking:")
        stack_event("Preflight", "Custom::Preflight",
                    "CREATE_COMPLETE" if audited["Status"] == "SUCCESS" else "CREATE_FAILED", audited["Reason"])

        heading("4. The same function as a Lambda Hook: an ordinary template, no preflight resource in it")
        print("cfn/preflight-hook.yaml registers the auditor as the hook Private::Preflight::AccountGate (FailureMode"
              " FAIL here).\nSomeone turns root MFA off; then a team deploys a template with a bucket and its policy:\n")
        account.set_root_mfa(False)
        blocked = invoke_hook(function, server, "team-app")
        show_hook("team-app", blocked)
        account.set_root_mfa(True)
        print("\nThe account is fixed (root MFA back on) and the team deploys again:\n")
        allowed = invoke_hook(function, server, "team-app")
        show_hook("team-app", allowed)

        heading("5. The controls the team already runs: an AWS Config rule gates the deployment")
        bastion, web = detective_scenario()
        function.stop()
        function = start_function(work, PREFLIGHT_BASELINE=f"file:{write(work, DETECTIVE_BASELINE)}")
        print("\nThe auditor's baseline takes its verdict from AWS Config (cfn/preflight.yaml DetectiveControls=true):\n")
        print(textwrap.indent(DETECTIVE_BASELINE, "    "))
        print(f"AWS Config's rule restricted-ssh says NON_COMPLIANT for {web} (open to the world) and {bastion}")
        print("(tagged exposure=bastion). What CloudFormation shows:")
        gated = invoke(function, server, "Create", {**properties, "Revision": "deploy-5"})
        stack_event("Preflight", "Custom::Preflight", f"CREATE_{gated['Status'].replace('SUCCESS', 'COMPLETE')}",
                    gated["Reason"])
        config_compliance.evaluate("restricted-ssh", web, "COMPLIANT")
        print(f"\nThe team closes {web}; Config re-evaluates it COMPLIANT. The bastion is exempted by its tag:")
        ungated = invoke(function, server, "Create", {**properties, "Revision": "deploy-6"})
        stack_event("Preflight", "Custom::Preflight", f"CREATE_{ungated['Status'].replace('SUCCESS', 'COMPLETE')}",
                    ungated["Reason"])
        print("\nThe audit:\n")
        print(textwrap.indent(render_table(last_report(function), WIDTH - 2), "  "))
    finally:
        function.stop()
        server.close()
        moto.stop()
    ok = (created["Status"] == "FAILED" and deleted["Status"] == "SUCCESS" and passed["Status"] == "SUCCESS"
          and weakened["Status"] == "FAILED" and audited["Status"] == "SUCCESS"
          and blocked["hookStatus"] == "FAILED" and allowed["hookStatus"] == "SUCCESS"
          and gated["Status"] == "FAILED" and ungated["Status"] == "SUCCESS")
    print(f"\n{DIM}Next: `make test` runs the suite; README.md shows how to deploy cfn/preflight.yaml.{RESET}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
