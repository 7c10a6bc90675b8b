import pytest

from checks import s3_account_public_access_block
from preflight.model import Status
from sim.account import put_public_access_block

CHECK = s3_account_public_access_block.s3_account_level_public_access_blocks


def test_no_configuration_at_all_is_a_failure_not_an_error(run_check):
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert result.message == "The account has no S3 Block Public Access configuration."


def test_all_four_settings_on_pass(run_check):
    put_public_access_block()
    assert run_check(CHECK).status is Status.PASS


@pytest.mark.parametrize("setting", s3_account_public_access_block.SETTINGS)
def test_three_of_four_settings_fail_and_name_the_missing_one(run_check, setting):
    put_public_access_block(**{setting: False})
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert setting in result.message
    assert result.evidence["settings"][setting] is False
