"""How sure the CLV models are: parameter standard errors, 95 % intervals, and CLV intervals.

- :func:`purchase_uncertainty` / :func:`spend_uncertainty`: the covariance of the estimates
  from the numerical Hessian of the exact (unpenalized) negative log-likelihood in
  log-parameters — lifetimes' likelihoods (:mod:`crmlib.clv.likelihood`), the same objective the
  fits maximise. Standard errors follow by the delta method (SE(θ) = θ · SE(log θ)); 95 %
  intervals are exp(log θ ± 1.96 SE), so they stay positive. A Hessian that is not positive
  definite (a flat ridge) gives no intervals and says so.
- :func:`clv_intervals`: per-customer 95 % intervals of CLV by the delta method on log CLV
  over all seven parameters (purchase and spend model), and the same for the total and the
  totals by CLV decile. These intervals cover *parameter* uncertainty — how well the data pin
  the models down — not the randomness of which customer happens to buy next year.

The tests check the Hessian standard errors against a bootstrap of CDNOW customers and the
intervals' coverage on simulated BG/NBD data with known parameters.

Example
-------
>>> from crmlib.scans.summary import calibration_holdout_summary
>>> from crmlib.data.load import load_dataset
>>> from crmlib.clv.models import fit_purchase_model
>>> cal = calibration_holdout_summary(load_dataset("data/cdnow").transactions, "1997-09-30", "1998-06-30", "W")
>>> u = purchase_uncertainty(fit_purchase_model(cal, "bgnbd", time_unit="W"), cal)
>>> {k: round(v, 3) for k, v in u["standard_errors"].items()}
{'r': 0.013, 'alpha': 0.378, 'a': 0.186, 'b': 0.705}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.clv.likelihood import gamma_gamma_negative_log_likelihood
from crmlib.clv.models import PurchaseFit, SpendFit, compress_rfm, log_likelihood, parameter_names

Z_95 = 1.959963984540054
STEP = 1e-3  # finite-difference step in log-parameters


def _hessian(function, x: np.ndarray, step: float = STEP) -> np.ndarray:
    """Central-difference Hessian of ``function`` at ``x``."""
    n = len(x)
    hessian = np.empty((n, n))
    f0 = function(x)
    for i in range(n):  # a loop over parameters (4 at most), not over customers
        for j in range(i, n):
            if i == j:
                e = np.zeros(n)
                e[i] = step
                value = (function(x + e) - 2 * f0 + function(x - e)) / step**2
            else:
                ei, ej = np.zeros(n), np.zeros(n)
                ei[i], ej[j] = step, step
                value = (function(x + ei + ej) - function(x + ei - ej) - function(x - ei + ej)
                         + function(x - ei - ej)) / (4 * step**2)
            hessian[i, j] = hessian[j, i] = value
    return hessian


def _summarise(names, estimates: np.ndarray, hessian: np.ndarray) -> dict:
    """Covariance (log-parameters), standard errors and 95 % intervals from the Hessian of −ℓ."""
    try:
        eigen = np.linalg.eigvalsh(hessian)
        if not np.all(np.isfinite(hessian)) or eigen.min() <= 0:
            raise np.linalg.LinAlgError("not positive definite")
        covariance = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return {"standard_errors": None, "ci95": None, "log_covariance": None,
                "note": "the likelihood is flat in some direction at the estimates (Hessian not positive "
                        "definite), so no standard errors can be given"}
    se_log = np.sqrt(np.diag(covariance))
    return {
        "standard_errors": {n: float(p * s) for n, p, s in zip(names, estimates, se_log, strict=True)},
        "ci95": {n: [float(p * np.exp(-Z_95 * s)), float(p * np.exp(Z_95 * s))]
                 for n, p, s in zip(names, estimates, se_log, strict=True)},
        "log_covariance": covariance.tolist(),
        "note": None,
    }


def purchase_uncertainty(fit: PurchaseFit, summary: pd.DataFrame) -> dict:
    """Standard errors, 95 % intervals and the log-parameter covariance of a purchase fit on ``summary``.

    Parameters
    ----------
    fit : PurchaseFit
        The fitted purchase model.
    summary : frame
        The per-customer summary it was fitted on (``frequency``, ``recency``, ``T``).

    Returns
    -------
    dict
        ``standard_errors`` and ``ci95`` by parameter, ``log_covariance`` and ``note``; all but
        ``note`` are None when the Hessian is not positive definite.
    """
    names = list(parameter_names(fit.model))
    rows = compress_rfm(summary)
    data = (rows["frequency"], rows["recency"], rows["T"], rows["weight"])
    estimates = np.array([fit.params[n] for n in names])

    def negative(log_params):
        with np.errstate(all="ignore"):
            return -log_likelihood(fit.model, dict(zip(names, np.exp(log_params), strict=True)), *data)

    return _summarise(names, estimates, _hessian(negative, np.log(estimates)))


def spend_uncertainty(fit: SpendFit, summary: pd.DataFrame) -> dict:
    """The same for the Gamma-Gamma fit (on the repeat buyers with positive spend, as fitted).

    Parameters
    ----------
    fit : SpendFit
        The fitted Gamma-Gamma model.
    summary : frame
        The per-customer summary it was fitted on (``frequency``, ``monetary_value``).

    Returns
    -------
    dict
        ``standard_errors`` and ``ci95`` for ``p``, ``q``, ``v``, ``log_covariance`` and ``note``
        (as :func:`purchase_uncertainty`).
    """
    repeat = summary.loc[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    x, m = repeat["frequency"].to_numpy(dtype=float), repeat["monetary_value"].to_numpy(dtype=float)
    w = np.ones_like(x)
    names = ["p", "q", "v"]
    estimates = np.array([fit.params[n] for n in names])

    def negative(log_params):
        with np.errstate(all="ignore"):
            return gamma_gamma_negative_log_likelihood(log_params, x, m, w, 0.0) * len(x)

    return _summarise(names, estimates, _hessian(negative, np.log(estimates)))


def _discounted_rows(fit: PurchaseFit, rows: pd.DataFrame, horizon_months: int, annual_discount_rate: float) -> np.ndarray:
    """Discounted monthly expected purchases (lifetimes' CLV steps with unit spend, as
    ``PurchaseModel.discounted_expected_purchases``), all months in one vectorised prediction."""
    from crmlib.clv.value import MONTH_IN_UNITS, monthly_rate  # value imports this module

    month = MONTH_IN_UNITS[fit.time_unit]
    steps = np.arange(0, horizon_months + 1)
    n = len(rows)
    f, r, t = (np.tile(rows[c].to_numpy(dtype=float), len(steps)) for c in ("frequency", "recency", "T"))
    with np.errstate(all="ignore"):
        cumulative = np.asarray(fit.estimator().conditional_expected_number_of_purchases_up_to_time(
            np.repeat(steps * month, n), f, r, t), dtype=float).reshape(len(steps), n)
    cumulative[0] = 0.0
    discount = (1 + monthly_rate(annual_discount_rate)) ** steps[1:]
    return (np.diff(cumulative, axis=0) / discount[:, None]).sum(axis=0)


def _log_gradients(function, log_params: np.ndarray, step: float = STEP) -> np.ndarray:
    """Central differences of log(function) in each log-parameter: (n_params, n_values)."""
    rows = []
    for i in range(len(log_params)):  # a loop over parameters, each evaluation vectorised
        e = np.zeros(len(log_params))
        e[i] = step
        rows.append((np.log(function(log_params + e)) - np.log(function(log_params - e))) / (2 * step))
    return np.array(rows)


def _spend(params: np.ndarray, f: np.ndarray, m: np.ndarray) -> np.ndarray:
    p, q, v = params
    return (p * f * m + p * v) / (p * f + q - 1)  # Gamma-Gamma's conditional mean spend (Hardie note 025, eq. 5)


def clv_intervals(fit, summary: pd.DataFrame, scores: pd.DataFrame, *, horizon_months: int,
                  annual_discount_rate: float, margin: float) -> tuple[pd.DataFrame, dict]:
    """``clv_low``/``clv_high`` per customer and 95 % intervals of the total and of each CLV decile's total.

    The delta method on log CLV: log CLV = log(discounted expected purchases) + log(expected
    spend) + log(margin); its gradient in the seven log-parameters (finite differences) and the
    two fits' covariances (from their Hessians; the fits are separate, so the blocks are
    independent) give Var(log CLV), and the interval is CLV · exp(±1.96 SD). Totals use the
    gradient of the log of the sum. ``fit`` is a :class:`crmlib.clv.value.CLVFit` with
    ``uncertainty`` on both fits; ``scores`` the frame of :func:`crmlib.clv.value.predict_customers`.

    Parameters
    ----------
    fit : CLVFit
        Purchase and spend fits, each with ``uncertainty`` (its ``log_covariance``).
    summary : frame
        The per-customer summary scored (``frequency``, ``recency``, ``T``, ``monetary_value``).
    scores : frame
        Its scores with ``clv`` and ``clv_decile``, indexed by customer.
    horizon_months : int
        CLV horizon in months, as in the scores.
    annual_discount_rate : float
        Yearly discount rate as a fraction, as in the scores.
    margin : float
        Profit share of revenue, as in the scores; not used (``scores["clv"]`` already has it).

    Returns
    -------
    tuple of (frame, dict)
        The per-customer frame (index as ``summary``; ``clv_low``, ``clv_high``) and
        ``{"total": [low, high], "by_decile": {decile: [low, high]}, "covers": ...}``; without a
        covariance (or with q ≤ 1) the intervals are NaN and ``total`` is None.
    """
    names = list(parameter_names(fit.purchase.model))
    p_cov = (fit.purchase.uncertainty or {}).get("log_covariance")
    s_cov = (fit.spend.uncertainty or {}).get("log_covariance")
    rows = compress_rfm(summary)[["frequency", "recency", "T"]]
    position = summary[["frequency", "recency", "T"]].merge(rows.reset_index(), on=["frequency", "recency", "T"],
                                                             how="left")["index"].to_numpy()
    f = summary["frequency"].to_numpy(dtype=float)
    m = np.maximum(summary["monetary_value"].to_numpy(dtype=float), 0.0)
    clv = scores["clv"].reindex(summary.index).to_numpy(dtype=float)
    nan = np.full(len(summary), np.nan)
    if p_cov is None or s_cov is None or fit.spend.params["q"] <= 1:
        frame = pd.DataFrame({"clv_low": nan, "clv_high": nan}, index=summary.index)
        return frame, {"total": None, "by_decile": {}, "covers": None}

    def purchases(log_params):
        drawn = PurchaseFit(fit.purchase.model, dict(zip(names, np.exp(log_params), strict=True)), 0.0, 0, 0,
                            fit.purchase.time_unit)
        return _discounted_rows(drawn, rows, horizon_months, annual_discount_rate)

    with np.errstate(all="ignore"):
        g_p = _log_gradients(purchases, np.log([fit.purchase.params[k] for k in names]))[:, position]
        g_s = _log_gradients(lambda lp: _spend(np.exp(lp), f, m), np.log([fit.spend.params[k] for k in "pqv"]))
    p_cov, s_cov = np.asarray(p_cov), np.asarray(s_cov)

    def interval(weights: np.ndarray) -> tuple[float, float]:  # of Σ weights·clv, by its log-gradient
        total = float(weights @ clv)
        gp, gs = (g_p @ (weights * clv)) / total, (g_s @ (weights * clv)) / total
        sd = float(np.sqrt(gp @ p_cov @ gp + gs @ s_cov @ gs))
        return total * np.exp(-Z_95 * sd), total * np.exp(Z_95 * sd)

    sd = np.sqrt(np.einsum("ij,ik,kj->j", g_p, p_cov, g_p) + np.einsum("ij,ik,kj->j", g_s, s_cov, g_s))
    frame = pd.DataFrame({"clv_low": clv * np.exp(-Z_95 * sd), "clv_high": clv * np.exp(Z_95 * sd)},
                         index=summary.index)
    deciles = scores["clv_decile"].reindex(summary.index).to_numpy()
    by_decile = {int(d): [float(v) for v in interval((deciles == d).astype(float))] for d in np.unique(deciles)}
    return frame, {"total": [float(v) for v in interval(np.ones(len(clv)))], "by_decile": by_decile,
                   "covers": "parameter uncertainty of the purchase and spend models (delta method)"}


__all__ = ["clv_intervals", "purchase_uncertainty", "spend_uncertainty"]
