"""Layer contracts: which crmlib packages may import which (checked on the source, imports inside
functions included).

- ``crmlib.engine`` (DuckDB/Spark through Ibis) imports no other part of crmlib but the cross-cutting modules;
- ``crmlib.data`` (loading) imports no scan, analysis, chart, notebook helper or report module;
- ``crmlib.scans`` (scans of raw rows) imports no analysis, chart, notebook helper or report module;
- the analyses import no chart, cache, notebook helper or report module;
- ``crmlib.plots`` imports no notebook helper or report module;
- ``crmlib.display`` (formats, tables, cards) imports no data, scan, analysis, chart, notebook or report module.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "crmlib"
ANALYSES = ("crmlib.segment", "crmlib.clv", "crmlib.churn", "crmlib.feedback", "crmlib.overview",
            "crmlib.journey", "crmlib.profit")
FORBIDDEN = {
    "crmlib.engine": ("crmlib.data", "crmlib.scans", *ANALYSES, "crmlib.plots", "crmlib.notebook", "crmlib.report"),
    "crmlib.data": ("crmlib.scans", *ANALYSES, "crmlib.plots", "crmlib.notebook", "crmlib.report"),
    "crmlib.scans": (*ANALYSES, "crmlib.plots", "crmlib.notebook", "crmlib.report"),
    **{analysis: ("crmlib.plots", "crmlib.cache", "crmlib.notebook", "crmlib.report") for analysis in ANALYSES},
    "crmlib.plots": ("crmlib.notebook", "crmlib.report"),
    "crmlib.display": ("crmlib.data", "crmlib.scans", *ANALYSES, "crmlib.plots", "crmlib.notebook", "crmlib.report"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every crmlib module ``path`` imports (``from crmlib import x`` counts as ``crmlib.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "crmlib":
            found.update(f"crmlib.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.startswith("crmlib")}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(paths) -> list[str]:
    out = []
    for path in paths:
        module = module_name(path)
        for layer, forbidden in FORBIDDEN.items():
            if not within(module, layer):
                continue
            out.extend(f"{module} imports {imported}" for imported in sorted(imported_modules(path))
                       if any(within(imported, f) for f in forbidden))
    return out


def test_every_layer_keeps_its_contract():
    assert violations(sorted(PACKAGE.rglob("*.py"))) == []


@pytest.mark.parametrize("source, module, expected", [
    ("from crmlib.cache import cached\n", "clv/value.py", ["crmlib.clv.value imports crmlib.cache"]),
    ("def f():\n    from crmlib import plots\n", "data/load.py", ["crmlib.data.load imports crmlib.plots"]),
    ("import crmlib.report.runner\n", "plots/clv.py", ["crmlib.plots.clv imports crmlib.report.runner"]),
    ("from crmlib.data import load_dataset\n", "churn/study.py", []),
])
def test_the_check_finds_a_forbidden_import(tmp_path, monkeypatch, source, module, expected):
    fake = tmp_path / "crmlib" / module
    fake.parent.mkdir(parents=True)
    fake.write_text(source, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "crmlib")
    assert violations([fake]) == expected
