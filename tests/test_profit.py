"""Profit per customer, the whale curve and referrals (issue 20, items 2, 3, 5): hand-computed on a
small dataset through the real loader, totals reconciled with the inputs, planted truth recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from datasets import write_dataset

from crmlib import profit
from crmlib.data.load import load_dataset

TX = """order_id,customer_id,order_date,amount,quantity,product,category,cost,discount
o1,a,2024-01-01,100,2,p1,x,,10
o2,a,2024-01-02,60,1,p2,y,,
o3,b,2024-01-03,80,1,p3,x,,
o4,b,2024-01-04,40,1,p9,z,30,
o5,c,2024-01-05,20,1,p9,w,,
r1,a,2024-01-04,-60,1,p2,y,,
"""
PRODUCTS = """product,unit_cost,margin_rate
p1,30,
p2,,0.25
"""
FEEDBACK = """customer_id,channel,rating
a,hotline,1
a,app,2
b,web,5
z,hotline,1
"""
COSTS = {"margin_rates": {"x": 0.5}, "service_contact": {"hotline": 20, "default": 2}, "return_handling": 7,
         "shipping_per_order": 3}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = write_dataset(tmp_path_factory.mktemp("p") / "ds", {"tx.csv": TX, "products.csv": PRODUCTS,
                                                                 "fb.csv": FEEDBACK},
                           {"returns": "separate", "costs": COSTS, "tables": {
                               "transactions": {"file": "tx.csv"}, "products": {"file": "products.csv"},
                               "feedback": {"file": "fb.csv"}}})
    return load_dataset(folder)


def test_profit_per_customer_by_hand(small):
    t = profit.customer_profit(small)
    # a: p1 100 - 30*2 = 40; p2 60*0.25 = 15; return of p2 gives back 60*0.25 = 15 -> 40
    #    service 20 + 2, one return 7, two orders 2*3 -> 35; profit 5
    # b: p3 via category x 80*0.5 = 40; p9 own cost 40-30 = 10 -> 50; service 2, orders 6 -> 8; profit 42
    # c: p9 in category w: nothing prices it -> margin 0, revenue_without_cost 20; orders 3; profit -3
    expected = {"a": (160, 60, 40, 10, 35, 5), "b": (120, 0, 50, 0, 8, 42), "c": (20, 0, 0, 0, 3, -3)}
    for customer, (revenue, returns, margin, discounts, serve, value) in expected.items():
        row = t.loc[customer]
        assert row[["revenue", "returns", "gross_margin", "discounts", "cost_to_serve", "profit"]].tolist() == \
            [revenue, returns, margin, discounts, serve, value], customer
    assert t.loc["c", "revenue_without_cost"] == 20 and t.loc["a", "revenue_without_cost"] == 0
    assert t["profit_decile"].to_dict() == {"a": 4, "b": 1, "c": 7}
    assert profit.non_buyer_cost_to_serve(small) == 20.0  # z's hotline call, no purchase


def test_totals_reconcile_with_the_inputs(small):
    t = profit.customer_profit(small)
    rec = small.reconciliation["transactions"]
    assert t["revenue"].sum() == pytest.approx(rec["amount_kept"])
    assert -t["returns"].sum() == pytest.approx(rec["amount_returns"])
    feedback_cost = 20 * 2 + 2 * 2
    total_serve = feedback_cost + 7 * 1 + 3 * 5
    assert t["cost_to_serve"].sum() + profit.non_buyer_cost_to_serve(small) == pytest.approx(total_serve)
    assert t["profit"].sum() == pytest.approx(t["gross_margin"].sum() - t["cost_to_serve"].sum())


def test_whale_curve_by_hand():
    p = pd.Series([5.0, 42.0, -3.0], index=list("abc"))
    curve = profit.whale_curve(p)
    np.testing.assert_allclose(curve["cumulative_profit"], [0, 42, 47, 44])
    s = profit.whale_summary(p)
    assert (s["unprofitable_customers"], s["peak_customer_share"]) == (1, pytest.approx(2 / 3))
    assert s["peak_profit_share"] == pytest.approx(47 / 44) and s["shares_meaningful"]
    assert not profit.whale_summary(pd.Series([-1.0, -2.0]))["shares_meaningful"]


def test_referral_network_depth_trees_and_loops():
    c = pd.DataFrame({"customer_id": list("abcdefgxy"),
                      "referred_by": [None, "a", "a", "b", "d", "q", None, "y", "x"]})
    net = profit.referral_network(c).set_index("customer_id")
    assert net.loc[list("abcde"), "root"].eq("a").all() and net.loc["e", "depth"] == 3
    assert net.loc["f", "depth"] == 0 and net.loc["f", "root"] == "f"  # referrer q is not a customer
    assert net.loc[["x", "y"], "in_loop"].all() and not net.loc[list("abcdefg"), "in_loop"].any()
    trees = profit.referral_trees(net.reset_index())
    assert trees.to_dict("index") == {"a": {"customers": 5, "depth": 3}}


def test_advocates_need_buying_referees_and_promoter_or_value():
    refs = pd.DataFrame({"referees_who_bought": [2, 0, 1, 1]}, index=list("abcd"))
    nps = pd.Series({"a": 10, "b": 10, "c": 3})
    high = pd.Series({"d": True, "c": False})
    assert list(profit.advocates(refs, nps, high)) == ["a", "d"]
    table = profit.promoters_and_referrers(pd.Series({"a": 10, "b": 9, "c": 3, "e": 7}), refs)
    assert table["referrers"].to_dict() == {"detractor": 1, "passive": 0, "promoter": 2}


def test_sample_recovers_planted_referrers_and_the_loss_leader():
    ds = load_dataset("data/sample")
    truth = pd.read_json("data/sample/ground_truth.json", typ="series")["profitability"]
    t = profit.customer_profit(ds)
    refs = profit.referral_value(ds.customers, t["revenue"], t["profit"])
    assert set(truth["prolific_referrers"]) <= set(refs.index[:10])
    assert refs["referrals"].sum() == truth["referrals"]
    rec = ds.reconciliation["transactions"]
    assert t["revenue"].sum() == pytest.approx(rec["amount_kept"]) and t["revenue_without_cost"].sum() == 0
    tx = ds.transactions
    leader = tx.loc[tx["product"] == truth["loss_leader"]["product"]].groupby("customer_id")["amount"].sum()
    share = (leader / t["revenue"]).reindex(t.index).fillna(0)
    heavy = share > 0.5
    assert (t.loc[heavy, "profit"] < 0).mean() > 3 * (t.loc[~heavy, "profit"] < 0).mean()
    s = profit.whale_summary(t["profit"])
    assert 0 < s["unprofitable_share"] < 0.5 and s["peak_profit_share"] > 1


def test_sample_recovers_the_planted_heavy_returners():
    """High revenue, yet unprofitable, and for returns: the planted group is what the page finds."""
    ds = load_dataset("data/sample")
    heavy = pd.read_json("data/sample/ground_truth.json", typ="series")["profitability"]["heavy_returners"]
    t = profit.customer_profit(ds)
    assert len(heavy) >= 30 and set(heavy) <= set(t.index)
    assert (t.loc[heavy, "revenue"] > t["revenue"].median()).all()
    assert (t.loc[heavy, "profit"] < 0).mean() >= 0.9
    reasons = profit.loss_reasons(t, ds.costs)
    assert (reasons.reindex(heavy) == "returns").mean() >= 0.9
    rich_losers = t.index[(t["profit"] < 0) & (t["revenue"] >= t["revenue"].quantile(0.75))]
    assert rich_losers.isin(heavy).mean() >= 0.8  # unprofitable despite high revenue: mostly the planted group
    assert profit.unprofitable_profile(t).loc["return_rate", "ratio"] > 5


def test_clv_on_profit_is_margin_times_revenue_clv_for_a_flat_margin(tmp_path):
    import shutil

    import yaml

    from crmlib.clv import fit_clv, predict_customers
    from crmlib.scans.summary import customer_summary

    folder = tmp_path / "cdnow"
    shutil.copytree("data/cdnow", folder)
    config = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    (folder / "dataset.yaml").write_text(yaml.safe_dump({**config, "costs": {"margin_rates": {"default": 0.3}}}),
                                         encoding="utf-8")
    ds = load_dataset(folder)
    summary = customer_summary(ds.transactions, ds.analysis_date, time_unit="W")
    scores = predict_customers(fit_clv(summary, time_unit="W"), summary, horizon_months=12)
    ours = profit.profit_clv(scores, profit.customer_profit(ds))
    np.testing.assert_allclose(ours.to_numpy(), 0.3 * scores["clv"].to_numpy(), rtol=1e-9, atol=1e-9)
    served = profit.customer_profit(ds).assign(cost_to_serve=lambda t: 2.0 * t["orders"])
    fewer = profit.profit_clv(scores, served)
    discounted = scores["clv"] / scores["expected_avg_spend"]
    np.testing.assert_allclose((ours - fewer).to_numpy(), (2.0 * discounted).fillna(0).to_numpy(), rtol=1e-9, atol=1e-9)
