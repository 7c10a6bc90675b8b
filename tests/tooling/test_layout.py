"""The layout shows the architecture (README "Layout"): the engine at the root of preflight/, each edge in its
own package, small modules, and no edge reaching into another edge except the doors using the edges below."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT  # noqa: E402
PACKAGE = ROOT / "preflight"
EDGES = ("aws", "reporting", "cloudformation", "cli")
# What each edge may import besides the engine and itself: the doors (cloudformation, cli) use the edges below.
MAY_USE = {"aws": (), "reporting": ("aws",), "cloudformation": ("aws", "reporting"), "cli": ("aws", "reporting")}
MAX_MODULE_LINES = 300
# The wiring that puts the doors together (the Lambda entry point, `python -m preflight`): they may import any edge.
COMPOSITION_ROOTS = ("handler.py", "__main__.py")


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def area(path_or_module: str | Path) -> str:
    """'engine' for a module at the root of preflight/, else its edge package."""
    if isinstance(path_or_module, Path):
        parts = path_or_module.relative_to(PACKAGE).parts
        return parts[0] if len(parts) > 1 else "engine"
    parts = path_or_module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in EDGES else ("engine" if parts[0] == "preflight" else "outside")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names if node.module == "preflight")
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.startswith("preflight.")}


def test_each_package_imports_on_its_own():
    subprocess.run([sys.executable, "-c", "import preflight.cloudformation, preflight.aws, preflight.reporting, "
                    "preflight.cli"], check=True, cwd=ROOT)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_300_lines(path):
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES


def test_no_edge_reaches_into_another_edge_except_the_doors_into_the_edges_below():
    crossings = []
    for path in modules():
        if path.parent == PACKAGE and path.name in COMPOSITION_ROOTS:
            continue
        own = area(path)
        allowed = {"engine", own, *MAY_USE.get(own, ())} if own != "engine" else {"engine", "aws"}
        crossings += [f"{path.relative_to(ROOT)} imports {name}" for name in sorted(imported(path))
                      if area(name) not in allowed]
    assert crossings == []


def test_the_lambda_entry_point_is_where_the_templates_say():
    from preflight import handler

    assert callable(handler.handler)


def test_the_readme_layout_names_every_package():
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout"):]
    import re

    for package in EDGES:
        assert re.search(rf"^  {package}/ ", layout, re.MULTILINE), package
        assert (PACKAGE / package / "__init__.py").exists()
