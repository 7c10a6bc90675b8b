"""The CLI as a newcomer meets it, each case as a real process: no traceback, exit 2 with advice that works
when followed (issue 13)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.moto_server import client_environment

from tests.support.paths import ROOT  # noqa: E402


# A process that should not need AWS gets an endpoint nobody listens on: a call would fail here, on loopback.
NOWHERE = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}


def preflight(*argv: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    completed = subprocess.run([sys.executable, "-m", "preflight", *argv], capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT), **NOWHERE, **(env or {})}, timeout=120,
                               cwd=cwd)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


@pytest.fixture
def against_moto(moto_endpoint):
    return client_environment(moto_endpoint)


def test_following_the_no_region_advice_works(against_moto, tmp_path):
    config = tmp_path / "config"
    config.write_text("")
    env = {**against_moto, "AWS_CONFIG_FILE": str(config)}
    env.pop("AWS_DEFAULT_REGION", None)
    without = {k: v for k, v in {**os.environ, **env}.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    told = subprocess.run([sys.executable, "-m", "preflight", "audit", "--checks", "root-account-mfa-enabled"],
                          capture_output=True, text=True, env={**without, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert (told.returncode, told.stderr) == (2, "preflight: no AWS region is configured: pass --region or set AWS_REGION\n")
    followed = subprocess.run([sys.executable, "-m", "preflight", "audit", "--checks", "root-account-mfa-enabled"],
                              capture_output=True, text=True, timeout=120,
                              env={**without, "PYTHONPATH": str(ROOT), "AWS_REGION": "us-east-1"})
    assert followed.returncode == 1, followed.stderr  # the audit ran: root MFA is off in a new account
    assert "root-account-mfa-enabled" in followed.stdout


@pytest.mark.parametrize("where, problem", [
    ("missing-folder/report.json", "the folder"),
    (".", "is a folder; name a file in it"),
])
def test_an_output_that_cannot_be_written_is_refused_before_the_audit(tmp_path, where, problem):
    completed = preflight("audit", "--output", where, cwd=tmp_path)
    assert completed.returncode == 2 and problem in completed.stderr
    assert "checks done" not in completed.stderr


@pytest.mark.parametrize("value", ["0", "-5", "inf", "nan", "forever", "99999"])
def test_a_timeout_must_be_positive_finite_and_bounded(value):
    completed = preflight("audit", "--timeout", value)
    assert completed.returncode == 2 and "--timeout" in completed.stderr


@pytest.mark.parametrize("arn", ["arn:aws:lambda:us-east-1:123456789012:function:preflight",
                                 "arn:aws:iam::123456789012:user/alice", "role/admin"])
def test_role_arn_takes_iam_role_arns_only(arn):
    completed = preflight("audit", "--role-arn", arn)
    assert completed.returncode == 2 and "not an IAM role ARN" in completed.stderr


def test_validate_a_plain_path_that_does_not_exist_says_why(tmp_path):
    completed = preflight("validate", "missing.yaml", cwd=tmp_path)
    assert completed.returncode == 2
    assert "could not be fetched (FileNotFoundError" in completed.stderr
    assert "unknown baseline" not in completed.stderr


def test_a_misspelt_baseline_name_gets_a_suggestion():
    for command in (["validate", "recomended"], ["audit", "--baseline", "recomended"]):
        completed = preflight(*command)
        assert completed.returncode == 2 and "unknown baseline 'recomended' (did you mean 'recommended'?)" in completed.stderr


def test_validate_lists_every_problem_under_one_header(tmp_path):
    document = tmp_path / "baseline.yaml"
    document.write_text("checks: [nope-1, nope-2, nope-3]\nmode: strict\nregions: [mars]\n")
    completed = preflight("validate", str(document))
    assert completed.returncode == 2
    lines = completed.stderr.splitlines()
    assert lines[0] == f"preflight: the baseline file:{document} is invalid:"
    assert lines[1:] == ["  - unknown check 'nope-1'", "  - unknown check 'nope-2'", "  - unknown check 'nope-3'",
                         "  - the baseline selects no checks", "  - unknown mode 'strict' (valid: enforce, audit)",
                         "  - regions[0] is not a region name: 'mars'"]
    assert completed.stderr.count("is invalid") == 1


def test_version_and_format_help_and_case():
    version = preflight("--version")
    assert version.returncode == 0 and version.stdout.startswith("preflight ")
    helped = preflight("audit", "--help")
    assert "how to write the result: table, json, junit, sarif, markdown, asff" in " ".join(helped.stdout.split())
    assert preflight("checks", "--format", "JSON").stdout.lstrip().startswith("[")


def test_explain_says_parameters_in_words():
    out = preflight("explain", "cloudtrail-enabled").stdout
    assert "(one of All, WriteOnly, ReadOnly; each choice is stricter than the ones after it)" in out
    out = preflight("explain", "iam-password-policy").stdout
    assert "(a whole number from 6 to 128; a higher number is stricter)" in out
    assert "str;" not in out and "earlier choice" not in out


def test_an_endpoint_answering_html_is_shown_as_its_status_line(against_moto):
    """moto's server answers Access Analyzer with an HTML 500 page; the table shows one short line."""
    completed = preflight("audit", "--checks", "access-analyzer-enabled", env=against_moto)
    assert completed.returncode == 1
    assert "<" not in completed.stdout and "doctype" not in completed.stdout.lower()
    assert "ERROR" in completed.stdout
