"""CloudFormation's side of the custom-resource protocol: events, a Lambda context, and a local HTTPS
server standing in for the pre-signed ResponseURL."""
from __future__ import annotations

import datetime
import ipaddress
import json
import os
import ssl
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:preflight-auditor"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/app/6b1d3a90-0000-11ef-9c5e-0a1b2c3d4e5f"


class FakeLambdaContext:
    """A Lambda context whose deadline is real wall-clock time from its creation."""

    def __init__(self, remaining_s: float = 60.0, function_arn: str = FUNCTION_ARN):
        self._deadline = time.monotonic() + remaining_s
        self.invoked_function_arn = function_arn
        self.function_name = function_arn.split(":")[-1]
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 128

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    @property
    def deadline(self) -> float:
        return self._deadline


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@dataclass
class ReceivedResponse:
    path: str
    body: dict[str, Any]
    received_at: float  # time.monotonic()


@dataclass
class ResponseServer:
    """Receives response PUTs on https://localhost:PORT/. `failures` answers the first N with `failure_status`."""

    cert_path: Path
    key_path: Path
    failures: int = 0
    failure_status: int = 503
    received: list[ReceivedResponse] = field(default_factory=list)
    attempts: int = 0
    documents: dict[str, bytes] = field(default_factory=dict)  # GET path -> body: a hook request's payload

    def __post_init__(self) -> None:
        server = self
        self._arrived = threading.Condition()

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with server._arrived:
                    server.attempts += 1
                    failing = server.attempts <= server.failures
                if not failing:  # recorded before the answer, so the sender never sees 200 first
                    with server._arrived:
                        server.received.append(ReceivedResponse(self.path, json.loads(raw), time.monotonic()))
                        server._arrived.notify_all()
                self.send_response(server.failure_status if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802 - a hook request's pre-signed payload URL
                body = server.documents.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                try:
                    self.wfile.write(body or b"")
                except OSError:
                    pass  # the client stopped reading (a payload refused for its size)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # else it keeps every finished request thread in a list
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, request_id: str) -> str:
        # Shaped like CloudFormation's: the path names the stack and request, the query is the signature.
        return (
            f"https://localhost:{self.port}/arn%3Aaws%3Acloudformation/{request_id}"
            f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=deadbeef{request_id[:8]}"
        )

    def serve(self, name: str, document: Any) -> str:
        """A pre-signed-looking URL at which GET answers the document (JSON), as a hook's payload URL does."""
        self.documents[f"/payloads/{name}"] = json.dumps(document).encode()
        return f"https://localhost:{self.port}/payloads/{name}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=feed{name[:8]}"

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedResponse]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def reset(self) -> None:
        with self._arrived:
            self.received.clear()
            self.documents.clear()
            self.attempts = 0
            self.failures = 0

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def start_response_server(directory: str | None = None) -> ResponseServer:
    """A server whose certificate the process trusts through SSL_CERT_FILE, as crhelper's client would."""
    folder = Path(directory or tempfile.mkdtemp(prefix="preflight-cfn-"))
    cert_path, key_path = _self_signed_certificate(folder)
    os.environ["SSL_CERT_FILE"] = str(cert_path)
    hosts = {h for h in os.environ.get("PREFLIGHT_RESPONSE_HOSTS", "").split(",") if h}
    os.environ["PREFLIGHT_RESPONSE_HOSTS"] = ",".join(sorted(hosts | {"localhost", "127.0.0.1"}))
    return ResponseServer(cert_path, key_path)


def event(
    request_type: str,
    response_url: str,
    properties: dict[str, Any] | None = None,
    *,
    old_properties: dict[str, Any] | None = None,
    physical_id: str | None = None,
    logical_id: str = "Preflight",
    request_id: str | None = None,
    stack_id: str = STACK_ID,
) -> dict[str, Any]:
    """A custom-resource event as CloudFormation sends it (see tests/events/*.json for canned ones)."""
    body: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": FUNCTION_ARN,
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": request_id or str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": "Custom::Preflight",
        "ResourceProperties": {"ServiceToken": FUNCTION_ARN, **(properties or {})},
    }
    if request_type != "Create":
        body["PhysicalResourceId"] = physical_id or f"{logical_id}-0000000000000000"
    if request_type == "Update":
        body["OldResourceProperties"] = {"ServiceToken": FUNCTION_ARN, **(old_properties or {})}
    return body
