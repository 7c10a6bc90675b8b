"""moto as a real HTTP server on 127.0.0.1, for code that must run in another process (the packaged zip)."""
from __future__ import annotations

import logging
import socket

from moto.server import ThreadedMotoServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto_server(port: int | None = None) -> tuple[ThreadedMotoServer, str]:
    from sim import moto_gaps
    from sim.environment import skip_moto_public_images
    from sim.moto_models import share_models_with_moto

    skip_moto_public_images()
    share_models_with_moto()

    moto_gaps.patch_backends()  # AWS's behaviour where moto differs (a new trail's default selector, ...)
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # one access-log line per request otherwise
    port = port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"


def client_environment(endpoint: str) -> dict[str, str]:
    """Environment that points boto3 at the server. s3control's '{AccountId}.' host prefix cannot be turned
    off, so its requests go through the server as an HTTP proxy instead."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "HTTP_PROXY": endpoint,
        "http_proxy": endpoint,
        "NO_PROXY": "localhost",
        "no_proxy": "localhost",
    }
