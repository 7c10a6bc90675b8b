from checks import root_account
from preflight.model import Status
from sim.account import set_root_mfa

CHECK = root_account.MFA


def test_root_without_mfa_fails(run_check):
    result = run_check(CHECK)
    assert result.status is Status.FAIL
    assert result.message == "The root user has no MFA device."


def test_root_with_mfa_passes(run_check):
    set_root_mfa(True)
    assert run_check(CHECK).status is Status.PASS
