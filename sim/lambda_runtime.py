"""The Lambda service's side of a function, on 127.0.0.1: the Runtime API and the process it feeds.

The function itself runs as Lambda runs it - the packaged zip unpacked into an empty task folder, started by
AWS's own runtime interface client (`python -m awslambdaric preflight.handler.handler`, the code the managed
Python runtime uses), with the environment Lambda sets. awslambdaric builds the context from that
environment (memory size, function name, ... as *strings*) and from the Runtime API's headers.

The Runtime API is the documented HTTP protocol (Lambda developer guide, "Using the Lambda runtime API for
custom runtimes"): `GET /2018-06-01/runtime/invocation/next` answers the next event with the
Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn and -Trace-Id headers (and is held open
while nothing is queued); `POST .../invocation/{id}/response`, `.../invocation/{id}/error` and
`/2018-06-01/runtime/init/error` answer 202.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sim.cloudformation import ACCOUNT_ID, REGION

API_PREFIX = "/2018-06-01/runtime"
FUNCTION_NAME = "preflight-auditor"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{FUNCTION_NAME}"
HANDLER = "preflight.handler.handler"


@dataclass
class Outcome:
    """What the function told the Runtime API about one invocation."""

    kind: str  # "response" or "error"
    body: Any
    at: float  # time.time()


@dataclass
class Invocation:
    event: Any
    timeout_s: float  # the function's Timeout
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | None = None
    # Set when the function takes the event: the Invoke phase starts then, after any Init phase (Lambda
    # developer guide, "Lambda execution environment lifecycle": the timeout limits the Invoke phase).
    dispatched_at: float | None = None  # time.monotonic()
    deadline_ms: int | None = None  # epoch milliseconds, as Lambda-Runtime-Deadline-Ms
    trace_header: str | None = None  # Lambda-Runtime-Trace-Id (an active trace); None: a new, unsampled one

    def dispatch(self) -> None:
        self.dispatched_at = time.monotonic()
        self.deadline_ms = int((time.time() + self.timeout_s) * 1000)


class RuntimeApi:
    """Queues invocations for the function and records what it answers."""

    def __init__(self) -> None:
        self._pending: queue.Queue[Invocation] = queue.Queue()
        self._by_id: dict[str, Invocation] = {}
        self.init_errors: list[dict] = []
        self.init_error_arrived = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path != f"{API_PREFIX}/invocation/next":
                    return self._answer(404, {"errorMessage": "unknown path"})
                invocation = api._pending.get()  # held open until there is something to run
                invocation.dispatch()
                body = json.dumps(invocation.event).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Lambda-Runtime-Aws-Request-Id", invocation.request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN)
                self.send_header("Lambda-Runtime-Trace-Id", invocation.trace_header or
                                 f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0")
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw) if raw else None
                parts = self.path[len(API_PREFIX):].strip("/").split("/")
                if parts == ["init", "error"]:
                    api.init_errors.append(body)
                    api.init_error_arrived.set()
                    return self._answer(202, {"status": "OK"})
                if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    invocation = api._by_id.get(parts[1])
                    if invocation is None:
                        return self._answer(400, {"errorMessage": "unknown request id"})
                    invocation.outcome = Outcome(parts[2], body, time.time())
                    invocation.done.set()
                    return self._answer(202, {"status": "OK"})
                return self._answer(404, {"errorMessage": "unknown path"})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # the function process was killed mid-request: expected at the end of every test

        self._httpd = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def invocations(self) -> list[Invocation]:
        return list(self._by_id.values())

    @property
    def address(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{host}:{port}"

    def invoke(self, event: Any, timeout_s: float = 60.0, trace_header: str | None = None) -> Invocation:
        """Queues an invocation; its deadline is timeout_s (the function's Timeout) after the function takes it."""
        invocation = Invocation(event, timeout_s, trace_header=trace_header)
        self._by_id[invocation.request_id] = invocation
        self._pending.put(invocation)
        return invocation

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def lambda_environment(api: RuntimeApi, task_root: Path, runtime_root: Path, *, memory_mb: int = 128,
                       extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Lambda gives a python3.13 function (Lambda developer guide, "Defined runtime
    environment variables"), pointed at the stand-ins."""
    keep = ("PATH", "LANG", "SSL_CERT_FILE", "PREFLIGHT_RESPONSE_HOSTS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_ENDPOINT_URL", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "PREFLIGHT_BASELINE")
    return {
        **{k: os.environ[k] for k in keep if k in os.environ},
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": HANDLER,
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(runtime_root),
        "PYTHONPATH": f"{task_root}:{runtime_root}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/26/[$LATEST]0123456789abcdef",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_SESSION_TOKEN": "testing",
        "TZ": ":UTC",
        **(extra or {}),
    }


class LambdaFunction:
    """One execution environment: a process running the task folder under awslambdaric."""

    def __init__(self, task_root: Path, runtime_root: Path, *, memory_mb: int = 128,
                 env: dict[str, str] | None = None, python: str = sys.executable):
        self.api = RuntimeApi()
        self.log_path = task_root.parent / f"{task_root.name}.log"
        self._log = open(self.log_path, "w")
        # -S: nothing from this machine's site-packages; only the task folder and the runtime folder.
        self.process = subprocess.Popen(
            [python, "-S", "-m", "awslambdaric", HANDLER],
            cwd=task_root, env=lambda_environment(self.api, task_root, runtime_root, memory_mb=memory_mb, extra=env),
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def invoke(self, event: Any, timeout_s: float = 60.0, trace_header: str | None = None) -> Invocation:
        """Invokes the function and waits for it to report back to the Runtime API (at most its timeout)."""
        invocation = self.api.invoke(event, timeout_s, trace_header)
        invocation.done.wait(timeout_s + 30)  # + the Init phase of a cold start
        return invocation

    @property
    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(10)
        self._log.close()
        self.api.close()

    def __enter__(self) -> "LambdaFunction":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
