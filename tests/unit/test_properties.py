"""Template properties over the deployed baseline: they may add and tighten, never weaken - unless the
baseline allows overrides, or none was deployed."""
import pytest

from preflight import baseline, properties
from preflight.errors import PolicyError
from preflight.model import Mode
from preflight.registry import default_registry

REGISTRY = default_registry()
DEPLOYED = baseline.parse({"checks": ["cloudtrail-enabled", {"id": "iam-password-policy",
                                                             "parameters": {"minimum_length": 14}}]},
                          REGISTRY, source="deployed")
LENIENT = baseline.parse({"checks": ["cloudtrail-enabled", "iam-password-policy"], "allow_overrides": True},
                         REGISTRY, source="lenient")


def apply(props, base=DEPLOYED):
    return properties.apply(props, base, REGISTRY)


def refused(props, base=DEPLOYED) -> str:
    with pytest.raises(PolicyError) as raised:
        apply(props, base)
    return str(raised.value)


def test_properties_may_add_checks_to_the_baseline():
    policy = apply({"Checks": ["cloudtrail-enabled", "iam-password-policy", "guardduty-enabled"]})
    assert [s.check.id for s in policy.selections] == ["cloudtrail-enabled", "iam-password-policy", "guardduty-enabled"]


def test_properties_may_not_turn_off_a_required_check():
    assert refused({"Checks": ["cloudtrail-enabled"]}) == \
        "the baseline requires iam-password-policy; properties may not turn it off"


def test_properties_may_not_switch_enforce_to_audit():
    assert refused({"Mode": "audit"}) == "the baseline enforces; properties may not switch it to audit"


def test_properties_may_tighten_a_parameter_given_as_a_string():
    policy = apply({"Parameters": {"iam-password-policy": {"minimum_length": "20", "require_symbols": "true"}}})
    selection = policy.selection("iam-password-policy")
    assert (selection.parameters["minimum_length"], selection.parameters["require_symbols"]) == (20, True)


def test_properties_may_not_loosen_a_parameter():
    assert refused({"Parameters": {"iam-password-policy": {"minimum_length": 8}}}) == (
        "Parameters.iam-password-policy.minimum_length: 8 is weaker than the baseline's 14 (stricter is higher)")


def test_properties_may_not_add_exemptions():
    exemption = {"check": "cloudtrail-enabled", "reason": "r", "approved_by": "me", "expires": "2030-01-01"}
    assert refused({"Exemptions": [exemption]}) == "the baseline does not allow properties to add exemptions"


def test_a_baseline_that_allows_overrides_lets_properties_do_all_of_it():
    exemption = {"check": "cloudtrail-enabled", "reason": "r", "approved_by": "me", "expires": "2030-01-01"}
    policy = apply({"Checks": ["iam-password-policy"], "Mode": "audit", "Exemptions": [exemption],
                    "Parameters": {"iam-password-policy": {"minimum_length": 8}}}, LENIENT)
    assert [s.check.id for s in policy.selections] == ["iam-password-policy"]
    assert policy.mode is Mode.AUDIT and len(policy.exemptions) == 1
    assert policy.selection("iam-password-policy").parameters["minimum_length"] == 8


def test_parameters_for_a_check_not_run_are_an_error():
    assert refused({"Parameters": {"guardduty-enabled": {}}}) == \
        "Parameters.guardduty-enabled: guardduty-enabled is not among the checks this audit runs"


def test_parameter_problems_name_the_entry():
    assert refused({"Parameters": {"iam-password-policy": {"minimum_length": "long", "minimum_lenght": 1}}}) == (
        "Parameters.iam-password-policy.minimum_length must be a whole number, not 'long'; "
        "unknown parameter 'minimum_lenght' for iam-password-policy (did you mean 'minimum_length'?)")


def test_with_no_deployed_baseline_the_template_chooses():
    policy = apply({"Checks": ["root-account-mfa-enabled"], "Mode": "audit"}, baseline.load("", None, REGISTRY))
    assert [s.check.id for s in policy.selections] == ["root-account-mfa-enabled"] and policy.mode is Mode.AUDIT
