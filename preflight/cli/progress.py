"""Live progress on a terminal while checks run: how many are done, which are still waiting. Silent when
the output is not a terminal (a pipe or a CI log gets only the result)."""
from __future__ import annotations

import logging
import threading
from typing import TextIO

from preflight import inert
from preflight.model import Finding

MAX_WAITING_SHOWN = 4


class Progress:
    def __init__(self, stream: TextIO, enabled: bool | None = None):
        self._stream = stream
        self._enabled = stream.isatty() if enabled is None else enabled
        self._lock = threading.Lock()
        self._waiting: dict[str, None] = {}
        self._total = 0
        self._done = 0

    def expect(self, labels: list[str]) -> None:
        with self._lock:
            for label in labels:
                self._waiting[label] = None
            self._total += len(labels)
            self._draw()

    def finished(self, label: str, finding: Finding) -> None:
        with self._lock:
            self._waiting.pop(label, None)
            self._done += 1
            self._draw()

    def above(self, text: str) -> None:
        """A line (a log record) printed above the progress line, which is then drawn again."""
        with self._lock:
            self._stream.write(("\r\033[K" if self._enabled else "") + inert.line(text) + "\n")
            self._draw()

    def log_handler(self) -> logging.Handler:
        progress = self

        class AboveProgress(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                progress.above(f"{record.levelname.lower()}: {record.getMessage()}")

        handler = AboveProgress(logging.WARNING)
        return handler

    def close(self) -> None:
        if self._enabled:
            with self._lock:
                self._stream.write("\r\033[K")
                self._stream.flush()

    def _draw(self) -> None:
        if not self._enabled:
            return
        waiting = list(self._waiting)
        shown = ", ".join(waiting[:MAX_WAITING_SHOWN]) + (f" +{len(waiting) - MAX_WAITING_SHOWN}" if len(waiting) > MAX_WAITING_SHOWN else "")
        status = f"{self._done}/{self._total} checks done" + (f"; waiting: {shown}" if waiting else "")
        self._stream.write("\r\033[K" + inert.line(status))
        self._stream.flush()
