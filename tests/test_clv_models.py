"""crmlib.clv.models against published CDNOW results and lifetimes' own unweighted fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

from crmlib.clv import compress_rfm, fit_purchase_model, fit_spend_model, parse_models
from crmlib.clv.models import log_likelihood
from crmlib.data.load import load_dataset
from crmlib.errors import DataError
from crmlib.scans.summary import calibration_holdout_summary

# Fader, Hardie & Lee (2005) and lifetimes' tests (test_estimation.py): CDNOW sample, weeks,
# calibration 1997-01-01 .. 1997-09-30 (39 weeks)
BGNBD_PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
BGNBD_LOG_LIKELIHOOD = -9582.4
PARETO_PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}  # lifetimes / R BTYD
PARETO_LOG_LIKELIHOOD = -9595.0
MBGNBD_PUBLISHED = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}  # lifetimes / R BTYDplus
GAMMA_GAMMA_PUBLISHED = {"p": 6.25, "q": 3.74, "v": 15.44}  # Hardie, note 025


@pytest.fixture(scope="module")
def cdnow_calibration() -> pd.DataFrame:
    dataset = load_dataset("data/cdnow")
    return calibration_holdout_summary(dataset.transactions, "1997-09-30", "1998-06-30", "W")


def test_cdnow_calibration_sample_is_the_papers(cdnow_calibration):
    assert len(cdnow_calibration) == 2357
    assert cdnow_calibration["T"].max() == pytest.approx(38.86, abs=0.005)


def test_bgnbd_matches_fader_hardie_lee_2005(cdnow_calibration):
    fit = fit_purchase_model(cdnow_calibration, "bgnbd", time_unit="W")
    for name, value in BGNBD_PUBLISHED.items():
        assert fit.params[name] == pytest.approx(value, abs=0.0015), name
    assert fit.log_likelihood == pytest.approx(BGNBD_LOG_LIKELIHOOD, abs=0.1)
    assert fit.penalizer == 0.0 and fit.fallback == ""
    assert fit.n_customers == 2357 and fit.n_rows < 2357


def test_bgnbd_conditional_expectation_matches_hardie_spreadsheet(cdnow_calibration):
    model = fit_purchase_model(cdnow_calibration, "bgnbd", time_unit="W").estimator()
    assert model.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=0.001)


def test_pareto_nbd_matches_published(cdnow_calibration):
    fit = fit_purchase_model(cdnow_calibration, "pareto", time_unit="W")
    for name, value in PARETO_PUBLISHED.items():
        assert fit.params[name] == pytest.approx(value, abs=0.01), name
    assert fit.log_likelihood == pytest.approx(PARETO_LOG_LIKELIHOOD, abs=0.1)


def test_mbgnbd_matches_btydplus(cdnow_calibration):
    fit = fit_purchase_model(cdnow_calibration, "mbgnbd", time_unit="W")
    for name, value in MBGNBD_PUBLISHED.items():
        assert fit.params[name] == pytest.approx(value, abs=0.0015), name


def test_gamma_gamma_close_to_hardie_note(cdnow_calibration):
    # Hardie averages single transactions; the summary averages purchase *days* (orders on
    # one day are one purchase occasion), so the estimates agree to about 1 %.
    fit = fit_spend_model(cdnow_calibration)
    assert fit.n_fitted == (cdnow_calibration["frequency"] > 0).sum() == 946
    for name, value in GAMMA_GAMMA_PUBLISHED.items():
        assert fit.params[name] == pytest.approx(value, rel=0.01), name


@pytest.mark.parametrize(("model", "cls"), [("bgnbd", BetaGeoFitter), ("mbgnbd", ModifiedBetaGeoFitter),
                                             ("pareto", ParetoNBDFitter)])
def test_weighted_fit_equals_unweighted_lifetimes(cdnow_calibration, model, cls):
    weighted = fit_purchase_model(cdnow_calibration, model, time_unit="W")
    kwargs = {"initial_params": np.ones(4)} if model == "pareto" else {}
    plain = cls().fit(cdnow_calibration["frequency"], cdnow_calibration["recency"], cdnow_calibration["T"], **kwargs)
    for name, value in weighted.params.items():
        # Pareto/NBD's Nelder-Mead stops at tol 1e-4, so agreement is to its tolerance
        assert value == pytest.approx(plain.params_[name], rel=1e-3 if model == "pareto" else 1e-4), name
    # the weighted likelihood of the unique rows is the per-customer likelihood summed over everyone
    ll_everyone = log_likelihood(model, {k: float(plain.params_[k]) for k in weighted.params},
                                 cdnow_calibration["frequency"], cdnow_calibration["recency"], cdnow_calibration["T"])
    assert weighted.log_likelihood == pytest.approx(ll_everyone, abs=0.05)


def test_log_likelihood_stays_finite_for_very_frequent_buyers():
    # lifetimes' Pareto/NBD likelihood in weeks overflows for a customer with 140 repeat purchases;
    # evaluated in lifetimes' scaled time and converted back, it is finite and unchanged elsewhere
    params = {"r": 1.33, "alpha": 7.89, "s": 1.22, "beta": 53.1}
    f, r, t = np.array([0.0, 2, 5, 140]), np.array([0.0, 10, 40, 100.9]), np.array([50.0, 60, 80, 100.9])
    raw = np.array(list(params.values()))
    with np.errstate(all="ignore"):
        assert np.isnan(ParetoNBDFitter._negative_log_likelihood(raw, f, r, t, np.ones(4), 0.0))
    assert np.isfinite(log_likelihood("pareto", params, f, r, t))
    direct = -ParetoNBDFitter._negative_log_likelihood(raw, f[:3], r[:3], t[:3], np.ones(3), 0.0)
    assert log_likelihood("pareto", params, f[:3], r[:3], t[:3]) == pytest.approx(direct, rel=1e-12)


def test_pareto_predictions_are_lifetimes_and_survive_large_parameters(cdnow_calibration):
    fit = fit_purchase_model(cdnow_calibration, "pareto", time_unit="W")
    plain = ParetoNBDFitter()
    plain.params_ = pd.Series(fit.params)
    f, r, t = (cdnow_calibration[c].to_numpy() for c in ("frequency", "recency", "T"))
    ours = fit.estimator()
    np.testing.assert_allclose(ours.conditional_probability_alive(f, r, t), plain.conditional_probability_alive(f, r, t),
                               rtol=1e-9)
    np.testing.assert_allclose(ours.conditional_expected_number_of_purchases_up_to_time(39, f, r, t),
                               plain.conditional_expected_number_of_purchases_up_to_time(39, f, r, t), rtol=1e-9)
    # regular payers (r ≈ 150): lifetimes' own prediction is NaN when recency equals T
    fit.params = {"r": 148.3, "alpha": 693.9, "s": 1.27, "beta": 63.8}
    plain.params_ = pd.Series(fit.params)
    f, r, t = np.array([17.0, 11, 5]), np.array([72.9, 47.1, 20.0]), np.array([72.9, 47.1, 90.0])
    with np.errstate(all="ignore"):
        assert np.isnan(plain.conditional_probability_alive(f, r, t)[:2]).all()
    p_alive = fit.estimator().conditional_probability_alive(f, r, t)
    assert p_alive[:2] == pytest.approx([1.0, 1.0]) and 0 <= p_alive[2] < 0.5
    assert np.isfinite(fit.estimator().conditional_expected_number_of_purchases_up_to_time(52, f, r, t)).all()


def test_weighted_gamma_gamma_equals_unweighted(cdnow_calibration):
    repeat = cdnow_calibration.loc[cdnow_calibration["frequency"] > 0]
    plain = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    weighted = fit_spend_model(cdnow_calibration)
    for name, value in weighted.params.items():
        assert value == pytest.approx(plain.params_[name], rel=1e-4)


def test_compress_rfm_counts_customers():
    summary = pd.DataFrame({"frequency": [0.0, 0.0, 2.0, 2.0, 2.0], "recency": [0.0, 0.0, 5.0, 5.0, 6.0],
                            "T": [9.0, 9.0, 9.0, 9.0, 9.0]})
    rows = compress_rfm(summary)
    assert rows["weight"].tolist() == [2, 2, 1]
    assert rows["weight"].sum() == len(summary)


def test_convergence_error_falls_back_to_a_penalizer_and_says_so():
    # one repeat buyer among 51: lifetimes' BG/NBD raises ConvergenceError without a penalizer
    summary = pd.DataFrame({"frequency": [1.0] + [0.0] * 50, "recency": [3.0] + [0.0] * 50, "T": [100.0] * 51})
    with pytest.raises(Exception, match="did not converge"):
        BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    fit = fit_purchase_model(summary, "bgnbd")
    assert fit.penalizer > 0
    assert "did not converge" in fit.fallback and f"penalizer {fit.penalizer:g}" in fit.fallback
    assert fit.to_dict()["fallback"] == fit.fallback


def test_estimates_where_lifetimes_likelihood_breaks_down_fall_back_to_a_penalizer():
    # steady subscribers plus one-time buyers: BG/NBD runs off to b ≈ 0, where lifetimes'
    # likelihood (log(b + x - 1) at x = 1) is not finite; that is not accepted as a fit
    rng = np.random.default_rng(0)
    T = rng.uniform(20, 80, 300)
    summary = pd.DataFrame({"frequency": np.r_[np.round(T / 4.3), np.zeros(50)],
                            "recency": np.r_[T, np.zeros(50)], "T": np.r_[T, rng.uniform(20, 80, 50)]})
    fit = fit_purchase_model(summary, "bgnbd", time_unit="W")
    assert fit.penalizer > 0 and np.isfinite(fit.log_likelihood)
    assert "is not finite" in fit.fallback and "approximate" in fit.fallback


def test_degenerate_estimates_are_flagged(cdnow_calibration):
    # everyone bought at a steady pace right up to today: nothing identifies dropout
    summary = pd.DataFrame({"frequency": [5.0, 6, 7, 8] * 5, "recency": [50.0] * 20, "T": [50.0] * 20})
    fit = fit_purchase_model(summary, "bgnbd")
    assert "ran off towards 0 or infinity" in fit.warning
    assert fit.to_dict()["warning"] == fit.warning
    assert fit_purchase_model(cdnow_calibration, "bgnbd", time_unit="W").warning == ""


def test_gamma_gamma_excludes_nonpositive_spend_and_counts_them():
    rng = np.random.default_rng(0)
    n = 400
    frequency = rng.integers(1, 8, n).astype(float)
    spend = rng.gamma(6.0, 1.0 / rng.gamma(4.0, 1 / 90.0, n))
    summary = pd.DataFrame({"frequency": np.r_[frequency, [2.0, 3.0, 1.0], [0.0] * 5],
                            "monetary_value": np.r_[spend, [0.0, -5.0, 0.0], [0.0] * 5]})
    fit = fit_spend_model(summary)
    assert fit.n_excluded == 3
    assert fit.n_fitted == n
    assert any("3 repeat buyers" in note for note in fit.notes)
    clean = fit_spend_model(summary.iloc[:n])
    assert fit.params == pytest.approx(clean.params)


def test_gamma_gamma_flags_frequency_spend_correlation():
    rng = np.random.default_rng(1)
    frequency = rng.integers(1, 20, 500).astype(float)
    correlated = pd.DataFrame({"frequency": frequency, "monetary_value": 10 * frequency + rng.gamma(2.0, 2.0, 500)})
    fit = fit_spend_model(correlated)
    assert fit.frequency_spend_corr > 0.9
    assert any("correlated" in note for note in fit.notes)
    independent = correlated.assign(monetary_value=rng.permutation(correlated["monetary_value"].to_numpy()))
    assert not any("correlated" in note for note in fit_spend_model(independent).notes)


def test_bad_input_gets_a_clear_error():
    with pytest.raises(DataError, match="unknown purchase model"):
        parse_models("bgnbd,nbd")
    with pytest.raises(DataError, match="lacks"):
        fit_purchase_model(pd.DataFrame({"frequency": [1.0]}), "bgnbd")
    with pytest.raises(DataError, match="bought on two different days"):
        fit_purchase_model(pd.DataFrame({"frequency": [0.0, 0.0], "recency": [0.0, 0.0], "T": [5.0, 6.0]}))
    assert parse_models(" BGNBD, pareto,bgnbd") == ["bgnbd", "pareto"]
