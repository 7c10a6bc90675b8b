"""The catalogue: complete metadata beside every check, and a registry that refuses duplicate ids."""
import importlib
import inspect
import pkgutil
import re

import pytest

import checks
from checks import ALL_CHECKS
from preflight import registry
from preflight.model import Check, CheckMeta, Controls, Scope, Severity, Status, passed
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


# Issue 22, "a well-built organization trail" and the regional EC2 guard rails: no CIS recommendation or Security
# Hub control judges these (the docstring of each says so, cloudtrail-s3-bucket-object-lock's why not S3.15).
BEYOND_THE_FRAMEWORKS = {"cloudtrail-insights-enabled", "cloudtrail-lambda-data-events",
                         "cloudtrail-s3-bucket-object-lock", "ec2-ami-block-public-access",
                         "ec2-instance-metadata-defaults-imdsv2"}


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
    # An account check sits in Security Hub's controls, or (CIS 1.13 has no Security Hub control) in CIS alone -
    # unless it is one of the few no framework item names, listed so that a forgotten mapping still fails.
    assert meta.controls.security_hub or meta.controls.cis_aws_v3 or meta.id in BEYOND_THE_FRAMEWORKS
    if meta.controls.security_hub:
        assert re.fullmatch(r"[A-Za-z0-9]+\.\d+(, [A-Za-z0-9]+\.\d+)*", meta.controls.security_hub)
    assert meta.iam_actions and all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z]+", a) for a in meta.iam_actions)


# --- one convention for declaring a check (README "Layout") ---------------------------------------------------

def _modules(helpers: bool) -> list:
    names = sorted(m.name for m in pkgutil.iter_modules(checks.__path__) if m.name.startswith("_") == helpers)
    return [importlib.import_module(f"checks.{name}") for name in names]


def _module_level_checks(module) -> dict[str, Check]:
    return {name: value for name, value in vars(module).items() if isinstance(value, Check)}


@pytest.mark.parametrize("module", _modules(helpers=False), ids=lambda m: m.__name__)
def test_every_check_module_exports_its_checks_as_one_tuple_and_nothing_else(module):
    exported = module.CHECKS
    assert isinstance(exported, tuple) and exported and all(isinstance(c, Check) for c in exported)
    assert len({id(c) for c in exported}) == len(exported)
    # The only other module-level checks are the decorated run functions themselves, named after their ids:
    # no CHECK, no MFA, no alias.
    for name, value in _module_level_checks(module).items():
        assert any(value is c for c in exported), f"{module.__name__}.{name} is a check outside CHECKS"
        assert name == value.id.replace("-", "_"), f"{module.__name__}.{name} should be named after {value.id}"


@pytest.mark.parametrize("module", _modules(helpers=True), ids=lambda m: m.__name__)
def test_helper_modules_export_no_checks(module):
    assert not hasattr(module, "CHECKS")


def test_every_catalogue_check_comes_from_exactly_one_modules_checks():
    exported = [c for module in _modules(helpers=False) for c in module.CHECKS]
    for check in ALL_CHECKS:
        assert sum(c is check for c in exported) == 1, check.id
    assert len(exported) == len(ALL_CHECKS)  # and no module's check is left out of the catalogue


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.id)
def test_every_check_says_how_it_is_judged_and_against_which_aws_document(check):
    """The run function's docstring is how the check is judged: what PASS and FAIL mean, then a "Source:" naming
    the AWS document (a docs.aws.amazon.com page: Config rule, Security Hub control, Service Authorization
    Reference, ...) and every control the metadata maps it to (CIS x.y, Security Hub Service.N)."""
    assert check.how_judged == registry.cleaned(inspect.getdoc(check.run))
    text = check.how_judged
    assert "PASS when" in text and "FAIL when" in text
    judged, _, source = text.partition("Source:")
    assert judged and re.search(r"https://docs\.aws\.amazon\.com/\S+", source), f"{check.id} names no AWS document"
    controls = check.meta.controls
    for item in (controls.cis_aws_v3 or "").split(", ") if controls.cis_aws_v3 else ():
        assert re.search(rf"\bCIS {re.escape(item)}\b", text), f"{check.id} does not name CIS {item}"
    for control in controls.security_hub.split(", ") if controls.security_hub else ():
        assert re.search(rf"\b{re.escape(control)}\b", text), f"{check.id} does not name {control}"


def test_each_check_of_a_family_says_how_it_is_judged():
    from checks import cis_monitoring

    texts = {c.how_judged for c in cis_monitoring.CHECKS}
    assert len(texts) == len(cis_monitoring.CHECKS)
    for item, check in zip(cis_monitoring.ITEMS, cis_monitoring.CHECKS):
        assert item.what in check.how_judged and f"CIS {item.cis} " in check.how_judged
        assert all(sample.label in check.how_judged for sample in item.samples)


def _meta(check_id: str) -> CheckMeta:
    return CheckMeta(check_id, "a check", Severity.LOW, Controls(), "fix it", "https://docs.aws.amazon.com/", ())


def test_the_declaration_returns_a_check_whose_docstring_is_how_it_is_judged():
    def about() -> str:
        return "some data"

    @registry.check(_meta("documented"), about_data=about)
    def documented(ctx):
        """PASS when all is well.

        Source: https://docs.aws.amazon.com/."""
        return passed("well")

    assert isinstance(documented, Check) and documented.id == "documented" and documented.about_data is about
    assert documented.how_judged == "PASS when all is well.\n\nSource: https://docs.aws.amazon.com/."
    assert documented.run(None).status is Status.PASS


@pytest.mark.parametrize("doc", [None, "", "   \n  "])
def test_the_declaration_refuses_a_run_function_without_a_docstring(doc):
    def run(ctx):
        return passed("-")

    run.__doc__ = doc
    with pytest.raises(registry.UndocumentedCheckError, match="'undocumented'.*no docstring"):
        registry.check(_meta("undocumented"))(run)


def test_a_run_function_without_a_docstring_is_refused_when_its_module_is_imported(tmp_path, monkeypatch):
    (tmp_path / "undocumented_check.py").write_text(
        "from preflight.model import CheckMeta, Controls, Severity, passed\n"
        "from preflight.registry import check\n\n\n"
        "@check(CheckMeta('undocumented', 't', Severity.LOW, Controls(), 'fix', 'https://docs.aws.amazon.com/', ()))\n"
        "def undocumented(ctx):\n"
        "    return passed('-')\n\n\n"
        "CHECKS = (undocumented,)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(registry.UndocumentedCheckError):
        importlib.import_module("undocumented_check")


def test_every_cis_item_a_check_names_is_a_recommendation_of_that_version():
    from preflight.benchmarks import RECOMMENDATIONS, Benchmark, items

    for check in ALL_CHECKS:
        controls = check.meta.controls
        for benchmark, numbers in ((Benchmark.CIS_AWS_V3, controls.cis_aws_v3), (Benchmark.CIS_AWS_V5, controls.cis_aws_v5)):
            unknown = [n for n in items(numbers) if n not in RECOMMENDATIONS[benchmark]]
            assert unknown == [], f"{check.id} names {benchmark.value} items that do not exist: {unknown}"


def test_manual_items_are_labelled_manual():
    from preflight.benchmarks import Benchmark, labelled

    assert labelled(Benchmark.CIS_AWS_V3, "4.1") == "4.1 (Manual)"  # CIS v3.0.0's monitoring items are Manual
    assert labelled(Benchmark.CIS_AWS_V5, "1.4") == "1.4"
    assert labelled(Benchmark.CIS_AWS_V5, None) == "-"


def test_each_checks_v5_items_are_the_ones_the_v5_specification_maps_to_it():
    """shared/reference/cis-v5-coverage.md names, for every v5.0.0 recommendation, the check that judges it."""
    expected = {"root-account-mfa-enabled": "1.4", "access-keys-rotated": "1.13", "vpc-sg-port-restriction-check": "5.3, 5.4",
                "rds-storage-encrypted": "2.2.1", "efs-encrypted-check": "2.3.1", "ec2-imdsv2-check": "5.7",
                "cis-monitoring-unauthorized-api-calls": "4.1", "cloudtrail-all-read-s3-data-event-check": "3.9"}
    by_id = {c.id: c for c in ALL_CHECKS}
    assert {i: by_id[i].meta.controls.cis_aws_v5 for i in expected} == expected
