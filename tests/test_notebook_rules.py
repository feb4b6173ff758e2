"""House rules every notebook keeps: committed clean, no definitions, a documented parameters
cell that papermill reads completely, the same common parameters everywhere, and short code cells."""

from __future__ import annotations

import ast

import nbformat
import papermill as pm
import pytest

from crmlib import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
COMMON = {"data_dir": '"data/sample"', "analysis_date": '""', "export_dir": '""', "pseudonymize": "False",
          "lang": '"en"'}
EXPECTED = {  # each notebook's own parameters
    "00_data_quality": set(),
    "01_overview": {"scheme", "churn_window_days", "complaint_rating", "horizon_months", "annual_discount_rate", "margin",
                    "simple_cltv_lapse_days", "item", "top_n", "comparison_months"},
    "02_segmentation": {"scheme", "cn8_reference", "frequency_basis", "tier_high_share", "tier_medium_share",
                        "k_min", "k_max", "cluster_attributes", "active_days", "lapsed_days", "comparison_months",
                        "comparison_date"},
    "03_clv": {"time_unit", "calibration_end", "models", "horizon_months", "annual_discount_rate", "margin",
               "simple_cltv_lapse_days"},
    "04_churn": {"churn_window_days", "gap_share", "mode", "train_cutoff", "test_cutoff", "model", "group_by",
                 "recent_days", "complaint_rating", "horizon_months", "priority_rows"},
    "05_feedback": {"n_topics", "sla_hours", "complaint_rating", "churn_window_days", "taxonomy_file", "n_examples"},
    "06_journey": {"lookback_days", "half_life_days", "paths_shown", "churn_window_days", "recent_days",
                   "complaint_rating", "horizon_months", "annual_discount_rate", "margin"},
    "07_profitability": {"scheme", "profit_rows", "horizon_months", "annual_discount_rate"},
}


def test_the_run_order_is_complete():
    assert [p.stem for p in NOTEBOOKS] == sorted(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_clean_without_definitions(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        assert cell.outputs == [] and cell.execution_count is None
        definitions = [n for n in ast.walk(ast.parse(cell.source))
                       if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda)]
        assert not definitions, f"{path.name} defines {definitions}: move the logic into crmlib"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_are_typed_documented_and_all_read_by_papermill(path):
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and code.index(tagged[0]) == 1
    assigned = {node.target.id for node in ast.parse(tagged[0].source).body if isinstance(node, ast.AnnAssign)}
    found = pm.inspect_notebook(str(path))  # what `papermill --help-notebook` shows
    # a help comment with a second '=' makes papermill skip the line silently
    assert set(found) == assigned == set(COMMON) | EXPECTED[path.stem]
    for name, spec in found.items():
        assert spec["inferred_type_name"] in {"str", "int", "float", "bool"}, name
        assert spec["help"], f"{path.name}: {name} has no help text"
    assert {name: found[name]["default"] for name in COMMON} == COMMON


MAX_CELL_LINES = 15


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_are_short(path):
    """A notebook tells, crmlib computes: no code cell over 15 lines (the parameters cell, one
    declaration per line, excepted)."""
    cells = [c for c in nbformat.read(path, as_version=4).cells
             if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    long = {i: len(c.source.splitlines()) for i, c in enumerate(cells) if len(c.source.splitlines()) > MAX_CELL_LINES}
    assert long == {}, f"{path.name}: code cells (index among code cells: lines) over {MAX_CELL_LINES} lines"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_text_is_in_the_catalogue_not_in_pairs(path):
    """Reader-facing text goes through ``_()`` and the catalogues; no ``wb.t(english, chinese)`` pairs."""
    pairs = [c.id for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" and "wb.t(" in c.source]
    assert pairs == [], f"{path.name}: cells with wb.t(...) pairs"
