"""The AWS access object: one boto3 session, clients created once per (service, region), shared by threads."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from preflight.aws import botocore_sharing
from preflight.errors import SetupError

if TYPE_CHECKING:  # boto3 and botocore's client take a quarter of a second to import: only an audit needs them
    import boto3
    from botocore.client import BaseClient
    from botocore.config import Config

# AWS throttles its APIs per account, and a burst of deployments runs many audits at once: adaptive retries
# (client-side rate limiting plus jittered exponential backoff) with 6 attempts ride out a burst - 50 audits
# at once through 5 calls/s limits all answer PASS (tools/bench_burst.py), where 3 standard attempts gave
# 32/50. A call still retrying at the audit's deadline is abandoned by the runner (TIMEOUT): the answer is
# never late.
DEFAULT_CONNECT_TIMEOUT_S = 2
DEFAULT_READ_TIMEOUT_S = 5
DEFAULT_MAX_ATTEMPTS = 6
# Every check runs on its own thread and some fan out further; more than botocore's default of 10
# concurrent users of one client would queue for a connection.
DEFAULT_MAX_POOL_CONNECTIONS = 32
# Opting a region in or out takes minutes to hours; a warm container may reuse the list this long.
ENABLED_REGIONS_TTL_S = 3600
ENABLED_OPT_IN_STATUSES = ("opt-in-not-required", "opted-in")


_loader_lock = threading.Lock()
_shared_loader: Any = None
# Making a client is not thread-safe on one session (botocore creates its components lazily), and a sweep's
# accounts share a session. It is CPU-bound under the GIL: one at a time costs no parallelism.
_client_creation = threading.Lock()


def new_session(**kwargs: Any) -> boto3.Session:
    """A boto3 Session whose service models come from one loader per process: a model file is parsed once
    (~10-40 ms of JSON each), however many sessions - assumed roles, accounts of a sweep, tests - ask for it."""
    global _shared_loader
    import boto3
    import botocore.session

    with _loader_lock:
        if _shared_loader is None:
            _shared_loader = botocore.session.get_session().get_component("data_loader")
            botocore_sharing.install(_shared_loader)
    core = botocore.session.get_session()
    core.register_component("data_loader", _shared_loader)
    session = boto3.Session(botocore_session=core, **kwargs)
    with _loader_lock:  # each boto3 Session appends its data folder to the loader's search paths: once is enough
        paths = _shared_loader.search_paths
        paths[:] = list(dict.fromkeys(paths))
    return session


def default_config() -> Config:
    from botocore.config import Config

    return Config(
        connect_timeout=DEFAULT_CONNECT_TIMEOUT_S,
        read_timeout=DEFAULT_READ_TIMEOUT_S,
        retries={"total_max_attempts": DEFAULT_MAX_ATTEMPTS, "mode": "adaptive"},
        max_pool_connections=DEFAULT_MAX_POOL_CONNECTIONS,
    )


@dataclass(frozen=True)
class AssumedCredentials:
    """An assumed role's temporary credentials (sts:AssumeRole). Never shown: the repr hides them."""

    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)

    @classmethod
    def from_sts(cls, answer: dict[str, Any]) -> "AssumedCredentials":
        credentials = answer["Credentials"]
        return cls(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])

    def client_arguments(self) -> dict[str, str]:
        return {"aws_access_key_id": self.access_key_id, "aws_secret_access_key": self.secret_access_key,
                "aws_session_token": self.session_token}


class AwsAccess:
    """Hands out shared boto3 clients. Nothing touches AWS until a client is asked for. With `credentials`,
    the clients act as that assumed role, on the session given: a sweep of hundreds of accounts shares one
    session (a botocore session costs ~15 ms of CPU to make) and only the credentials differ."""

    def __init__(
        self,
        session: boto3.Session | None = None,
        *,
        region: str | None = None,
        account_id: str | None = None,
        config: Config | None = None,
        clients: dict[tuple[str, str], Any] | None = None,
        credentials: AssumedCredentials | None = None,
    ):
        self._session = session
        self._credentials = credentials.client_arguments() if credentials else {}
        self._region = region
        self._account_id = account_id
        self._config = config or default_config()
        # Pre-made clients by (service, region): the seam tests use for botocore Stubbers.
        self._clients: dict[tuple[str, str], BaseClient] = dict(clients or {})
        self._lock = threading.Lock()
        self._enabled_regions: tuple[float, tuple[str, ...]] | None = None

    @property
    def session(self) -> boto3.Session:
        with self._lock:
            if self._session is None:
                self._session = new_session()
            return self._session

    @property
    def region(self) -> str:
        """The region audited by regional checks: the one given, else the session's (AWS_REGION)."""
        region = self._region or self.session.region_name
        if not region:
            raise SetupError("no AWS region is configured: set AWS_REGION or pass a region")
        return region

    @property
    def known_account_id(self) -> str | None:
        """The account id if it was given or already looked up; never calls AWS."""
        return self._account_id

    @property
    def account_id(self) -> str:
        if self._account_id is None:
            self._account_id = self.client("sts").get_caller_identity()["Account"]
        return self._account_id

    def client(self, service: str, region: str | None = None) -> Any:
        region = region or self.region
        key = (service, region)
        client = self._clients.get(key)
        if client is None:
            session = self.session
            with _client_creation:
                client = self._clients.get(key)
                if client is None:
                    client = session.client(service, region_name=region, config=self._config, **self._credentials)
                    self._clients[key] = client
        return client

    def enabled_regions(self) -> tuple[str, ...]:
        """Every region enabled for the account, the home region first (ec2:DescribeRegions), cached."""
        cached = self._enabled_regions
        if cached and time.monotonic() - cached[0] < ENABLED_REGIONS_TTL_S:
            return cached[1]
        home = self.region
        answer = self.client("ec2", home).describe_regions(AllRegions=False)["Regions"]
        enabled = sorted(r["RegionName"] for r in answer if r.get("OptInStatus") in ENABLED_OPT_IN_STATUSES)
        regions = tuple(sorted(enabled, key=lambda name: name != home))
        self._enabled_regions = (time.monotonic(), regions)
        return regions
