"""The one customer value of the workbook (issue 20, items 4-6): CLV on profit with product costs,
revenue CLV × margin without; the overview's profit headline; advocates as the funnel's last stage.

Library-level on small generated data (one CLV fit, reused); the notebooks' use is checked on their
runs (tests/test_overview_notebook.py and the runs named in the commit message)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import profit
from crmlib.clv import fit_clv, predict_customers
from crmlib.data.load import Dataset
from crmlib.data.sample import SampleParameters, generate_sample
from crmlib.overview.kpi import funnel_by_channel
from crmlib.scans.summary import customer_summary
from crmlib.segment import crm_funnel

DATE = pd.Timestamp("2024-12-31")


@pytest.fixture(scope="module")
def bought():
    tables, _ = generate_sample(SampleParameters(n_customers=300, seed=11))
    tx = tables["transactions"].query("amount > 0 and customer_id != ''")
    tx = tx.loc[tx["order_date"] <= DATE, ["customer_id", "order_date", "amount", "order_id"]]
    summary = customer_summary(tx, DATE, "W")
    return tx, summary, fit_clv(summary, "bgnbd", time_unit="W")


def dataset(tx, costs=None):
    return Dataset("t", None, "CNY", DATE, costs=costs or {}).with_tables(transactions=tx, returns=tx.iloc[:0])


def test_without_costs_the_value_is_the_revenue_clv_times_the_margin(bought):
    tx, summary, fit = bought
    for margin, basis in ((1.0, "revenue"), (0.4, "margin")):
        scores = profit.customer_value(dataset(tx), fit, summary, margin=margin)
        expected = predict_customers(fit, summary, margin=margin)
        pd.testing.assert_frame_equal(scores, expected)  # nothing else changes without costs
        assert scores.attrs["value_basis"] == basis == profit.value_basis(dataset(tx), margin)


def test_a_flat_margin_rate_gives_rate_times_revenue_clv_and_the_margin_setting_is_not_used(bought):
    tx, summary, fit = bought
    ds = dataset(tx, {"margin_rates": {"default": 0.3}})
    scores = profit.customer_value(ds, fit, summary, margin=0.5)
    assert scores.attrs["value_basis"] == "profit"
    np.testing.assert_allclose(scores["clv"], 0.3 * scores["revenue_clv"], rtol=1e-12)
    np.testing.assert_allclose(scores["revenue_clv"], predict_customers(fit, summary)["clv"], rtol=1e-12)
    assert scores["clv_decile"].min() == 1 and scores["clv_decile"].max() == 10


def test_cost_to_serve_per_order_comes_off_every_expected_purchase(bought):
    tx, summary, fit = bought
    ds = dataset(tx, {"margin_rates": {"default": 0.3}, "shipping_per_order": 5.0})
    scores = profit.customer_value(ds, fit, summary)
    discounted = scores["revenue_clv"] / scores["expected_avg_spend"]  # discounted expected purchases
    # shipping 5 per order: each customer's past cost to serve per order is exactly 5
    np.testing.assert_allclose(scores["clv"], 0.3 * scores["revenue_clv"] - 5.0 * discounted, rtol=1e-9, atol=1e-9)
    assert (scores["clv"] < 0.3 * scores["revenue_clv"]).all()


def test_every_page_names_its_basis_in_both_languages():
    for basis, word, zh in (("profit", "**profit**", "利润"), ("margin", "30%", "30%"), ("revenue", "**revenue**", "收入")):
        assert word in profit.basis_note(basis, "en", 0.3)
        assert zh in profit.basis_note(basis, "zh", 0.3)
    with pytest.raises(ValueError, match="value basis"):
        profit.basis_note("turnover")


def test_profit_headline_by_hand():
    table = pd.DataFrame({"revenue": [100.0, 50.0, 50.0], "gross_margin": [40.0, 10.0, -5.0],
                          "profit": [30.0, -2.0, -9.0], "revenue_without_cost": [0.0, 20.0, 0.0]},
                         index=["a", "b", "c"])
    cac = pd.DataFrame({"channel": ["web", "all channels"], "cac": [4.0, 5.0]})
    h = profit.profit_headline(table, pd.Series([20.0, 4.0, -3.0], index=["a", "b", "c"]), cac)
    assert h["gross_margin_pct"] == pytest.approx(45 / 200) and h["profit"] == pytest.approx(19.0)
    assert h["unprofitable_customers"] == 2 and h["unprofitable_share"] == pytest.approx(2 / 3)
    assert h["revenue_without_cost_share"] == pytest.approx(0.1)
    assert h["mean_profit_clv"] == pytest.approx(7.0) and h["cltv_cac_ratio"] == pytest.approx(7.0 / 5.0)
    assert "cltv_cac_ratio" not in profit.profit_headline(table)  # no CAC without marketing spend
    undefined = profit.profit_headline(table, pd.Series([1.0], index=["a"]), cac.assign(cac=np.nan))
    assert undefined["cltv_cac_ratio"] is None and undefined["cac"] is None


def test_advocates_are_the_stage_after_raising_value():
    frequency = pd.Series({"a": 3, "b": 1, "c": 2, "d": 4})
    tiers = pd.Series({"a": "high", "b": "high", "c": "medium", "d": "high"})
    # a: high-value repeat buyer and advocate; b: advocate but bought once; c: advocate, not high value
    funnel = crm_funnel(frequency, tiers, 6, advocates=pd.Index(["a", "b", "c"])).set_index("stage")
    assert funnel["customers"].tolist() == [6, 4, 3, 2, 1]
    assert funnel.index[-1] == "advocate" and funnel.loc["advocate", "conversion_from_previous"] == 0.5
    assert crm_funnel(frequency, tiers, 6)["stage"].tolist()[-1] == "raise_value"  # no referrals: four stages
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "acquisition_channel": ["x", "x", "y", "y"]})
    by = funnel_by_channel(frequency, tiers, customers, pd.Index(["a"])).set_index(["channel", "stage"])["customers"]
    assert by["all channels", "advocate"] == 1 and by["x", "advocate"] == 1 and by["y", "advocate"] == 0


def test_loss_reasons_and_actions_by_hand(tmp_path):
    table = pd.DataFrame({
        "revenue": [100.0, 100.0, 200.0, 50.0, 300.0, 80.0],
        "returns": [60.0, 10.0, 0.0, 0.0, 0.0, 0.0],
        "gross_margin": [-2.0, -1.0, 30.0, 10.0, 90.0, 8.0],
        "orders": [1, 1, 2, 5, 3, 1], "n_returns": [1, 1, 0, 0, 0, 2],
        "service_cost": [0.0, 0.0, 40.0, 0.0, 10.0, 0.0],
        "profit": [-65.0, -64.0, -46.0, -80.0, 26.0, -100.0]}, index=list("abcdef"))
    costs = {"return_handling": 45.0, "shipping_per_order": 18.0}
    reasons = profit.loss_reasons(table, costs)
    # a: no margin, 60 % returned; b: no margin, 10 % returned; c: service 40 > shipping 36; d: shipping 90;
    # e is profitable (left out); f: handling 2 x 45 = 90 > shipping 18
    assert reasons.to_dict() == {"a": "returns", "b": "low_margin", "c": "service", "d": "shipping", "f": "returns"}
    actions = profit.loss_actions(table, costs, "zh")
    assert actions["customers"].sum() == 5 and actions["loss"].sum() == pytest.approx(-355.0)
    assert actions["loss"].is_monotonic_increasing and actions["share_of_loss"].sum() == pytest.approx(1.0)
    assert actions.at[0, "loss_reason"] == "退货" and actions.at[0, "loss"] == pytest.approx(-165.0)
    assert actions["next_action"].str.len().gt(0).all()
    # an edited action table without the profit section still gives the bundled actions
    from crmlib.segment.actions import actions_path

    edited = tmp_path / "actions.yaml"
    text = actions_path().read_text(encoding="utf-8")
    edited.write_text(text[:text.index("\nprofit:")] + "\n", encoding="utf-8")
    assert profit.loss_actions(table, costs, "en", path=edited)["next_action"].tolist() == \
        profit.loss_actions(table, costs, "en")["next_action"].tolist()
