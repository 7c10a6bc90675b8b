"""The baseline document: named baselines, two-phase validation with named entries, and loading from a
file, SSM or S3 - failing closed."""
import datetime
import json

import boto3
import pytest

from checks import ALL_CHECKS
from preflight import baseline, named_baselines
from preflight.errors import BaselineError
from preflight.model import Mode, OnError, Severity
from preflight.policy import RegionsKind
from preflight.registry import default_registry

REGISTRY = default_registry()


def parse(document):
    return baseline.parse(document, REGISTRY, source="test")


def problems(document) -> list[str]:
    with pytest.raises(BaselineError) as raised:
        parse(document)
    return list(raised.value.problems)


def test_minimal_is_the_four_headline_checks_and_the_default():
    assert [s.check.id for s in baseline.load("minimal", None, REGISTRY).selections] == list(named_baselines.HEADLINE)
    default = baseline.load("", None, REGISTRY)
    assert [s.check.id for s in default.selections] == list(named_baselines.HEADLINE)
    assert default.allow_overrides  # nobody deployed a baseline: the template is in charge


def test_a_named_baseline_chosen_by_the_deployer_is_authoritative():
    assert not baseline.load("recommended", None, REGISTRY).allow_overrides


def test_cis_baseline_is_every_check_mapped_to_cis_v3():
    cis = baseline.load("cis-aws-foundations-v3", None, REGISTRY)
    assert {s.check.id for s in cis.selections} == {c.id for c in ALL_CHECKS if c.meta.controls.cis_aws_v3}
    assert "root-account-hardware-mfa" in {s.check.id for s in cis.selections}


def test_hardware_mfa_is_off_by_default():
    for name in ("minimal", "recommended"):
        assert "root-account-hardware-mfa" not in {s.check.id for s in baseline.load(name, None, REGISTRY).selections}


def test_a_full_document():
    policy = parse({
        "extends": "minimal",
        "checks": ["guardduty-enabled", {"id": "iam-password-policy", "parameters": {"minimum_length": 16},
                                         "severity": "critical"}],
        "mode": "audit", "on_error": "warn", "fail_on": "HIGH", "regions": ["eu-west-1", "us-east-1"],
        "exemptions": [{"check": "guardduty-enabled", "region": "eu-west-1", "reason": "sandbox region",
                        "approved_by": "secops", "expires": datetime.date(2030, 1, 1)}],
    })
    ids = [s.check.id for s in policy.selections]
    assert ids == list(named_baselines.HEADLINE) + ["guardduty-enabled", "iam-password-policy"]
    password = policy.selection("iam-password-policy")
    assert password.parameters["minimum_length"] == 16 and password.parameters["reuse_prevention"] == 24
    assert password.severity is Severity.CRITICAL
    assert (policy.mode, policy.on_error, policy.fail_on) == (Mode.AUDIT, OnError.WARN, Severity.HIGH)
    assert (policy.regions.kind, policy.regions.names) == (RegionsKind.LISTED, ("eu-west-1", "us-east-1"))
    assert policy.exemptions[0].expires == datetime.date(2030, 1, 1)
    assert not policy.allow_overrides


def test_shape_errors_come_first_and_name_the_key():
    assert problems({"checks": "cloudtrail-enabled", "mode": 3, "check": []}) == [
        "unknown baseline key 'check' (did you mean 'checks'?)",
        "'checks' must be a list, not a string",
        "'mode' must be a string, not a number",
    ]


def test_meaning_errors_name_the_entry_and_the_closest_choice():
    found = problems({
        "checks": ["cloudtrail-enable", {"id": "iam-password-policy", "parameters": {"min_length": 8}},
                   {"id": "iam-password-policy", "parameters": {"minimum_length": "long"}, "severity": "urgent"}],
        "mode": "enforced", "regions": ["mars-north-1"], "fail_on": "HIGHEST",
    })
    assert "unknown check 'cloudtrail-enable' (did you mean 'cloudtrail-enabled'?)" in found
    assert "unknown parameter 'min_length' for iam-password-policy (did you mean 'minimum_length'?)" in found
    assert "checks[2] (iam-password-policy).parameters.minimum_length must be a whole number, not 'long'" in found
    assert any(p.startswith("checks[2] (iam-password-policy).severity must be one of CRITICAL") for p in found)
    assert "unknown mode 'enforced' (did you mean 'enforce'?)" in found
    assert "regions[0] is not a region name: 'mars-north-1'" in found
    assert any(p.startswith("'fail_on' must be one of") for p in found)


def test_exemption_errors():
    found = problems({"checks": ["cloudtrail-enabled"], "exemptions": [
        {"check": "no-such-check", "reason": "r", "approved_by": "a", "expires": "2030-01-01"},
        {"check": "cloudtrail-enabled", "reason": "r", "expires": "next year"},
        {"check": "cloudtrail-enabled", "reason": "r", "approved_by": "a", "expires": "2030-01-01", "scope": "x"},
    ]})
    assert "unknown check 'no-such-check'" in found[0]
    assert "exemptions[1] lacks 'approved_by'" in found
    assert "exemptions[1].expires must be a date (YYYY-MM-DD), not 'next year'" in found
    assert any("unknown field in exemptions[2] 'scope'" in p for p in found)


def test_an_empty_baseline_is_refused():
    assert problems({"checks": []}) == ["the baseline selects no checks"]


def test_unknown_extends():
    assert problems({"extends": "recomended"}) == [
        "'extends': unknown baseline 'recomended' (did you mean 'recommended'?)", "the baseline selects no checks"]


DOCUMENT = "checks: [root-account-mfa-enabled]\nmode: enforce\n"


def test_loaded_from_a_file_shipped_in_the_package(tmp_path):
    path = tmp_path / "baseline.yaml"
    path.write_text(DOCUMENT)
    policy = baseline.load(f"file:{path}", None, REGISTRY)
    assert [s.check.id for s in policy.selections] == ["root-account-mfa-enabled"]
    assert policy.source.startswith(f"file:{path} (sha256 ")


def test_loaded_from_ssm_and_from_s3():
    from preflight.aws.access import AwsAccess

    aws = AwsAccess(region="us-east-1", account_id="123456789012")
    boto3.client("ssm").put_parameter(Name="/preflight/baseline", Value=json.dumps({"checks": ["cloudtrail-enabled"]}),
                                      Type="String")
    assert baseline.load("ssm:/preflight/baseline", aws, REGISTRY).selections[0].check.id == "cloudtrail-enabled"
    boto3.client("s3").create_bucket(Bucket="security-baselines")
    boto3.client("s3").put_object(Bucket="security-baselines", Key="prod.yaml", Body=DOCUMENT.encode())
    assert baseline.load("s3://security-baselines/prod.yaml", aws, REGISTRY).selections[0].check.id == \
        "root-account-mfa-enabled"


@pytest.mark.parametrize("source, expected", [
    ("ssm:/missing", "the baseline ssm:/missing could not be fetched (ParameterNotFound"),
    ("s3://nobucket/x.yaml", "the baseline s3://nobucket/x.yaml could not be fetched (NoSuchBucket"),
    ("file:/nonexistent.yaml", "the baseline file:/nonexistent.yaml could not be fetched (FileNotFoundError"),
    ("strict", "unknown baseline 'strict'"),
])
def test_a_baseline_that_cannot_be_fetched_fails_closed(source, expected):
    from preflight.aws.access import AwsAccess

    with pytest.raises(BaselineError) as raised:
        baseline.load(source, AwsAccess(region="us-east-1", account_id="123456789012"), REGISTRY)
    assert str(raised.value).startswith(expected)


def test_a_baseline_that_does_not_parse_or_validate_fails_closed(tmp_path):
    broken, invalid = tmp_path / "broken.yaml", tmp_path / "invalid.yaml"
    broken.write_text("checks: [unclosed\n")
    invalid.write_text("checks: [cloudtrail-enabled]\nmode: lenient\n")
    with pytest.raises(BaselineError, match="is not valid YAML or JSON"):
        baseline.load(f"file:{broken}", None, REGISTRY)
    with pytest.raises(BaselineError, match=r"is invalid: unknown mode 'lenient'"):
        baseline.load(f"file:{invalid}", None, REGISTRY)


def test_the_cis_baseline_audits_every_region():
    """CIS v3.0 3.3 ("AWS Config is enabled in all regions"), 1.20, 2.2.1, 4.16 and 5.4 are all-region items."""
    assert baseline.load("cis-aws-foundations-v3", None, REGISTRY).regions.kind.value == "all"


def test_each_cis_version_has_its_own_baseline_of_the_checks_mapped_to_it():
    from preflight.named_baselines import named_baseline
    from preflight.registry import default_registry

    registry = default_registry()
    v3, v5 = (named_baseline(f"cis-aws-foundations-{v}", registry) for v in ("v3", "v5"))
    assert v3["regions"] == v5["regions"] == "all"
    from preflight.named_baselines import check_ids

    assert set(check_ids(v5)) == {c.id for c in registry if c.meta.controls.cis_aws_v5}
    assert "root-account-mfa-enabled" in check_ids(v5) and "template-iam-actions-exist" not in check_ids(v5)
    assert "restricted-common-ports" in check_ids(v5) and "restricted-common-ports" not in check_ids(v3)  # new in v5


def test_the_v5_baseline_sets_the_pass_rules_v5_changed():
    """CIS v5.0.0 1.4 passes a root user without a password; 1.17 wants a role in the instance profile; 2.1.1 also
    takes a Deny of old TLS versions."""
    from preflight.baseline import load
    from preflight.registry import default_registry

    v3, v5 = (load(f"cis-aws-foundations-{v}", None, default_registry()) for v in ("v3", "v5"))
    assert v5.selection("root-account-mfa-enabled").parameters["pass_without_root_password"] is True
    assert v3.selection("root-account-mfa-enabled").parameters["pass_without_root_password"] is False
    assert v5.selection("ec2-instance-profile-attached").parameters["require_role_in_profile"] is True
    assert v3.selection("ec2-instance-profile-attached").parameters["require_role_in_profile"] is False
    assert v5.selection("s3-bucket-ssl-requests-only").parameters["accept_tls_version_deny"] is True
    assert v3.selection("s3-bucket-ssl-requests-only").parameters["accept_tls_version_deny"] is False
