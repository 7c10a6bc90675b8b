"""template-iam-actions-exist: a misspelt IAM action is accepted by AWS and never matches; the template check
names it, in every policy-bearing resource type, with the closest real action.

Source: IAM User Guide, "IAM JSON policy elements: Action" (an action that does not exist is not an error;
the statement matches nothing); the action list is AWS's Service Authorization Reference as parliament ships it.
"""
import json

import pytest

from checks import template_iam_actions
from preflight.model import Status
from preflight.template import TemplateUnavailable, parse

CHECK = template_iam_actions.CHECK


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
    from preflight.aws import AwsAccess
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
    from tests.handler_support import invoke_hook

    make_compliant()
    template = with_policy("AWS::S3::BucketPolicy", {"Bucket": "b", "PolicyDocument": {
        "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObjects", "Principal": "*", "Resource": "*"}]}})
    response = invoke_hook(cfn, "hook-stack-create.json", template=template)
    assert response["hookStatus"] == "FAILED" and response["errorCode"] == "NonCompliant"
    assert "template-iam-actions-exist: IAM actions that do not exist: s3:DeleteObjects in Thing" in response["message"]


def test_the_cli_checks_a_template_file(tmp_path):
    from tests.test_cli import run

    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
                    "        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRoles}]\n")
    code, out, _ = run("audit", "--checks", "template-iam-actions-exist", "--template", str(path))
    assert code == 1 and "sts:AssumeRoles in Role (did you mean sts:AssumeRole?)" in " ".join(out.split())
