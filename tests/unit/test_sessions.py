"""Sessions are cheap and many (one per account of a sweep, per assumed role): what they share stays one."""
from __future__ import annotations

import pytest

from preflight.aws.access import new_session


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


def test_clients_of_one_service_share_one_service_model():
    first = new_session(region_name="us-east-1").client("guardduty")
    second = new_session(region_name="eu-west-1").client("guardduty")
    assert first.meta.service_model is second.meta.service_model
    assert second.list_detectors()["DetectorIds"] == []


def test_clients_share_translated_event_names_and_old_names_still_reach_their_handlers():
    session = new_session(region_name="us-east-1")
    heard = []
    # `config` is botocore's old name for the Config service's events (now `config-service`).
    session.events.register("before-call.config", lambda **kwargs: heard.append(kwargs["model"].name))
    home, other = session.client("config"), session.client("config", region_name="eu-west-1")
    home.describe_configuration_recorders()
    assert other.meta.events._alias_name_cache is home.meta.events._alias_name_cache
    assert "before-call.config-service.DescribeConfigurationRecorders" in other.meta.events._alias_name_cache
    other.describe_configuration_recorders()
    assert heard == ["DescribeConfigurationRecorders"] * 2


def test_service_models_are_read_as_plain_dicts_without_their_documentation_text():
    session = new_session(region_name="us-east-1")
    document = session._session.get_component("data_loader").load_service_model("ec2", "service-2")
    operation = document["operations"]["GetEbsEncryptionByDefault"]
    assert type(document) is dict and type(operation) is dict
    assert operation["documentation"] == "" and document["shapes"]["SecurityGroup"]["documentation"] == ""
    assert session.client("ec2").describe_security_groups()["SecurityGroups"]  # requests and answers still work


def test_a_file_many_threads_ask_for_at_once_is_read_once():
    import threading
    import time

    import botocore.loaders

    from preflight.aws.botocore_sharing import one_load_at_a_time

    class CountingLoader(botocore.loaders.Loader):
        scans = 0

        def _potential_locations(self, *args, **kwargs):
            CountingLoader.scans += 1
            time.sleep(0.05)  # a slow disk: without the lock every thread would be inside the scan at once
            return super()._potential_locations(*args, **kwargs)

    loader = CountingLoader()
    one_load_at_a_time(loader)
    threads = [threading.Thread(target=loader.list_available_services, args=("service-2",)) for _ in range(17)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert CountingLoader.scans == 1


def test_assumed_credentials_never_show_in_a_repr_or_a_log():
    from preflight.aws.access import AssumedCredentials

    credentials = AssumedCredentials.from_sts({"Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s3cr3t",
                                                               "SessionToken": "t0ken"}})
    assert not {"ASIAEXAMPLE", "s3cr3t", "t0ken"} & set(repr(credentials).replace("(", " ").replace(")", " ").split())
    assert "s3cr3t" not in repr(credentials) and "t0ken" not in f"{credentials}"


@pytest.fixture
def sts_over_tls(tmp_path):
    from sim.sts_over_tls import start_sts_over_tls

    server, url, cert = start_sts_over_tls(tmp_path)
    yield url, cert
    server.shutdown()
    server.server_close()


def test_tls_connections_verify_with_one_context_whose_bundle_is_loaded_once(sts_over_tls, monkeypatch):
    import ssl

    from botocore.config import Config
    from botocore.exceptions import SSLError

    url, bundle = sts_over_tls
    loads = []
    load = ssl.SSLContext.load_verify_locations
    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations",
                        lambda context, *args, **kwargs: loads.append(args) or load(context, *args, **kwargs))
    session = new_session()
    clients = [session.client("sts", region_name=region, endpoint_url=url, verify=bundle)
               for region in ("us-east-1", "eu-west-1", "ap-southeast-2")]
    for client in clients * 2:  # six TLS handshakes
        assert client.get_caller_identity()["Account"] == "123456789012"
    # botocore alone: once per handshake, into a context per client (other threads of the process may load
    # other bundles meanwhile: only this one counts)
    assert [args for args in loads if args[:1] == (bundle,)] == [(bundle,)]
    # Verification is still required: with AWS's usual CA bundle, the stand-in's certificate is refused.
    untrusted = session.client("sts", region_name="us-east-1", endpoint_url=url,
                               config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(SSLError):
        untrusted.get_caller_identity()


def test_moto_parses_requests_with_its_own_extras_on_one_lean_loader():
    import moto.core.loaders
    import moto.core.utils

    loader = moto.core.utils.create_loader()
    assert loader is moto.core.utils.create_loader() and isinstance(loader, moto.core.loaders.Loader)
    assert moto.core.loaders.moto_root in loader.search_paths  # where moto's extras to AWS's models live
    assert type(loader.load_service_model("ec2", "service-2")) is dict
