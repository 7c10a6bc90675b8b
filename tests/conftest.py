"""Every test runs inside moto, and any connection that would leave this machine fails the test."""
from __future__ import annotations

import ipaddress
import os
import socket

import pytest

from sim.environment import use_simulated_aws  # noqa: E402

use_simulated_aws("testing", metrics=True)

from sim.moto_models import share_models_with_moto  # noqa: E402

share_models_with_moto()

from moto import mock_aws  # noqa: E402

from sim import moto_gaps  # noqa: E402

moto_gaps.install()

from sim.cloudformation import FakeLambdaContext, start_response_server  # noqa: E402

_real_connect = socket.socket.connect


def pytest_xdist_auto_num_workers(config) -> int:
    """One worker more than the machine has cores (`-n auto`): many tests spend part of their time waiting on a
    deadline or a socket, and the extra worker runs while they wait (2 cores, loaded: 70 s -> 60 s)."""
    return (os.cpu_count() or 1) + 1


def _loopback_only(sock: socket.socket, address) -> None:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise AssertionError(f"test tried to reach {host}: only loopback is allowed")
        except ValueError:
            if host != "localhost":
                raise AssertionError(f"test tried to reach {host}: only loopback is allowed")
    return _real_connect(sock, address)


@pytest.fixture(scope="session")
def _moto():
    """One mock for the whole worker (starting moto registers over a thousand URL patterns, ~20 ms a test), and
    one default session (~15 ms to make) whose model loader is the process's shared one."""
    from preflight.aws.access import new_session

    with mock_aws():
        session = new_session()
        yield session


@pytest.fixture(autouse=True)
def _no_network_and_moto(_moto, monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    import boto3
    from moto.core.base_backend import BackendDict

    moto_gaps.reset()
    BackendDict.reset()  # every test starts from an empty account, as a fresh mock_aws() would give it
    boto3.DEFAULT_SESSION = _moto
    yield


@pytest.fixture(scope="session")
def response_server(tmp_path_factory):
    server = start_response_server(str(tmp_path_factory.mktemp("cfn")))
    yield server
    server.close()


@pytest.fixture
def cfn(response_server):
    response_server.reset()
    return response_server


@pytest.fixture
def lambda_context():
    return FakeLambdaContext(remaining_s=30)


@pytest.fixture
def run_check(_moto):
    """Runs one check function against the (moto) account, as the runner would hand it over. Without a session
    of the test's own, on the worker's shared one (nothing registers events on it, and its credentials and region
    never change): clients are then made in ~3 ms, not the ~10 ms a fresh session's first ones cost. The clients
    themselves are new for each run, as a new AwsAccess makes them."""
    from preflight.aws.access import AwsAccess
    from preflight.context import CheckContext
    from preflight.policy import Selection
    from sim.cloudformation import ACCOUNT_ID, REGION

    def run(check, region: str = REGION, aws: AwsAccess | None = None, regions=None, session=None, **parameters):
        aws = aws or AwsAccess(session or _moto, region=region, account_id=ACCOUNT_ID)
        selection = Selection.of(check, parameters)
        audited = (lambda: tuple(regions)) if regions else None
        return check.run(CheckContext(aws, region, selection.parameters, home_region=region, regions_of_audit=audited))

    return run


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto as a server on 127.0.0.1, for code under test that runs in another process."""
    from sim.moto_server import start_moto_server

    server, endpoint = start_moto_server()
    yield endpoint
    server.stop()


@pytest.fixture
def deploy_baseline(monkeypatch, tmp_path):
    """Deploys the auditor with a baseline document (text, as a security team writes it) in a file."""
    from preflight import handler
    from preflight.cloudformation.baseline_cache import BaselineCache

    def with_text(text: str) -> str:
        path = tmp_path / "baseline.yaml"
        path.write_text(text)
        monkeypatch.setenv("PREFLIGHT_BASELINE", f"file:{path}")
        monkeypatch.setattr(handler, "baselines", BaselineCache())
        return f"file:{path}"
    return with_text


@pytest.fixture(scope="session")
def task_root(tmp_path_factory):
    """The packaged zip (`make package`), unpacked into an empty folder as Lambda's /var/task."""
    import zipfile

    from tools.package import cached_build

    archive = cached_build()
    folder = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(folder)
    return folder


@pytest.fixture(scope="session")
def runtime_root():
    """What the managed runtime has beside the function: awslambdaric and the runtime's (older) boto3."""
    from tools.lambda_runtime import build

    return build()


@pytest.fixture
def aws_server(moto_endpoint, monkeypatch):
    """Points this process's environment (and so a function started from it) at moto's server."""
    from sim.moto_server import client_environment

    for key, value in client_environment(moto_endpoint).items():
        monkeypatch.setenv(key, value)
    return moto_endpoint


@pytest.fixture
def lambda_function(task_root, runtime_root, aws_server, cfn):
    """Starts execution environments of the packaged function under awslambdaric; stops them afterwards."""
    from sim.lambda_runtime import LambdaFunction

    started = []

    def start(task=task_root, **options):
        function = LambdaFunction(task, runtime_root, **options)
        started.append(function)
        return function
    yield start
    for function in started:
        function.stop()
