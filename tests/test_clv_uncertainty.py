"""Uncertainty of the CLV fits (issue 18, item 4): Hessian standard errors against lifetimes, a
bootstrap of CDNOW customers and the coverage of the 95 % intervals on simulated data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter

from crmlib.clv.likelihood import fit_bgnbd
from crmlib.clv.models import PurchaseFit, compress_rfm, fit_purchase_model
from crmlib.clv.report import decile_intervals, export_frame, parameter_table
from crmlib.clv.uncertainty import clv_intervals, purchase_uncertainty
from crmlib.clv.value import fit_clv, predict_customers
from crmlib.data.load import load_dataset
from crmlib.scans.summary import calibration_holdout_summary, customer_summary

warnings.filterwarnings("ignore", category=RuntimeWarning)
NAMES = ("r", "alpha", "a", "b")


@pytest.fixture(scope="module")
def cdnow_calibration():
    tx = load_dataset("data/cdnow").transactions
    return calibration_holdout_summary(tx, "1997-09-30", "1998-06-30", "W")


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, rng) -> pd.DataFrame:
    """BG/NBD customers (frequency, recency, T in weeks) drawn from the model itself, vectorised.

    Purchase rate λ ~ Gamma(r, 1/alpha), dropout probability p ~ Beta(a, b); a customer makes
    J ~ Geometric(p) repeat purchases before dropping out. Given N(T) ~ Poisson(λT) purchases
    while alive throughout, the purchase times are uniform order statistics on (0, T].
    """
    T = rng.uniform(26, 52, n)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    drop_after = rng.geometric(np.clip(p, 1e-12, 1))  # the repeat purchase after which they leave
    arrivals = rng.poisson(lam * T)
    x = np.minimum(drop_after, arrivals)
    k = np.maximum(x, 1)
    recency = np.where(x > 0, T * rng.beta(k, np.maximum(arrivals - k, 0) + 1), 0.0)
    return pd.DataFrame({"frequency": x.astype(float), "recency": recency, "T": T})


def test_standard_errors_match_lifetimes_on_cdnow(cdnow_calibration):
    fit = fit_purchase_model(cdnow_calibration, "bgnbd", time_unit="W")
    ours = purchase_uncertainty(fit, cdnow_calibration)["standard_errors"]
    theirs = BetaGeoFitter().fit(cdnow_calibration["frequency"], cdnow_calibration["recency"],
                                 cdnow_calibration["T"]).summary["se(coef)"]
    for name in NAMES:
        assert ours[name] == pytest.approx(theirs[name], rel=0.02), name


def test_standard_errors_agree_with_a_bootstrap_of_cdnow_customers(cdnow_calibration):
    fit = fit_purchase_model(cdnow_calibration, "bgnbd", time_unit="W")
    se = purchase_uncertainty(fit, cdnow_calibration)["standard_errors"]
    rows = compress_rfm(cdnow_calibration)
    codes = cdnow_calibration.merge(rows.reset_index(), on=["frequency", "recency", "T"])["index"].to_numpy()
    rng = np.random.default_rng(7)
    estimates = []
    for _ in range(60):  # resample customers: the bootstrap weight of each unique row
        weights = np.bincount(codes[rng.integers(0, len(codes), len(codes))], minlength=len(rows))
        keep = weights > 0
        estimates.append(fit_bgnbd(rows["frequency"][keep], rows["recency"][keep], rows["T"][keep], weights[keep]))
    boot = pd.DataFrame(estimates).std()
    for name in NAMES:
        assert boot[name] == pytest.approx(se[name], rel=0.3), (name, boot[name], se[name])


def test_intervals_cover_the_true_parameters_about_95_percent_of_the_time():
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    rng = np.random.default_rng(11)
    covered = []
    for _ in range(40):
        summary = simulate_bgnbd(2500, *truth.values(), rng)
        fit = fit_purchase_model(summary, "bgnbd", time_unit="W")
        ci = purchase_uncertainty(fit, summary)["ci95"]
        covered += [ci[k][0] <= truth[k] <= ci[k][1] for k in NAMES]
    coverage = np.mean(covered)
    assert 0.88 <= coverage <= 0.995, coverage  # 160 intervals: 95 % ± sampling noise


def test_a_flat_likelihood_gives_no_interval_and_says_why():
    summary = pd.DataFrame({"frequency": [0.0, 1.0, 2.0] * 20, "recency": [0.0, 5.0, 9.0] * 20, "T": [10.0] * 60})
    fit = PurchaseFit("bgnbd", {"r": 1.0, "alpha": 5.0, "a": 1e-9, "b": 1e-9}, -1.0, 60, 3, "W")
    u = purchase_uncertainty(fit, summary)
    assert u["standard_errors"] is None and "not positive definite" in u["note"]


def test_clv_intervals_in_the_export_and_by_decile():
    dataset = load_dataset("data/cdnow")
    summary = customer_summary(dataset.transactions, dataset.analysis_date, time_unit="W")
    fit = fit_clv(summary, "bgnbd", time_unit="W")
    assert set(fit.purchase.to_dict()["ci95"]) == set(NAMES) and set(fit.spend.to_dict()["standard_errors"]) == set("pqv")
    scores = predict_customers(fit, summary)
    intervals, totals = clv_intervals(fit, summary, scores, horizon_months=12, annual_discount_rate=0.1, margin=1.0)
    scores = scores.join(intervals)
    assert (scores["clv_low"] <= scores["clv"] + 1e-9).all() and (scores["clv"] <= scores["clv_high"] + 1e-9).all()
    low, high = totals["total"]
    assert low < scores["clv"].sum() < high and (high - low) / scores["clv"].sum() < 0.3
    table = decile_intervals(scores, totals)
    assert (table["clv_low"] < table["clv"]).all() and (table["clv"] < table["clv_high"]).all()
    assert list(export_frame(scores).columns[8:11]) == ["clv", "clv_low", "clv_high"]
    params = parameter_table(fit).set_index(["model", "parameter"])
    assert params.loc[("BG/NBD", "r"), "ci95_low"] < params.loc[("BG/NBD", "r"), "estimate"]


def test_clv_total_interval_matches_parametric_draws(cdnow_calibration):
    """The delta method against brute force: refit-free draws of the parameters from their normal."""
    from crmlib.clv.uncertainty import _discounted_rows

    dataset = load_dataset("data/cdnow")
    summary = customer_summary(dataset.transactions, dataset.analysis_date, time_unit="W")
    fit = fit_clv(summary, "bgnbd", time_unit="W")
    scores = predict_customers(fit, summary)
    _, totals = clv_intervals(fit, summary, scores, horizon_months=12, annual_discount_rate=0.1, margin=1.0)
    rng = np.random.default_rng(3)
    rows = compress_rfm(summary)[["frequency", "recency", "T"]]
    position = summary[["frequency", "recency", "T"]].merge(rows.reset_index(), on=["frequency", "recency", "T"])["index"]
    draws_p = np.exp(rng.multivariate_normal(np.log(list(fit.purchase.params.values())),
                                             fit.purchase.uncertainty["log_covariance"], 150))
    draws_s = np.exp(rng.multivariate_normal(np.log(list(fit.spend.params.values())),
                                             fit.spend.uncertainty["log_covariance"], 150))
    f, m = summary["frequency"].to_numpy(), np.maximum(summary["monetary_value"].to_numpy(), 0)
    total = []
    for dp, (p, q, v) in zip(draws_p, draws_s, strict=True):
        unit = _discounted_rows(PurchaseFit("bgnbd", dict(zip(NAMES, dp, strict=True)), 0, 0, 0, "W"), rows, 12, 0.1)
        total.append(float((unit[position] * (p * f * m + p * v) / (p * f + q - 1)).sum()))
    low, high = np.quantile(total, [0.025, 0.975])
    assert totals["total"][0] == pytest.approx(low, rel=0.02) and totals["total"][1] == pytest.approx(high, rel=0.02)
