"""An STS stand-in on https://localhost that answers GetCallerIdentity and closes every connection, so each
call is a new TLS handshake: what TLS costs a client is measured against it (tests/test_sessions.py,
tools/bench_tls.py)."""
from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sim.cloudformation import ACCOUNT_ID, _self_signed_certificate

IDENTITY = ('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            f'<Arn>arn:aws:iam::{ACCOUNT_ID}:user/a</Arn><UserId>AIDAEXAMPLE</UserId><Account>{ACCOUNT_ID}</Account>'
            '</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>'
            '</GetCallerIdentityResponse>')


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = IDENTITY.encode()
        self.send_response(200)
        for name, value in (("Content-Type", "text/xml"), ("Content-Length", str(len(body))), ("Connection", "close")):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def start_sts_over_tls(folder: Path) -> tuple[ThreadingHTTPServer, str, str]:
    """(server, its https URL, the path of its self-signed certificate). Stop it with server.shutdown()."""
    cert, key = _self_signed_certificate(folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"https://localhost:{server.server_address[1]}", str(cert)
