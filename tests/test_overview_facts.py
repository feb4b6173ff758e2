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


def test_the_settings_shape_the_results(sample, fits):
    clv_fit, study = fits
    base = overview_facts(sample, clv_fit=clv_fit, study=study)
    other = overview_facts(sample, clv_fit=clv_fit, study=study,
                           settings=DEFAULTS.replace(churn_window_days=0, scheme="cn8", margin=0.5, horizon_months=6))
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
