"""Notebook 06_journey end to end: in Chinese and pseudonymised on a small sample with touchpoints
(exports, charts, every sentence translated), and on a dataset without touchpoints (one sentence
naming the file that enables it, no exports, success)."""

from __future__ import annotations

import ast
import json
import re

import nbformat
import pandas as pd
import pytest
from notebook_runs import run_notebook

from crmlib import PROJECT_ROOT
from crmlib.data.sample import SampleParameters, write_sample
from crmlib.lang import catalogue

pytestmark = pytest.mark.slow
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def chinese_run(tmp_path_factory):
    data = write_sample(tmp_path_factory.mktemp("data") / "small", SampleParameters(n_customers=800, seed=7))
    return run_notebook("06_journey", tmp_path_factory.mktemp("run"), data_dir=str(data), lang="zh",
                        pseudonymize=True)


def test_the_journey_notebook_reports_in_chinese_and_exports(chinese_run):
    assert chinese_run.errors == []
    assert chinese_run.images >= 4  # paths, lengths, conversion, attribution (+ CAC)
    text = chinese_run.markdown
    assert "客户旅程" in text and "归因" in text and "马尔可夫" in text
    sentences = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert sentences and all(CJK.search(line) for line in sentences)
    attribution = pd.read_csv(chinese_run.exports / "attribution.csv", encoding="utf-8-sig")
    assert list(attribution.columns) == ["channel", "model", "attributed_conversions", "attributed_revenue", "share",
                                         "attributed_cac"]
    assert set(attribution["model"]) == {"first_touch", "last_touch", "linear", "time_decay", "markov"}
    assert attribution.groupby("model")["share"].sum().round(9).eq(1).all()
    summary = json.loads((chinese_run.exports / "journeys.json").read_text(encoding="utf-8"))
    assert {"paths", "conversion_by_channel", "conversion_by_touchpoint_type", "time_to_conversion"} <= set(summary)
    assert sum(p["journeys"] for p in summary["paths"]) > 0


def test_without_touchpoints_the_notebook_says_which_file_enables_it(tmp_path):
    run = run_notebook("06_journey", tmp_path, data_dir=str(PROJECT_ROOT / "data" / "cdnow"))
    assert run.errors == [] and run.images == 0
    assert "No touchpoints table" in run.markdown and "dataset.yaml" in run.markdown
    assert not run.exports.exists() or not any(run.exports.iterdir())


def _message_ids(source: str) -> list[str]:
    return [node.args[0].value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
            and node.args and isinstance(node.args[0], ast.Constant)]


def test_every_journey_message_has_a_chinese_translation():
    sources = [(PROJECT_ROOT / "crmlib" / "plots" / "journey.py").read_text(encoding="utf-8")]
    for name in ("01_overview", "04_churn", "06_journey"):
        notebook = nbformat.read(PROJECT_ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        sources += [c.source for c in notebook.cells if c.cell_type == "code"]
    ids = {m for source in sources for m in _message_ids(source)}
    assert len(ids) > 40
    missing = sorted(m for m in ids if m not in catalogue("zh"))
    assert missing == []
