"""The Lambda zip is complete: unpacked into an empty folder and invoked with only that folder and the
runtime's own packages (boto3 and its dependencies) on the path, against moto's server and a local
HTTPS stand-in for CloudFormation."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

from sim.cloudformation import ACCOUNT_ID, FUNCTION_ARN, REGION, event
from sim.moto_server import client_environment, start_moto_server
from tools.package import build

# What the Lambda Python runtime provides besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six")

INVOKE = """
import json, sys, time
sys.path[:0] = sys.argv[1:3]
started = time.monotonic()
from preflight.handler import handler
import preflight, crhelper
assert preflight.__file__.startswith(sys.argv[1]), preflight.__file__
assert crhelper.__file__.startswith(sys.argv[1]), crhelper.__file__

class Context:
    invoked_function_arn = sys.argv[3]
    aws_request_id = "local"
    def get_remaining_time_in_millis(self):
        return int((started + 30 - time.monotonic()) * 1000)

for line in sys.stdin:
    handler(json.loads(line), Context())
"""


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory) -> Path:
    archive = build(tmp_path_factory.mktemp("dist"))
    folder = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(folder)
    return folder


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> Path:
    """A folder holding only the runtime's packages, like /var/runtime."""
    folder = tmp_path_factory.mktemp("runtime")
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        source = Path(spec.origin)
        source = source.parent if source.name == "__init__.py" else source
        (folder / source.name).symlink_to(source)
    return folder


@pytest.fixture(scope="module")
def moto_endpoint():
    server, endpoint = start_moto_server()
    yield endpoint
    server.stop()


def test_zip_holds_the_engine_the_catalogue_and_crhelper_but_not_boto3(unpacked):
    top = {p.name for p in unpacked.iterdir()}
    assert {"preflight", "checks", "crhelper"} <= top
    assert not {"boto3", "botocore", "moto", "tests", "sim", "tools"} & top


def test_packaged_handler_answers_from_an_empty_folder(unpacked, runtime, moto_endpoint, cfn, monkeypatch):
    for key, value in client_environment(moto_endpoint).items():
        monkeypatch.setenv(key, value)
    # The account: MFA is off in moto, everything else compliant enough to see a mixed verdict.
    boto3.client("s3control", region_name=REGION).put_public_access_block(
        AccountId=ACCOUNT_ID,
        PublicAccessBlockConfiguration=dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
        ),
    )
    events = [
        event("Create", cfn.url("r1"), {"Checks": ["s3-account-level-public-access-blocks"]}, request_id="r1"),
        event("Create", cfn.url("r2"), {"Checks": ["root-account-mfa-enabled"]}, request_id="r2"),
        event("Delete", cfn.url("r3"), request_id="r3"),
    ]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }
    completed = subprocess.run(
        [sys.executable, "-S", "-c", INVOKE, str(unpacked), str(runtime), FUNCTION_ARN],
        input="\n".join(json.dumps(e) for e in events),
        env=env, capture_output=True, text=True, timeout=60, cwd=unpacked,
    )
    assert completed.returncode == 0, completed.stderr
    answers = {r.body["RequestId"]: r.body for r in cfn.wait_for(3)}
    assert answers["r1"]["Status"] == "SUCCESS", answers["r1"]["Reason"]
    assert answers["r1"]["Data"]["PassedChecks"] == "s3-account-level-public-access-blocks"
    assert answers["r2"]["Status"] == "FAILED"
    assert answers["r2"]["Reason"] == "FAIL: root-account-mfa-enabled: The root user has no MFA device."
    assert answers["r3"]["Status"] == "SUCCESS"
