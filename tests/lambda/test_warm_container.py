"""One warm process, hundreds of requests: every answer right, nothing of one request in the next,
and memory flat from request to request."""
from __future__ import annotations

import gc
import logging
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from preflight.named_baselines import HEADLINE
from sim.account import make_compliant, put_public_access_block, set_root_mfa
from tests.support.handler import invoke

WARM_UP = 10
INVOCATIONS = WARM_UP + 24
# Heap blocks a request may leave behind: bounded caches (urllib's, botocore's endpoint resolution) are still
# filling after the warm-up (22-25 a request, measured); a kept report or log record costs far more.
BLOCKS_PER_REQUEST = 60
ALL_IDS = ",".join(HEADLINE)


def auditor_objects() -> Counter:
    """The live objects of the auditor's own classes, by class: a request that leaves one behind is a leak."""
    return Counter(type(o).__qualname__ for o in gc.get_objects()
                   if str(getattr(type(o), "__module__", "")).startswith(("preflight.", "checks.")))


@pytest.fixture
def devnull():
    with open(os.devnull, "w") as sink:
        yield sink


ALONE_ENV = "PREFLIGHT_TEST_WARM_CONTAINER_ALONE"


@pytest.mark.slow
def test_hundreds_of_requests_in_one_warm_process():
    """In a process of its own, as a warm Lambda container is: the suite's other tests leave threads and
    objects of their own in a shared worker, which a count of live objects cannot tell from a leak."""
    import subprocess

    from tests.support.paths import ROOT

    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
         f"{Path(__file__).relative_to(ROOT)}::test_alone_hundreds_of_requests_in_one_warm_process"],
        cwd=ROOT, env={**os.environ, ALONE_ENV: "1"}, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "1 passed" in completed.stdout


@pytest.mark.skipif(not os.environ.get(ALONE_ENV), reason="run in a process of its own by the test above")
def test_alone_hundreds_of_requests_in_one_warm_process(cfn, devnull, monkeypatch):
    # Log records are formatted and written as in Lambda, but not kept in memory by pytest's capture
    # (whose handlers are only in place once the test body runs).
    monkeypatch.setattr(logging.getLogger(), "handlers", [logging.StreamHandler(devnull)])
    make_compliant()
    physical_id = None
    for i in range(INVOCATIONS):
        compliant = i % 2 == 0
        set_root_mfa(compliant)
        put_public_access_block(BlockPublicAcls=True)
        kind = ("Create", "Update", "Delete")[i % 3]
        props = {"Revision": str(i)}
        if kind == "Create":
            response = invoke(cfn, "Create", props).response
        elif kind == "Update":
            response = invoke(cfn, "Update", props, old_properties={"Revision": str(i - 1)},
                              physical_id=physical_id).response
        else:
            response = invoke(cfn, "Delete", props, physical_id=physical_id).response

        if kind == "Delete":
            assert (response["Status"], response["Data"], response["Reason"]) == ("SUCCESS", {}, "Deleted.")
            assert response["PhysicalResourceId"] == physical_id
        elif compliant:
            assert response["Status"] == "SUCCESS", (i, response["Reason"])
            assert response["Data"] == {"Verdict": "PASS", "FailedChecks": "", "PassedChecks": ALL_IDS, "ExemptChecks": ""}
            assert response["Reason"] == "PASS: all 4 checks passed."
            assert response["PhysicalResourceId"] != physical_id
        else:
            assert response["Status"] == "FAILED", i
            assert response["Reason"] == "FAIL: root-account-mfa-enabled: The root user has no MFA device."
            assert response["Data"]["FailedChecks"] == "root-account-mfa-enabled"
            if kind == "Update":
                assert response["PhysicalResourceId"] == physical_id
        physical_id = response["PhysicalResourceId"]
        cfn.received.clear()  # the stand-in's own record of answers is not the auditor's memory
        if i == WARM_UP - 1:
            gc.collect()
            objects_before = auditor_objects()
            blocks_before = sys.getallocatedblocks()
    gc.collect()
    blocks_growth = sys.getallocatedblocks() - blocks_before
    grown = {name: count - objects_before[name] for name, count in auditor_objects().items()
             if count > objects_before[name]}
    assert cfn.attempts == INVOCATIONS  # one answer each, no strays from earlier requests
    # The test process's RSS carries moto, pytest and the allocator's per-thread arenas, so it is no measure of
    # the auditor: its own objects, and the Python heap, are what a leak would grow.
    traced = INVOCATIONS - WARM_UP
    if grown:  # name what holds them, for whoever reads a failure
        held = [o for o in gc.get_objects() if type(o).__qualname__ in grown]
        referrers = [r for o in held[:3] for r in gc.get_referrers(o)]
        frames = [f"{r.f_code.co_filename.rsplit('/', 2)[-1]}:{r.f_code.co_name}:{r.f_lineno}" for r in referrers
                  if type(r).__name__ == "frame"]
        grown["held by"] = [type(r).__qualname__ for r in referrers][:12] + frames[:6]
    assert grown == {}, f"objects left behind by {traced} requests: {grown}"
    assert blocks_growth < traced * BLOCKS_PER_REQUEST, f"the Python heap grew by {blocks_growth} blocks over {traced} requests"
