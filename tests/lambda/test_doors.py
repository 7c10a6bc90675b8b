"""Both Lambda doors, the custom resource and the hook, are one gate: every behaviour of the serving path
(preflight.serving) is asserted through each of them, so they cannot drift apart again."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from preflight import handler
from preflight.cloudformation import hook
from sim.account import create_bucket, make_compliant, set_root_mfa
from tests.support.handler import hook_request, invoke, invoke_hook

OTHER_ACCOUNT = "210987654321"


@dataclass(frozen=True)
class Answer:
    passed: bool
    text: str  # the Reason, or the hook's message
    raw: dict[str, Any]


class CustomResource:
    name = "custom-resource"

    def ask(self, cfn, account: str | None = None) -> Answer:
        fields = {}
        if account:
            fields["stack_id"] = f"arn:aws:cloudformation:us-east-1:{account}:stack/app/6b1d3a90-0000-11ef-9c5e-0a1b2c3d4e5f"
        response = invoke(cfn, "Create", **fields).response
        return Answer(response["Status"] == "SUCCESS", response["Reason"], response)


class Hook:
    name = "hook"
    event = "hook-stack-create.json"

    def ask(self, cfn, account: str | None = None) -> Answer:
        changes = {}
        if account:
            changes = {"awsAccountId": account,
                       "stackId": hook_request(self.event)["stackId"].replace("123456789012", account)}
        response = invoke_hook(cfn, self.event, **changes)
        return Answer(response["hookStatus"] == "SUCCESS", response["message"], response)


@pytest.fixture(params=[CustomResource(), Hook()], ids=lambda door: door.name)
def door(request, cfn, monkeypatch):
    monkeypatch.setattr(handler, "verdicts", hook.VerdictCache(ttl_s=0))
    return request.param


def test_a_compliant_account_passes_and_a_failing_one_is_refused_naming_the_check(door, cfn):
    make_compliant()
    assert door.ask(cfn).passed
    set_root_mfa(False)
    refused = door.ask(cfn)
    assert not refused.passed and refused.text.startswith("FAIL: root-account-mfa-enabled")


def test_a_stack_in_another_account_is_refused_with_directions(door, cfn):
    make_compliant()
    answer = door.ask(cfn, account=OTHER_ACCOUNT)
    assert not answer.passed
    assert answer.text.startswith(f"This auditor audits account 123456789012, but the stack is in account {OTHER_ACCOUNT}")


def test_an_unreadable_baseline_is_refused_in_words(door, cfn, monkeypatch):
    from preflight.cloudformation.baseline_cache import BaselineCache

    monkeypatch.setenv("PREFLIGHT_BASELINE", "ssm:/preflight/missing")
    monkeypatch.setattr(handler, "baselines", BaselineCache())
    answer = door.ask(cfn)
    assert not answer.passed and answer.text.startswith("The preflight baseline could not be loaded")


def test_an_audit_that_would_not_fit_in_memory_is_refused_with_the_fix(door, cfn, deploy_baseline, monkeypatch):
    from preflight.aws.access import AwsAccess
    from tests.support.handler import OPT_IN_REGIONS

    every_region = AwsAccess.enabled_regions
    monkeypatch.setattr(AwsAccess, "enabled_regions", lambda self: every_region(self) + OPT_IN_REGIONS)
    deploy_baseline("extends: recommended\nregions: all\n")
    answer = door.ask(cfn)  # the fake context has 128 MiB, the smallest MemorySize
    assert not answer.passed
    assert answer.text.startswith("This baseline audits 5 regional services in 31 regions")
    assert "Raise its MemorySize to 256" in answer.text


def test_the_report_is_written_to_the_baselines_s3_destination(door, cfn, deploy_baseline):
    make_compliant()
    create_bucket("security-reports")
    deploy_baseline("checks: [root-account-mfa-enabled]\nreports:\n  s3: {bucket: security-reports, prefix: audits/}\n")
    door.ask(cfn)
    [stored] = boto3.client("s3").list_objects_v2(Bucket="security-reports")["Contents"]
    assert stored["Key"].startswith("audits/123456789012/us-east-1/")
    report = json.loads(boto3.client("s3").get_object(Bucket="security-reports", Key=stored["Key"])["Body"].read())
    assert report["verdict"] == "PASS" and report["stack_id"].startswith("arn:aws:cloudformation:")


def test_metrics_are_published_for_every_audit(door, cfn, capsys):
    make_compliant()
    set_root_mfa(False)
    door.ask(cfn)
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    [audit] = [b for b in blobs if "AuditDuration" in b]
    assert audit["ChecksFailed"] == [1.0] and audit["AuditsFailed"] == [1.0]


def test_the_audit_is_logged_as_one_summary_carrying_the_request(door, cfn, caplog):
    make_compliant()
    door.ask(cfn)
    [summary] = [json.loads(r.getMessage()) for r in caplog.records if r.getMessage().startswith('{"event": "audit"')]
    assert summary["verdict"] == "PASS" and summary["stack_id"].startswith("arn:aws:cloudformation:")
    assert summary["invocation_id"]
    assert "X-Amz-Signature" not in caplog.text


def test_audit_mode_never_blocks_and_still_tells_the_truth(door, cfn, deploy_baseline):
    set_root_mfa(False)
    deploy_baseline("checks: [root-account-mfa-enabled]\nmode: audit\n")
    answer = door.ask(cfn)
    assert answer.passed and answer.text.startswith("FAIL (audit mode, not enforced): root-account-mfa-enabled")


def test_an_exempted_failure_lets_the_stack_through(door, cfn, deploy_baseline):
    set_root_mfa(False)
    deploy_baseline("checks: [root-account-mfa-enabled]\nexemptions:\n  - {check: root-account-mfa-enabled, "
                    "reason: break-glass account, approved_by: ciso@example.com, expires: 2099-01-01}\n")
    assert door.ask(cfn).passed


def test_an_unexpected_failure_is_answered_in_words_on_both_doors(door, cfn, monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr("preflight.cloudformation.serving._policy", broken)
    answer = door.ask(cfn)
    assert not answer.passed
    assert answer.text == "The preflight auditor failed unexpectedly (TypeError); see its log."
    assert "NoneType" not in json.dumps(answer.raw)


# What the doors deliberately do differently (each module's docstring says why).

def test_the_custom_resource_never_reuses_a_verdict(cfn, monkeypatch):
    monkeypatch.setattr(handler, "verdicts", hook.VerdictCache(ttl_s=30))
    make_compliant()
    assert CustomResource().ask(cfn).passed
    set_root_mfa(False)
    assert not CustomResource().ask(cfn).passed


def test_the_hook_reuses_a_clean_verdict_for_the_next_stack(cfn, monkeypatch):
    monkeypatch.setattr(handler, "verdicts", hook.VerdictCache(ttl_s=30))
    make_compliant()
    assert Hook().ask(cfn).passed
    set_root_mfa(False)
    reused = Hook().ask(cfn)
    assert reused.passed and reused.text.startswith("(verdict of ")
