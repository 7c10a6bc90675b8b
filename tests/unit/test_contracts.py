"""Borrowed internals are declared contracts, pinned here: a crhelper or botocore upgrade that renames, removes or
reshapes one fails by name in this file - never silently, never in a stack. The lists are the ones in
preflight/cloudformation/protocol.py and preflight/aws/botocore_sharing.py's docstrings."""
from __future__ import annotations

import hashlib
import inspect

import pytest


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


# crhelper (the custom-resource protocol library)

CRHELPER_METHODS = {
    "__init__": ["self", "json_logging", "log_level", "boto_level", "polling_interval", "sleep_on_delete",
                 "ssl_verify"],
    "__call__": ["self", "event", "context"],
    "_send": ["self", "status", "reason", "send_response"],
    "init_failure": ["self", "error"],
    "create": ["self", "func"],
    "update": ["self", "func"],
    "_wrap_function": ["self", "func"],
    "_timeout": ["self"],
    "_log_setup": ["self", "event", "context"],
}


@pytest.mark.parametrize("name, expected", CRHELPER_METHODS.items())
def test_the_crhelper_methods_preflight_relies_on_keep_their_names_and_signatures(name, expected):
    from crhelper import CfnResource

    assert parameters(getattr(CfnResource, name)) == expected


def test_the_crhelper_state_preflight_reads_is_there_after_construction(monkeypatch):
    from crhelper import CfnResource
    from crhelper.resource_helper import FAILED, SUCCESS

    monkeypatch.setenv("AWS_SAM_LOCAL", "true")  # as preflight constructs it: no polling clients
    helper = CfnResource(sleep_on_delete=0)
    for attribute in ("_init_failed", "_event", "_timer", "_sam_local", "Status", "Reason", "Data", "StackId",
                      "RequestId", "LogicalResourceId", "PhysicalResourceId"):
        assert hasattr(helper, attribute), attribute
    assert (SUCCESS, FAILED) == ("SUCCESS", "FAILED")
    helper.init_failure(ValueError("x"))
    assert isinstance(helper._init_failed, ValueError)


def test_crhelper_skips_its_polling_clients_when_sam_local_is_set(monkeypatch):
    """GuardedResource relies on it: ~100 ms of every cold start, and a FAILED without AWS_REGION."""
    import crhelper.resource_helper as resource_helper

    made = []
    monkeypatch.setattr(resource_helper.boto3, "client", lambda *a, **k: made.append(a))
    monkeypatch.setenv("AWS_SAM_LOCAL", "true")
    resource_helper.CfnResource(sleep_on_delete=0)
    assert made == []


def test_crhelper_configures_logging_through_its_log_helper():
    from crhelper import log_helper

    assert parameters(log_helper.setup)[:2] == ["level", "formatter_cls"]


# botocore (the adaptations of preflight.aws.botocore_sharing)

def test_botocore_internals_the_sharing_adapts_keep_their_names_and_signatures():
    import botocore.client
    import botocore.hooks
    import botocore.httpsession
    import botocore.loaders

    assert parameters(botocore.loaders.JSONFileLoader._load_file) == ["self", "full_path", "open_method"]
    assert parameters(botocore.client.ClientCreator._load_service_model) == ["self", "service_name", "api_version"]
    assert parameters(botocore.client.ClientCreator._create_client_class) == ["self", "service_name", "service_model"]
    assert parameters(botocore.httpsession.URLLib3Session._get_pool_manager_kwargs) == ["self", "extra_kwargs"]
    assert parameters(botocore.httpsession.URLLib3Session._setup_ssl_cert) == ["self", "conn", "url", "verify"]
    assert "__copy__" in botocore.hooks.EventAliaser.__dict__
    assert callable(botocore.httpsession.get_cert_path) and callable(botocore.httpsession.create_urllib3_context)


def test_the_one_botocore_body_the_sharing_mirrors_is_unchanged():
    """LeanFileLoader._load_file is botocore's own, with plain dicts and no documentation text: if botocore
    changes its body, look again at the mirror (then update this digest)."""
    import botocore.loaders

    source = inspect.getsource(botocore.loaders.JSONFileLoader._load_file)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == "8e9da7ac3d7d5c30"


def test_every_botocore_adaptation_applies_on_the_pinned_botocore():
    import botocore.session

    from preflight.aws import botocore_sharing
    from preflight.aws.access import new_session
    from preflight.aws.botocore_sharing import Outcome

    new_session()  # the process's shared loader, adapted once
    fresh = botocore.session.get_session().get_component("data_loader")
    outcomes = {a.name: a.outcome for a in botocore_sharing.install(fresh)}
    assert set(outcomes) == {"lean_model_files", "one_load_at_a_time", "share_service_models", "share_client_classes",
                             "share_tls_context", "share_event_alias_cache"}
    assert Outcome.SKIPPED not in outcomes.values()
    assert outcomes["lean_model_files"] is outcomes["one_load_at_a_time"] is Outcome.APPLIED  # a loader of its own


def test_a_missing_internal_is_skipped_in_words_and_botocore_runs_its_own_way(monkeypatch, caplog):
    import botocore.client
    import botocore.session

    from preflight.aws import botocore_sharing
    from preflight.aws.botocore_sharing import Outcome

    monkeypatch.delattr(botocore.client.ClientCreator, "_create_client_class")
    loader = botocore.session.get_session().get_component("data_loader")
    outcomes = {a.name: a for a in botocore_sharing.install(loader)}
    assert outcomes["share_client_classes"].outcome is Outcome.SKIPPED
    assert "ClientCreator._create_client_class" in outcomes["share_client_classes"].missing
    assert "botocore sharing share_client_classes skipped" in caplog.text


def test_the_functions_logging_is_preflights_own_and_survives_a_request(cfn):
    import logging

    from preflight import handler
    from tests.support.handler import invoke

    logging.getLogger().setLevel(logging.DEBUG)
    invoke(cfn, "Delete")
    invoke(cfn, "Create", {"Checks": ["root-account-mfa-enabled"]})
    assert logging.getLogger().level == logging.INFO and logging.getLogger("botocore").level == logging.ERROR
    assert type(handler.helper)._log_setup is not __import__("crhelper").CfnResource._log_setup
