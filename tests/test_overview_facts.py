"""overview_facts: the overview's analyses in one call, joined on the same customers and settings."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from crmlib.churn import churn_study, suggest_window
from crmlib.clv import fit_clv
from crmlib.data.load import load_dataset
from crmlib.data.sample import SampleParameters, write_sample
from crmlib.overview.facts import overview_facts
from crmlib.scans.summary import customer_summary, purchase_days
from crmlib.segment import segment_order
from crmlib.settings import DEFAULTS

pytestmark = pytest.mark.slow  # fits the churn models and the CLV model on a small sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return load_dataset(write_sample(tmp_path_factory.mktemp("data") / "s", SampleParameters(n_customers=600, seed=4)))


@pytest.fixture(scope="module")
def fits(sample):
    weekly = customer_summary(sample.transactions, sample.analysis_date, "W")
    return fit_clv(weekly, "bgnbd", time_unit="W"), churn_study(sample, window_days=90)


def test_every_part_describes_the_same_customers(sample, fits):
    clv_fit, study = fits
    found = overview_facts(sample, clv_fit=clv_fit, study=study, sentiment_model=None)
    buyers = set(sample.transactions["customer_id"])
    assert set(found.segments.index) == set(found.clv.index) == buyers
    assert found.window == 90 and found.comparison == pd.Timestamp("2024-09-30")
    # value at risk = churn probability x CLV / P(alive), with this call's CLV
    churn = found.churn.join(found.clv[["clv", "p_alive"]], rsuffix="_model")
    expected = churn["churn_probability"] * churn["clv_model"] / churn["p_alive"].clip(lower=0.001)
    np.testing.assert_allclose(churn["value_at_risk"], expected, rtol=1e-9)
    assert found.feedback is not None and found.complaints.between(0, 1).all()
    assert {"revenue", "churn_rate"} <= set(found.headline["kpi"])


def without_costs(dataset):
    """The dataset without its products table and costs: section (a revenue-only dataset)."""
    return dataclasses.replace(dataset, arrow={k: v for k, v in dataset.arrow.items() if k != "products"},
                               costs={}, _frames={})


def test_the_settings_shape_the_results(sample, fits):
    clv_fit, study = fits
    plain = without_costs(sample)
    base = overview_facts(plain, clv_fit=clv_fit, study=study)
    other = overview_facts(plain, clv_fit=clv_fit, study=study,
                           settings=DEFAULTS.replace(churn_window_days=0, scheme="cn8", margin=0.5, horizon_months=6))
    assert base.value_basis == "revenue" and other.value_basis == "margin" and base.profit is None
    assert other.window == suggest_window(purchase_days(sample.transactions, sample.analysis_date))
    assert set(other.segments["segment"]) <= set(segment_order("cn8"))
    assert not set(base.segments["segment"]) & set(segment_order("cn8"))
    assert other.clv["clv"].sum() < 0.5 * base.clv["clv"].sum()  # half the margin over half the horizon
    assert other.simple["simple_cltv"] == pytest.approx(0.5 * base.simple["simple_cltv"])


def test_without_optional_tables_the_parts_that_need_them_are_none(sample, fits):
    clv_fit, study = fits
    bare = dataclasses.replace(sample, arrow={k: v for k, v in sample.arrow.items()
                                              if k not in ("feedback", "marketing_spend")}, _frames={})
    found = overview_facts(bare, clv_fit=clv_fit, study=study)
    assert found.feedback is None and found.complaints is None
    assert found.cac is None and found.cltv_cac is None


def test_with_costs_clv_value_at_risk_and_cltv_cac_are_on_profit(sample, fits):
    from crmlib import profit

    clv_fit, study = fits
    found = overview_facts(sample, clv_fit=clv_fit, study=study, sentiment_model=None)
    table = profit.customer_profit(sample)
    assert found.value_basis == "profit" and "revenue_clv" in found.clv
    weekly = customer_summary(sample.transactions, sample.analysis_date, "W")
    revenue_scores = profit.customer_value(without_costs(sample), clv_fit, weekly)
    np.testing.assert_allclose(found.clv["revenue_clv"], revenue_scores["clv"], rtol=1e-12)
    np.testing.assert_allclose(found.clv["clv"], profit.profit_clv(revenue_scores, table), rtol=1e-12)
    churn = found.churn.join(found.clv[["clv", "p_alive"]], rsuffix="_model")
    np.testing.assert_allclose(churn["value_at_risk"],
                               churn["churn_probability"] * churn["clv_model"] / churn["p_alive"].clip(lower=0.001))
    by_channel = found.cltv_cac.set_index("channel")["mean_clv"].dropna()
    channel = sample.customers.set_index("customer_id")["acquisition_channel"].reindex(found.clv.index)
    np.testing.assert_allclose(by_channel, found.clv["clv"].groupby(channel).mean().reindex(by_channel.index))
    headline = found.profit
    assert headline["gross_margin_pct"] == pytest.approx(table["gross_margin"].sum() / table["revenue"].sum())
    assert headline["mean_profit_clv"] == pytest.approx(found.clv["clv"].mean())
    assert 0 < headline["unprofitable_share"] < 1
    # the sample plants referrals: advocates are referrers whose referees bought
    assert found.advocates is not None and len(found.advocates) > 0
    assert (found.referrals.loc[found.advocates, "referees_who_bought"] > 0).all()
    bare = without_costs(dataclasses.replace(sample, arrow={k: v for k, v in sample.arrow.items() if k != "customers"}))
    assert overview_facts(bare, clv_fit=clv_fit, study=study).advocates is None
