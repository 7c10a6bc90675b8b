"""make docs: writes docs/checks.md from the catalogue's metadata. tests/test_docs.py fails when it is stale."""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

from preflight import baseline
from preflight.registry import Registry, default_registry

ROOT = Path(__file__).resolve().parent.parent
CHECKS_DOC = ROOT / "docs" / "checks.md"


def _baselines_of(check_id: str, registry: Registry) -> str:
    names = [n for n in baseline.NAMED if check_id in baseline.named_baseline(n, registry)["checks"]]
    return ", ".join(f"`{n}`" for n in names) or "none (opt in)"


def render(registry: Registry) -> str:
    lines = [
        "# The check catalogue",
        "",
        "Generated from the checks' metadata by `make docs`; do not edit by hand.",
        "",
        "| id | severity | scope | CIS AWS v3.0 | Security Hub | in baselines |",
        "|---|---|---|---|---|---|",
    ]
    for check in registry:
        m = check.meta
        lines.append(f"| [`{m.id}`](#{m.id}) | {m.severity.value} | {m.scope.value} | {m.controls.cis_aws_v3 or '-'} "
                     f"| {m.controls.security_hub or '-'} | {_baselines_of(m.id, registry)} |")
    for check in registry:
        m = check.meta
        # A check declared with preflight.registry.check says how it is judged in its run function's docstring.
        judged = " ".join((inspect.getdoc(check.run) or inspect.getdoc(inspect.getmodule(check.run)) or "").split())
        lines += ["", f"## {m.id}", "", f"**{m.title}.**", "", f"How it is judged: {judged}", "",
                  f"- Severity: {m.severity.value}; scope: {m.scope.value}"
                  + (" (evaluated in every audited region)" if m.scope.value == "regional" else ""),
                  f"- Controls: CIS AWS Foundations v3.0 {m.controls.cis_aws_v3 or '-'}; "
                  f"AWS Security Hub {m.controls.security_hub or '-'}",
                  f"- IAM actions: {', '.join(f'`{a}`' for a in m.iam_actions)}",
                  f"- Remediation: {m.remediation}",
                  f"- Reference: {m.remediation_url}"]
        if m.parameters:
            lines += ["", "| parameter | type | default | stricter | meaning |", "|---|---|---|---|---|"]
            for p in m.parameters:
                default = str(p.default).lower() if p.type is bool else list(p.default) if p.type is tuple else p.default
                stricter = (f"earlier in {', '.join(p.choices)}" if p.choices else p.stricter.value)
                valid = (f" ({p.minimum} to {p.maximum})" if p.type is int else
                         f" (at most {p.max_items}, each matching `{p.item_pattern}`)" if p.type is tuple else "")
                kind = "list" if p.type is tuple else p.type.__name__
                lines.append(f"| `{p.name}` | {kind}{valid} | `{default}` | {stricter} | {p.description} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    CHECKS_DOC.write_text(render(default_registry()))
    print(f"wrote {CHECKS_DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
