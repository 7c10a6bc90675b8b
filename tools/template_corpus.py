"""Realistic CloudFormation templates of a chosen size, as JSON and as YAML with short-form tags: IAM roles with
inline policies, buckets with bucket policies, functions, queues; Ref, Sub, GetAtt and If everywhere. Used by
tools/bench_template.py and the tests that need a large template."""
from __future__ import annotations

import json
from typing import Any

ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "sqs:SendMessage", "sqs:ReceiveMessage",
           "logs:CreateLogStream", "logs:PutLogEvents", "kms:Decrypt", "dynamodb:GetItem", "dynamodb:Query")


def _resources(i: int) -> dict[str, Any]:
    bucket, queue, role, function = f"Bucket{i}", f"Queue{i}", f"Role{i}", f"Function{i}"
    statement = [{"Effect": "Allow", "Action": [ACTIONS[(i + k) % len(ACTIONS)] for k in range(4)],
                  "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": f"${{{bucket}.Arn}}/*"}]},
                 {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes"],
                  "Resource": {"Fn::GetAtt": [queue, "Arn"]}}]
    return {
        bucket: {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": {"Fn::Sub": f"app-{i}-${{AWS::AccountId}}-${{AWS::Region}}"},
            "VersioningConfiguration": {"Status": "Enabled"},
            "Tags": [{"Key": "team", "Value": f"team-{i % 7}"}, {"Key": "cost-centre", "Value": 1000 + i}]}},
        f"{bucket}Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": bucket},
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [{"Fn::Sub": f"${{{bucket}.Arn}}/*"}],
                "Condition": {"Bool": {"aws:SecureTransport": False}}}]}}},
        queue: {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60, "MessageRetentionPeriod": 345600}},
        role: {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": f"access-{i}", "PolicyDocument": {"Version": "2012-10-17",
                                                                          "Statement": statement}}]}},
        function: {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.13", "Handler": "app.handler", "MemorySize": 256, "Timeout": 30,
            "Role": {"Fn::GetAtt": [role, "Arn"]},
            "Environment": {"Variables": {"QUEUE_URL": {"Ref": queue}, "BUCKET": {"Ref": bucket},
                                          "STAGE": {"Fn::If": ["IsProd", "prod", "dev"]}}},
            "Code": {"ZipFile": f"def handler(event, context):\n    return {{'function': {i}}}\n"}}},
    }


def template(size_bytes: int, serialise) -> str:  # type: ignore[no-untyped-def]
    """The largest template of this shape whose text (serialise(document)) is at most size_bytes."""
    head = {"AWSTemplateFormatVersion": "2010-09-09", "Description": "generated for the template bench",
            "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "AWS::StackName"}, "prod"]}}, "Resources": {}}
    one = len(serialise({"Resources": _resources(0)}).encode())
    count = max(1, size_bytes // one)
    while True:
        document = {**head, "Resources": {k: v for i in range(count) for k, v in _resources(i).items()}}
        text = serialise(document)
        if len(text.encode()) <= size_bytes or count == 1:
            return text
        count = int(count * size_bytes / len(text.encode())) - 1


def as_json(document: Any) -> str:
    return json.dumps(document, indent=2)


def as_yaml(document: Any) -> str:
    """YAML as people write templates: block style, the intrinsics in short form (!Ref, !Sub, !GetAtt a.b, !If)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
        if len(data) == 1:
            [(key, value)] = data.items()
            if key == "Ref":
                return dumper.represent_scalar("!Ref", value)
            if key == "Fn::GetAtt" and isinstance(value, list):
                return dumper.represent_scalar("!GetAtt", ".".join(value))
            if key.startswith("Fn::"):
                tag = "!" + key[4:]
                if isinstance(value, str):
                    return dumper.represent_scalar(tag, value)
                return dumper.represent_sequence(tag, value) if isinstance(value, list) else \
                    dumper.represent_mapping(tag, value)
        return dumper.represent_mapping("tag:yaml.org,2002:map", data.items())

    Dumper.add_representer(dict, represent_dict)
    return yaml.dump(document, Dumper=Dumper, sort_keys=False, default_flow_style=False, width=120)


def json_template(size_bytes: int = 1024 * 1024) -> str:
    return template(size_bytes, as_json)


def yaml_template(size_bytes: int = 1024 * 1024) -> str:
    return template(size_bytes, as_yaml)
