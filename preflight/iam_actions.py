"""The IAM actions that exist, for telling a real action from a typo (`s3:GetObjects` is accepted by AWS and
simply never matches). Loaded only by the checks that need it, so audits without a template pay nothing.

The list is parliament's copy of AWS's Service Authorization Reference, written at package time
(`make package`, tools/package.py) as one gzipped line per action next to this module; from a source
checkout it is built from the installed parliament on first use.
"""
from __future__ import annotations

import difflib
import fnmatch
import functools
import gzip
import json
from pathlib import Path

ACTIONS_FILE = Path(__file__).resolve().parent / "iam-actions.txt.gz"


def write(path: Path = ACTIONS_FILE) -> Path:
    """The compact form, from parliament's iam_definition.json (a dev dependency)."""
    import parliament

    definition = json.loads((Path(parliament.__file__).parent / "iam_definition.json").read_text())
    lines = sorted({f"{service['prefix']}:{p['privilege']}" for service in definition for p in service["privileges"]})
    with gzip.open(path, "wt", compresslevel=9) as out:
        out.write("\n".join(lines) + "\n")
    return path


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """service prefix (lower case) -> action name (lower case) -> action name as AWS spells it."""
    if not ACTIONS_FILE.exists():
        write()
    services: dict[str, dict[str, str]] = {}
    with gzip.open(ACTIONS_FILE, "rt") as lines:
        for line in lines:
            prefix, _, name = line.strip().partition(":")
            if name:
                services.setdefault(prefix.lower(), {})[name.lower()] = name
    return services


def exists(action: str) -> bool:
    """Whether `service:Action` names a real action, or is a wildcard matching at least one (case-insensitive)."""
    if action == "*":
        return True
    prefix, _, name = action.lower().partition(":")
    actions = catalogue().get(prefix)
    if not actions or not name:
        return False
    if "*" in name or "?" in name:
        return any(fnmatch.fnmatchcase(candidate, name) for candidate in actions)
    return name in actions


def closest(action: str) -> str | None:
    """The real action most like a misspelt one (the service too, when the prefix is the typo)."""
    prefix, _, name = action.partition(":")
    services = catalogue()
    if prefix.lower() not in services:
        guess = difflib.get_close_matches(prefix.lower()[:64], list(services), n=1, cutoff=0.6)
        if not guess:
            return None
        prefix = guess[0]
    actions = services[prefix.lower()]
    match = difflib.get_close_matches(name.lower()[:128], list(actions), n=1, cutoff=0.6)
    return f"{prefix.lower()}:{actions[match[0]]}" if match else None
