"""The overview notebook end to end: exports honour their contract on both bundled datasets."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from notebook_runs import run_notebook

from crmlib.overview.scorecard import SCORECARD_COLUMNS


def _run(tmp_path, **parameters):
    return run_notebook("01_overview", tmp_path, **parameters).exports


@pytest.mark.slow
def test_sample_exports(tmp_path):
    exports = _run(tmp_path)
    kpis = json.loads((exports / "kpis.json").read_text(encoding="utf-8"))
    headline = {row["kpi"]: row for row in kpis["headline"]}
    assert {"revenue", "cac", "churn_rate", "csat", "nps", "repeat_purchase_rate"} <= set(headline)
    assert all(row["available"] for row in headline.values())
    assert all(kpis["definitions"][name] for name in headline)
    card = pd.read_csv(exports / "scorecard.csv", encoding="utf-8-sig")
    assert (exports / "scorecard.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert list(card.columns) == [*SCORECARD_COLUMNS, "revenue_clv"]  # the sample has costs: CLV on profit
    assert card["customer_id"].is_unique and len(card) == 5120
    assert kpis["value_basis"] == "profit" and (card["clv"] < card["revenue_clv"]).mean() > 0.9
    profit = kpis["profit"]
    assert 0 < profit["gross_margin_pct"] < 1 and 0 < profit["unprofitable_share"] < 1
    assert profit["mean_profit_clv"] == pytest.approx(card["clv"].mean())
    assert profit["cltv_cac_ratio"] == pytest.approx(profit["mean_profit_clv"] / profit["cac"])
    assert card["value_at_risk"].is_monotonic_decreasing
    assert kpis["value_at_risk"]["total"] == pytest.approx(card["value_at_risk"].sum())  # the index shows it
    assert card["next_action"].notna().all() and card["clv"].notna().all()
    recs = pd.read_csv(exports / "recommendations.csv", encoding="utf-8-sig")
    assert list(recs.columns) == ["customer_id", "rank", "product", "score"]
    assert recs.groupby("customer_id")["rank"].max().max() == 3
    _check_attributed_cac(kpis["attributed_cac_by_channel"])


def _check_attributed_cac(exported: list[dict]) -> None:
    """The overview's attributed CAC (issue 19 item 5) against last-touch credit counted here in pandas:
    each first purchase credited to the channel of its customer's last contact in the 30 days before it."""
    from crmlib.data.load import load_dataset

    ds = load_dataset("data/sample")
    table = pd.DataFrame(exported).set_index("channel")
    assert {"first_touch", "last_touch", "linear", "time_decay", "markov", "single_channel_cac", "spend"} <= set(
        table.columns)
    first = ds.transactions.groupby("customer_id")["order_date"].min().rename("first_order").reset_index()
    touches = ds.touchpoints.merge(first, on="customer_id")
    before = touches[(touches["timestamp"] < touches["first_order"])
                     & ((touches["first_order"] - touches["timestamp"]).dt.total_seconds() <= 30 * 86400)]
    last = before.sort_values(["customer_id", "timestamp", "channel", "touchpoint_type"]).groupby("customer_id").tail(1)
    credited = last["channel"].value_counts()
    spend = ds.marketing_spend.groupby("acquisition_channel")["spend"].sum()
    expected = (spend / credited).dropna()
    assert len(expected) >= 3
    assert table.loc[expected.index, "last_touch"].to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-9)
    assert table.loc[expected.index, "spend"].to_numpy() == pytest.approx(spend[expected.index].to_numpy())


@pytest.mark.slow
def test_cdnow_in_chinese_marks_missing_kpis(tmp_path):
    exports = _run(tmp_path, data_dir="data/cdnow", lang="zh")
    kpis = json.loads((exports / "kpis.json").read_text(encoding="utf-8"))
    headline = {row["kpi"]: row for row in kpis["headline"]}
    for name in ("cac", "csat", "nps"):
        assert headline[name]["available"] is False
        assert headline[name]["reason"].startswith("no ")
    assert headline["churn_rate"]["available"] is True
    assert not (exports / "recommendations.csv").exists()  # CDNOW has no product or category
    card = pd.read_csv(exports / "scorecard.csv", encoding="utf-8-sig", dtype={"customer_id": str})
    assert len(card) == 2357 and card["latest_nps"].isna().all()
    assert "profit" not in kpis and "revenue_clv" not in card  # no costs: revenue, as before
    assert "attributed_cac_by_channel" not in kpis  # no touchpoints
