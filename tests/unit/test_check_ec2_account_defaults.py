"""The regional EC2 account defaults: AMI Block Public Access (with the account's AMIs already public) and the
instance metadata defaults for new instances (IMDSv2). moto implements neither Get call: sim/ec2_account_settings.py
answers them, AWS's defaults until a test changes a region."""
import json

import pytest

from checks import _per_resource, ec2_guardrails
from preflight.aws.access import new_session
from preflight.concurrency import Deadline
from preflight.model import Status
from sim import ec2_account_settings, moto_gaps, stubs
from sim.account import create_image, make_region_compliant
from sim.cloudformation import REGION
from tests.support.data_stores import audit, slow_calls
from tests.support.network import context

AMI_BPA = ec2_guardrails.ec2_ami_block_public_access
IMDS_DEFAULTS = ec2_guardrails.ec2_instance_metadata_defaults_imdsv2
OTHER_REGION = "eu-west-1"


def block_ami_sharing(state, region=REGION):
    ec2_account_settings.region(region).image_block_public_access = state


def metadata_defaults(region=REGION, **fields):
    ec2_account_settings.region(region).metadata_defaults = ec2_account_settings.MetadataDefaults(**fields)


# --- AMI Block Public Access -----------------------------------------------------------------------------------

def test_a_new_account_blocks_new_ami_sharing_by_default_and_with_no_public_ami_passes(run_check):
    create_image("private")  # not public: not listed
    result = run_check(AMI_BPA)
    assert result.status is Status.PASS and result.evidence["state"] == "block-new-sharing"
    assert result.evidence["managed_by"] == "account" and result.evidence["judged"] == 0


def test_ami_sharing_unblocked_fails_and_names_no_resource(run_check):
    block_ami_sharing("unblocked")
    result = run_check(AMI_BPA)
    assert result.status is Status.FAIL and "AMI Block Public Access is unblocked in us-east-1" in result.message
    assert result.resources == ()


def test_a_public_ami_fails_even_with_the_block_on_named_by_its_arn_and_tags(run_check):
    public = create_image("golden", public=True, tags={"team": "platform"})
    result = run_check(AMI_BPA)
    assert result.status is Status.FAIL and "AMIs already public stay public" in result.message
    assert public in result.message and ":123456789012:" not in public
    assert result.resources == (public,) and result.resource_tags == {public: {"team": "platform"}}


def test_unblocked_with_public_amis_names_them_but_the_setting_is_the_finding(run_check):
    block_ami_sharing("unblocked")
    public = create_image("golden", public=True, tags={"sharing": "approved"})
    result = run_check(AMI_BPA)
    assert result.status is Status.FAIL and result.resources == ()
    assert "any AMI can be made public; 1 AMI of the account is public: " + public in result.message
    [finding] = audit([AMI_BPA], tag=("sharing", "approved"))
    assert finding.status is Status.FAIL  # an exemption of the AMI does not exempt the setting


def test_the_setting_and_the_public_amis_are_judged_per_region(run_check):
    block_ami_sharing("unblocked", OTHER_REGION)
    assert run_check(AMI_BPA, region=OTHER_REGION).status is Status.FAIL
    assert run_check(AMI_BPA).status is Status.PASS
    public = create_image("golden", region=OTHER_REGION, public=True)
    block_ami_sharing("block-new-sharing", OTHER_REGION)
    result = run_check(AMI_BPA, region=OTHER_REGION)
    assert result.status is Status.FAIL and result.resources == (public,)
    assert run_check(AMI_BPA).status is Status.PASS


def test_a_setting_made_by_a_declarative_policy_says_so(run_check):
    ec2_account_settings.region(REGION).image_managed_by = "declarative-policy"
    result = run_check(AMI_BPA)
    assert result.status is Status.PASS and result.evidence["managed_by"] == "declarative-policy"
    assert "(set by a declarative policy)" in result.message


@pytest.mark.parametrize("operation, code", [("GetImageBlockPublicAccessState", "UnauthorizedOperation"),
                                             ("DescribeImages", "AccessDenied")])
def test_a_refused_call_is_an_error(operation, code):
    session = stubs.answering({("ec2", operation): stubs.error(code, "not authorized", 403)})
    [finding] = audit([AMI_BPA], session=session)
    assert finding.status is Status.ERROR and finding.error_code == code


def test_public_amis_are_listed_past_one_page_and_a_few_named_in_the_message(monkeypatch, run_check):
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 2)
    public = [create_image(f"golden-{i}", public=True) for i in range(5)]
    create_image("private")
    session, calls = new_session(region_name=REGION), []
    session.events.register("after-call.ec2.DescribeImages", lambda **_: calls.append(1))
    result = run_check(AMI_BPA, session=session)
    assert result.status is Status.FAIL and len(calls) == 3 and result.evidence["pages"] == 3
    assert set(result.resources) == set(public) and result.evidence["failing_count"] == 5
    assert "5 AMIs of the account are public: " in result.message and result.message.endswith(" and 2 more.")


def test_a_deadline_mid_listing_is_a_timeout_with_the_pages_answered_or_a_fail_once_a_public_ami_is_seen(monkeypatch):
    # DescribeImages filters within a page: a page can hold no public AMI and still say more pages follow.
    session, clock = stubs.answering({("ec2", "DescribeImages"): {"Images": [], "NextToken": "more"}}), [0.0]
    slow_calls(session, "ec2", "DescribeImages", 1, clock)
    result = AMI_BPA.run(context(session, Deadline(50.0, lambda: clock[0])))
    assert result.status is Status.TIMEOUT and "(1 answered, no public AMI in them)" in result.message
    assert result.evidence["complete"] is False and result.evidence["pages"] == 1
    monkeypatch.setattr(_per_resource, "PAGE_SIZE", 2)
    for i in range(3):
        create_image(f"golden-{i}", public=True)
    session, clock = new_session(region_name=REGION), [0.0]
    slow_calls(session, "ec2", "DescribeImages", 1, clock)
    result = AMI_BPA.run(context(session, Deadline(50.0, lambda: clock[0])))
    assert result.status is Status.FAIL and "2 AMIs of the account are public" in result.message
    assert "the audit's deadline came before the listing ended" in result.message


def test_a_public_ami_is_exempted_by_its_tag_or_its_arn_and_an_untagged_one_still_fails():
    public = create_image("shared-base", public=True, tags={"sharing": "approved"})
    assert audit([AMI_BPA], tag=("sharing", "approved"))[0].status is Status.EXEMPT
    assert audit([AMI_BPA], resource=public)[0].status is Status.EXEMPT
    create_image("oops", public=True)
    assert audit([AMI_BPA], tag=("sharing", "approved"))[0].status is Status.FAIL


# --- instance metadata defaults ------------------------------------------------------------------------------

def test_no_account_default_for_http_tokens_fails_in_words(run_check):
    result = run_check(IMDS_DEFAULTS)
    assert result.status is Status.FAIL and "No account-level instance metadata default for HttpTokens" in result.message
    assert set(result.evidence.values()) == {None}


def test_an_optional_default_fails_and_a_required_one_passes(run_check):
    metadata_defaults(http_tokens="optional")
    result = run_check(IMDS_DEFAULTS)
    assert result.status is Status.FAIL and "HttpTokens optional" in result.message
    metadata_defaults(http_tokens="required")
    assert run_check(IMDS_DEFAULTS).status is Status.PASS


def test_require_enforced_also_wants_http_tokens_enforced_enabled(run_check):
    metadata_defaults(http_tokens="required", http_tokens_enforced="disabled")
    assert run_check(IMDS_DEFAULTS).status is Status.PASS
    result = run_check(IMDS_DEFAULTS, require_enforced=True)
    assert result.status is Status.FAIL and "HttpTokensEnforced is disabled" in result.message
    metadata_defaults(http_tokens="required")
    assert "HttpTokensEnforced is not set" in run_check(IMDS_DEFAULTS, require_enforced=True).message
    metadata_defaults(http_tokens="required", http_tokens_enforced="enabled")
    result = run_check(IMDS_DEFAULTS, require_enforced=True)
    assert result.status is Status.PASS and "launches that do not are refused" in result.message


def test_the_evidence_holds_every_account_level_field():
    metadata_defaults(http_tokens="required", http_tokens_enforced="enabled", http_put_response_hop_limit=2,
                      http_endpoint="enabled", instance_metadata_tags="disabled", managed_by="declarative-policy",
                      managed_exception_message="IMDSv2 is required here")
    result = IMDS_DEFAULTS.run(context(new_session(region_name=REGION), require_enforced=False))
    assert result.status is Status.PASS and "(set by a declarative policy)" in result.message
    assert result.evidence == {"http_tokens": "required", "http_tokens_enforced": "enabled",
                               "http_put_response_hop_limit": 2, "http_endpoint": "enabled",
                               "instance_metadata_tags": "disabled", "managed_by": "declarative-policy",
                               "managed_exception_message": "IMDSv2 is required here"}


def test_the_metadata_default_is_regional(run_check):
    metadata_defaults(OTHER_REGION, http_tokens="required")
    assert run_check(IMDS_DEFAULTS, region=OTHER_REGION).status is Status.PASS
    assert run_check(IMDS_DEFAULTS).status is Status.FAIL


@pytest.mark.parametrize("code", ["UnauthorizedOperation", "AccessDenied"])
def test_metadata_defaults_refused_is_an_error(code):
    session = stubs.answering({("ec2", "GetInstanceMetadataDefaults"): stubs.error(code, "not authorized", 403)})
    [finding] = audit([IMDS_DEFAULTS], session=session)
    assert finding.status is Status.ERROR and finding.error_code == code


# --- the simulated account ---------------------------------------------------------------------------------

def test_the_compliant_region_passes_every_ec2_guardrail_strictly_and_its_settings_travel(run_check):
    make_region_compliant(REGION)
    for check in ec2_guardrails.CHECKS:
        assert run_check(check).status is Status.PASS, check.id
    assert run_check(IMDS_DEFAULTS, require_enforced=True).status is Status.PASS
    state = json.loads(json.dumps(moto_gaps.snapshot()))  # as another process receives it
    moto_gaps.reset()
    assert run_check(IMDS_DEFAULTS).status is Status.FAIL
    moto_gaps.restore(state)
    assert all(run_check(check).status is Status.PASS for check in ec2_guardrails.CHECKS)
