"""The throttling stand-in in front of moto's server answers each service's own throttling error, which
botocore recognises as throttling; unthrottled calls reach moto."""
from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import ThrottledRetryableChecker, ThrottlingStatusCodeChecker

from preflight.aws.access import new_session
from sim.throttle_proxy import ThrottlingProxy

CALLS = [  # (service, call, expected code, expected HTTP status)
    ("cloudtrail", lambda c: c.describe_trails(), "ThrottlingException", 400),
    ("config", lambda c: c.describe_configuration_recorders(), "ThrottlingException", 400),
    ("logs", lambda c: c.describe_metric_filters(), "ThrottlingException", 400),
    ("iam", lambda c: c.get_account_summary(), "Throttling", 400),
    ("sts", lambda c: c.get_caller_identity(), "Throttling", 400),
    ("sns", lambda c: c.list_topics(), "Throttling", 400),
    ("cloudwatch", lambda c: c.describe_alarms(), "Throttling", 400),
    ("ec2", lambda c: c.get_ebs_encryption_by_default(), "RequestLimitExceeded", 503),
    ("guardduty", lambda c: c.list_detectors(), "TooManyRequestsException", 429),
    ("securityhub", lambda c: c.describe_hub(), "TooManyRequestsException", 429),
    # (ListAnalyzers is answered in-process by sim.moto_gaps in tests, so another Access Analyzer call)
    ("accessanalyzer", lambda c: c.list_archive_rules(analyzerName="external"), "TooManyRequestsException", 429),
]


@pytest.fixture
def proxy(moto_endpoint):
    everything_throttled = {f"{s}:*": 0.0 for s in ("cloudtrail", "config", "logs", "iam", "sts", "sns", "monitoring",
                                                    "ec2", "guardduty", "securityhub", "access-analyzer", "s3")}
    stand_in = ThrottlingProxy(moto_endpoint, everything_throttled, burst=0)
    yield stand_in
    stand_in.close()


def client(service: str, endpoint: str):
    return new_session(region_name="us-east-1").client(
        service, endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


@pytest.mark.parametrize("service, call, code, status", CALLS, ids=[c[0] for c in CALLS])
def test_each_service_gets_its_own_throttling_error(proxy, service, call, code, status):
    with pytest.raises(ClientError) as raised:
        call(client(service, proxy.url))
    response = raised.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    throttled = code in ThrottledRetryableChecker._THROTTLED_ERROR_CODES or status in \
        ThrottlingStatusCodeChecker._THROTTLING_STATUS_CODES
    assert throttled, "botocore must treat it as throttling (and back off)"


def test_an_unlisted_action_passes_through_to_moto(moto_endpoint):
    proxy = ThrottlingProxy(moto_endpoint, {"cloudtrail:DescribeTrails": 0.0}, burst=0)
    try:
        assert "Trails" in client("cloudtrail", proxy.url).list_trails()
        assert proxy.throttled == {} and proxy.forwarded == {"cloudtrail:ListTrails": 1}
    finally:
        proxy.close()


def test_a_rate_admits_a_burst_then_throttles(moto_endpoint):
    proxy = ThrottlingProxy(moto_endpoint, {"iam:GetAccountSummary": 0.001}, burst=2)
    try:
        iam = client("iam", proxy.url)
        iam.get_account_summary()
        iam.get_account_summary()
        with pytest.raises(ClientError, match="Throttling"):
            iam.get_account_summary()
    finally:
        proxy.close()


def test_s3_control_reached_as_a_proxy_gets_s3s_slow_down(proxy, monkeypatch):
    """s3control prefixes the account id to the host, so clients reach the stand-in as an HTTP proxy."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost")
    s3control = client("s3control", proxy.url)
    with pytest.raises(ClientError) as raised:
        s3control.get_public_access_block(AccountId="123456789012")
    assert (raised.value.response["Error"]["Code"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("SlowDown", 503)
