"""CLV scoring: equal to lifetimes' own CLV, hand-checked deciles/concentration, caching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes import GammaGammaFitter
from lifetimes_reference import purchase_fitter, spend_fitter

from crmlib.clv import (
    SCORE_COLUMNS,
    PurchaseModel,
    fit_clv,
    predict_customers,
    score_customers,
    value_concentration,
    value_deciles,
)
from crmlib.clv import models as clv_models
from crmlib.clv.report import EXPORT_COLUMNS, export_frame, model_report, one_time_buyers
from crmlib.clv.value import lorenz_curve, monthly_rate
from crmlib.data.load import load_dataset
from crmlib.errors import DataError
from crmlib.scans.summary import customer_summary


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    dataset = load_dataset("data/cdnow")
    return customer_summary(dataset.transactions, dataset.analysis_date, "W")


@pytest.fixture(scope="module")
def cdnow_fit(cdnow_summary):
    return fit_clv(cdnow_summary, "bgnbd", time_unit="W")


def test_clv_equals_lifetimes_customer_lifetime_value(cdnow_summary, cdnow_fit):
    scores = predict_customers(cdnow_fit, cdnow_summary, horizon_months=6, annual_discount_rate=0.12, margin=0.4)
    ggf = spend_fitter(cdnow_fit.spend.params)
    reference = GammaGammaFitter.customer_lifetime_value(
        ggf, purchase_fitter("bgnbd", cdnow_fit.purchase.params), cdnow_summary["frequency"], cdnow_summary["recency"],
        cdnow_summary["T"], cdnow_summary["monetary_value"], time=6, discount_rate=monthly_rate(0.12), freq="W")
    np.testing.assert_allclose(scores["clv"].to_numpy(), 0.4 * reference.to_numpy(), rtol=1e-9)


def test_scores_have_the_contract_columns_and_sane_values(cdnow_summary, cdnow_fit):
    before = cdnow_summary.copy()
    scores = predict_customers(cdnow_fit, cdnow_summary)
    pd.testing.assert_frame_equal(cdnow_summary, before)  # input not mutated
    assert list(scores.columns) == SCORE_COLUMNS
    assert scores.index.equals(cdnow_summary.index) and scores.index.name == "customer_id"
    assert scores["p_alive"].between(0, 1).all() and scores.notna().all().all()
    assert (scores["clv"] >= 0).all() and set(scores["clv_decile"]) == set(range(1, 11))
    # BG/NBD: no repeat purchase means no chance yet to drop out
    assert (scores.loc[scores["frequency"] == 0, "p_alive"] == 1.0).all()
    # deciles are ordered by value
    by_decile = scores.groupby("clv_decile")["clv"]
    assert (by_decile.min().iloc[:-1].to_numpy() >= by_decile.max().iloc[1:].to_numpy()).all()


def test_without_discounting_clv_is_expected_purchases_times_spend(cdnow_summary, cdnow_fit):
    scores = predict_customers(cdnow_fit, cdnow_summary, horizon_months=12, annual_discount_rate=0.0)
    np.testing.assert_allclose(scores["clv"], scores["expected_purchases"] * scores["expected_avg_spend"], rtol=1e-9)
    discounted = predict_customers(cdnow_fit, cdnow_summary, horizon_months=12, annual_discount_rate=0.2)
    assert (discounted["clv"] <= scores["clv"] + 1e-12).all()
    assert discounted["clv"].sum() < scores["clv"].sum()


def test_margin_scales_clv(cdnow_summary, cdnow_fit):
    full = predict_customers(cdnow_fit, cdnow_summary, margin=1.0)
    half = predict_customers(cdnow_fit, cdnow_summary, margin=0.5)
    np.testing.assert_allclose(half["clv"], 0.5 * full["clv"])
    with pytest.raises(DataError, match="margin"):
        predict_customers(cdnow_fit, cdnow_summary, margin=30)


def test_monthly_rate_compounds_to_the_annual_rate():
    assert (1 + monthly_rate(0.10)) ** 12 == pytest.approx(1.10)
    assert monthly_rate(0.0) == 0.0


def test_deciles_and_concentration_by_hand():
    values = pd.Series(np.arange(1.0, 21.0))  # 1..20: 20 customers, two per decile
    deciles = value_deciles(values)
    assert deciles.loc[[19, 18]].tolist() == [1, 1] and deciles.loc[[0, 1]].tolist() == [10, 10]
    total = values.sum()  # 210
    shares = value_concentration(values)
    assert shares["top_10pct"] == pytest.approx((20 + 19) / total)
    assert shares["top_20pct"] == pytest.approx((20 + 19 + 18 + 17) / total)
    curve = lorenz_curve(values, points=11)
    assert curve["value_share"].iloc[0] == 0 and curve["value_share"].iloc[-1] == pytest.approx(1.0)
    assert curve["value_share"].iloc[1] == pytest.approx(shares["top_10pct"])


def test_one_time_buyers_facts(cdnow_summary, cdnow_fit):
    scores = predict_customers(cdnow_fit, cdnow_summary)
    facts = one_time_buyers(scores)
    assert facts["customers"] == int((cdnow_summary["frequency"] == 0).sum())
    assert facts["mean_p_alive"] == 1.0
    assert facts["mean_expected_purchases"] < facts["mean_expected_purchases_repeat"]


def test_export_frame_and_report(cdnow_summary, cdnow_fit):
    scores = predict_customers(cdnow_fit, cdnow_summary)
    frame = export_frame(scores)
    assert list(frame.columns) == EXPORT_COLUMNS
    assert frame["customer_id"].tolist() == cdnow_summary.index.tolist()
    report = model_report(cdnow_fit, settings={"time_unit": "W"}, scores=scores)
    assert report["chosen_model"] == "bgnbd"
    assert set(report["final_fit"]["purchase_model"]["params"]) == {"r", "alpha", "a", "b"}
    assert report["summary"]["total_clv"] == pytest.approx(scores["clv"].sum())
    assert report["fallbacks_used"] == []


def test_score_customers_caches_the_fit(cdnow_summary, tmp_path, monkeypatch):
    from crmlib.notebook import Workbook

    monkeypatch.setenv("CRM_WORKBOOK_CACHE", str(tmp_path))
    calls = []
    original = clv_models.fit_purchase_model

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr("crmlib.clv.usable.fit_purchase_model", counting)
    dataset = load_dataset("data/cdnow")
    wb = Workbook(dataset=dataset, export_dir=tmp_path / "exports")
    first = wb.cached(score_customers, cdnow_summary, time_unit="W")
    second = Workbook(dataset=dataset, export_dir=tmp_path / "exports").cached(score_customers, cdnow_summary,
                                                                               time_unit="W")
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["clv_fit"]["purchase_model"]["model"] == "bgnbd"
    wb.cached(score_customers, cdnow_summary.iloc[:-5], time_unit="W")  # other data: refit
    assert len(calls) == 2
    score_customers(cdnow_summary, time_unit="W")  # called directly: the analysis itself never caches
    assert len(calls) == 3


def test_a_model_that_cannot_predict_someone_is_a_clear_error(cdnow_summary, cdnow_fit, monkeypatch):
    # a customer the formulas return NaN for must not reach clv.csv as an empty cell
    original = PurchaseModel.conditional_probability_alive

    def with_a_gap(self, frequency, recency, T):
        p_alive = np.array(original(self, frequency, recency, T), dtype=float)
        p_alive[5] = np.nan
        return p_alive

    monkeypatch.setattr(PurchaseModel, "conditional_probability_alive", with_a_gap)
    with pytest.raises(DataError, match="no finite prediction for 1 customers") as error:
        predict_customers(cdnow_fit, cdnow_summary)
    assert str(cdnow_summary.index[5]) in str(error.value) and "another purchase model" in error.value.hint
