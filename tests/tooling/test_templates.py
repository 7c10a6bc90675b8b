"""Every template in the repository lints clean (warnings included) and has the shape users rely on."""
import pytest

from tests.support.templates import AUDITOR_TEMPLATE, ROOT, all_templates, lint, load, resolved


@pytest.mark.parametrize("path", all_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_template_lints_clean(path):
    assert lint(path.read_text()) == []


def test_the_linter_reports_errors_and_warnings():
    role = ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
            "      AssumeRolePolicyDocument: {}\n      Policies: [{PolicyName: p, PolicyDocument: {Statement: "
            "[{Effect: Allow, Action: 's3:GetObjec', Resource: '*'}]}}]\n")
    assert [finding[:7] for finding in lint(role)] == ["[E3530:", "[W3037:"]


def test_there_are_templates_to_lint():
    names = {p.name for p in all_templates()}
    assert {"preflight.yaml", "drop-in.yaml"} <= names


def test_auditor_function_is_traced_logged_and_sized_for_speed():
    resources = load(AUDITOR_TEMPLATE)["Resources"]
    function = resources["AuditorFunction"]["Properties"]
    assert function["Handler"] == "preflight.handler.handler"
    assert function["Runtime"] == "python3.13"
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert resources["AuditorLogGroup"]["Properties"]["RetentionInDays"]
    parameters = load(AUDITOR_TEMPLATE)["Parameters"]
    assert parameters["MemorySize"]["Default"] == 1769  # a full vCPU: fastest, at the cost per audit of 128
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


def test_the_auditor_publishes_its_service_token_in_ssm():
    template = load(AUDITOR_TEMPLATE)
    parameter = template["Resources"]["ServiceTokenParameter"]
    assert parameter["Properties"]["Value"] == {"Fn::GetAtt": ["AuditorFunction", "Arn"]}
    assert template["Parameters"]["ServiceTokenParameterName"]["Default"] == "/preflight/service-token"


def test_the_stackset_deploys_to_every_current_and_future_account_of_the_ous():
    stackset = load(ROOT / "cfn" / "preflight-stackset.yaml")["Resources"]["PreflightStackSet"]["Properties"]
    assert stackset["PermissionModel"] == "SERVICE_MANAGED"
    assert stackset["AutoDeployment"]["Enabled"] is True
    assert stackset["StackInstancesGroup"][0]["DeploymentTargets"] == {"OrganizationalUnitIds": {"Ref": "OrganizationalUnitIds"}}
    passed = {p["ParameterKey"]: p["ParameterValue"] for p in stackset["Parameters"]}
    assert passed["ServiceTokenParameterName"] == "/preflight/service-token"
    assert passed["CodeBucketIsRegional"] == "true"
    # every parameter the StackSet passes exists in the auditor template
    assert set(passed) <= set(load(AUDITOR_TEMPLATE)["Parameters"])


@pytest.mark.parametrize("path", ["examples/drop-in-ssm.yaml", "examples/service-catalog/product.yaml"])
def test_organization_examples_read_the_token_from_the_published_parameter(path):
    template = load(ROOT / path)
    token = template["Parameters"]["PreflightServiceToken"]
    assert (token["Type"], token["Default"]) == ("AWS::SSM::Parameter::Value<String>", "/preflight/service-token")
    resources = template["Resources"]
    assert resources.pop("Preflight")["Properties"]["ServiceToken"] == {"Ref": "PreflightServiceToken"}
    assert all(r.get("DependsOn") == "Preflight" for r in resources.values())


def test_the_service_catalog_launch_role_may_run_the_audit():
    resources = load(ROOT / "examples" / "service-catalog" / "portfolio.yaml")["Resources"]
    statements = {s["Sid"]: s for p in resources["LaunchRole"]["Properties"]["Policies"]
                  for s in p["PolicyDocument"]["Statement"]}
    assert statements["RunThePreflightAudit"]["Action"] == "lambda:InvokeFunction"
    assert statements["ReadTheServiceToken"]["Action"] == "ssm:GetParameters"
    assert resources["LaunchConstraint"]["Properties"]["RoleArn"] == {"Fn::GetAtt": ["LaunchRole", "Arn"]}


def test_lambda_retries_are_a_deliberate_choice():
    """CloudFormation invokes asynchronously: a crashed invocation is retried, with the same request id
    (tests/test_hostile_input.py shows a retry answers exactly as the first), for as long as CloudFormation
    may still be waiting."""
    config = load(AUDITOR_TEMPLATE)["Resources"]["AuditorInvokeConfig"]["Properties"]
    assert config["FunctionName"] == {"Ref": "AuditorFunction"}
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (2, 3600)


def test_a_retained_log_group_never_collides_with_a_recreated_stack_of_the_same_name():
    group = load(AUDITOR_TEMPLATE)["Resources"]["AuditorLogGroup"]
    assert group["DeletionPolicy"] == "Retain"
    name, variables = group["Properties"]["LogGroupName"]["Fn::Sub"]
    assert name == "/preflight/auditor/${AWS::StackName}/${StackUuid}"
    assert variables["StackUuid"] == {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}


def test_the_service_catalog_launch_role_may_invoke_the_named_auditor_only():
    template = load(ROOT / "examples" / "service-catalog" / "portfolio.yaml")
    name = template["Parameters"]["PreflightFunctionName"]
    assert "Default" not in name and "*" not in name["AllowedPattern"]
    statements = {s["Sid"]: s for p in template["Resources"]["LaunchRole"]["Properties"]["Policies"]
                  for s in p["PolicyDocument"]["Statement"]}
    assert statements["RunThePreflightAudit"]["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${PreflightFunctionName}"}


HOOK_TEMPLATE = ROOT / "cfn" / "preflight-hook.yaml"


def test_the_hook_invokes_the_auditor_and_may_do_nothing_else():
    resources = load(HOOK_TEMPLATE)["Resources"]
    role = resources["HookExecutionRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "hooks.cloudformation.amazonaws.com"}
    [policy] = role["Policies"]
    [statement] = policy["PolicyDocument"]["Statement"]
    token = {"Fn::If": ["FromExport", {"Fn::ImportValue": {"Fn::Sub": "${AuditorStackName}-ServiceToken"}},
                        {"Ref": "AuditorServiceToken"}]}
    assert (statement["Action"], statement["Resource"]) == ("lambda:InvokeFunction", token)
    hook = resources["AccountGate"]
    assert hook["Type"] == "AWS::CloudFormation::LambdaHook"
    assert hook["Properties"]["LambdaFunction"] == token


def test_the_hook_warns_first_and_never_gates_the_auditor_or_remediation_stacks():
    template = load(HOOK_TEMPLATE)
    parameters, hook = template["Parameters"], template["Resources"]["AccountGate"]["Properties"]
    assert parameters["FailureMode"]["Default"] == "WARN"
    assert hook["FailureMode"] == {"Ref": "FailureMode"}
    excluded = parameters["ExcludedStackNames"]["Default"].split(",")
    assert {"preflight", "preflight-hook"} <= set(excluded) and any(n.startswith("preflight-remediation") for n in excluded)
    filters = resolved(template, hook["StackFilters"], {"ExcludedStackNames": excluded, "ExcludedStackRoles": [""]})
    assert filters == {"FilteringCriteria": "ALL", "StackNames": {"Exclude": excluded}}
    assert hook["TargetOperations"] == {"Fn::If": ["WithChangeSets", ["STACK", "CHANGE_SET"], ["STACK"]]}


def test_the_stackset_can_roll_the_hook_out_with_the_auditor():
    resources = load(ROOT / "cfn" / "preflight-stackset.yaml")["Resources"]
    hook = resources["PreflightHookStackSet"]
    assert hook["Condition"] == "WithHook" and hook["DependsOn"] == "PreflightStackSet"
    passed = {p["ParameterKey"]: p["ParameterValue"] for p in hook["Properties"]["Parameters"]}
    assert passed["AuditorStackName"] == ""  # generated stack names: the function comes from the SSM parameter
    assert set(passed) <= set(load(HOOK_TEMPLATE)["Parameters"])
    assert "StackSet-preflight-*" in passed["ExcludedStackNames"]


def test_emptied_exclusion_lists_are_left_out_never_sent_as_an_empty_name():
    """StackNames.Exclude and StackRoles.Exclude take 1-50 entries matching a pattern: [""] is refused."""
    template = load(HOOK_TEMPLATE)
    hook = template["Resources"]["AccountGate"]["Properties"]
    role = "arn:aws:iam::123456789012:role/remediation"
    assert "StackFilters" not in resolved(template, hook, {"ExcludedStackNames": [""], "ExcludedStackRoles": [""]})
    assert resolved(template, hook["StackFilters"], {"ExcludedStackNames": [""], "ExcludedStackRoles": [role]}) == {
        "FilteringCriteria": "ALL", "StackRoles": {"Exclude": [role]}}


@pytest.mark.parametrize("alias, allowed", [("Private::Preflight::AccountGate", True), ("AWS::Preflight::Gate", False),
                                            ("aws::Preflight::Gate", False), ("AwSx::Preflight::Gate", False),
                                            ("Awesome::Preflight::Gate", True), ("A::Preflight::Gate", False)])
def test_the_hook_alias_parameter_accepts_exactly_what_the_lambda_hook_resource_accepts(alias, allowed):
    import re

    documented = re.compile(r"^(?!(?i:aws))[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}$")  # [LH], Alias
    pattern = re.compile(load(HOOK_TEMPLATE)["Parameters"]["HookAlias"]["AllowedPattern"])
    assert bool(pattern.match(alias)) is bool(documented.match(alias)) is allowed


ADOT_LAYER = "arn:aws:lambda:us-east-1:615299751070:layer:AWSOpenTelemetryDistroPython:13"


@pytest.mark.parametrize("backend, layer, traced_by, with_layer", [
    ("xray", "", "xray", False),  # the defaults: as before
    ("off", "", "off", False),
    ("otel", "", "otel", False),  # spans on whatever provider the environment has (none: free)
    ("otel", ADOT_LAYER, "otel", True),
    ("xray", ADOT_LAYER, "xray", False),  # the layer only with OpenTelemetry: never two tracers of botocore
])
def test_one_parameter_chooses_the_tracing_backend_and_the_adot_layer_comes_with_otel(backend, layer, traced_by,
                                                                                        with_layer):
    template = load(AUDITOR_TEMPLATE)
    parameters = template["Parameters"]
    assert (parameters["TracingBackend"]["Default"], parameters["OtelLayerArn"]["Default"]) == ("xray", "")
    assert parameters["TracingBackend"]["AllowedValues"] == ["xray", "otel", "off"]
    values = {"TracingBackend": backend, "OtelLayerArn": layer, "BaselineSsmParameter": "", "BaselineS3Bucket": "",
              "BaselineS3Key": "", "BaselineName": ""}
    function = resolved(template, template["Resources"]["AuditorFunction"]["Properties"], values)
    role = resolved(template, template["Resources"]["AuditorRole"]["Properties"], values)
    variables = function["Environment"]["Variables"]
    assert variables["PREFLIGHT_TRACING"] == traced_by
    assert function["TracingConfig"] == {"Mode": "Active"}
    if with_layer:  # as ADOT's Python Lambda docs say: the layer, active tracing, and its wrapper
        assert function["Layers"] == [layer] and variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/otel-instrument"
        assert role["ManagedPolicyArns"] == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/"
                                                         "CloudWatchLambdaApplicationSignalsExecutionRolePolicy"}]
    else:
        assert "Layers" not in function and "AWS_LAMBDA_EXEC_WRAPPER" not in variables
        assert "ManagedPolicyArns" not in role
    import re

    assert bool(re.match(parameters["OtelLayerArn"]["AllowedPattern"], layer))
