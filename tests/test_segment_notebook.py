"""The segmentation notebook: committed clean, documented parameters, runs on both bundled datasets."""

from __future__ import annotations

import pandas as pd
import pytest
from notebook_runs import run_notebook

from crmlib import PROJECT_ROOT
from crmlib.segment import EXPORT_COLUMNS


def _run(tmp_path, cwd, **parameters):
    run = run_notebook("02_segmentation", tmp_path, cwd, **parameters)
    exports, text, images, stderr = run.exports, run.markdown, run.images, run.stderr
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
    assert "数据集中没有客户表" in text  # attribute profiles skipped with a note
    assert "1998-01-01" in text
    assert "仅按 RFM 聚类" in text  # asked to cluster on age without a customers table: said, not crashed
    assert images >= 6
