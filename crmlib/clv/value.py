"""Customer lifetime value per customer: the scoring entry point other notebooks reuse.

``score_customers(summary, ...)`` fits a purchase model and the
Gamma-Gamma spend model, and returns one row per customer with P(alive), expected purchases
and expected spend over the horizon, discounted CLV and its decile. The discounting is
lifetimes' (:meth:`crmlib.clv.estimators.PurchaseModel.discounted_expected_purchases`: monthly
steps of 30 days, or 4.345 weeks, each step's expected purchases discounted at the monthly
rate), evaluated once per unique (frequency, recency, T) row with a unit spend and then
multiplied by each customer's expected spend and the margin — the same numbers as lifetimes'
``customer_lifetime_value``, much faster on big data.

The functions are pure: notebooks share one fit through the Workbook's cache,
``fit = wb.cached(fit_clv, wb.summary("W"), model, time_unit="W")`` and then
``predict_customers(fit, wb.summary("W"), ...)``.

Example
-------
>>> from crmlib.notebook import Workbook                      # doctest: +SKIP
>>> wb = Workbook.open("data/sample")                          # doctest: +SKIP
>>> scores = score_customers(wb.summary())                     # doctest: +SKIP
>>> scores[["p_alive", "expected_purchases", "clv", "clv_decile"]].head()     # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlib.clv.estimators import MONTH_IN_UNITS
from crmlib.clv.models import (
    PurchaseFit,
    SpendFit,
    check_summary,
    compress_rfm,
    fit_spend_model,
)
from crmlib.clv.uncertainty import purchase_uncertainty, spend_uncertainty
from crmlib.clv.usable import fit_usable_purchase_model
from crmlib.errors import DataError
from crmlib.settings import DEFAULTS

SCORE_COLUMNS = ["frequency", "recency", "T", "monetary", "p_alive", "expected_purchases",
                 "expected_avg_spend", "clv", "clv_decile"]


def monthly_rate(annual_discount_rate: float) -> float:
    """Monthly discount rate equivalent to an annual one: (1 + annual)^(1/12) − 1.

    Parameters
    ----------
    annual_discount_rate : float
        Yearly rate as a fraction (0.10 is 10 %); outside (−1, 10) raises a DataError.

    Returns
    -------
    float
        The monthly rate as a fraction.

    >>> round(monthly_rate(0.10), 6)
    0.007974
    """
    if not -1 < annual_discount_rate < 10:
        raise DataError(f"annual discount rate {annual_discount_rate} is out of range",
                        hint="Give it as a fraction, e.g. 0.10 for 10 % a year.")
    return (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0


@dataclass
class CLVFit:
    """A purchase model and the Gamma-Gamma spend model fitted on the same summary."""

    purchase: PurchaseFit
    spend: SpendFit
    rejected: list = field(default_factory=list)  # crmlib.clv.usable.Rejection of models passed over

    def to_dict(self) -> dict:
        """Both fits and the rejected models as a JSON-ready dict.

        Returns
        -------
        dict
            ``purchase_model``, ``spend_model`` (their ``to_dict``), ``rejected_models`` (a list).
        """
        return {"purchase_model": self.purchase.to_dict(), "spend_model": self.spend.to_dict(),
                "rejected_models": [r.to_dict() for r in self.rejected]}


def fit_clv(summary: pd.DataFrame, model: str = "bgnbd", *, time_unit: str = "D",
            penalizer: float = 0.0) -> CLVFit:
    """Fit the purchase ``model`` and Gamma-Gamma on ``summary``, never keeping an unusable purchase fit.

    Both fits carry ``uncertainty`` (standard errors and 95 % intervals from the likelihood's
    Hessian, :mod:`crmlib.clv.uncertainty`). A degenerate purchase fit, or one without finite
    predictions for every customer, is rejected (:mod:`crmlib.clv.usable`); BG/NBD, then BG/NBD with a penalizer, is used instead
    and the rejections are in ``CLVFit.rejected``.

    Parameters
    ----------
    summary : DataFrame
        The per-customer summary in ``time_unit`` (``frequency``, ``recency``, ``T``, ``monetary_value``).
    model : str, optional
        Purchase model: ``"bgnbd"`` (default), ``"mbgnbd"`` or ``"pareto"`` (or several,
        comma-separated, in order of preference).
    time_unit : {"D", "W"}, optional
        The unit the summary was built with; default ``"D"``.
    penalizer : float, optional
        L2 penalty on the models' parameters; default 0 (maximum likelihood).

    Returns
    -------
    CLVFit
        The fitted purchase and spend models.
    """
    check_summary(summary, ("frequency", "recency", "T", "monetary_value"))
    purchase, rejected = fit_usable_purchase_model(summary, model, time_unit=time_unit, penalizer=penalizer)
    spend = fit_spend_model(summary, penalizer=penalizer)
    purchase.uncertainty = purchase_uncertainty(purchase, summary)
    spend.uncertainty = spend_uncertainty(spend, summary)
    return CLVFit(purchase=purchase, spend=spend, rejected=rejected)


def discounted_purchases(fit: PurchaseFit, summary: pd.DataFrame, horizon_months: int,
                         annual_discount_rate: float) -> pd.Series:
    """Σ over the horizon's months of expected purchases discounted to today, per customer.

    Parameters
    ----------
    fit : PurchaseFit
        A fitted purchase model (its ``time_unit`` must be ``"D"`` or ``"W"``).
    summary : frame
        Per-customer summary with ``frequency``, ``recency`` and ``T`` in the fit's time unit.
    horizon_months : int
        Horizon in months (30 days or 4.345 weeks each).
    annual_discount_rate : float
        Yearly discount rate as a fraction (0.10 is 10 %), applied monthly.

    Returns
    -------
    Series
        ``discounted_purchases`` on the summary's index.
    """
    unit = fit.time_unit
    if unit not in MONTH_IN_UNITS:
        raise DataError(f"unknown time unit {unit!r}", hint="Use 'D' or 'W'.")
    rows = compress_rfm(summary)
    rows["discounted"] = fit.estimator().discounted_expected_purchases(
        rows["frequency"], rows["recency"], rows["T"], months=int(horizon_months),
        monthly_discount_rate=monthly_rate(annual_discount_rate))
    keyed = summary[["frequency", "recency", "T"]].merge(rows, on=["frequency", "recency", "T"], how="left")
    return pd.Series(keyed["discounted"].to_numpy(), index=summary.index, name="discounted_purchases")


def value_deciles(values: pd.Series) -> pd.Series:
    """Decile of each value: 1 = the 10 % most valuable customers, 10 = the least (ties by order).

    Parameters
    ----------
    values : Series
        A value per customer, e.g. ``clv``.

    Returns
    -------
    Series
        ``decile`` (int, 1 to 10) on the index of ``values``.

    >>> value_deciles(pd.Series([5.0, 1.0, 3.0, 9.0, 7.0])).tolist()
    [6, 10, 8, 2, 4]
    """
    n = len(values)
    if n == 0:
        return pd.Series([], dtype="int64", index=values.index, name="decile")
    rank = values.rank(method="first", ascending=False).to_numpy()
    decile = np.ceil(rank / n * 10).astype(np.int64)
    return pd.Series(np.clip(decile, 1, 10), index=values.index, name="decile")


def value_concentration(values: pd.Series, shares=(0.1, 0.2)) -> dict[str, float]:
    """Share of the total value held by the top ``shares`` of customers.

    Parameters
    ----------
    values : Series
        A value per customer, e.g. ``clv``.
    shares : sequence of float, optional
        Top shares of customers (fractions); default ``(0.1, 0.2)``.

    Returns
    -------
    dict of str to float
        ``top_<pct>pct`` -> share of the total value; NaN when the total is not positive.

    >>> value_concentration(pd.Series([60.0, 20, 10, 5, 5, 0, 0, 0, 0, 0]))
    {'top_10pct': 0.6, 'top_20pct': 0.8}
    """
    ordered = np.sort(values.to_numpy(dtype=float))[::-1]
    total = ordered.sum()
    result = {}
    for share in shares:
        k = max(1, int(np.ceil(share * len(ordered)))) if len(ordered) else 0
        key = f"top_{round(share * 100)}pct"
        result[key] = float(ordered[:k].sum() / total) if total > 0 else float("nan")
    return result


def lorenz_curve(values: pd.Series, points: int = 101) -> pd.DataFrame:
    """Cumulative share of value held by the top x share of customers (for a concentration chart).

    Parameters
    ----------
    values : Series
        A value per customer, e.g. ``clv``.
    points : int, optional
        Number of evenly spaced customer shares from 0 to 1; default 101.

    Returns
    -------
    frame
        Range index; ``customer_share`` and ``value_share``, both from 0 to 1.
    """
    ordered = np.sort(values.to_numpy(dtype=float))[::-1]
    cumulative = np.r_[0.0, np.cumsum(ordered)] / max(ordered.sum(), 1e-12)
    customer_share = np.linspace(0, 1, points)
    index = np.round(customer_share * len(ordered)).astype(int)
    return pd.DataFrame({"customer_share": customer_share, "value_share": cumulative[index]})


def predict_customers(fit: CLVFit, summary: pd.DataFrame, *, horizon_months: int = DEFAULTS.horizon_months,
                      annual_discount_rate: float = DEFAULTS.annual_discount_rate,
                      margin: float = DEFAULTS.margin) -> pd.DataFrame:
    """Per-customer P(alive), expected purchases and spend, CLV and decile from a fitted model.

    ``margin`` is the share of revenue that is profit (1.0 = CLV in revenue). ``clv`` is
    Σ_months expected purchases × expected average spend × margin, discounted monthly at the
    equivalent of ``annual_discount_rate``.

    Parameters
    ----------
    fit : CLVFit
        Fitted purchase and spend models (from :func:`fit_clv`).
    summary : frame
        Per-customer summary in the fit's time unit (``frequency``, ``recency``, ``T``,
        ``monetary_value``).
    horizon_months : int, optional
        CLV horizon in months, at least 1; default ``DEFAULTS.horizon_months`` (12).
    annual_discount_rate : float, optional
        Yearly discount rate as a fraction; default ``DEFAULTS.annual_discount_rate`` (0.10).
    margin : float, optional
        Profit share of revenue, in (0, 1]; default ``DEFAULTS.margin`` (1.0, CLV in revenue).

    Returns
    -------
    frame
        Indexed by ``customer_id``; ``SCORE_COLUMNS`` (``p_alive``, ``expected_purchases``,
        ``expected_avg_spend``, ``clv``, ``clv_decile`` …).
    """
    check_summary(summary, ("frequency", "recency", "T", "monetary_value"))
    if horizon_months < 1:
        raise DataError(f"horizon of {horizon_months} months", hint="Use a horizon of at least 1 month.")
    if not 0 < margin <= 1:
        raise DataError(f"margin {margin} is not a share of revenue", hint="Use a value in (0, 1], e.g. 0.3 for 30 %.")
    purchase = fit.purchase.estimator()
    f = summary["frequency"].to_numpy(dtype=float)
    r = summary["recency"].to_numpy(dtype=float)
    t = summary["T"].to_numpy(dtype=float)
    m = summary["monetary_value"].to_numpy(dtype=float)
    horizon = horizon_months * MONTH_IN_UNITS[fit.purchase.time_unit]
    with np.errstate(all="ignore"):
        p_alive = np.asarray(purchase.conditional_probability_alive(f, r, t), dtype=float)
        expected = np.asarray(purchase.conditional_expected_number_of_purchases_up_to_time(horizon, f, r, t), dtype=float)
        spend = np.asarray(fit.spend.estimator().conditional_expected_average_profit(f, np.maximum(m, 0.0)), dtype=float)
        discounted = discounted_purchases(fit.purchase, summary, horizon_months, annual_discount_rate).to_numpy()
    clv = discounted * spend * margin
    broken = ~(np.isfinite(p_alive) & np.isfinite(expected) & np.isfinite(clv))
    if broken.any():
        examples = ", ".join(f"{c} (frequency {x:g}, recency {y:g}, T {z:g})"
                             for c, x, y, z in zip(summary.index[broken][:3], f[broken][:3], r[broken][:3], t[broken][:3], strict=True))
        raise DataError(f"{fit.purchase.label} with {fit.purchase.params} gives no finite prediction for "
                        f"{int(broken.sum())} customers, e.g. {examples}",
                        hint="Choose another purchase model (models parameter), e.g. bgnbd.")
    out = pd.DataFrame({
        "frequency": f, "recency": r, "T": t, "monetary": m,
        "p_alive": np.clip(p_alive, 0.0, 1.0), "expected_purchases": expected,
        "expected_avg_spend": spend, "clv": clv,
    }, index=summary.index.rename("customer_id"))
    out["clv_decile"] = value_deciles(out["clv"])
    return out


def score_customers(summary: pd.DataFrame, *, model: str = "bgnbd", time_unit: str = "D",
                    horizon_months: int = DEFAULTS.horizon_months,
                    annual_discount_rate: float = DEFAULTS.annual_discount_rate, margin: float = DEFAULTS.margin,
                    penalizer: float = 0.0) -> pd.DataFrame:
    """Fit and score: the one entry point for CLV per customer (:func:`fit_clv`, then
    :func:`predict_customers`).

    Parameters
    ----------
    summary : frame
        The per-customer summary (``crmlib.scans.summary.customer_summary`` /
        ``wb.summary(time_unit)``) in ``time_unit``; index ``customer_id``.
    model : {"bgnbd", "mbgnbd", "pareto"}, optional
        Purchase model; default ``"bgnbd"`` (several, comma-separated, are tried in order).
    time_unit : {"D", "W"}, optional
        Must be the unit the summary was built with; default ``"D"``.
    horizon_months : int, optional
        CLV horizon in months (30 days / 4.345 weeks, lifetimes' convention); default 12.
    annual_discount_rate : float, optional
        Yearly discount rate, e.g. 0.10 (the default) for 10 % a year.
    margin : float, optional
        Profit share of revenue; default 1.0 (revenue CLV).
    penalizer : float, optional
        L2 penalty on the models' parameters; default 0 (maximum likelihood).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` with ``SCORE_COLUMNS``; ``attrs["clv_fit"]`` holds the
        fitted models as a plain dict (parameters, log-likelihood, fallbacks used).

    Example
    -------
    >>> import pandas as pd
    >>> from crmlib.data.sample import SampleParameters, generate_sample
    >>> from crmlib.scans.summary import customer_summary
    >>> tables, _ = generate_sample(SampleParameters(n_customers=600, seed=3))
    >>> tx = tables["transactions"].query("amount > 0 and customer_id != ''")
    >>> scores = score_customers(customer_summary(tx, "2024-12-31"))
    >>> list(scores.columns) == SCORE_COLUMNS and bool(scores["p_alive"].between(0, 1).all())
    True
    """
    fit = fit_clv(summary, model, time_unit=time_unit, penalizer=penalizer)
    scores = predict_customers(fit, summary, horizon_months=horizon_months,
                               annual_discount_rate=annual_discount_rate, margin=margin)
    scores.attrs["clv_fit"] = fit.to_dict()
    return scores
