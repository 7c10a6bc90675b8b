"""Every Python file is free of the mistakes a linter catches for certain (unused imports and names,
undefined names, syntax errors), as `make lint` checks too."""
import subprocess
import sys

from tests.support.paths import ROOT  # noqa: E402


def test_pyflakes_class_errors_are_absent():
    completed = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--output-format", "concise",
                                "preflight", "checks", "sim", "tools", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_engine_and_its_edges_type_check():
    """mypy on preflight/ (configured in pyproject.toml), as `make lint` runs it."""
    completed = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT, capture_output=True,
                               text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
