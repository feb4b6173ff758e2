"""crmlib.clv.estimators: scikit-learn estimators whose predictions and likelihoods are lifetimes'.

lifetimes is the reference: every prediction of every model equals lifetimes' fitter with the
same parameters to 1e-9 (relative) on CDNOW and on hand-picked edge rows, and every likelihood
equals lifetimes' private objective exactly.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.utils import _check_inputs, _customer_lifetime_value
from lifetimes_reference import purchase_fitter, spend_fitter
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from crmlib.clv import PurchaseModel, SpendModel, fit_purchase_model, fit_spend_model
from crmlib.clv import likelihood as ours
from crmlib.clv.models import log_likelihood
from crmlib.data.load import load_dataset
from crmlib.scans.summary import calibration_holdout_summary, customer_summary

MODELS = ["bgnbd", "mbgnbd", "pareto"]
RTOL = 1e-9
# hand-picked rows in weeks (T up to 60): no repeat purchase, recency == T, one repeat long ago,
# very frequent buyers (Pareto/NBD's A_0 overflows in the data's unit there)
EDGE = pd.DataFrame({"frequency": [0.0, 0.0, 1.0, 1.0, 5.0, 5.0, 30.0, 120.0, 150.0],
                     "recency": [0.0, 0.0, 0.5, 60.0, 60.0, 12.0, 59.0, 60.0, 58.5],
                     "T": [0.5, 60.0, 60.0, 60.0, 60.0, 60.0, 60.0, 60.0, 60.0]})
REGULAR_PAYERS = {"r": 148.3, "alpha": 693.9, "s": 1.27, "beta": 63.8}  # Pareto/NBD of subscription payments


@pytest.fixture(scope="module")
def cdnow_calibration() -> pd.DataFrame:
    dataset = load_dataset("data/cdnow")
    return calibration_holdout_summary(dataset.transactions, "1997-09-30", "1998-06-30", "W")


@pytest.fixture(scope="module")
def cdnow_models(cdnow_calibration) -> dict[str, PurchaseModel]:
    return {model: PurchaseModel(model, time_unit="W").fit(cdnow_calibration) for model in MODELS}


def rfm(frame: pd.DataFrame) -> tuple[np.ndarray, ...]:
    return tuple(frame[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))


def lifetimes_in_scaled_time(params: dict, frame: pd.DataFrame) -> tuple[ParetoNBDFitter, float, tuple]:
    """lifetimes' Pareto/NBD with time divided by the largest T (where its fits evaluate the likelihood)."""
    f, r, t = rfm(frame)
    scale = 1.0 / t.max()
    fitter = purchase_fitter("pareto", {"r": params["r"], "alpha": params["alpha"] * scale, "s": params["s"],
                                        "beta": params["beta"] * scale})
    return fitter, scale, (f, r * scale, t * scale)


# the scikit-learn API


def test_parameters_round_trip_through_get_set_and_clone():
    model = PurchaseModel("pareto", penalizer=0.01, time_unit="W")
    assert model.get_params() == {"model": "pareto", "penalizer": 0.01, "shrinkage": 0.0, "time_unit": "W",
                                  "ladder": (0.001, 0.01, 0.1, 1.0)}
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert clone(model).set_params(model="mbgnbd").model == "mbgnbd"
    spend = SpendModel(penalizer=0.1)
    assert clone(spend).get_params() == {"penalizer": 0.1, "ladder": (0.001, 0.01, 0.1, 1.0)}
    with pytest.raises(ValueError):
        clone(spend).set_params(no_such_parameter=1)


def test_fit_returns_self_with_learned_attributes_and_a_clone_fits_the_same(cdnow_calibration):
    model = PurchaseModel("bgnbd", time_unit="W")
    assert not [name for name in vars(model) if name.endswith("_")]  # __init__ stores settings only
    with pytest.raises(NotFittedError):
        model.conditional_probability_alive(1, 2.0, 3.0)
    assert model.fit(cdnow_calibration) is model
    learned = {name for name in vars(model) if name.endswith("_")}
    assert {"params_", "log_likelihood_", "penalizer_", "fallback_", "warning_", "n_customers_", "fit_"} <= learned
    assert model.params_ == fit_purchase_model(cdnow_calibration, "bgnbd", time_unit="W").params
    assert clone(model).fit(cdnow_calibration).params_ == model.params_
    assert pickle.loads(pickle.dumps(model)).params_ == model.params_
    spend = SpendModel().fit(cdnow_calibration)
    assert spend.params_ == fit_spend_model(cdnow_calibration).params and spend.n_fitted_ == 946


def test_a_cached_fit_record_gives_the_same_estimator(cdnow_models):
    for key, model in cdnow_models.items():
        rebuilt = pickle.loads(pickle.dumps(model.fit_)).estimator()
        assert rebuilt.params_ == model.params_ and rebuilt.log_likelihood_ == model.log_likelihood_
        assert rebuilt.get_params() == model.get_params()
        from_params = PurchaseModel.from_params(key, model.params_, time_unit="W")
        f, r, t = rfm(EDGE)
        np.testing.assert_array_equal(from_params.conditional_probability_alive(f, r, t),
                                      model.conditional_probability_alive(f, r, t))


# predictions: lifetimes' to 1e-9


@pytest.mark.parametrize("key", MODELS)
def test_predictions_equal_lifetimes_on_cdnow(cdnow_calibration, cdnow_models, key):
    model = cdnow_models[key]
    reference = purchase_fitter(key, model.params_)
    f, r, t = rfm(cdnow_calibration)
    np.testing.assert_allclose(model.conditional_probability_alive(f, r, t),
                               reference.conditional_probability_alive(f, r, t), rtol=RTOL)
    for horizon in (1.0, 39.0, 104.0):
        np.testing.assert_allclose(model.conditional_expected_number_of_purchases_up_to_time(horizon, f, r, t),
                                   reference.conditional_expected_number_of_purchases_up_to_time(horizon, f, r, t),
                                   rtol=RTOL)
    ages = np.linspace(0.0, 78.0, 40)
    np.testing.assert_allclose(model.expected_number_of_purchases_up_to_time(ages),
                               reference.expected_number_of_purchases_up_to_time(ages), rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize("key", ["bgnbd", "mbgnbd"])
def test_bgnbd_predictions_equal_lifetimes_on_edge_rows(cdnow_models, key):
    model = cdnow_models[key]
    reference = purchase_fitter(key, model.params_)
    f, r, t = rfm(EDGE)
    alive = model.conditional_probability_alive(f, r, t)
    np.testing.assert_allclose(alive, reference.conditional_probability_alive(f, r, t), rtol=RTOL)
    expected = model.conditional_expected_number_of_purchases_up_to_time(52.0, f, r, t)
    np.testing.assert_allclose(expected, reference.conditional_expected_number_of_purchases_up_to_time(52.0, f, r, t),
                               rtol=RTOL)
    assert np.isfinite(alive).all() and np.isfinite(expected).all()
    if key == "bgnbd":
        assert (alive[f == 0] == 1.0).all()  # no repeat purchase: no chance yet to drop out


@pytest.mark.parametrize("params", ["cdnow", "regular_payers"])
def test_pareto_predictions_are_lifetimes_in_scaled_time_on_edge_rows(cdnow_models, params):
    values = cdnow_models["pareto"].params_ if params == "cdnow" else REGULAR_PAYERS
    model = PurchaseModel.from_params("pareto", values, time_unit="W")
    reference, scale, (f, r, t) = lifetimes_in_scaled_time(values, EDGE)
    alive = model.conditional_probability_alive(*rfm(EDGE))
    expected = model.conditional_expected_number_of_purchases_up_to_time(52.0, *rfm(EDGE))
    np.testing.assert_allclose(alive, reference.conditional_probability_alive(f, r, t), rtol=RTOL)
    np.testing.assert_allclose(expected, reference.conditional_expected_number_of_purchases_up_to_time(52.0 * scale,
                                                                                                        f, r, t),
                               rtol=RTOL)
    assert np.isfinite(alive).all() and np.isfinite(expected).all()
    with np.errstate(all="ignore"):  # lifetimes in the data's unit: NaN where the frequent buyers are
        plain = purchase_fitter("pareto", values).conditional_probability_alive(*rfm(EDGE))
    if params == "regular_payers":
        assert np.isnan(plain).any()
    finite = np.isfinite(plain)
    np.testing.assert_allclose(alive[finite], plain[finite], rtol=RTOL)


def test_predictions_take_scalars_lists_and_series():
    model = PurchaseModel.from_params("bgnbd", {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, time_unit="W")
    one = model.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)
    assert one.shape == () and float(one) == pytest.approx(1.226, abs=0.001)  # Hardie's spreadsheet
    series = model.conditional_probability_alive(pd.Series([0, 2]), pd.Series([0.0, 30.43]), pd.Series([38.86] * 2))
    assert isinstance(series, np.ndarray) and series.shape == (2,)


@pytest.mark.parametrize(("key", "unit"), [("bgnbd", "W"), ("mbgnbd", "W"), ("pareto", "W"), ("bgnbd", "D"),
                                           ("pareto", "D")])
def test_discounted_purchases_and_clv_equal_lifetimes(key, unit):
    dataset = load_dataset("data/cdnow")
    summary = customer_summary(dataset.transactions, dataset.analysis_date, unit)
    model = PurchaseModel(key, time_unit=unit).fit(summary)
    spend = SpendModel().fit(summary)
    f, r, t = (summary[c] for c in ("frequency", "recency", "T"))
    reference = purchase_fitter(key, model.params_)  # Pareto/NBD on CDNOW: finite in the data's unit too
    unit_value = _customer_lifetime_value(reference, f, r, t, pd.Series(1.0, index=f.index), time=6,
                                          discount_rate=0.01, freq=unit)
    np.testing.assert_allclose(model.discounted_expected_purchases(f, r, t, months=6, monthly_discount_rate=0.01),
                               unit_value.to_numpy(), rtol=RTOL)
    m = summary["monetary_value"].clip(lower=0)
    np.testing.assert_allclose(spend.conditional_expected_average_profit(f, m),
                               spend_fitter(spend.params_).conditional_expected_average_profit(f, m), rtol=RTOL)
    clv = GammaGammaFitter.customer_lifetime_value(spend_fitter(spend.params_), reference, f, r, t, m, time=6,
                                                   discount_rate=0.01, freq=unit)
    np.testing.assert_allclose(spend.customer_lifetime_value(model, f, r, t, m, months=6, monthly_discount_rate=0.01),
                               clv.to_numpy(), rtol=RTOL)


# likelihoods: lifetimes' objectives


def test_fitted_log_likelihoods_are_lifetimes(cdnow_calibration, cdnow_models):
    f, r, t = rfm(cdnow_calibration)
    w, scale = np.ones_like(f), 1.0 / t.max()
    assert cdnow_models["bgnbd"].log_likelihood_ == pytest.approx(-9582.43, abs=0.01)  # Fader, Hardie & Lee
    for key, cls in [("bgnbd", BetaGeoFitter), ("mbgnbd", ModifiedBetaGeoFitter)]:
        p = cdnow_models[key].params_
        log_params = np.log([p["r"], p["alpha"] * scale, p["a"], p["b"]])
        theirs = -cls._negative_log_likelihood(log_params, f, r * scale, t * scale, w, 0.0) * len(f) + np.log(scale) * f.sum()
        assert log_likelihood(key, p, f, r, t) == pytest.approx(theirs, rel=1e-12)
        assert cdnow_models[key].log_likelihood_ == pytest.approx(theirs, rel=1e-9)  # fitted on the compressed rows
    p = cdnow_models["pareto"].params_
    raw = np.array([p["r"], p["alpha"] * scale, p["s"], p["beta"] * scale])
    theirs = -ParetoNBDFitter._negative_log_likelihood(raw, f, r * scale, t * scale, w, 0.0) + np.log(scale) * f.sum()
    assert cdnow_models["pareto"].log_likelihood_ == pytest.approx(theirs, rel=1e-9)
    assert cdnow_models["pareto"].log_likelihood_ == pytest.approx(-9595.0, abs=0.1)
    spend = SpendModel().fit(cdnow_calibration)
    repeat = cdnow_calibration.loc[cdnow_calibration["frequency"] > 0]
    x, m = repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy()
    theirs = -GammaGammaFitter._negative_log_likelihood(np.log(list(spend.params_.values())), x, m, np.ones_like(x),
                                                        0.0) * len(x)
    assert spend.log_likelihood_ == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize("penalizer", [0.0, 0.05])
def test_objectives_are_lifetimes_bit_for_bit(cdnow_calibration, penalizer):
    rows = pd.concat([cdnow_calibration[["frequency", "recency", "T"]], EDGE])
    f, r, t = rfm(rows)
    r, t = r / t.max(), t / t.max()
    w = np.arange(len(f)) % 4 + 1.0
    for point in (np.full(4, 0.1), np.log([0.24, 0.11, 0.79, 2.4]), np.array([1.5, -3.0, -0.7, 2.2])):
        assert ours.bgnbd_negative_log_likelihood(point, f, r, t, w, penalizer) == \
            BetaGeoFitter._negative_log_likelihood(point, f, r, t, w, penalizer)
        assert ours.mbgnbd_negative_log_likelihood(point, f, r, t, w, penalizer) == \
            ModifiedBetaGeoFitter._negative_log_likelihood(point, f, r, t, w, penalizer)
        with np.errstate(all="ignore"):
            mine = ours.pareto_nbd_negative_log_likelihood(np.exp(point), f, r, t, w, penalizer)
            theirs = ParetoNBDFitter._negative_log_likelihood(np.exp(point), f, r, t, w, penalizer)
        assert mine == theirs or (np.isnan(mine) and np.isnan(theirs))
    repeat = cdnow_calibration.loc[cdnow_calibration["frequency"] > 0]
    x, m = repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy()
    for point in (np.full(3, 0.1), np.log([6.0, 4.0, 15.0])):
        assert ours.gamma_gamma_negative_log_likelihood(point, x, m, np.ones_like(x), penalizer) == \
            GammaGammaFitter._negative_log_likelihood(point, x, m, np.ones_like(x), penalizer)


@pytest.mark.parametrize("bad", [
    {"frequency": [1.0, 2.0], "recency": [5.0, 9.0], "T": [6.0, 8.0]},  # recency > T
    {"frequency": [0.0, 2.0], "recency": [1.0, 3.0], "T": [6.0, 8.0]},  # recency without a repeat purchase
    {"frequency": [1.0, 2.0], "recency": [-1.0, 3.0], "T": [6.0, 8.0]},
    {"frequency": [1.5, 2.0], "recency": [1.0, 3.0], "T": [6.0, 8.0]},
    {"frequency": [1.0, 2.0], "monetary_value": [10.0, 0.0]},
])
def test_impossible_summaries_get_lifetimes_messages(bad):
    arrays = {k: np.asarray(v) for k, v in bad.items()}
    with pytest.raises(ValueError) as theirs:
        _check_inputs(**arrays)
    with pytest.raises(ValueError, match=f"^{theirs.value.args[0][:30]}".replace("(", r"\(")):
        ours.check_inputs(**arrays)


def test_crmlib_models_no_longer_import_lifetimes():
    import subprocess
    import sys

    code = ("import sys, crmlib.clv, crmlib.clv.estimators, crmlib.clv.uncertainty, crmlib.churn.baseline; "
            "print('lifetimes' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == \
        "False"
