"""What the botocore clients of one process can share, so an audit of every region (six clients a region, 17 regions)
or a sweep of hundreds of accounts pays once for what is the same in each: the model files, read once and lean;
one ServiceModel and one client class per service; one TLS context per CA bundle; event names translated once.
The clients keep their own region, config, credentials, connections and event handlers.

These adapt botocore internals (ClientCreator._load_service_model, _create_client_class, JSONFileLoader
._load_file, URLLib3Session._get_pool_manager_kwargs and _setup_ssl_cert, EventAliaser.__copy__). Where a botocore
no longer has one of them, that sharing is skipped and botocore's own way runs unchanged: slower, never wrong.
tests/test_sessions.py shows each one in effect.
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any

_lock = threading.Lock()
_client_classes: dict[tuple[str, str], type] = {}
_service_models: dict[tuple[str, int], Any] = {}
_tls_contexts: dict[str, Any] = {}


def _once(cache: dict[Any, Any], key: Any, make: Any) -> Any:
    """cache[key], made by make() the first time - once, whichever threads ask at the same moment."""
    value = cache.get(key)
    if value is None:
        with _lock:
            value = cache.get(key)
            if value is None:
                value = cache[key] = make()
    return value


def _without_documentation(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # The key stays (botocore reads some, e.g. a client context parameter's, unconditionally) and the text
    # goes; a structure member may be called "documentation" too, but its value is a dict, not a string.
    return {key: "" if key == "documentation" and isinstance(value, str) else value for key, value in pairs}


def lean_model_files(loader: Any) -> None:
    """Model files parsed into plain dicts, and service models without the text of their documentation
    (docstrings for humans; no request, response or endpoint depends on it). botocore parses into
    OrderedDicts: EC2's model is 14 MiB and 93 ms that way, 6.6 MiB and 73 ms this way - half the memory of
    every model an audit loads."""
    import botocore.loaders

    if not hasattr(botocore.loaders.JSONFileLoader, "_load_file"):
        return

    class LeanFileLoader(botocore.loaders.JSONFileLoader):
        def _load_file(self, full_path: str, open_method: Any) -> Any:
            if not os.path.isfile(full_path):
                return None
            with open_method(full_path, "rb") as fp:
                payload = fp.read().decode("utf-8")
            lean = os.path.basename(full_path).startswith("service-2.")
            return json.loads(payload, object_pairs_hook=_without_documentation if lean else None)

    loader.file_loader = LeanFileLoader()


def one_load_at_a_time(loader: Any) -> None:
    """botocore's loader caches what it reads, but a read two threads start at once is done twice: an audit of
    every region asks for the same lists and files from 17 threads at the same moment (the service list alone
    is ~10,000 stat calls, and it was read 33 times). Reads are CPU-bound under the GIL, so one at a time loses
    no parallelism and each is done once."""
    lock = threading.RLock()
    for name in ("list_available_services", "determine_latest_version", "list_api_versions",
                 "load_service_model", "load_data", "load_data_with_path"):
        read = getattr(loader, name)

        def one_at_a_time(*args: Any, _read: Any = read, **kwargs: Any) -> Any:
            with lock:
                return _read(*args, **kwargs)
        setattr(loader, name, one_at_a_time)


def share_service_models() -> None:
    """botocore builds a ServiceModel for every client, and each fills its own caches (an OperationModel per
    operation: 830 for EC2, looking for endpoint discovery). A ServiceModel is read-only once built: one per
    service model document serves every client."""
    import botocore.client

    build = getattr(botocore.client.ClientCreator, "_load_service_model", None)
    if build is None or getattr(build, "preflight_shared", False):
        return

    def shared_model(creator: Any, service_name: str, api_version: str | None = None) -> Any:
        document = creator._loader.load_service_model(service_name, "service-2", api_version=api_version)
        key = (service_name, id(document))  # the loader keeps the document: its id stays its own
        return _once(_service_models, key, lambda: build(creator, service_name, api_version))

    shared_model.preflight_shared = True  # type: ignore[attr-defined]
    botocore.client.ClientCreator._load_service_model = shared_model  # type: ignore[method-assign]


def share_client_classes() -> None:
    """botocore builds a new class for every client, a method per API operation (EC2 has over 800): ~30 ms of CPU
    and ~0.25 MiB for each EC2 client, 17 of them with `regions: all`. The class depends only on the service
    model and the `creating-client-class` handlers, which are botocore's and boto3's built-ins in every session
    preflight makes - so one class per service and API version serves every client in the process."""
    import botocore.client

    build = getattr(botocore.client.ClientCreator, "_create_client_class", None)
    if build is None or getattr(build, "preflight_shared", False):
        return

    def shared_class(creator: Any, service_name: str, service_model: Any) -> type:
        key = (service_name, service_model.api_version)
        return _once(_client_classes, key, lambda: build(creator, service_name, service_model))

    shared_class.preflight_shared = True  # type: ignore[attr-defined]
    botocore.client.ClientCreator._create_client_class = shared_class  # type: ignore[method-assign]


def share_tls_context() -> None:
    """botocore gives every client its own TLS context, and urllib3 loads the CA bundle into it again for every
    new connection: ~30 ms of CPU and ~0.7 MiB each time (certifi's bundle, measured here). An audit of every
    region opens 100+ connections, one or more per client - seconds of CPU and tens of MiB against AWS that
    plain HTTP to a simulator never shows. One context per CA bundle, loaded once, serves every connection
    that verifies with that bundle; a client that does not verify, or presents a client certificate, keeps
    botocore's own context."""
    import botocore.httpsession as httpsession

    session_class = httpsession.URLLib3Session
    pool_kwargs = getattr(session_class, "_get_pool_manager_kwargs", None)
    setup_cert = getattr(session_class, "_setup_ssl_cert", None)
    if pool_kwargs is None or setup_cert is None or getattr(pool_kwargs, "preflight_shared", False):
        return

    def bundle_of(http: Any) -> str | None:
        verify = getattr(http, "_verify", None)
        if not verify or getattr(http, "_cert_file", None):
            return None
        return httpsession.get_cert_path(verify)

    def context_for(bundle: str) -> Any:
        def loaded() -> Any:
            context = httpsession.create_urllib3_context()
            context.load_verify_locations(bundle)
            return context
        return _once(_tls_contexts, bundle, loaded)

    def shared_context_kwargs(http: Any, **extra: Any) -> dict[str, Any]:
        kwargs = pool_kwargs(http, **extra)
        bundle = bundle_of(http)
        if bundle:
            kwargs["ssl_context"] = context_for(bundle)
        return kwargs

    def bundle_already_loaded(http: Any, conn: Any, url: str, verify: Any) -> None:
        setup_cert(http, conn, url, verify)
        if conn.ca_certs is not None and conn.ca_certs == bundle_of(http):
            conn.ca_certs = None  # in the shared context already; verification stays required

    shared_context_kwargs.preflight_shared = True  # type: ignore[attr-defined]
    session_class._get_pool_manager_kwargs = shared_context_kwargs  # type: ignore[method-assign]
    session_class._setup_ssl_cert = bundle_already_loaded  # type: ignore[method-assign]


def share_event_alias_cache() -> None:
    """Each client copies the session's event emitter, and botocore starts each copy with an empty cache of the
    event names it has translated from old service names (`config` is now `config-service`): the first call of
    every client translated each event it emits again, 65 string splits apiece - ~4% of an audit of every
    region. A translation depends only on the alias table, which every copy is given unchanged: copies share
    the cache."""
    import botocore.hooks

    aliaser = botocore.hooks.EventAliaser
    copy_emitter = aliaser.__dict__.get("__copy__")
    if copy_emitter is None or getattr(copy_emitter, "preflight_shared", False):
        return

    def copy_sharing_translations(emitter: Any) -> Any:
        copied = copy_emitter(emitter)
        cache = getattr(emitter, "_alias_name_cache", None)
        if isinstance(cache, dict) and getattr(copied, "_event_aliases", None) == emitter._event_aliases:
            copied._alias_name_cache = cache
        return copied

    copy_sharing_translations.preflight_shared = True  # type: ignore[attr-defined]
    aliaser.__copy__ = copy_sharing_translations  # type: ignore[method-assign]


def install(loader: Any) -> None:
    """All of the above, for the process and its one model loader."""
    lean_model_files(loader)
    one_load_at_a_time(loader)
    share_service_models()
    share_client_classes()
    share_tls_context()
    share_event_alias_cache()
