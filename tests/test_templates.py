"""Every template in the repository lints clean (warnings included) and has the shape users rely on."""
import pytest
from cfnlint.api import ManualArgs, lint_file

from tests.templates import AUDITOR_TEMPLATE, ROOT, all_templates, load


@pytest.mark.parametrize("path", all_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_template_lints_clean(path):
    # Warnings count: an unknown IAM action, for one, is only a warning (W3037).
    matches = lint_file(path, config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


def test_there_are_templates_to_lint():
    names = {p.name for p in all_templates()}
    assert {"preflight.yaml", "drop-in.yaml"} <= names


def test_auditor_function_is_traced_logged_and_small():
    resources = load(AUDITOR_TEMPLATE)["Resources"]
    function = resources["AuditorFunction"]["Properties"]
    assert function["Handler"] == "preflight.handler.handler"
    assert function["Runtime"] == "python3.13"
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert resources["AuditorLogGroup"]["Properties"]["RetentionInDays"]
    parameters = load(AUDITOR_TEMPLATE)["Parameters"]
    assert parameters["MemorySize"]["Default"] == 128
    assert parameters["FunctionTimeout"]["Default"] == 60


def test_service_token_is_exported():
    output = load(AUDITOR_TEMPLATE)["Outputs"]["ServiceToken"]
    assert output["Export"]["Name"] == {"Fn::Sub": "${AWS::StackName}-ServiceToken"}


def test_drop_in_example_gates_every_resource_and_reruns_on_each_deployment():
    resources = load(ROOT / "examples" / "drop-in.yaml")["Resources"]
    preflight = resources.pop("Preflight")
    assert preflight["Type"] == "Custom::Preflight"
    assert 0 < int(preflight["Properties"]["ServiceTimeout"]) <= 300
    assert preflight["Properties"]["Revision"] == {"Ref": "DeploymentId"}
    assert resources and all(r.get("DependsOn") == "Preflight" for r in resources.values())
