"""The sample's costs and referrals (issue 20, item 7): own random stream, other tables unchanged,
planted truth as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.data.load import load_dataset
from crmlib.data.sample import SampleParameters, generate_sample, write_sample
from crmlib.data.sample_costs import CATEGORY_MARGIN, LOSS_LEADER, N_PROLIFIC


@pytest.fixture(scope="module")
def generated():
    return generate_sample(SampleParameters(n_customers=1500, seed=5))


def test_costs_leave_the_other_tables_unchanged(generated):
    with_, _ = generated
    without, truth = generate_sample(SampleParameters(n_customers=1500, seed=5, costs=False))
    assert "products" in with_ and "products" not in without and "profitability" not in truth
    for name, table in without.items():
        ours = with_[name].drop(columns=["referred_by"]) if name == "customers" else with_[name]
        if name == "transactions":  # the heavy returners' return lines are appended after the rest
            ours = ours.iloc[: len(table)]
        pd.testing.assert_frame_equal(ours, table)


def test_heavy_returners_send_back_most_orders_of_their_high_revenue(generated):
    tables, truth = generated
    before = generate_sample(SampleParameters(n_customers=1500, seed=5, costs=False))[0]["transactions"]
    extra = tables["transactions"].iloc[len(before):]
    heavy = truth["profitability"]["heavy_returners"]
    assert len(extra) == truth["profitability"]["heavy_return_lines"] and set(extra["customer_id"]) == set(heavy)
    assert (extra["amount"] < 0).all() and extra["order_id"].str.startswith("R").all()
    assert not extra["order_id"].isin(before["order_id"]).any() and extra["order_id"].is_unique  # no conflicting ids
    assert (extra["order_date"] <= pd.Timestamp("2024-12-31 23:00")).all()
    orders = before.loc[before["order_id"].str.startswith("O") & (before["amount"] > 0)].drop_duplicates("order_id")
    per = orders.groupby("customer_id")["amount"].agg(["sum", "size"])
    assert len(heavy) == max(3, round(0.01 * len(per)))
    assert (per.loc[heavy, "size"] >= 4).all() and (per.loc[heavy, "sum"] >= per["sum"].quantile(0.75)).all()
    original = orders.set_index("order_id")
    sent_back = original.loc["O" + extra["order_id"].str[1:]]
    assert np.allclose(-extra["amount"].to_numpy(), sent_back["amount"].to_numpy())  # in full
    assert ((extra["order_date"].to_numpy() - sent_back["order_date"].to_numpy()) >= pd.Timedelta(days=2)).all()
    share = len(extra) / per.loc[heavy, "size"].sum()
    assert 0.6 < share <= 0.9  # most of their orders (those that can still be returned by the end)


def test_product_margins_follow_their_category_and_the_loss_leader(generated):
    products = generated[0]["products"].set_index("商品")
    assert products.index.is_unique and set(products.index) == set(generated[0]["transactions"]["product"])
    assert products.loc[LOSS_LEADER[0], "毛利率"] == LOSS_LEADER[1]
    others = products.drop(index=LOSS_LEADER[0])
    gap = others["毛利率"] - others["品类"].map(CATEGORY_MARGIN)
    assert gap.abs().max() < 0.15 and abs(gap.mean()) < 0.02


def test_referrals_point_back_in_time_to_planted_prolific_referrers(generated):
    tables, truth = generated
    customers = tables["customers"].set_index("customer_id")
    linked = customers["referred_by"].dropna()
    assert set(customers.loc[linked.index, "acquisition_channel"]) == {"referral"}
    assert (customers.loc[linked.values, "signup_date"].to_numpy() < customers.loc[linked.index, "signup_date"].to_numpy()).all()
    prolific = truth["profitability"]["prolific_referrers"]
    counts = linked.value_counts()
    assert len(prolific) == N_PROLIFIC and set(prolific) <= set(counts.index[: 2 * N_PROLIFIC])
    assert counts.reindex(prolific).sum() / len(linked) > 0.2


def test_written_sample_maps_products_costs_and_referrals(tmp_path):
    folder = write_sample(tmp_path / "s", SampleParameters(n_customers=300, seed=3))
    ds = load_dataset(folder)
    assert ds.has("products") and ds.costs["return_handling"] > 0
    assert ds.customers["referred_by"].notna().sum() > 0
    assert np.isclose(ds.products.set_index("product").loc[LOSS_LEADER[0], "margin_rate"], LOSS_LEADER[1])
