"""What the botocore clients of one process can share, so an audit of every region (six clients a region, 17 regions)
or a sweep of hundreds of accounts pays once for what is the same in each: the model files, read once and lean;
one ServiceModel and one client class per service; one TLS context per CA bundle; event names translated once.
The clients keep their own region, config, credentials, connections and event handlers.

These adapt botocore internals - declared contracts, each guarded: where a botocore no longer has the internal,
that sharing is skipped (and logged) and botocore's own way runs unchanged: slower, never wrong. `install()`
returns what it applied. tests/test_contracts.py pins every internal below on the botocore the suite runs
(names, signatures, and the source of the one body copied), so an upgrade that changes one fails there, by
name; tests/test_sessions.py shows each adaptation in effect.

| adaptation | botocore internal | if it is missing | shown in effect by |
|---|---|---|---|
| lean_model_files | `loaders.JSONFileLoader._load_file(full_path, open_method)` (its body is mirrored) | models keep their documentation text | test_sessions: lean model files |
| one_load_at_a_time | `Loader.list_available_services`, `determine_latest_version`, `list_api_versions`, `load_service_model`, `load_data`, `load_data_with_path` | that method is read concurrently, as botocore does | test_sessions: simultaneous asks -> one read |
| share_service_models | `client.ClientCreator._load_service_model(service_name, api_version)`, `ClientCreator._loader` | one ServiceModel per client | test_sessions: one ServiceModel per service |
| share_client_classes | `client.ClientCreator._create_client_class(service_name, service_model)` | one client class per client | test_sessions: one class per service |
| share_tls_context | `httpsession.URLLib3Session._get_pool_manager_kwargs(**extra)`, `_setup_ssl_cert(conn, url, verify)`, `_verify`, `_cert_file`, `get_cert_path`, `create_urllib3_context` | a TLS context per client (the bundle loaded per connection) | test_sessions: over real TLS |
| share_event_alias_cache | `hooks.EventAliaser.__copy__`, `_alias_name_cache`, `_event_aliases` | each client translates event names again | test_sessions: translated event names |
"""
from __future__ import annotations

import enum
import json
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable

logger = logging.getLogger(__name__)


class Outcome(str, enum.Enum):
    APPLIED = "applied"
    ALREADY = "already applied"  # in this process, by an earlier install()
    SKIPPED = "skipped"  # the botocore internal it adapts is missing: botocore's own way runs


@dataclass(frozen=True)
class Adaptation:
    name: str
    outcome: Outcome
    missing: str = ""  # the internal that was not found

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


def lean_model_files(loader: Any) -> Adaptation:
    """Model files parsed into plain dicts, and service models without the text of their documentation
    (docstrings for humans; no request, response or endpoint depends on it). botocore parses into
    OrderedDicts: EC2's model is 14 MiB and 93 ms that way, 6.6 MiB and 73 ms this way - half the memory of
    every model an audit loads."""
    import botocore.loaders

    if not hasattr(botocore.loaders.JSONFileLoader, "_load_file") or not hasattr(loader, "file_loader"):
        return Adaptation("lean_model_files", Outcome.SKIPPED, "JSONFileLoader._load_file")
    if type(loader.file_loader).__name__ == "LeanFileLoader":
        return Adaptation("lean_model_files", Outcome.ALREADY)

    class LeanFileLoader(botocore.loaders.JSONFileLoader):
        # botocore's own _load_file, with plain dicts and no documentation text (its source is pinned)
        def _load_file(self, full_path: str, open_method: Any, *args: Any, **kwargs: Any) -> Any:
            if not os.path.isfile(full_path):
                return None
            with open_method(full_path, "rb") as fp:
                payload = fp.read().decode("utf-8")
            lean = os.path.basename(full_path).startswith("service-2.")
            return json.loads(payload, object_pairs_hook=_without_documentation if lean else None)

    loader.file_loader = LeanFileLoader()
    return Adaptation("lean_model_files", Outcome.APPLIED)


LOADER_READS = ("list_available_services", "determine_latest_version", "list_api_versions", "load_service_model",
                "load_data", "load_data_with_path")


def one_load_at_a_time(loader: Any) -> Adaptation:
    """botocore's loader caches what it reads, but a read two threads start at once is done twice: an audit of
    every region asks for the same lists and files from 17 threads at the same moment (the service list alone
    is ~10,000 stat calls, and it was read 33 times). Reads are CPU-bound under the GIL, so one at a time loses
    no parallelism and each is done once."""
    if getattr(loader, "preflight_one_at_a_time", False):
        return Adaptation("one_load_at_a_time", Outcome.ALREADY)
    lock = threading.RLock()
    missing = [name for name in LOADER_READS if not callable(getattr(loader, name, None))]
    for name in LOADER_READS:
        if name in missing:
            continue
        read = getattr(loader, name)

        def one_at_a_time(*args: Any, _read: Any = read, **kwargs: Any) -> Any:
            with lock:
                return _read(*args, **kwargs)
        setattr(loader, name, one_at_a_time)
    loader.preflight_one_at_a_time = True
    if missing:  # the others are still one at a time; these are read as botocore reads them
        return Adaptation("one_load_at_a_time", Outcome.SKIPPED, "Loader." + ", Loader.".join(missing))
    return Adaptation("one_load_at_a_time", Outcome.APPLIED)


def share_service_models() -> Adaptation:
    """botocore builds a ServiceModel for every client, and each fills its own caches (an OperationModel per
    operation: 830 for EC2, looking for endpoint discovery). A ServiceModel is read-only once built: one per
    service model document serves every client."""
    import botocore.client

    build = getattr(botocore.client.ClientCreator, "_load_service_model", None)
    if build is None:
        return Adaptation("share_service_models", Outcome.SKIPPED, "ClientCreator._load_service_model")
    if getattr(build, "preflight_shared", False):
        return Adaptation("share_service_models", Outcome.ALREADY)

    def shared_model(creator: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        loader = getattr(creator, "_loader", None)
        if loader is None:  # nothing to key the share on: botocore's own way
            return build(creator, service_name, *args, **kwargs)
        api_version = kwargs.get("api_version", args[0] if args else None)
        document = loader.load_service_model(service_name, "service-2", api_version=api_version)
        key = (service_name, id(document))  # the loader keeps the document: its id stays its own
        return _once(_service_models, key, lambda: build(creator, service_name, *args, **kwargs))

    _mark(shared_model, build)
    botocore.client.ClientCreator._load_service_model = shared_model
    return Adaptation("share_service_models", Outcome.APPLIED)


def share_client_classes() -> Adaptation:
    """botocore builds a new class for every client, a method per API operation (EC2 has over 800): ~30 ms of CPU
    and ~0.25 MiB for each EC2 client, 17 of them with `regions: all`. The class depends only on the service
    model and the `creating-client-class` handlers, which are botocore's and boto3's built-ins in every session
    preflight makes - so one class per service and API version serves every client in the process."""
    import botocore.client

    build = getattr(botocore.client.ClientCreator, "_create_client_class", None)
    if build is None:
        return Adaptation("share_client_classes", Outcome.SKIPPED, "ClientCreator._create_client_class")
    if getattr(build, "preflight_shared", False):
        return Adaptation("share_client_classes", Outcome.ALREADY)

    def shared_class(creator: Any, service_name: str, service_model: Any, *args: Any, **kwargs: Any) -> type:
        if args or kwargs:  # a botocore that passes more than the model: its own way, unshared
            return build(creator, service_name, service_model, *args, **kwargs)
        key = (service_name, service_model.api_version)
        return _once(_client_classes, key, lambda: build(creator, service_name, service_model))

    _mark(shared_class, build)
    botocore.client.ClientCreator._create_client_class = shared_class
    return Adaptation("share_client_classes", Outcome.APPLIED)


def share_tls_context() -> Adaptation:
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
    missing = [n for n, v in (("URLLib3Session._get_pool_manager_kwargs", pool_kwargs),
                              ("URLLib3Session._setup_ssl_cert", setup_cert),
                              ("httpsession.get_cert_path", getattr(httpsession, "get_cert_path", None)),
                              ("httpsession.create_urllib3_context", getattr(httpsession, "create_urllib3_context", None)))
               if v is None]
    if missing:
        return Adaptation("share_tls_context", Outcome.SKIPPED, ", ".join(missing))
    assert pool_kwargs is not None and setup_cert is not None  # none is missing
    if getattr(pool_kwargs, "preflight_shared", False):
        return Adaptation("share_tls_context", Outcome.ALREADY)

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

    def bundle_already_loaded(http: Any, conn: Any, *args: Any, **kwargs: Any) -> None:
        setup_cert(http, conn, *args, **kwargs)
        if getattr(conn, "ca_certs", None) is not None and conn.ca_certs == bundle_of(http):
            conn.ca_certs = None  # in the shared context already; verification stays required

    _mark(shared_context_kwargs, pool_kwargs)
    _mark(bundle_already_loaded, setup_cert)
    session_class._get_pool_manager_kwargs = shared_context_kwargs
    session_class._setup_ssl_cert = bundle_already_loaded
    return Adaptation("share_tls_context", Outcome.APPLIED)


def share_event_alias_cache() -> Adaptation:
    """Each client copies the session's event emitter, and botocore starts each copy with an empty cache of the
    event names it has translated from old service names (`config` is now `config-service`): the first call of
    every client translated each event it emits again, 65 string splits apiece - ~4% of an audit of every
    region. A translation depends only on the alias table, which every copy is given unchanged: copies share
    the cache."""
    import botocore.hooks

    aliaser = botocore.hooks.EventAliaser
    copy_emitter = aliaser.__dict__.get("__copy__")
    if copy_emitter is None:
        return Adaptation("share_event_alias_cache", Outcome.SKIPPED, "EventAliaser.__copy__")
    if getattr(copy_emitter, "preflight_shared", False):
        return Adaptation("share_event_alias_cache", Outcome.ALREADY)

    def copy_sharing_translations(emitter: Any, *args: Any, **kwargs: Any) -> Any:
        copied = copy_emitter(emitter, *args, **kwargs)
        cache = getattr(emitter, "_alias_name_cache", None)
        aliases = getattr(emitter, "_event_aliases", None)
        if isinstance(cache, dict) and aliases is not None and getattr(copied, "_event_aliases", None) == aliases:
            copied._alias_name_cache = cache
        return copied

    _mark(copy_sharing_translations, copy_emitter)
    aliaser.__copy__ = copy_sharing_translations
    return Adaptation("share_event_alias_cache", Outcome.APPLIED)


def _mark(adapted: Callable[..., Any], original: Callable[..., Any]) -> None:
    adapted.preflight_shared = True  # type: ignore[attr-defined]
    adapted.__wrapped__ = original  # type: ignore[attr-defined]  # inspect.signature shows botocore's own


def install(loader: Any) -> tuple[Adaptation, ...]:
    """All of the above, for the process and its one model loader; what was applied and what was skipped
    (logged: a skipped sharing is slower, never wrong)."""
    done = (lean_model_files(loader), one_load_at_a_time(loader), share_service_models(), share_client_classes(),
            share_tls_context(), share_event_alias_cache())
    for adaptation in done:
        if adaptation.outcome is Outcome.SKIPPED:
            logger.warning("botocore sharing %s skipped: this botocore has no %s (botocore's own way runs)",
                           adaptation.name, adaptation.missing)
        else:
            logger.debug("botocore sharing %s: %s", adaptation.name, adaptation.outcome.value)
    return done
