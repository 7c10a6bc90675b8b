"""The runner: parallel, one deadline, never raises, and late workers cannot touch a later run."""
import threading
import time

from preflight.aws.access import AwsAccess
from preflight.model import Check, CheckMeta, Controls, Severity, Status, failed, passed
from preflight.policy import Policy, Selection
from preflight.concurrency import Deadline
from preflight.runner import Runner


def meta(check_id: str) -> CheckMeta:
    return CheckMeta(check_id, check_id, Severity.LOW, Controls(), "fix", "https://docs.aws.amazon.com/", ())


AWS = AwsAccess(region="us-east-1", account_id="123456789012")


def run(checks, deadline: Deadline):
    findings, _ = Runner().run(Policy(tuple(Selection.of(c) for c in checks)), AWS, deadline, "us-east-1")
    return findings


def sleeper(check_id: str, seconds: float) -> Check:
    return Check(meta(check_id), lambda ctx: (time.sleep(seconds), passed("slept"))[1])


def test_checks_run_in_parallel():
    # Each check waits until all eight are running at once: one after another, the first would wait forever.
    together = threading.Barrier(8, timeout=30)
    checks = [Check(meta(f"s{i}"), lambda ctx: (together.wait(), passed("met"))[1]) for i in range(8)]
    findings = run(checks, Deadline.after(60))
    assert [f.status for f in findings] == [Status.PASS] * 8


def test_a_check_past_the_deadline_is_a_timeout_and_the_others_keep_their_results():
    release = threading.Event()
    hung = Check(meta("hung"), lambda ctx: (release.wait(), passed("late"))[1])
    started = time.monotonic()
    findings = run([hung, sleeper("quick", 0.01)], Deadline.after(0.5))
    assert 0.5 <= time.monotonic() - started < 10  # the hung check waits forever: only the deadline ends it
    assert [(f.check.id, f.status) for f in findings] == [("hung", Status.TIMEOUT), ("quick", Status.PASS)]
    release.set()


def test_a_check_that_fails_after_its_deadline_does_not_log_into_the_next_request(caplog):
    release, ended = threading.Event(), threading.Event()

    def throttled_until_abandoned(ctx):
        release.wait()
        ended.set()
        raise RuntimeError("Rate exceeded")

    findings = run([Check(meta("stormy"), throttled_until_abandoned)], Deadline.after(0.1))
    assert findings[0].status is Status.TIMEOUT
    caplog.clear()  # what follows happens during the next request of a warm container
    release.set()
    ended.wait(5)
    time.sleep(0.05)
    assert [r.getMessage() for r in caplog.records if r.levelname in ("WARNING", "ERROR")] == []


def test_a_late_worker_cannot_write_into_a_later_run():
    release = threading.Event()
    calls = []

    def sometimes_slow(ctx):
        calls.append(1)
        if len(calls) == 1:
            release.wait()
            return passed("stale answer from the first run")
        return failed("fresh answer")

    check = Check(meta("flip"), sometimes_slow)
    first = run([check], Deadline.after(0.2))
    release.set()  # the first run's worker now finishes, after its run has answered
    second = run([check], Deadline.after(2))
    time.sleep(0.05)
    assert first[0].status is Status.TIMEOUT
    assert second[0].status is Status.FAIL and second[0].message == "fresh answer"


def test_exceptions_become_error_findings_with_a_code():
    from botocore.exceptions import ClientError

    def denied(ctx):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "GetAccountSummary")

    [finding] = run([Check(meta("denied"), denied)], Deadline.after(2))
    assert finding.status is Status.ERROR
    assert finding.error_code == "AccessDenied"
    assert "not authorized" in finding.message


def test_a_check_returning_garbage_is_an_error_not_a_pass():
    [finding] = run([Check(meta("garbage"), lambda ctx: "PASS")], Deadline.after(2))
    assert finding.status is Status.ERROR
    assert "returned str" in finding.message


def test_no_time_left_still_answers_at_once():
    started = time.monotonic()
    findings = run([sleeper("s", 1)], Deadline.after(0))
    assert time.monotonic() - started < 0.9  # the check sleeps 1 s: the runner did not wait for it
    assert findings[0].status is Status.TIMEOUT


def test_a_check_the_runner_cannot_place_is_an_error_never_a_silent_pass():
    """Issue 10 item 7: every selected check yields a finding; a scope the runner does not know yields ERROR."""
    from dataclasses import replace

    unplaceable = Check(replace(meta("from-another-engine"), scope="global"), lambda ctx: passed("never run"))
    findings = run([unplaceable, sleeper("fine", 0)], Deadline.after(5))
    by_id = {f.check.id: f for f in findings}
    assert by_id["fine"].status is Status.PASS
    assert by_id["from-another-engine"].status is Status.ERROR
    assert by_id["from-another-engine"].error_code == "NoFinding"
    assert "(scope global); it cannot count as passed" in by_id["from-another-engine"].message
    policy = Policy(tuple(Selection.of(c) for c in (unplaceable,)))
    assert policy.judge(findings).value == "FAIL"


def test_an_audit_with_no_findings_is_never_a_pass():
    from preflight.audit import run_audit
    from preflight.cloudformation.reason import reason

    class NoResults(Runner):
        def run(self, *args, **kwargs):
            return (), ("us-east-1",)

    report = run_audit(Policy((Selection.of(sleeper("x", 0)),)), AWS, Deadline.after(5), runner=NoResults())
    assert report.verdict.value == "FAIL"
    assert reason(report) == "FAIL: the audit produced no findings, so nothing was shown to pass."
