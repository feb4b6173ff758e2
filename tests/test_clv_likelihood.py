"""crmlib.clv.likelihood: lifetimes' objective with analytic gradients, checked against lifetimes/autograd."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from autograd import value_and_grad
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

import crmlib.clv.likelihood as likelihood
from crmlib.clv import compress_rfm
from crmlib.clv.likelihood import (
    BetaGeoObjective,
    ConvergenceError,
    GammaGammaObjective,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_pareto_nbd,
)
from crmlib.clv.models import log_likelihood
from crmlib.data.load import load_dataset

# log-parameters far from and near the sample's optimum, plus lifetimes' starting point
BGNBD_POINTS = [np.full(4, 0.1), np.log([0.9, 0.15, 0.8, 4.0]), np.array([1.5, -3.0, -0.7, 2.2])]
GAMMA_GAMMA_POINTS = [np.full(3, 0.1), np.log([6.0, 4.0, 90.0]), np.array([-1.0, 2.5, 0.3])]


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    """The bundled sample in days: large T, many distinct rows, weights from compression.

    Built by the NumPy summary the engine scan replaced (tests/reference_scans.py): lifetimes'
    Gamma-Gamma optimiser stops with "precision loss" on some 1-ulp changes of monetary_value (the
    engine sums amounts exactly), and this test is about the likelihoods, not the summation.
    """
    import reference_scans

    dataset = load_dataset("data/sample")
    return reference_scans.customer_summary(dataset.transactions, dataset.analysis_date, "D")


def lifetimes_objective(cls, log_params, rows, penalizer):
    scale = 1.0 / rows["T"].max()
    args = (rows["frequency"].to_numpy().astype(int), rows["recency"].to_numpy() * scale,
            rows["T"].to_numpy() * scale, rows["weight"].to_numpy(), penalizer)
    return value_and_grad(cls._negative_log_likelihood)(log_params, *args)


@pytest.mark.parametrize(("modified", "cls"), [(False, BetaGeoFitter), (True, ModifiedBetaGeoFitter)])
@pytest.mark.parametrize("penalizer", [0.0, 0.05])
@pytest.mark.parametrize("point", range(len(BGNBD_POINTS)))
def test_bgnbd_value_and_gradient_are_lifetimes(summary, point, penalizer, modified, cls):
    rows = compress_rfm(summary)
    objective = BetaGeoObjective(rows["frequency"], rows["recency"], rows["T"], rows["weight"], penalizer, modified)
    value, gradient = objective(BGNBD_POINTS[point])
    expected_value, expected_gradient = lifetimes_objective(cls, BGNBD_POINTS[point], rows, penalizer)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("penalizer", [0.0, 0.05])
@pytest.mark.parametrize("point", range(len(GAMMA_GAMMA_POINTS)))
def test_gamma_gamma_value_and_gradient_are_lifetimes(summary, point, penalizer):
    repeat = summary.loc[summary["frequency"] > 0]
    x, m = repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy()
    weights = np.arange(len(x)) % 3 + 1.0  # uneven weights exercise the weighting
    value, gradient = GammaGammaObjective(x, m, weights, penalizer)(GAMMA_GAMMA_POINTS[point])
    expected_value, expected_gradient = value_and_grad(GammaGammaFitter._negative_log_likelihood)(
        GAMMA_GAMMA_POINTS[point], x, m, weights, penalizer)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("modified", [False, True])
def test_gradient_matches_finite_differences(summary, modified):
    # independent of autograd: central differences of the objective itself
    rows = compress_rfm(summary)
    objective = BetaGeoObjective(rows["frequency"], rows["recency"], rows["T"], rows["weight"], modified=modified)
    point, step = BGNBD_POINTS[1], 1e-6
    _, gradient = objective(point)
    numeric = [(objective(point + step * e)[0] - objective(point - step * e)[0]) / (2 * step) for e in np.eye(4)]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(("modified", "cls"), [(False, BetaGeoFitter), (True, ModifiedBetaGeoFitter)])
def test_bgnbd_fit_equals_lifetimes_weighted_fit(summary, modified, cls):
    rows = compress_rfm(summary)
    ours = fit_bgnbd(rows["frequency"], rows["recency"], rows["T"], rows["weight"], modified=modified)
    theirs = cls().fit(rows["frequency"], rows["recency"], rows["T"], weights=rows["weight"])
    for name, value in ours.items():
        assert value == pytest.approx(theirs.params_[name], rel=1e-5), name


def test_pareto_fit_agrees_with_lifetimes_nelder_mead_and_is_no_worse(summary):
    rows = compress_rfm(summary)
    data = (rows["frequency"], rows["recency"], rows["T"])
    ours = fit_pareto_nbd(*data, rows["weight"])
    theirs = ParetoNBDFitter().fit(*data, weights=rows["weight"], initial_params=np.ones(4))
    theirs = {name: float(theirs.params_[name]) for name in ours}
    for name, value in ours.items():
        assert value == pytest.approx(theirs[name], rel=2e-3), name  # Nelder-Mead stops at tol 1e-4
    # both are lifetimes' likelihood: L-BFGS-B's optimum is at least as high as Nelder-Mead's
    assert log_likelihood("pareto", ours, *data, rows["weight"]) >= log_likelihood("pareto", theirs, *data, rows["weight"]) - 1e-6


def test_gamma_gamma_fit_equals_lifetimes(summary):
    repeat = summary.loc[summary["frequency"] > 0]
    ours = fit_gamma_gamma(repeat["frequency"], repeat["monetary_value"])
    theirs = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    for name, value in ours.items():
        assert value == pytest.approx(theirs.params_[name], rel=1e-5), name


def test_recovers_gamma_gamma_parameters_from_simulated_spend():
    rng = np.random.default_rng(7)
    x = rng.integers(1, 12, 40_000)
    nu = rng.gamma(5.0, 1 / 120.0, len(x))  # q = 5, v = 120
    m = rng.gamma(3.0 * x, 1 / (nu * x))  # p = 3
    fit = fit_gamma_gamma(x, m)
    assert fit["p"] == pytest.approx(3.0, rel=0.05)
    assert fit["q"] == pytest.approx(5.0, rel=0.1)
    assert fit["v"] == pytest.approx(120.0, rel=0.15)


def test_a_failed_optimisation_is_a_convergence_error():
    # one repeat buyer among 51: the likelihood has no interior maximum (lifetimes fails here too)
    with pytest.raises(ConvergenceError, match="did not converge"):
        fit_bgnbd([1.0] + [0.0] * 50, [3.0] + [0.0] * 50, [100.0] * 51)
    assert fit_bgnbd([1.0] + [0.0] * 50, [3.0] + [0.0] * 50, [100.0] * 51, penalizer=0.1)["r"] > 0


def test_impossible_summaries_are_rejected_like_lifetimes():
    with pytest.raises(ValueError, match="larger than T"):
        fit_bgnbd([1.0, 2.0], [5.0, 9.0], [6.0, 8.0])
    with pytest.raises(ValueError, match="non-positive"):
        fit_gamma_gamma([1.0, 2.0], [10.0, 0.0])



def _steady_subscribers(seed=0, n=300):
    """Customers paying every ~4.3 weeks, most up to today: a likelihood with flat ridges."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(20, 80, n)
    return np.round(T / 4.3), np.where(rng.random(n) < 0.9, T, 0.6 * T), T


def test_pareto_nelder_mead_finishes_when_lbfgsb_gives_up(monkeypatch):
    frequency, recency, T = _steady_subscribers()
    methods = []
    original = likelihood._optimise

    def recording(objective, x0, **options):
        result = original(objective, x0, **options)
        methods.append((options["method"], bool(result.success)))
        return result

    monkeypatch.setattr(likelihood, "_optimise", recording)
    ours = fit_pareto_nbd(frequency, recency, T)
    assert methods == [("L-BFGS-B", False), ("Nelder-Mead", True)]
    theirs = ParetoNBDFitter().fit(frequency, recency, T, initial_params=np.ones(4))
    theirs = {name: float(theirs.params_[name]) for name in ours}
    # no penalizer needed, and at least as likely as lifetimes' own Nelder-Mead
    assert log_likelihood("pareto", ours, frequency, recency, T) >= log_likelihood("pareto", theirs, frequency, recency, T) - 1e-6


def test_gamma_gamma_estimate_does_not_flip_with_one_ulp_of_spend(summary):
    """BFGS may report 'precision loss' at the optimum depending on the last bit of the data; the
    estimate must not change (it did: a penalised refit with p 12.0, q 1.38 instead of 5.34, 4.04)."""
    repeat = summary.loc[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    base = fit_gamma_gamma(repeat["frequency"], repeat["monetary_value"])
    rng = np.random.default_rng(0)
    for _ in range(4):
        spend = repeat["monetary_value"].to_numpy().copy()
        bump = rng.random(len(spend)) < 0.2
        spend[bump] = np.nextafter(spend[bump], np.inf)
        perturbed = fit_gamma_gamma(repeat["frequency"], spend)
        for name, value in base.items():
            assert perturbed[name] == pytest.approx(value, rel=1e-4), name


PARETO_POINTS = [np.array([0.55, 0.3, 0.6, 0.9]),  # alpha < beta: hyp2f1's b is r + x, per row
                 np.array([1.5, 2.0, 0.8, 0.4]),  # alpha > beta: b is s + 1
                 np.array([1.1, 1.1, 1.1, 1.1])]  # alpha = beta: z = 0


@pytest.mark.parametrize("week", [False, True])
def test_pareto_terms_once_per_distinct_pair_are_lifetimes_bit_for_bit(summary, week):
    """log A_0 and the objective, their hypergeometric terms evaluated once per distinct (x, t_x) and
    (x, T), equal lifetimes' row-by-row evaluation to the last bit, on the sample's customers in days
    and in weeks (fewer distinct pairs)."""
    unit = 7.0 if week else 1.0
    f = summary["frequency"].to_numpy().astype(int)
    r, t = summary["recency"].to_numpy() / unit, summary["T"].to_numpy() / unit
    r, t = r / t.max(), t / t.max()
    pairs = likelihood.ParetoPairs(f, r, t)
    assert len(pairs.recency_rows) < len(f) / 1.5 and len(pairs.age_rows) < len(f)  # shared pairs: the shortcut matters
    w = np.arange(len(f)) % 3 + 1.0
    for params in PARETO_POINTS:
        theirs = ParetoNBDFitter._log_A_0(params, f, r, t)
        assert np.array_equal(likelihood.pareto_nbd_log_A_0(params, f, r, t), theirs)
        assert np.array_equal(likelihood.pareto_nbd_log_A_0(params, f, r, t, pairs=pairs), theirs)
        assert likelihood.pareto_nbd_negative_log_likelihood(params, f, r, t, w, 0.01, pairs=pairs) == \
            ParetoNBDFitter._negative_log_likelihood(params, f, r, t, w, 0.01)
    # one customer's scalars and one age for every row are evaluated as lifetimes does too
    assert likelihood.pareto_nbd_log_A_0(PARETO_POINTS[0], 2, 0.4, 0.9) == ParetoNBDFitter._log_A_0(PARETO_POINTS[0], 2, 0.4, 0.9)
    assert np.array_equal(likelihood.pareto_nbd_log_A_0(PARETO_POINTS[1], f, r, 1.0),
                          ParetoNBDFitter._log_A_0(PARETO_POINTS[1], f, r, 1.0))


def test_pareto_fit_is_the_fit_on_lifetimes_row_by_row_likelihood(summary, monkeypatch):
    """The estimates are bit for bit those of the same optimiser on lifetimes' own log A_0."""
    rows = compress_rfm(summary)
    data = (rows["frequency"], rows["recency"], rows["T"], rows["weight"])
    ours = fit_pareto_nbd(*data)
    monkeypatch.setattr(likelihood, "pareto_nbd_log_A_0",
                        lambda params, freq, recency, age, pairs=None: ParetoNBDFitter._log_A_0(params, freq, recency, age))
    assert fit_pareto_nbd(*data) == ours
