"""The CLI run in-process, as `preflight` with these arguments; snapshots of what it writes."""
from __future__ import annotations

import io
import os
import re

from preflight.cli import main
from tests.support.paths import SNAPSHOTS


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def normalised(text: str) -> str:
    text = re.sub(r'"duration_s": [0-9.e-]+', '"duration_s": 0', text)
    return re.sub(r'time="[0-9.]+"', 'time="0.000"', text)


def matches_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(normalised(text))
    assert normalised(text) == path.read_text(), f"{name} changed: review and run UPDATE_SNAPSHOTS=1 make test"
