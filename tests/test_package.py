"""The Lambda zip is complete: unpacked into an empty folder and invoked with only that folder and the
runtime's own packages (boto3 and its dependencies) on the path, against moto's server and a local
HTTPS stand-in for CloudFormation."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

from sim.cloudformation import ACCOUNT_ID, FUNCTION_ARN, REGION, event
from sim.moto_server import client_environment
from tools.package import LAMBDA_PYTHON, build

# What the Lambda Python runtime provides besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six")

INVOKE = """
import json, logging, sys, time
sys.path[:0] = sys.argv[1:3]
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)  # as the Lambda runtime's root handler would
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


def test_zip_holds_the_engine_the_catalogue_and_crhelper_but_not_boto3(unpacked):
    top = {p.name for p in unpacked.iterdir()}
    assert {"preflight", "checks", "crhelper", "yaml"} <= top
    assert not {"boto3", "botocore", "moto", "tests", "sim", "tools"} & top


def lambda_python() -> str | None:
    """The Lambda runtime's Python version, if this machine has it (pyenv does here), to load the zip's
    compiled wheels (wrapt, PyYAML) as Lambda would; elsewhere their pure-Python fallbacks run."""
    installed = sorted(Path.home().glob(f".pyenv/versions/{LAMBDA_PYTHON}*/bin/python{LAMBDA_PYTHON}"))
    on_path = shutil.which(f"python{LAMBDA_PYTHON}")
    if installed:
        return str(installed[-1])
    return on_path if on_path and "/shims/" not in on_path else None


def run_packaged(folder: Path, runtime: Path, events: list[dict], python: str = sys.executable
                 ) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }
    return subprocess.run(
        [python, "-S", "-c", INVOKE, str(folder), str(runtime), FUNCTION_ARN],
        input="\n".join(json.dumps(e) for e in events),
        env=env, capture_output=True, text=True, timeout=60, cwd=folder,
    )


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
    completed = run_packaged(unpacked, runtime, events)
    assert completed.returncode == 0, completed.stderr
    answers = {r.body["RequestId"]: r.body for r in cfn.wait_for(3)}
    assert answers["r1"]["Status"] == "SUCCESS", answers["r1"]["Reason"]
    assert answers["r1"]["Data"]["PassedChecks"] == "s3-account-level-public-access-blocks"
    assert answers["r2"]["Status"] == "FAILED"
    assert answers["r2"]["Reason"] == "FAIL: root-account-mfa-enabled: The root user has no MFA device."
    assert answers["r3"]["Status"] == "SUCCESS"
    assert "answering FAILED" in completed.stderr
    assert "X-Amz-Signature" not in completed.stderr + completed.stdout


def test_a_check_module_that_fails_to_import_still_answers(unpacked, runtime, cfn, tmp_path):
    broken = tmp_path / "task"
    shutil.copytree(unpacked, broken)
    (broken / "checks" / "root_account.py").write_text("raise ImportError('simulated broken deploy')\n")
    events = [
        event("Create", cfn.url("c"), request_id="c"),
        event("Update", cfn.url("u"), {"Revision": "2"}, request_id="u"),
        event("Delete", cfn.url("d"), request_id="d"),
    ]
    completed = run_packaged(broken, runtime, events)
    assert completed.returncode == 0, completed.stderr
    answers = {r.body["RequestId"]: r.body for r in cfn.wait_for(3)}
    for request_id in ("c", "u"):
        assert answers[request_id]["Status"] == "FAILED"
        assert answers[request_id]["Reason"] == (
            "The preflight auditor failed to start (ImportError: simulated broken deploy); see its log."
        )
    assert answers["d"]["Status"] == "SUCCESS"
    assert all(answers[r]["PhysicalResourceId"] for r in "cud")
    assert "simulated broken deploy" in completed.stderr  # the log has the cause ...
    assert "X-Amz-Signature" not in completed.stderr + completed.stdout  # ... and never the URL


def test_packaged_handler_reads_a_yaml_baseline(unpacked, runtime, moto_endpoint, cfn, monkeypatch, tmp_path):
    for key, value in client_environment(moto_endpoint).items():
        monkeypatch.setenv(key, value)
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("checks:\n  - root-account-mfa-enabled\nmode: enforce\n")
    monkeypatch.setenv("PREFLIGHT_BASELINE", f"file:{baseline}")
    completed = run_packaged(unpacked, runtime, [
        event("Create", cfn.url("y1"), {"Mode": "audit"}, request_id="y1"),
        event("Create", cfn.url("y2"), request_id="y2"),
    ])
    assert completed.returncode == 0, completed.stderr
    answers = {r.body["RequestId"]: r.body for r in cfn.wait_for(2)}
    assert answers["y1"]["Reason"] == ("Invalid Custom::Preflight properties: the baseline enforces; "
                                       "properties may not switch it to audit.")
    assert answers["y2"]["Reason"] == "FAIL: root-account-mfa-enabled: The root user has no MFA device."


@pytest.mark.skipif(lambda_python() is None, reason=f"no python{LAMBDA_PYTHON} on this machine")
def test_packaged_handler_runs_on_the_lambda_python_with_its_compiled_wheels(unpacked, runtime, moto_endpoint, cfn,
                                                                           monkeypatch):
    for key, value in client_environment(moto_endpoint).items():
        monkeypatch.setenv(key, value)
    completed = run_packaged(unpacked, runtime, [event("Create", cfn.url("p13"), request_id="p13")], lambda_python())
    assert completed.returncode == 0, completed.stderr
    assert cfn.wait_for(1)[0].body["Reason"].startswith("FAIL: root-account-mfa-enabled")
