"""Reading the repository's CloudFormation templates (with their intrinsic-function tags)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parent.parent
AUDITOR_TEMPLATE = ROOT / "cfn" / "preflight.yaml"


def all_templates() -> list[Path]:
    return sorted([*ROOT.glob("cfn/**/*.yaml"), *ROOT.glob("examples/**/*.yaml")])


def load(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    assert not matches, f"{path} does not parse: {matches}"
    return template


def role_statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The auditor role's statements by Sid."""
    role = template["Resources"]["AuditorRole"]["Properties"]
    return {s["Sid"]: s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]}
