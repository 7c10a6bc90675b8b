"""Builds what the managed Python runtime puts beside a function (its /var/runtime): AWS's runtime interface
client (awslambdaric) and the runtime's boto3, for this machine's Python, in build/lambda-runtime/.

The boto3 in Lambda's runtime is not the newest one and varies by region and date (Lambda developer guide,
"Runtime-included SDK versions"); the tests run the zip against this older pinned one, not the dev
environment's, so a call that only a newer botocore knows fails here first.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.package import exclusive

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_BOTO3 = "1.40.4"  # boto3 and botocore as shipped in python3.13 runtimes in mid-2025
RUNTIME_INTERFACE_CLIENT = "4.2.2"


def python_version(python: str) -> str:
    if python == sys.executable:
        return f"{sys.version_info.major}{sys.version_info.minor}"
    return subprocess.run([python, "-c", "import sys; print(f'{sys.version_info[0]}{sys.version_info[1]}')"],
                          capture_output=True, text=True, check=True).stdout.strip()


def runtime_folder(python: str = sys.executable) -> Path:
    tag = f"py{python_version(python)}-boto3-{RUNTIME_BOTO3}-ric-{RUNTIME_INTERFACE_CLIENT}"
    return ROOT / "build" / "lambda-runtime" / tag


def build(python: str = sys.executable) -> Path:
    """The runtime folder for that Python, built once (concurrent test workers may ask at once: one builds)."""
    target = runtime_folder(python)
    if target.is_dir():
        return target
    with exclusive(target.parent / ".lock"):
        if not target.is_dir():
            _install(python, target)
    return target


def _install(python: str, target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=target.parent))
    try:
        installed = subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", str(staging),
             f"boto3=={RUNTIME_BOTO3}", f"botocore=={RUNTIME_BOTO3}", f"awslambdaric=={RUNTIME_INTERFACE_CLIENT}"],
            capture_output=True, text=True,
        )
        if installed.returncode:
            raise RuntimeError(f"could not build the Lambda runtime folder:\n{installed.stderr}")
        shutil.rmtree(staging / "bin", ignore_errors=True)
        os.rename(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


if __name__ == "__main__":
    print(build())
