"""The feedback notebook: committed clean, documented parameters, runs on a sample with feedback and on
CDNOW without, writes its exports; comment text with HTML/script is shown escaped in the rendered HTML."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from notebook_runs import run_notebook

from crmlib import PROJECT_ROOT
from crmlib.data.sample import SampleParameters, write_sample
from crmlib.feedback.analysis import EXPORT_COLUMNS

SCRIPT = '<script>alert("owned")</script>'


def _run(tmp_path, **parameters):
    run = run_notebook("05_feedback", tmp_path, **parameters)
    assert not run.errors
    return run.exports, run.markdown, run.images


@pytest.mark.slow
def test_runs_on_a_sample_with_feedback_and_writes_the_exports(tmp_path):
    data = write_sample(tmp_path / "small", SampleParameters(n_customers=1200, seed=3))
    run = run_notebook("05_feedback", tmp_path, data_dir=str(data), pseudonymize=True, lang="zh")
    assert not run.errors
    exports, text, images = run.exports, run.markdown, run.images
    assert images >= 6 and "CSAT" in text and "留出集准确率" in text
    _check_codes_are_named_in_chinese(run)
    scored_path = exports / "feedback_scored.csv"
    assert scored_path.read_bytes().startswith(b"\xef\xbb\xbf")
    scored = pd.read_csv(scored_path, encoding="utf-8-sig", dtype={"customer_id": str, "topic": str})
    feedback = pd.read_csv(data / "feedback.csv", encoding="utf-8-sig")
    assert list(scored.columns) == list(EXPORT_COLUMNS) and len(scored) == len(feedback)
    assert set(scored["customer_id"]) <= set(feedback["customer_id"])  # real ids, not pseudonyms
    assert set(scored["language"]) <= {"zh", "en", "mixed", "none"}
    summary = json.loads((exports / "feedback_summary.json").read_text(encoding="utf-8"))
    assert summary["sentiment_accuracy"]["zh"]["accuracy"] >= 0.85
    assert -100 <= summary["nps"]["value"] <= 100 and 0 <= summary["csat"]["value"] <= 100
    assert summary["sla"]["items"] > 0 and summary["topics"]["topics"]
    assert sum(summary["sentiment_shares"].values()) == pytest.approx(1)
    cv = summary["accuracy"]["own_ratings_cv"]  # the sample's texts carry ratings: the domain blend scored them
    assert summary["accuracy"]["domain_model_used"] and cv["blend"]["balanced_accuracy"] >= cv["generic"]["balanced_accuracy"]
    assert "自身评分的交叉验证" in text and "各模型打分的文本" in text


def _check_codes_are_named_in_chinese(run):
    """Languages, complaint categories and customer groups are named in Chinese, not by their keys
    (findings 16, 1.11 and 1.12)."""
    tables = "\n".join("".join(o.get("data", {}).get("text/html", "")) for o in run.outputs)
    assert "各语言主题数（中文: " in run.markdown and "**中文** —" in run.markdown
    assert "zh:" not in run.markdown and "**zh**" not in run.markdown
    for key in ("returns_refunds", "product_quality", "uncategorised", ">churned<", ">retained<", ">high<",
                ">no purchase<"):
        assert key not in tables, key
    assert ">已流失<" in tables and ">留存<" in tables and ">高<" in tables


@pytest.mark.slow
def test_runs_on_cdnow_and_says_what_would_enable_it(tmp_path):
    exports, text, images = _run(tmp_path, data_dir="data/cdnow")
    assert "No feedback table" in text and "`customer_id`" in text and "`text`" in text
    assert images == 0 and not exports.exists()


@pytest.mark.slow
def test_comment_with_script_is_escaped_in_rendered_html(tmp_path):
    source = f"""
import pandas as pd
from pathlib import Path
from crmlib.feedback import representative_by_label
from crmlib.notebook import Workbook
wb = Workbook(dataset=None, export_dir=Path({str(tmp_path)!r}))
scored = pd.DataFrame({{"topic": ["zh-0", "zh-0"], "topic_label": ["物流 · 快递", "物流 · 快递"],
                        "topic_weight": [0.9, 0.1], "text": [{SCRIPT!r} + " 物流太慢", "还行"]}})
wb.show(representative_by_label(scored, n=2))
wb.say("Most representative: " + scored["text"].iloc[0])
"""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)],
                                  metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(PROJECT_ROOT)}}).execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"], outputs
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert SCRIPT not in html
    assert html.count("&lt;script&gt;alert") >= 2  # in the table and in the sentence


@pytest.mark.slow
def test_runs_on_ratings_only_feedback_without_text_dates_or_resolution(tmp_path):
    from datasets import write_dataset

    transactions = "customer_id,order_date,amount\n" + "\n".join(
        f"c{i},2024-0{1 + i % 6}-1{i % 9},{10 + i}" for i in range(40))
    feedback = "customer_id,stars\n" + "\n".join(f"c{i},{1 + i % 5}" for i in range(40))
    config = {"tables": {"transactions": {"file": "tx.csv"},
                         "feedback": {"file": "fb.csv", "columns": {"customer_id": "customer_id", "rating": "stars"}}}}
    data = write_dataset(tmp_path / "ratings", {"tx.csv": transactions, "fb.csv": feedback}, config)
    exports, text, _ = _run(tmp_path, data_dir=str(data))
    assert "CSAT is **40.0 %** (40 ratings)" in text  # ratings 4 and 5 are 2 of every 5
    assert "no comment text" in text and "so no NPS" in text
    assert "no `resolved_at`" in text
    scored = pd.read_csv(exports / "feedback_scored.csv", encoding="utf-8-sig")
    assert len(scored) == 40 and set(scored["language"]) == {"none"}
    assert set(scored["sentiment_label"]) == {"unknown"}
