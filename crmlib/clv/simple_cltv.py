"""The simple formula CLTV: purchase frequency × average order value × expected lifespan.

This is the back-of-the-envelope CLTV of many CRM handbooks, kept here so the overview/KPI
notebook and the CLV notebook compute it the same way. With ``margin`` it is a profit CLTV.

- ``avg_order_value``: revenue / orders;
- ``purchase_frequency``: orders per year (orders per observed year; a customer is
  observed from the first purchase to the analysis date, at least ``churn_window_days`` so
  that new customers are not extrapolated from a few days);
- ``expected_lifespan_years`` = 1 / annual churn rate, capped at ``max_lifespan_years``. The
  churn rate starts from the share of customers old enough to tell (first purchase at least
  ``churn_window_days`` ago) who have not bought in the last ``churn_window_days``. With the
  default window of a year (365 days) that share is the annual churn rate; another window's
  share is taken to a year as if the same share were lost every window:
  ``1 - (1 - share) ** (365 / churn_window_days)`` (a 180-day share of 30 % is 51 % a year), so
  the lifespan stays in years whatever the window.

It is undiscounted, uses one lifespan for everybody and ignores whether a customer is
still active — reasons it differs from the model CLV of :mod:`crmlib.clv.value`.

Example
-------
>>> import pandas as pd
>>> s = pd.DataFrame({"first_purchase": pd.to_datetime(["2023-01-01", "2023-06-01", "2024-11-01"]),
...                   "last_purchase": pd.to_datetime(["2024-12-01", "2023-06-01", "2024-11-01"]),
...                   "n_orders": [6, 1, 1], "total_spend": [600.0, 50.0, 80.0],
...                   "days_since_last": [30, 579, 60]}, index=["a", "b", "c"])
>>> k = simple_cltv_summary(s)
>>> round(k["avg_order_value"], 2), round(k["annual_churn_rate"], 2), round(k["expected_lifespan_years"], 2)
(91.25, 0.5, 2.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.errors import DataError
from crmlib.lang import N_
from crmlib.readiness import NotEnoughData
from crmlib.settings import DEFAULTS

DAYS_PER_YEAR = 365.25
YEAR_WINDOW_DAYS = 365  # the lapse window whose share is the annual churn rate as it is (the default)
REQUIRED = ("first_purchase", "last_purchase", "n_orders", "total_spend", "days_since_last")


def _check(summary: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED if c not in summary.columns]
    if missing:
        raise DataError(f"the customer summary lacks {missing}",
                        hint="Pass the frame from crmlib.scans.summary.customer_summary (or wb.summary()).")
    if len(summary) == 0:
        raise DataError("the customer summary is empty", hint="Check analysis_date and the transactions file.")


def _observed_days(summary: pd.DataFrame) -> np.ndarray:
    span = (summary["last_purchase"] - summary["first_purchase"]).dt.days.to_numpy(dtype=float)
    return span + summary["days_since_last"].to_numpy(dtype=float)  # first purchase .. analysis date


def annual_churn_rate(summary: pd.DataFrame, churn_window_days: int = DEFAULTS.simple_cltv_lapse_days) -> float:
    """Annual churn rate from the customers acquired ≥ ``churn_window_days`` ago with no purchase in that window.

    The share lapsed in a 365-day window is the annual rate itself; a shorter or longer window's
    share ``s`` is converted to a year: ``1 - (1 - s) ** (365 / churn_window_days)``.

    Parameters
    ----------
    summary : frame
        Per-customer summary with ``first_purchase``, ``last_purchase``, ``n_orders``,
        ``total_spend`` and ``days_since_last``.
    churn_window_days : int, optional
        Days without a purchase that count as churned; default
        ``DEFAULTS.simple_cltv_lapse_days`` (365).

    Returns
    -------
    float
        The annual churn rate, a share from 0 to 1; NotEnoughData when no customer is old enough.
    """
    _check(summary)
    old_enough = _observed_days(summary) >= churn_window_days
    if not old_enough.any():
        raise NotEnoughData(
            N_("No customer's first purchase is {window:,} days or more before the analysis date, so the simple "
               "formula's yearly churn rate cannot be measured."),
            N_("A history of at least {window:,} days, or a shorter `simple_cltv_lapse_days`, would enable this."),
            window=churn_window_days)
    lapsed = summary["days_since_last"].to_numpy() > churn_window_days
    share = float(lapsed[old_enough].mean())
    if churn_window_days == YEAR_WINDOW_DAYS:
        return share
    return float(1.0 - (1.0 - share) ** (YEAR_WINDOW_DAYS / churn_window_days))


def simple_cltv_summary(summary: pd.DataFrame, *, churn_window_days: int = DEFAULTS.simple_cltv_lapse_days, margin: float = DEFAULTS.margin,
                        max_lifespan_years: float = 10.0) -> dict[str, float]:
    """Company-level simple CLTV and its three factors (plain dict, units in the keys' names).

    Parameters
    ----------
    summary : frame
        Per-customer summary with ``first_purchase``, ``last_purchase``, ``n_orders``,
        ``total_spend`` and ``days_since_last``.
    churn_window_days : int, optional
        Churn window in days, also the shortest observed span; default
        ``DEFAULTS.simple_cltv_lapse_days`` (365).
    margin : float, optional
        Profit share of revenue; default ``DEFAULTS.margin`` (1.0, CLTV in revenue).
    max_lifespan_years : float, optional
        Cap on the expected lifespan, also used when nobody churned; default 10.

    Returns
    -------
    dict of str to float
        ``avg_order_value``, ``purchase_frequency_per_year``, ``annual_churn_rate``,
        ``expected_lifespan_years``, ``margin``, ``simple_cltv`` and ``churn_window_days``.
    """
    _check(summary)
    orders = float(summary["n_orders"].sum())
    years = np.maximum(_observed_days(summary), churn_window_days) / DAYS_PER_YEAR
    churn = annual_churn_rate(summary, churn_window_days)
    lifespan = min(1.0 / churn, max_lifespan_years) if churn > 0 else max_lifespan_years
    aov = float(summary["total_spend"].sum()) / orders
    frequency = float(orders / years.sum())
    return {"avg_order_value": aov, "purchase_frequency_per_year": frequency, "annual_churn_rate": churn,
            "expected_lifespan_years": lifespan, "margin": margin,
            "simple_cltv": aov * frequency * lifespan * margin, "churn_window_days": churn_window_days}


def simple_cltv(summary: pd.DataFrame, *, churn_window_days: int = DEFAULTS.simple_cltv_lapse_days, margin: float = DEFAULTS.margin,
                max_lifespan_years: float = 10.0) -> pd.DataFrame:
    """Per-customer simple CLTV: own purchase frequency × own AOV × the population lifespan.

    Parameters
    ----------
    summary : frame
        Per-customer summary with ``first_purchase``, ``last_purchase``, ``n_orders``,
        ``total_spend`` and ``days_since_last``.
    churn_window_days : int, optional
        Churn window in days, also the shortest observed span; default
        ``DEFAULTS.simple_cltv_lapse_days`` (365).
    margin : float, optional
        Profit share of revenue; default ``DEFAULTS.margin`` (1.0, CLTV in revenue).
    max_lifespan_years : float, optional
        Cap on the population's expected lifespan; default 10.

    Returns
    -------
    frame
        Indexed like ``summary`` with ``purchase_frequency_per_year``,
        ``avg_order_value``, ``expected_lifespan_years`` and ``simple_cltv``.
    """
    population = simple_cltv_summary(summary, churn_window_days=churn_window_days, margin=margin,
                                     max_lifespan_years=max_lifespan_years)
    years = np.maximum(_observed_days(summary), churn_window_days) / DAYS_PER_YEAR
    frequency = summary["n_orders"].to_numpy(dtype=float) / years
    aov = summary["total_spend"].to_numpy(dtype=float) / summary["n_orders"].to_numpy(dtype=float)
    lifespan = population["expected_lifespan_years"]
    return pd.DataFrame({"purchase_frequency_per_year": frequency, "avg_order_value": aov,
                         "expected_lifespan_years": lifespan, "simple_cltv": frequency * aov * lifespan * margin},
                        index=summary.index)
