"""A fake X-Ray daemon: a UDP socket on 127.0.0.1 that keeps every segment document it receives."""
from __future__ import annotations

import json
import socket
import threading
import uuid
from typing import Any


class FakeXRayDaemon:
    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.documents: list[dict[str, Any]] = []
        self._markers: set[str] = set()
        self._marked = threading.Condition()
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
            document = json.loads(body)
            if "drain_marker" in document:
                with self._marked:
                    self._markers.add(document["drain_marker"])
                    self._marked.notify_all()
                continue
            self.documents.append(document)

    def drain(self, timeout_s: float = 10.0) -> None:
        """Returns once every datagram already sent to the daemon has been read: a sender that has exited sent
        them all into the socket's buffer, which is read in order, so a marker sent now arrives after them."""
        marker = uuid.uuid4().hex
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b'{"format": "json", "version": 1}\n' + json.dumps({"drain_marker": marker}).encode(),
                          self._socket.getsockname())
        with self._marked:
            if not self._marked.wait_for(lambda: marker in self._markers, timeout=timeout_s):
                raise TimeoutError("the fake X-Ray daemon did not read its own marker")

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
