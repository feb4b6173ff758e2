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
        pd.testing.assert_frame_equal(ours, table)


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
