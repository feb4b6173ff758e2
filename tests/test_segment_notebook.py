"""The segmentation notebook: committed clean, documented parameters, runs on both bundled datasets."""

from __future__ import annotations

import ast
import json

import nbformat
import pandas as pd
import papermill as pm
import pytest

from crmlib import PROJECT_ROOT
from crmlib.segment import EXPORT_COLUMNS

NOTEBOOK = PROJECT_ROOT / "notebooks" / "02_segmentation.ipynb"
COMMON = {"data_dir", "analysis_date", "export_dir", "pseudonymize", "lang"}
OWN = {"scheme", "cn8_reference", "frequency_basis", "tier_high_share", "tier_medium_share", "k_min", "k_max",
       "cluster_attributes", "active_days", "lapsed_days", "comparison_date"}


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_notebook_is_committed_clean_and_defines_no_functions():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in _code(nb):
        assert cell.outputs == [] and cell.execution_count is None
        tree = ast.parse(cell.source)
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda)]


def test_parameters_cell_is_tagged_typed_and_documented():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = _code(nb)[1]
    assert "parameters" in cell.metadata.get("tags", [])
    params = pm.inspect_notebook(str(NOTEBOOK))
    assert COMMON | OWN == set(params)  # every line parsed (papermill cannot parse a second '=' in a comment)
    for name, spec in params.items():
        assert spec["inferred_type_name"] in {"str", "int", "float", "bool"}, name
        assert spec["help"], f"{name} has no help text"


def _run(tmp_path, cwd, **parameters):
    out = tmp_path / "out.ipynb"
    exports = tmp_path / "exports"
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters={"export_dir": str(exports), **parameters},
                        cwd=str(cwd), kernel_name="python3", progress_bar=False)
    executed = json.loads(out.read_text(encoding="utf-8"))
    text = "\n".join("".join(o.get("data", {}).get("text/markdown", "")) for c in executed["cells"]
                     for o in c.get("outputs", []))
    images = sum("image/png" in o.get("data", {}) for c in executed["cells"] for o in c.get("outputs", []))
    stderr = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", [])
                     if o.get("name") == "stderr")
    assert "missing from" not in stderr  # no missing-glyph warnings: Chinese labels render
    assert "Warning" not in stderr, stderr
    return exports / "segments.csv", text, images


def _check_export(path, buyers):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype={"customer_id": str})
    assert list(frame.columns) == EXPORT_COLUMNS
    assert len(frame) == buyers and frame["customer_id"].is_unique
    assert frame[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()
    assert frame["value_tier"].isin(["high", "medium", "low"]).all()
    assert frame["cluster"].notna().all() and frame["lifecycle_stage"].notna().all()
    return frame


@pytest.mark.slow
def test_runs_on_the_sample_from_the_notebooks_folder(tmp_path):
    path, text, images = _run(tmp_path, PROJECT_ROOT / "notebooks")
    frame = _check_export(path, buyers=5120)
    assert frame["segment"].nunique() >= 9
    assert "acquisition channel" in text and "No customers table" not in text
    assert images >= 10  # sizes, heatmap, k, clusters, 2 x (channel, city), lifecycle, funnel, migration


@pytest.mark.slow
def test_runs_on_cdnow_in_chinese_with_the_8_class_scheme(tmp_path):
    path, text, images = _run(tmp_path, PROJECT_ROOT, data_dir="data/cdnow", lang="zh", scheme="cn8",
                              cn8_reference="median", comparison_date="1998-01-01",
                              cluster_attributes="age")
    frame = _check_export(path, buyers=2357)
    assert frame["segment_label"].str.endswith("客户").all()
    assert "数据集中没有 customers 表" in text  # attribute profiles skipped with a note
    assert "1998-01-01" in text
    assert "仅按 RFM 聚类" in text  # asked to cluster on age without a customers table: said, not crashed
    assert images >= 6
