"""Delivering the response: status checked, retried with bounded backoff, only to S3 hosts, never logged."""
from __future__ import annotations

import logging
import socket
import time

import pytest

from preflight.delivery import deliver, is_allowed
from preflight.runner import Deadline
from sim.cloudformation import FakeLambdaContext
from tests.handler_support import invoke

RESPONSE = {"Status": "SUCCESS", "Reason": "", "PhysicalResourceId": "p", "StackId": "s", "RequestId": "r",
            "LogicalResourceId": "Preflight", "Data": {}}


@pytest.mark.parametrize("url", [
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3A/x?X-Amz-Signature=1",
    "https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x",
    "https://cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com/x",
    "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x",
    "https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/x",
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
])
def test_other_urls_are_refused(url, monkeypatch):
    monkeypatch.delenv("PREFLIGHT_RESPONSE_HOSTS", raising=False)
    assert not is_allowed(url)


def test_a_refused_url_gets_nothing_and_is_logged_without_its_query(cfn, caplog, monkeypatch):
    monkeypatch.setenv("PREFLIGHT_RESPONSE_HOSTS", "")
    caplog.set_level(logging.INFO)
    invocation = invoke(cfn, "Create")
    assert invocation.responses == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "refusing to send the response to host localhost" in logged
    assert "X-Amz-Signature" not in logged


def test_server_errors_are_retried_until_accepted(cfn):
    cfn.failures = 3
    invocation = invoke(cfn, "Create", {"Checks": ["root-account-mfa-enabled"]})
    assert invocation.response["Status"] == "FAILED"
    assert cfn.attempts == 4


@pytest.mark.parametrize("status", [500, 503, 403])
def test_a_response_never_accepted_is_given_up_before_the_deadline(cfn, status):
    cfn.failures, cfn.failure_status = 10_000, status
    context = FakeLambdaContext(remaining_s=2)
    started = time.monotonic()
    delivered = deliver(cfn.url("r"), RESPONSE, Deadline.after(context.get_remaining_time_in_millis() / 1000 - 0.1))
    assert not delivered
    assert time.monotonic() < context.deadline
    assert 3 <= cfn.attempts <= 10  # backoff 0.2, 0.4, 0.8 ... within 2 s
    assert time.monotonic() - started > 1.0


def test_a_refused_connection_is_retried_then_given_up_before_the_deadline(monkeypatch):
    monkeypatch.setenv("PREFLIGHT_RESPONSE_HOSTS", "localhost")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    deadline = Deadline.after(1.5)
    assert not deliver(f"https://localhost:{port}/x?X-Amz-Signature=1", RESPONSE, deadline)
    assert deadline.remaining() > 0
