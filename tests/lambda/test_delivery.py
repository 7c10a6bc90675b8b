"""Delivering the response: status checked, retried with bounded backoff, only to S3 hosts, never logged."""
from __future__ import annotations

import logging
import socket
import time

import pytest

from preflight.cloudformation import response
from preflight.cloudformation.response import deliver
from preflight.cloudformation.presigned import is_allowed
from preflight.concurrency import Deadline
from sim.cloudformation import FakeLambdaContext
from tests.support.handler import invoke

RESPONSE = {"Status": "SUCCESS", "Reason": "", "PhysicalResourceId": "p", "StackId": "s", "RequestId": "r",
            "LogicalResourceId": "Preflight", "Data": {}}


@pytest.mark.parametrize("url", [
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3A/x?X-Amz-Signature=1",
    "https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x",
    "https://cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com/x",
    "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x",
    "https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/x",
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:443/x",
    "https://responses-bucket.s3.dualstack.eu-west-1.amazonaws.com/x",
    "https://responses-bucket.s3-fips.us-gov-west-1.amazonaws.com/x",
    "https://responses-bucket.s3-fips.dualstack.us-east-2.amazonaws.com/x",
    "https://s3-external-1.amazonaws.com/responses-bucket/x",
    "https://responses-bucket.s3.us-iso-east-1.c2s.ic.gov/x",
])
def test_cloudformation_response_hosts_are_allowed(url, monkeypatch):
    monkeypatch.delenv("PREFLIGHT_RESPONSE_HOSTS", raising=False)
    assert is_allowed(url)


@pytest.mark.parametrize("url", [
    "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",  # not HTTPS
    "https://attacker.example.com/x",
    "https://s3.amazonaws.com.attacker.example/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://localhost/x",  # only with PREFLIGHT_RESPONSE_HOSTS
    "file:///etc/passwd",
    "not a url",
    # near misses of the S3 endpoint forms (issue 9): other AWS services, other ports, look-alike suffixes
    "https://s3-attacker-1234567890.us-east-1.elb.amazonaws.com/x",
    "https://s3.c9akciq32.us-east-1.rds.amazonaws.com/x",
    "https://bucket.s3.amazonaws.com:8443/x",
    "https://bucket.s3.amazonaws.com:99999/x",
    "https://bucket.s3.amazonaws.com:0/x",
    "https://bucket.s3.amazonaws.com.evil.example/x",
    "https://bucket.s3.us-east-1.amazonaws.com.cn.evil.example/x",
    "https://user:secret@bucket.s3.amazonaws.com/x",
    "https://bucket.s4.us-east-1.amazonaws.com/x",
    "https://bucket.s3.notaregion.amazonaws.com/x",
    "https://execute-api.us-east-1.amazonaws.com/x",
])
def test_other_urls_are_refused(url, monkeypatch):
    monkeypatch.delenv("PREFLIGHT_RESPONSE_HOSTS", raising=False)
    assert not is_allowed(url)


def test_a_forged_invoke_with_a_refused_url_is_neither_audited_nor_answered(cfn, caplog, monkeypatch):
    monkeypatch.setenv("PREFLIGHT_RESPONSE_HOSTS", "")
    caplog.set_level(logging.INFO)
    invocation = invoke(cfn, "Create")
    assert invocation.responses == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "refusing a request whose ResponseURL (host localhost) is not a CloudFormation response URL" in logged
    assert "X-Amz-Signature" not in logged
    assert not [r for r in caplog.records if hasattr(r, "preflight_report")]  # nothing was audited


def test_a_response_url_with_an_out_of_range_port_raises_nothing(cfn, monkeypatch):
    from preflight import handler
    from sim.cloudformation import event

    monkeypatch.setenv("PREFLIGHT_RESPONSE_HOSTS", "localhost")
    for url in ("https://localhost:99999/x", "https://localhost:-1/x", "https://localhost:port/x", "https://[::1/x"):
        handler.handler(event("Create", url), FakeLambdaContext(5))  # returns: no exception reaches Lambda
    assert cfn.received == []


def test_server_errors_are_retried_until_accepted(cfn, monkeypatch):
    monkeypatch.setattr(response, "FIRST_BACKOFF_S", 0.05)  # the same doubling as from 0.2 s, 0.35 s in all, not 1.4
    cfn.failures = 3
    invocation = invoke(cfn, "Create", {"Checks": ["root-account-mfa-enabled"]})
    assert invocation.response["Status"] == "FAILED"
    assert cfn.attempts == 4


@pytest.mark.parametrize("status", [500, 503, 403])
def test_a_response_never_accepted_is_given_up_before_the_deadline(cfn, status):
    cfn.failures, cfn.failure_status = 10_000, status
    context = FakeLambdaContext(remaining_s=1.2)
    started = time.monotonic()
    delivered = deliver(cfn.url("r"), RESPONSE, Deadline.after(context.get_remaining_time_in_millis() / 1000 - 0.1))
    assert not delivered
    assert time.monotonic() < context.deadline
    assert 2 <= cfn.attempts <= 10  # backoff 0.2, 0.4 ... within 1.1 s
    assert time.monotonic() - started > 0.5


def test_a_refused_connection_is_retried_then_given_up_before_the_deadline(monkeypatch):
    monkeypatch.setenv("PREFLIGHT_RESPONSE_HOSTS", "localhost")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    deadline = Deadline.after(1.0)  # attempts at 0, 0.2 and 0.6 s; then 0.4 s left, under the next 0.8 s backoff
    assert not deliver(f"https://localhost:{port}/x?X-Amz-Signature=1", RESPONSE, deadline)
    assert deadline.remaining() > 0
