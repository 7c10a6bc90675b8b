"""A fake X-Ray daemon: a UDP socket on 127.0.0.1 that keeps every segment document it receives."""
from __future__ import annotations

import json
import socket
import threading
from typing import Any


class FakeXRayDaemon:
    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.documents: list[dict[str, Any]] = []
        self._running = True
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def _receive(self) -> None:
        while self._running:
            try:
                datagram, _ = self._socket.recvfrom(65535)
            except (socket.timeout, OSError):
                continue
            _header, _, body = datagram.decode().partition("\n")  # {"format": "json", "version": 1}
            self.documents.append(json.loads(body))

    def entities(self) -> dict[str, dict[str, Any]]:
        """Every segment and subsegment received, by id, with `parent_id` filled in for nested ones."""
        found: dict[str, dict[str, Any]] = {}

        def walk(entity: dict[str, Any], parent: str | None) -> None:
            entity = dict(entity)
            if parent and "parent_id" not in entity:
                entity["parent_id"] = parent
            found[entity["id"]] = entity
            for child in entity.get("subsegments", []):
                walk(child, entity["id"])

        for document in self.documents:
            walk(document, None)
        return found

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=1)
        self._socket.close()
