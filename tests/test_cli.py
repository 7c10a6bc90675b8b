"""The CLI runs the same engine: exit codes, table and JSON output, and errors in words."""
import json

import pytest

from preflight.cli import main
from sim.account import make_compliant, set_root_mfa


def test_compliant_account_exits_zero_with_a_table(capsys):
    make_compliant()
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "Verdict: PASS" in out


def test_failing_account_exits_one_and_shows_how_to_fix(capsys):
    make_compliant()
    set_root_mfa(False)
    assert main(["audit"]) == 1
    out = capsys.readouterr().out
    assert "How to fix:" in out and "root-account-mfa-enabled" in out


def test_audit_mode_reports_and_exits_zero(capsys):
    assert main(["audit", "--mode", "audit", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "FAIL" and report["mode"] == "audit"


def test_selected_checks_only(capsys):
    set_root_mfa(True)
    assert main(["audit", "--checks", "root-account-mfa-enabled", "--format", "json"]) == 0
    assert [f["check"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["root-account-mfa-enabled"]


def test_unknown_check_is_a_usage_error_with_a_suggestion(capsys):
    assert main(["audit", "--checks", "root-mfa-enabled"]) == 2
    assert "did you mean 'root-account-mfa-enabled'?" in capsys.readouterr().err


def test_missing_region_is_a_usage_error_in_words(capsys, monkeypatch):
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert main(["audit"]) == 2
    assert "no AWS region is configured" in capsys.readouterr().err


def test_checks_lists_the_catalogue(capsys):
    assert main(["checks"]) == 0
    out = capsys.readouterr().out
    assert "cloudtrail-enabled" in out and "CloudTrail.1" in out


def test_unknown_profile_is_a_usage_error(capsys):
    assert main(["audit", "--profile", "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["audit", "--mode", "strict"], ["frobnicate"]])
def test_bad_arguments_exit_two(argv):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2


def test_a_named_baseline_runs_its_checks(capsys):
    assert main(["audit", "--baseline", "recommended", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert len({f["check"] for f in report["findings"]}) == 15
    assert report["baseline"] == "recommended"


def test_a_baseline_file_with_regions(capsys, tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("checks: [ebs-encryption-by-default]\nregions: [us-east-1, eu-west-1]\n")
    assert main(["audit", "--baseline", f"file:{path}", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [f["region"] for f in report["findings"]] == ["us-east-1", "eu-west-1"]


def test_a_broken_baseline_is_a_usage_error(capsys):
    assert main(["audit", "--baseline", "ssm:/nope"]) == 2
    assert "could not be fetched (ParameterNotFound" in capsys.readouterr().err
