"""make docs: writes docs/checks.md from the catalogue's metadata and each check's run-function docstring (how it
is judged). tests/test_docs.py fails when it is stale."""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

from preflight import named_baselines
from preflight.benchmarks import RECOMMENDATIONS, Benchmark, items, labelled
from preflight.registry import Registry, default_registry

ROOT = Path(__file__).resolve().parent.parent
CHECKS_DOC = ROOT / "docs" / "checks.md"


def _baselines_of(check_id: str, registry: Registry) -> str:
    names = [n for n in named_baselines.NAMED
             if check_id in named_baselines.check_ids(named_baselines.named_baseline(n, registry))]
    return ", ".join(f"`{n}`" for n in names) or "none (opt in)"


def _benchmark_table(benchmark: Benchmark, field: str, registry: Registry) -> list[str]:
    """Every recommendation of the benchmark, and the checks that judge it (or that none does)."""
    judged: dict[str, list[str]] = {}
    for check in registry:
        for number in items(getattr(check.meta.controls, field)):
            judged.setdefault(number, []).append(check.id)
    recommendations = RECOMMENDATIONS[benchmark].values()
    automated = [r for r in recommendations if not r.manual]
    lines = ["", f"## {benchmark.value}", "",
             f"{len(recommendations)} recommendations, {len(automated)} Automated; preflight judges "
             f"{sum(1 for r in automated if r.number in judged)} of the Automated ones and "
             f"{sum(1 for r in recommendations if r.manual and r.number in judged)} Manual ones "
             f"(baseline `{'cis-aws-foundations-v5' if benchmark is Benchmark.CIS_AWS_V5 else 'cis-aws-foundations-v3'}`).",
             "", "| item | recommendation | status | judged by |", "|---|---|---|---|"]
    for r in recommendations:
        by = ", ".join(f"[`{c}`](#{c})" for c in judged.get(r.number, ()))
        status = "Manual" if r.manual else "Automated"
        lines.append(f"| {r.number} | {r.title.replace('|', chr(92) + '|')} | {status} | "
                     f"{by or ('Manual — not judged' if r.manual else 'not judged yet')} |")
    return lines


def render(registry: Registry) -> str:
    lines = [
        "# The check catalogue",
        "",
        "Generated from the checks' metadata and their run functions' docstrings by `make docs`; do not edit by hand.",
        "",
        "| id | severity | scope | CIS AWS v3.0.0 | CIS AWS v5.0.0 | Security Hub | in baselines |",
        "|---|---|---|---|---|---|---|",
    ]
    for check in registry:
        m = check.meta
        lines.append(f"| [`{m.id}`](#{m.id}) | {m.severity.value} | {m.scope.value} "
                     f"| {labelled(Benchmark.CIS_AWS_V3, m.controls.cis_aws_v3)} "
                     f"| {labelled(Benchmark.CIS_AWS_V5, m.controls.cis_aws_v5)} "
                     f"| {m.controls.security_hub or '-'} | {_baselines_of(m.id, registry)} |")
    for benchmark, field in ((Benchmark.CIS_AWS_V5, "cis_aws_v5"), (Benchmark.CIS_AWS_V3, "cis_aws_v3")):
        lines += _benchmark_table(benchmark, field, registry)
    for check in registry:
        m = check.meta
        lines += ["", f"## {m.id}", "", f"**{m.title}.**", "", f"How it is judged: {check.how_judged}", "",
                  f"- Severity: {m.severity.value}; scope: {m.scope.value}"
                  + (" (evaluated in every audited region)" if m.scope.value == "regional" else ""),
                  f"- Controls: CIS AWS Foundations v3.0.0 {labelled(Benchmark.CIS_AWS_V3, m.controls.cis_aws_v3)}; "
                  f"v5.0.0 {labelled(Benchmark.CIS_AWS_V5, m.controls.cis_aws_v5)}; "
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
                         f" (at most {p.max_items}, each matching `{_cell(p.item_pattern or '')}`)" if p.type is tuple else "")
                kind = "list" if p.type is tuple else p.type.__name__
                lines.append(f"| `{p.name}` | {kind}{valid} | `{default}` | {stricter} | {p.description} |")
    return "\n".join(lines + _detective()) + "\n"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a pipe escaped, code spans included (GitHub Flavored Markdown, "Tables")."""
    return text.replace("|", "\\|")


def _detective() -> list[str]:
    """The checks a baseline makes of the detective controls it names (not in the catalogue: one per entry)."""
    from preflight import detective

    examples = (detective.config_rule("NAME"), detective.config_rule("NAME", aggregator="AGGREGATOR"),
                detective.conformance_pack("NAME"), detective.security_hub_control("ID.1"))
    lines = ["", "## Detective controls a baseline names", "",
             " ".join(inspect.getdoc(detective).split("\n\n")[-1].split()), "",
             "| baseline key | check id | default severity | IAM actions (cfn/preflight.yaml `DetectiveControls=true`) |",
             "|---|---|---|---|"]
    for key, check in zip(("config_rules", "config_rules (aggregator)", "conformance_packs", "security_hub_controls"),
                          examples):
        actions = ", ".join(f"`{a}`" for a in check.meta.iam_actions)
        lines.append(f"| `{key}` | `{check.id.replace('ID.1', 'ID')}` | {check.meta.severity.value} | {actions} |")
    for check in (examples[0], examples[3]):
        lines += ["", " ".join(inspect.getdoc(inspect.getmodule(check.run.func)).split())]
    return lines


def main() -> int:
    CHECKS_DOC.write_text(render(default_registry()))
    print(f"wrote {CHECKS_DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
