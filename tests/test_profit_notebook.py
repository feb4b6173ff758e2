"""Notebook 07_profitability end to end: in Chinese and pseudonymised on a small sample with costs and
referrals (whale curve, exports, every sentence translated), and on a dataset without costs (says
what is missing, still shows revenue and cost to serve, exports blank profit, succeeds)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from notebook_runs import run_notebook

from crmlib import PROJECT_ROOT
from crmlib.clv.value import value_concentration
from crmlib.data.sample import SampleParameters, write_sample

pytestmark = pytest.mark.slow
CJK = re.compile(r"[\u4e00-\u9fff]")
EXPORT = ["customer_id", "revenue", "returns", "gross_margin", "discounts", "cost_to_serve", "profit",
          "profit_decile", "referral_value"]


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    return write_sample(tmp_path_factory.mktemp("data") / "small", SampleParameters(n_customers=800, seed=7,
                                                                                       touchpoints=False))


@pytest.fixture(scope="module")
def chinese_run(small_sample, tmp_path_factory):
    return run_notebook("07_profitability", tmp_path_factory.mktemp("run"), data_dir=str(small_sample), lang="zh",
                        pseudonymize=True)


def test_the_clv_notebook_states_and_ranks_clv_on_profit(small_sample, tmp_path):
    """03_clv with product costs: the headline, deciles and concentration are CLV on profit; checks stay revenue."""
    run = run_notebook("03_clv", tmp_path, data_dir=str(small_sample), models="bgnbd", margin=0.5)  # costs win
    assert run.errors == [] and run.images >= 4
    clv = pd.read_csv(run.exports / "clv.csv", dtype={"customer_id": str}, encoding="utf-8-sig")
    report = json.loads((run.exports / "clv_model.json").read_text(encoding="utf-8"))
    assert report["settings"]["value_basis"] == "profit" and report["settings"]["margin"] == 0.5
    on_profit, concentration = report["summary"]["profit"], value_concentration(clv["profit_clv"])
    assert on_profit["total_profit_clv"] == pytest.approx(clv["profit_clv"].sum(), rel=1e-9)
    assert on_profit["concentration"] == pytest.approx(concentration)
    assert on_profit["customers_expected_to_lose_money"] == int((clv["profit_clv"] < 0).sum())
    assert report["summary"]["total_clv"] == pytest.approx(clv["clv"].sum(), rel=1e-9)  # revenue CLV kept
    assert (clv["profit_clv"] < clv["clv"]).mean() > 0.9
    text = run.markdown
    assert f"{clv['profit_clv'].sum():,.0f} CNY of **profit**" in text and f"on {clv['clv'].sum():,.0f} CNY of revenue" in text
    assert f"hold {concentration['top_10pct']:.0%} of that profit" in text
    assert "revenue CLV total's 95 % interval" in text and "Money values on this page are **profit** where it says CLV" in text


def test_the_profit_notebook_reports_in_chinese_and_exports(chinese_run):
    assert chinese_run.errors == []
    assert chinese_run.images >= 2  # whale curve, profit by segment
    text = chinese_run.markdown
    assert "鲸鱼曲线" in text and "亏损" in text and "品牌拥护者" in text
    sentences = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert sentences and all(CJK.search(line) for line in sentences)
    table = pd.read_csv(chinese_run.exports / "profitability.csv", encoding="utf-8-sig")
    assert list(table.columns) == EXPORT and table["customer_id"].is_unique
    assert (table["profit"] - (table["gross_margin"] - table["cost_to_serve"])).abs().max() < 1e-6
    assert set(table["profit_decile"]) == set(range(1, 11)) and table["referral_value"].gt(0).any()
    whale = json.loads((chinese_run.exports / "whale_curve.json").read_text(encoding="utf-8"))
    assert whale["summary"]["customers"] == len(table)
    assert abs(whale["summary"]["total_profit"] - table["profit"].sum()) < 1e-6 * max(1, abs(whale["summary"]["total_profit"]))


def test_without_costs_the_notebook_says_what_is_missing(tmp_path):
    run = run_notebook("07_profitability", tmp_path, data_dir=str(PROJECT_ROOT / "data" / "cdnow"))
    assert run.errors == [] and run.images == 0
    assert "Some cost data is missing" in run.markdown and "products table" in run.markdown
    assert "referred_by" in run.markdown
    table = pd.read_csv(run.exports / "profitability.csv", encoding="utf-8-sig")
    assert list(table.columns) == EXPORT and table["profit"].isna().all() and table["gross_margin"].isna().all()
    amounts = pd.read_csv(PROJECT_ROOT / "data" / "cdnow" / "transactions.csv")["dollar_value"]
    assert table["revenue"].sum() == pytest.approx(amounts.sum())  # CDNOW keeps its zero-value orders
    assert not (run.exports / "whale_curve.json").exists()
