"""A hook request's payload: fetched within one bound for the whole exchange (however slowly the server
sends), read with the same JSON-first, depth-bounded rules as a template, and - whatever it holds - answered
in words, with the rest of the audit kept."""
from __future__ import annotations

import json
import socket
import ssl
import threading
import time

import pytest

from preflight import handler
from preflight.cloudformation import hook, payload
from preflight.template import TemplateUnavailable
from sim.account import make_compliant
from sim.cloudformation import FakeLambdaContext

from tests.support.paths import EVENTS  # noqa: E402


class TrickleServer:
    """HTTPS on 127.0.0.1 that answers every GET one byte every `interval_s`, from the status line on (head)
    or once the headers are out (body)."""

    def __init__(self, cfn, trickle_head: bool, interval_s: float = 0.5):
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cfn.cert_path, cfn.key_path)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()
        self._trickle_head, self._interval_s = trickle_head, interval_s
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"https://localhost:{self._listener.getsockname()[1]}/payload.json?X-Amz-Signature=s3cr3t"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(raw,), daemon=True).start()

    def _answer(self, raw: socket.socket) -> None:
        body = json.dumps({"template": json.dumps({"Resources": {}})}).encode()
        head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
        try:
            with self._context.wrap_socket(raw, server_side=True) as conn:
                while b"\r\n\r\n" not in conn.recv(65536):
                    pass
                if not self._trickle_head:
                    conn.sendall(head)
                for byte in (head if self._trickle_head else b"") + body:
                    if self._stop.wait(self._interval_s):
                        return
                    conn.sendall(bytes([byte]))
        except OSError:
            pass

    def close(self) -> None:
        self._stop.set()
        self._listener.close()


@pytest.fixture
def trickling(cfn):
    servers = []

    def start(trickle_head: bool) -> TrickleServer:
        servers.append(TrickleServer(cfn, trickle_head))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("trickle_head", [False, True], ids=["body", "status line"])
def test_a_payload_trickled_a_byte_every_half_second_is_given_up_at_the_bound(trickling, trickle_head):
    server = trickling(trickle_head)
    outcome: list[BaseException] = []

    def fetch() -> None:
        try:
            payload.from_payload_url(server.url, timeout=1.5)
        except BaseException as error:  # noqa: BLE001 - the test reads whatever came out
            outcome.append(error)

    fetching = threading.Thread(target=fetch)
    started = time.monotonic()
    fetching.start()
    fetching.join(timeout=1.5 + 3.0)
    assert not fetching.is_alive(), "the fetch went on past its bound"
    assert time.monotonic() - started < 1.5 + 3.0
    [error] = outcome
    assert isinstance(error, TemplateUnavailable)
    assert str(error) == "the payload did not arrive from localhost within 1.5 s"


def test_a_payload_over_the_size_limit_is_refused_before_it_is_read(cfn):
    url = cfn.serve("big", {"template": "x" * payload.MAX_PAYLOAD_BYTES})
    with pytest.raises(TemplateUnavailable, match=r"^the payload is larger than 3072 KiB$"):
        payload.from_payload_url(url)


def test_a_payload_url_answering_an_error_says_so_without_the_signature(cfn):
    with pytest.raises(TemplateUnavailable) as raised:
        payload.from_payload_url(cfn.url("missing") + "&X-Amz-Security-Token=t0ken")
    assert str(raised.value) == "the payload URL answered HTTP 404"


def raw_payload(cfn, name: str, body: bytes) -> str:
    url = cfn.serve(name, {})
    cfn.documents[f"/payloads/{name}"] = body
    return url


@pytest.mark.parametrize("body, reason", [
    (b'{"template": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001, "the payload nests deeper than 100 levels"),
    (b'{"template": "Resources: {}", "template": "Resources: {}"}', "the payload has the key 'template' twice"),
    (b'\xff\xfe{"template": {}}', "the payload is not UTF-8 text (byte 0xff at offset 0 cannot be decoded)"),
    (b'{"template": "Resources: {}"', "the payload is not JSON (line 1 column 29: Expecting ',' delimiter)"),
    (b'{"template":\t{"Resources":\t{}}}', None),  # tabs: read as JSON
    (b'{"template": "{\\n\\t\\"Resources\\": {}\\n}"}', None),  # a tab-indented JSON template
    (b'{"template": "Resources: !Ref [a, *b]"}', "the template uses a YAML alias (line 1)"),
    (b'[1]', "the payload carries no template"),
])
def test_a_payload_is_read_by_the_template_rules(cfn, body, reason):
    url = raw_payload(cfn, "p", body)
    if reason is None:
        assert payload.from_payload_url(url) == {"Resources": {}}
        return
    with pytest.raises(TemplateUnavailable) as raised:
        payload.from_payload_url(url)
    assert str(raised.value).startswith(reason)


def hook_answer(cfn, body: bytes) -> dict:
    request = json.loads((EVENTS / "hook-stack-create.json").read_text())
    request["requestData"]["payload"] = raw_payload(cfn, request["clientRequestToken"], body)
    return handler.handler(request, FakeLambdaContext(60))


def test_a_payload_nested_past_the_recursion_limit_keeps_the_audit_and_says_why(cfn, monkeypatch):
    monkeypatch.setattr(handler, "verdicts", hook.VerdictCache(ttl_s=0))
    make_compliant()
    response = hook_answer(cfn, b'{"template": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert response["hookStatus"] == "FAILED", response
    assert response["message"] == ("FAIL: template-iam-actions-exist (ERROR): the payload nests deeper than 100 "
                                   "levels")
    by_name = {a["annotationName"]: a["status"] for a in response["annotations"]}
    assert by_name["root-account-mfa-enabled"] == by_name["cloudtrail-enabled"] == "PASSED"


def test_a_tab_indented_json_template_passes_the_hook(cfn, monkeypatch):
    monkeypatch.setattr(handler, "verdicts", hook.VerdictCache(ttl_s=0))
    make_compliant()
    indented = json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}, indent="\t")
    response = hook_answer(cfn, json.dumps({"template": indented}).encode())
    assert response["hookStatus"] == "SUCCESS", response["message"]
