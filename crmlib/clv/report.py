"""Facts the CLV notebook states in sentences, and the ``clv_model.json`` export.

Example
-------
>>> import pandas as pd
>>> scores = pd.DataFrame({"frequency": [0.0, 0.0, 3.0], "p_alive": [1.0, 1.0, 0.4],
...                        "expected_purchases": [0.2, 0.4, 1.2], "clv": [10.0, 20.0, 70.0]})
>>> one_time_buyers(scores)["share_of_customers"], one_time_buyers(scores)["share_of_clv"]
(0.6666666666666666, 0.3)
"""

from __future__ import annotations

import pandas as pd

from crmlib.clv.value import CLVFit, value_concentration
from crmlib.lang import translator

EXPORT_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary", "p_alive", "expected_purchases",
                  "expected_avg_spend", "clv", "clv_decile"]


def one_time_buyers(scores: pd.DataFrame) -> dict[str, float]:
    """How many customers never bought again, and what the model says about them.

    Parameters
    ----------
    scores : frame
        Per-customer scores with ``frequency``, ``p_alive``, ``expected_purchases`` and ``clv``.

    Returns
    -------
    dict of str to float
        ``customers``, ``share_of_customers``, mean ``p_alive`` and expected purchases of one-time
        and repeat buyers, and ``share_of_clv``; NaN where undefined.
    """
    once = scores["frequency"] == 0
    total_clv = scores["clv"].sum()
    return {
        "customers": int(once.sum()),
        "share_of_customers": float(once.mean()) if len(scores) else float("nan"),
        "mean_p_alive": float(scores.loc[once, "p_alive"].mean()) if once.any() else float("nan"),
        "mean_p_alive_repeat": float(scores.loc[~once, "p_alive"].mean()) if (~once).any() else float("nan"),
        "mean_expected_purchases": float(scores.loc[once, "expected_purchases"].mean()) if once.any() else float("nan"),
        "mean_expected_purchases_repeat": float(scores.loc[~once, "expected_purchases"].mean()) if (~once).any() else float("nan"),
        "share_of_clv": float(scores.loc[once, "clv"].sum() / total_clv) if total_clv > 0 else float("nan"),
    }


def value_sentence(worth: pd.DataFrame, *, basis: str, currency: str, horizon_months: int,
                   annual_discount_rate: float, margin: float, lang: str = "en") -> str:
    """What the customers are worth: total, median, mean and the top 10 % / 20 % shares of ``worth["clv"]``.

    ``worth`` is :func:`crmlib.profit.customer_value` (with ``revenue_clv`` when ``basis`` is
    ``"profit"``) or :func:`crmlib.clv.predict_customers`; on profit the sentence says so and
    gives the revenue beside it, and says when there is no profit to share out.

    Parameters
    ----------
    worth : frame
        One row per customer with ``clv`` (and ``revenue_clv`` when ``basis`` is ``"profit"``).
    basis : str
        ``"profit"`` for CLV on profit; any other value reads ``clv`` as revenue.
    currency : str
        Currency code written after the amounts, e.g. ``"CNY"``.
    horizon_months : int
        CLV horizon in months, quoted in the sentence.
    annual_discount_rate : float
        Yearly discount rate as a fraction, quoted as a percentage.
    margin : float
        Profit share of revenue, quoted on the revenue basis only.
    lang : {"en", "zh"}, optional
        Language of the sentence; default ``"en"``.

    Returns
    -------
    str
        The sentences (Markdown).

    >>> worth = pd.DataFrame({"clv": [60.0, 30.0, 10.0], "revenue_clv": [200.0, 100.0, 50.0]})
    >>> value_sentence(worth, basis="profit", currency="CNY", horizon_months=12, annual_discount_rate=0.1,
    ...                margin=1.0)[:96]
    'Over the next 12 months the 3 customers are expected to bring 100 CNY of **profit** (discounted '
    """
    _ = translator(lang)
    values = worth["clv"]
    concentration = value_concentration(values)
    facts = {"horizon_months": horizon_months, "n_scores": len(worth), "clv_sum": values.sum(), "currency": currency,
             "annual_discount_rate": annual_discount_rate, "clv_median": values.median(), "clv_mean": values.mean(),
             **concentration}
    if basis != "profit":
        return _("Over the next {horizon_months} months the {n_scores:,} customers are expected to bring "
                 "{clv_sum:,.0f} {currency} (discounted at {annual_discount_rate:.0%} a year, margin {margin:.0%});"
                 " the median customer {clv_median:,.0f}, the mean {clv_mean:,.0f}. The top 10 % of customers hold "
                 "{top_10pct:.0%} of that value and the top 20 % hold {top_20pct:.0%}.").format(margin=margin, **facts)
    facts["revenue_sum"] = worth["revenue_clv"].sum()
    if values.sum() <= 0:
        return _("Over the next {horizon_months} months the {n_scores:,} customers are expected to bring "
                 "{clv_sum:,.0f} {currency} of profit on {revenue_sum:,.0f} {currency} of revenue: there is no "
                 "profit to share out, so its concentration is not shown.").format(**facts)
    return _("Over the next {horizon_months} months the {n_scores:,} customers are expected to bring "
             "{clv_sum:,.0f} {currency} of **profit** (discounted at {annual_discount_rate:.0%} a year; each "
             "customer's own gross margin less their cost to serve) on {revenue_sum:,.0f} {currency} of revenue; "
             "the median customer {clv_median:,.0f}, the mean {clv_mean:,.0f}. The top 10 % of customers hold "
             "{top_10pct:.0%} of that profit and the top 20 % hold {top_20pct:.0%}.").format(**facts)


INTERVAL_COLUMNS = ["clv_low", "clv_high"]  # 95 % interval of clv (crmlib.clv.uncertainty), when computed


def export_frame(scores: pd.DataFrame) -> pd.DataFrame:
    """The ``clv.csv`` columns in their public order (customer_id as a column), the interval after ``clv``,
    and ``profit_clv`` last when the scores have it (CLV on profit, :func:`crmlib.profit.customer_value`).

    Parameters
    ----------
    scores : frame
        Per-customer scores indexed by customer with ``SCORE_COLUMNS`` (and optional intervals).

    Returns
    -------
    frame
        Range index; ``EXPORT_COLUMNS``, ``clv_low``/``clv_high`` when present, ``profit_clv``.
    """
    columns = list(EXPORT_COLUMNS)
    if all(c in scores.columns for c in INTERVAL_COLUMNS):
        columns[columns.index("clv") + 1:columns.index("clv") + 1] = INTERVAL_COLUMNS
    if "profit_clv" in scores.columns:
        columns.append("profit_clv")
    return scores.reset_index().rename(columns={"index": "customer_id"})[columns]


def parameter_table(fit: CLVFit) -> pd.DataFrame:
    """Every fitted parameter with its standard error and 95 % interval, and each model's log-likelihood.

    Parameters
    ----------
    fit : CLVFit
        The fitted purchase and spend models.

    Returns
    -------
    frame
        Range index; ``model``, ``parameter``, ``estimate``, ``standard_error``, ``ci95_low``,
        ``ci95_high`` (None where not computed), a ``log-likelihood`` row per model.

    >>> from crmlib.clv.models import PurchaseFit, SpendFit
    >>> purchase = PurchaseFit("bgnbd", {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}, -9582.4, 2357, 900, "W")
    >>> spend = SpendFit({"p": 6.2, "q": 3.7, "v": 15.4}, -4000.0, 946, 0, 0.1)
    >>> parameter_table(CLVFit(purchase, spend))[["model", "parameter", "estimate"]].iloc[[0, 4]].values.tolist()
    [['BG/NBD', 'r', 0.24], ['BG/NBD', 'log-likelihood', -9582.4]]
    """
    rows = []
    for fitted in (fit.purchase.to_dict(), fit.spend.to_dict()):
        se, ci = fitted.get("standard_errors") or {}, fitted.get("ci95") or {}
        for name, value in fitted["params"].items():
            low, high = ci.get(name, (None, None))
            rows.append({"model": fitted["label"], "parameter": name, "estimate": value,
                         "standard_error": se.get(name), "ci95_low": low, "ci95_high": high})
        rows.append({"model": fitted["label"], "parameter": "log-likelihood", "estimate": fitted["log_likelihood"],
                     "standard_error": None, "ci95_low": None, "ci95_high": None})
    return pd.DataFrame(rows)


def decile_intervals(scores: pd.DataFrame, intervals: dict) -> pd.DataFrame:
    """CLV by decile (1 = the top 10 %) with the 95 % interval of each decile's total.

    Parameters
    ----------
    scores : frame
        Per-customer scores with ``clv`` and ``clv_decile``.
    intervals : dict
        The second value of :func:`crmlib.clv.uncertainty.clv_intervals` (its ``by_decile``).

    Returns
    -------
    frame
        Range index; ``clv_decile``, ``customers``, ``clv`` (the total), ``clv_low``, ``clv_high``.
    """
    grouped = scores.groupby("clv_decile").agg(customers=("clv", "size"), clv=("clv", "sum")).reset_index()
    bounds = intervals.get("by_decile") or {}
    grouped["clv_low"] = [bounds.get(int(d), [None, None])[0] for d in grouped["clv_decile"]]
    grouped["clv_high"] = [bounds.get(int(d), [None, None])[1] for d in grouped["clv_decile"]]
    return grouped


def model_report(fit: CLVFit, *, settings: dict, validation: dict | None = None,
                 scores: pd.DataFrame | None = None, intervals: dict | None = None) -> dict:
    """The ``clv_model.json`` content: chosen model, all fits, holdout metrics, fallbacks used.

    Parameters
    ----------
    fit : CLVFit
        The final fit on all data.
    settings : dict
        The analysis settings, written as they are.
    validation : dict, optional
        ``HoldoutResult.to_dict()``; default None (no holdout validation).
    scores : frame, optional
        Per-customer scores, for the ``summary`` block; default None leaves it out.
    intervals : dict, optional
        Totals and decile intervals from :func:`crmlib.clv.uncertainty.clv_intervals`; default None.

    Returns
    -------
    dict
        ``chosen_model``, ``settings``, ``units``, ``final_fit``, ``holdout_validation``,
        ``fallbacks_used``, ``warnings`` (and ``summary`` when ``scores`` is given).
    """
    fallbacks = [f for f in (fit.purchase.fallback, fit.spend.fallback) if f]
    if validation:
        fallbacks += [f["fallback"] for f in validation.get("fits", {}).values() if f.get("fallback")]
    report = {
        "chosen_model": fit.purchase.model,
        "chosen_model_label": fit.purchase.label,
        "settings": settings,
        "units": {"time_unit": fit.purchase.time_unit, "horizon": "months of 30 days (or 4.345 weeks)",
                  "clv": "currency of the dataset, discounted to the analysis date",
                  "p_alive": "probability 0-1", "alpha_beta": f"per {fit.purchase.time_unit} (D = day, W = week)"},
        "final_fit": fit.to_dict(),
        "holdout_validation": validation,
        "fallbacks_used": fallbacks,
        "warnings": [w for w in [fit.purchase.warning, *fit.spend.notes] if w],
    }
    if scores is not None:
        report["summary"] = {
            "customers": len(scores),
            "total_clv": float(scores["clv"].sum()),
            "mean_clv": float(scores["clv"].mean()),
            "mean_p_alive": float(scores["p_alive"].mean()),
            "expected_purchases_total": float(scores["expected_purchases"].sum()),
            "concentration": value_concentration(scores["clv"]),
            "one_time_buyers": one_time_buyers(scores),
            "clv_quantiles": {str(q): float(v) for q, v in scores["clv"].quantile([0.5, 0.9, 0.99]).items()},
        }
        if intervals is not None:
            report["summary"]["total_clv_ci95"] = intervals["total"]
            report["summary"]["clv_by_decile_ci95"] = {str(k): v for k, v in intervals["by_decile"].items()}
            report["summary"]["intervals_cover"] = intervals["covers"]
        if "profit_clv" in scores:  # CLV on profit (crmlib.profit.customer_value), the value the workbook uses
            on_profit = scores["profit_clv"]
            report["summary"]["profit"] = {
                "total_profit_clv": float(on_profit.sum()), "mean_profit_clv": float(on_profit.mean()),
                "customers_expected_to_lose_money": int((on_profit < 0).sum()),
                "concentration": value_concentration(on_profit)}
    return report


__all__ = ["EXPORT_COLUMNS", "INTERVAL_COLUMNS", "decile_intervals", "parameter_table", "export_frame", "model_report", "one_time_buyers",
           "value_sentence"]
