"""The answer's margin before Lambda's deadline when the function gets only a slice of a CPU.

Lambda gives a function CPU in proportion to its memory (a full vCPU at 1,769 MB, so about 7% at 128 MB).
The packaged zip runs under awslambdaric (sim.lambda_runtime); a thread here stops and continues its
process (SIGSTOP/SIGCONT) in 50 ms periods so it runs only that share of the time. Figures for
docs/performance.md and docs/security.md; nothing here asserts.

Scenarios, each in a fresh execution environment (cold start included):
- compliant Create, minimal baseline, function timeout 60 s;
- Create whose IAM endpoint hangs (the audit runs into its deadline), function timeout 10 s and 3 s - the
  worst case;
- Delete with a 3 s function timeout.
"""
from __future__ import annotations

import os
import signal
import socket
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

PERIOD_S = 0.05
SHARES = (1.0, 0.5, 0.25, 128 / 1769)


@dataclass(frozen=True)
class Margin:
    scenario: str
    share: float
    answered_s: float | None  # from invocation to the response's arrival
    margin_s: float | None  # Lambda's deadline minus the arrival; negative: too late
    status: str


class CpuShare:
    """Lets a process run `share` of the wall time."""

    def __init__(self, pid: int, share: float):
        self._pid, self._share = pid, share
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                os.kill(self._pid, signal.SIGCONT)
            except ProcessLookupError:
                return
            time.sleep(PERIOD_S * self._share)
            if self._stop.is_set():
                break
            os.kill(self._pid, signal.SIGSTOP)
            time.sleep(PERIOD_S * (1 - self._share))
        try:
            os.kill(self._pid, signal.SIGCONT)
        except ProcessLookupError:
            pass  # it ended while running its share

    def __enter__(self) -> "CpuShare":
        if self._share < 1:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def measure() -> list[Margin]:
    from sim.account import make_compliant
    from sim.cloudformation import event, start_response_server
    from sim.lambda_runtime import LambdaFunction
    from sim.moto_server import client_environment, start_moto_server
    from tools import lambda_runtime, package

    work = Path(tempfile.mkdtemp(prefix="preflight-throttled-"))
    moto, endpoint = start_moto_server()
    saved = dict(os.environ)
    os.environ.update(client_environment(endpoint))
    cfn = start_response_server(str(work))
    task = work / "task"
    with zipfile.ZipFile(package.cached_build()) as zf:
        zf.extractall(task)
    runtime = lambda_runtime.build()
    make_compliant()
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(64)
    scenarios = [
        ("compliant Create, timeout 60 s", {}, "Create", 60.0),
        ("IAM hangs, timeout 10 s", {"AWS_ENDPOINT_URL_IAM": f"http://localhost:{hole.getsockname()[1]}"}, "Create", 10.0),
        ("IAM hangs, timeout 3 s", {"AWS_ENDPOINT_URL_IAM": f"http://localhost:{hole.getsockname()[1]}"}, "Create", 3.0),
        ("Delete, timeout 3 s", {}, "Delete", 3.0),
    ]
    margins = []
    try:
        for name, env, request_type, timeout_s in scenarios:
            for share in SHARES:
                with LambdaFunction(task, runtime, env=env) as function:
                    before = len(cfn.received)
                    request = event(request_type, cfn.url(f"{request_type}-{share}"))
                    with CpuShare(function.process.pid, share):  # the Init phase (imports) is throttled too
                        invocation = function.invoke(request, timeout_s)
                    arrived = cfn.received[before:]
                    if arrived and invocation.dispatched_at is not None:
                        answered = arrived[0].received_at - invocation.dispatched_at
                        margins.append(Margin(name, share, answered, timeout_s - answered, arrived[0].body["Status"]))
                    else:
                        margins.append(Margin(name, share, None, None, "no answer"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        hole.close()
        cfn.close()
        moto.stop()
    return margins


def print_margins(margins: list[Margin]) -> None:
    print("answer margin before Lambda's deadline, packaged zip under awslambdaric, CPU share by SIGSTOP/SIGCONT:")
    for m in margins:
        share = f"{m.share * 100:5.1f}% CPU" + (" (128 MB)" if m.share < 0.1 else "")
        if m.margin_s is None:
            print(f"  {m.scenario:<32} {share:<17} NO ANSWER")
        else:
            print(f"  {m.scenario:<32} {share:<17} answered {m.status:<7} in {m.answered_s:6.2f} s, "
                  f"margin {m.margin_s:6.2f} s")


if __name__ == "__main__":
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    print_margins(measure())
