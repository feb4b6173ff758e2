"""The data-quality concerns, table overview and charts in English and Chinese, and the notebook run in Chinese."""

from __future__ import annotations

import dataclasses
import re

import matplotlib
import pytest
from notebook_runs import run_notebook

from crmlib import PROJECT_ROOT
from crmlib.data.load import load_dataset
from crmlib.overview.dataquality import concerns, table_overview
from crmlib.plots import quality as quality_plots
from crmlib.scans.summary import customer_summary

matplotlib.use("Agg")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _troubled():
    """CDNOW with a 5 % drop rate, two empty months, a short last month, returns and a huge order."""
    ds = load_dataset(PROJECT_ROOT / "data" / "cdnow")
    tx = ds.transactions
    month = tx["order_date"].dt.to_period("M").astype(str)
    tx = tx.loc[~month.isin(["1997-08", "1997-09"]) & ((month != "1998-06") | (tx.index % 20 == 0))].copy()
    tx.iloc[0, tx.columns.get_loc("amount")] = 1_000_000.0
    returns = tx.head(30).assign(amount=lambda f: -f["amount"].clip(upper=50))
    quality = {"transactions": {"rows_read": 1000, "rows_kept": 950,
                                "dropped": {"zero amount": 10, "missing customer id": 40}}}
    ds = dataclasses.replace(ds.with_tables(transactions=tx, returns=returns), quality_summary=quality)
    return ds, customer_summary(tx, ds.analysis_date)


ENGLISH_BEFORE = [  # concerns(...) on _troubled() before Chinese was added: English must not change
    "5.0% of the transactions rows were dropped, mostly for “missing customer id”: check the export and the "
    "column mapping.",
    "2 month(s) have no orders at all (first: 1997-08): is part of the history missing from the export?",
    "The last month (1998-06) has 11 orders against a typical 200: it may be incomplete, which would make recent "
    "customers look like churners. Consider an earlier analysis date.",
    "53% of buyers bought on one day only; segment and churn figures for them rest on a single purchase.",
    "Returns and refunds equal 0.1% of purchase revenue (policy: kept apart from purchases, see the README).",
    "1 order(s) exceed five times the 99.9th percentile of order value (largest 1,000,000.00 USD): check for "
    "test orders or typos.",
    "No customers table: the analyses that need it will say so and skip that part.",
    "No feedback table: the analyses that need it will say so and skip that part.",
    "No marketing spend table: the analyses that need it will say so and skip that part.",
]


def test_english_concerns_are_unchanged():
    ds, summary = _troubled()
    assert concerns(ds, summary) == ENGLISH_BEFORE
    assert concerns(ds, summary, lang="en") == ENGLISH_BEFORE
    sample = load_dataset(PROJECT_ROOT / "data" / "sample")
    assert concerns(sample, customer_summary(sample.transactions, sample.analysis_date)) == [
        "15% of buyers bought on one day only; segment and churn figures for them rest on a single purchase.",
        "Returns and refunds equal 3.8% of purchase revenue (policy: kept apart from purchases, see the README).",
    ]


def test_chinese_concerns_say_the_same_in_chinese():
    ds, summary = _troubled()
    notes = concerns(ds, summary, lang="zh")
    assert len(notes) == len(ENGLISH_BEFORE)
    for zh, en in zip(notes, ENGLISH_BEFORE, strict=True):
        assert CJK.search(zh) and zh != en
        assert not re.search(r"\b(the|of|orders?|table|rows|buyers|check)\b", zh), zh
        for number in re.findall(r"\d[\d,.]*%?", en.replace("99.9th", "")):  # the same figures
            assert number.rstrip(".") in zh, (number, zh)
    assert notes[0].startswith("交易表有 5.0% 的行被删除")
    assert notes[-3:] == [f"没有{name}表：需要它的分析会说明这一点并跳过相应部分。" for name in ("客户", "反馈", "营销费用")]
    sample = load_dataset(PROJECT_ROOT / "data" / "sample")
    sample_notes = concerns(sample, customer_summary(sample.transactions, sample.analysis_date), lang="zh")
    assert sample_notes == ["15% 的买家只在一天购买过；他们的细分和流失结果仅基于一次购买。",
                            "退货和退款相当于购买收入的 3.8%（处理方式：与购买分开记录，见 README）。"]


def test_table_overview_names_a_missing_file_in_the_language():
    ds = load_dataset(PROJECT_ROOT / "data" / "cdnow")
    assert table_overview(ds)["file"].tolist() == ["transactions.csv"] + ["(not given)"] * 4
    assert table_overview(ds, lang="zh")["file"].tolist() == ["transactions.csv"] + ["（未提供）"] * 4


def _texts(fig):
    ax = fig.axes[0]
    legend = ax.get_legend()
    return [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(),
            *([legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())] if legend else [])]


@pytest.fixture(scope="module")
def sample():
    from crmlib.overview.dataquality import monthly_coverage

    ds = load_dataset(PROJECT_ROOT / "data" / "sample")
    return monthly_coverage(ds), ds.transactions["amount"], customer_summary(ds.transactions, ds.analysis_date)


def test_charts_keep_english_and_speak_chinese(sample):
    import matplotlib.pyplot as plt

    coverage, amounts, summary = sample
    median = f"{amounts.median():,.2f}"
    english = [_texts(quality_plots.plot_coverage(coverage)),
               _texts(quality_plots.plot_order_values(amounts, "CNY")),
               _texts(quality_plots.plot_orders_per_customer(summary["n_purchase_periods"]))]
    assert english == [
        ["Rows per month by table", "month", "rows", "table", "transactions", "returns", "feedback", "customers",
         "touchpoints"],
        ["Distribution of order value", "order value (CN¥, log scale)", "orders", "", f"median {median}"],
        ["Purchase days per customer", "purchase days", "customers"],
    ]
    chinese = [_texts(quality_plots.plot_coverage(coverage, lang="zh")),
               _texts(quality_plots.plot_order_values(amounts, "CNY", lang="zh")),
               _texts(quality_plots.plot_orders_per_customer(summary["n_purchase_periods"], lang="zh"))]
    assert chinese == [
        ["各表每月行数", "月份", "行数", "表", "交易", "退货", "反馈", "客户", "触点"],
        ["订单金额分布", "订单金额（¥，对数刻度）", "订单数", "", f"中位数 {median}"],
        ["客户购买天数分布", "购买天数", "客户数"],
    ]
    plt.close("all")


ENGLISH_OPENINGS = ["analysis date", "purchases by", "Cleaning dropped", "Orders peak in", "The median order is",
                    "of buyers bought", "Returns and refunds", "Wrote "]


@pytest.mark.slow
def test_notebook_in_chinese(tmp_path):
    run = run_notebook("00_data_quality", tmp_path, lang="zh")
    assert run.errors == [] and run.images == 3
    assert "missing from" not in run.stderr  # no missing-glyph warnings: Chinese labels render
    sentences = [line for line in run.markdown.splitlines() if line.strip()]
    assert len(sentences) == 9  # header, 2 reconciliation, cleaning, peak, order values, 2 concerns, export
    assert all(CJK.search(line) for line in sentences), sentences
    for opening in ENGLISH_OPENINGS:
        assert opening not in run.markdown, opening
    assert "读取的 78,657 行中，清洗删除了 33 行" in run.markdown and "已写入 `data_quality.json`。" in run.markdown
    assert (run.exports / "data_quality.json").exists()
