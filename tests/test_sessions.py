"""Sessions are cheap and many (one per account of a sweep, per assumed role): what they share stays one."""
from __future__ import annotations

from preflight.aws import new_session


def test_many_sessions_share_one_loader_whose_search_paths_do_not_grow():
    first = new_session(region_name="us-east-1")
    paths = list(first._session.get_component("data_loader").search_paths)
    for _ in range(20):
        last = new_session(region_name="eu-west-1")
    loader = last._session.get_component("data_loader")
    assert loader is first._session.get_component("data_loader")
    assert loader.search_paths == paths


def test_clients_of_one_service_share_a_class_and_keep_their_own_region():
    session = new_session(region_name="us-east-1")
    home, other = session.client("ec2"), new_session().client("ec2", region_name="eu-west-1")
    assert type(home) is type(other)
    assert (home.meta.region_name, other.meta.region_name) == ("us-east-1", "eu-west-1")
    assert home.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
