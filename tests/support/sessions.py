"""The worker's shared boto3 session, for audits that attach nothing to theirs."""
from __future__ import annotations

import boto3


def shared_session() -> boto3.Session:
    """The session tests/conftest.py makes once per worker and sets as boto3's default: clients on it are made
    in ~3 ms, on a fresh session ~10 ms. Only for a test that registers no event handler on it (a fault, a
    stub, a recorder needs a session of its own, from new_session); its credentials and region never change."""
    session = boto3.DEFAULT_SESSION
    assert session is not None, "tests/conftest.py sets the default session for every test"
    return session
