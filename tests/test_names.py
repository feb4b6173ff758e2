"""Public names that say what they are: every chart function is ``plot_*``, and no public name is
defined twice in crmlib (two different ``customer_groups`` or ``crm_funnel`` confused readers)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "crmlib"
PLOT_HELPERS = {"setup", "new_figure", "label", "currency_unit", "percent_axis", "legend_outside", "colour_for", "group_colours",
                "group_label", "close", "model_label", "model_labels", "kpi_unit"}
"""Public functions of crmlib.plots that draw nothing (style, axes labels, names)."""


def public_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]


def test_every_chart_function_is_named_plot():
    found = {f"{path.stem}.{name}" for path in sorted((PACKAGE / "plots").glob("*.py"))
             for name in public_functions(path) if not name.startswith("plot_") and name not in PLOT_HELPERS}
    assert found == set()


def test_no_public_function_or_class_is_defined_twice():
    where = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                where[node.name].append(str(path.relative_to(PACKAGE)))
    twice = {name: files for name, files in where.items() if len(files) > 1}
    assert "customer_groups" not in twice and "crm_funnel" not in twice, twice
