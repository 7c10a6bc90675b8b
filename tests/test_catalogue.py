"""The catalogue: complete metadata beside every check, and a registry that refuses duplicate ids."""
import re

import pytest

from checks import ALL_CHECKS
from preflight.model import Scope, Severity
from preflight.registry import DuplicateCheckError, Registry, default_registry


def test_registry_refuses_a_duplicate_id():
    with pytest.raises(DuplicateCheckError, match="cloudtrail-enabled"):
        Registry((*ALL_CHECKS, ALL_CHECKS[0]))


def test_the_four_headline_checks_lead_the_catalogue():
    assert default_registry().ids[:4] == (
        "cloudtrail-enabled",
        "root-account-mfa-enabled",
        "s3-account-level-public-access-blocks",
        "config-recording-enabled",
    )


def test_the_catalogue_has_at_least_sixteen_checks():
    assert len(default_registry()) >= 16


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.id)
def test_every_check_declares_complete_metadata(check):
    meta = check.meta
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", meta.id)
    assert meta.title and isinstance(meta.severity, Severity)
    if meta.controls.cis_aws_v3:
        assert re.fullmatch(r"\d+(\.\d+)+(, \d+(\.\d+)+)*", meta.controls.cis_aws_v3)
    for parameter in meta.parameters:
        assert isinstance(parameter.default, parameter.type) and parameter.description
    assert len(meta.remediation) > 40
    assert meta.remediation_url.startswith("https://docs.aws.amazon.com/")
    if meta.scope is Scope.TEMPLATE:  # reads the template being deployed, never the account
        assert meta.iam_actions == () and meta.controls.security_hub is None
        return
    # An account check sits in Security Hub's controls, or (CIS 1.13 has no Security Hub control) in CIS alone.
    assert meta.controls.security_hub or meta.controls.cis_aws_v3
    if meta.controls.security_hub:
        assert re.fullmatch(r"[A-Za-z0-9]+\.\d+(, [A-Za-z0-9]+\.\d+)*", meta.controls.security_hub)
    assert meta.iam_actions and all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z]+", a) for a in meta.iam_actions)
