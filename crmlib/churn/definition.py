"""What "churned" means when nobody cancels: no purchase within a window after a point in time.

A customer is *active* on day ``d`` when they bought in the ``window_days`` days up to and
including ``d`` and *churned* once ``window_days`` have passed since their last purchase. The
window is a business choice; :func:`suggest_window` helps by reading it off the distribution of
gaps between a customer's consecutive purchase days (the gap that, say, 90 % of repeat
purchases come within), so a customer counted as churned is unlikely to be just between two
ordinary purchases.

Example
-------
>>> import pandas as pd
>>> days = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
...                      "day": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-03-01", "2024-01-05"]),
...                      "gap_days": [float("nan"), 10.0, 50.0, float("nan")]})
>>> suggest_window(days, share=0.5)
30
>>> window_coverage(days, 30)
0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.errors import DataError
from crmlib.lang import N_
from crmlib.readiness import NotEnoughData
from crmlib.settings import DEFAULTS


def _gaps(purchase_days: pd.DataFrame) -> pd.Series:
    if "gap_days" not in purchase_days:
        raise DataError("the purchase-days frame lacks 'gap_days'",
                        hint="Build it with crmlib.scans.summary.purchase_days(transactions, analysis_date).")
    return purchase_days["gap_days"].dropna()


def suggest_window(purchase_days: pd.DataFrame, share: float = DEFAULTS.gap_share) -> int:
    """The gap in whole days within which ``share`` of repeat purchases fall (rounded up).

    Parameters
    ----------
    purchase_days : DataFrame
        One row per customer and purchase day with ``gap_days`` (days since the previous one).
    share : float, optional
        Share of repeat purchases the window should cover, strictly between 0 and 1 (default
        ``DEFAULTS.gap_share``).

    Returns
    -------
    int
        The suggested churn window in days.

    Raises
    ------
    NotEnoughData
        When there are no repeat purchases to learn from.
    """
    if not 0 < share < 1:
        raise ValueError(f"share must be between 0 and 1, not {share!r}")
    gaps = _gaps(purchase_days)
    if gaps.empty:
        raise NotEnoughData(
            N_("None of the {n:,} customers bought on two different days, so there are no gaps between purchases "
               "to choose a churn window from."),
            N_("Repeat purchases would enable this; until then the churn window is `churn_window_days`."),
            n=int(purchase_days["customer_id"].nunique()) if "customer_id" in purchase_days else 0)
    return int(np.ceil(gaps.quantile(share, interpolation="linear")))


def window_coverage(purchase_days: pd.DataFrame, window_days: int) -> float:
    """Share of repeat purchases that came within ``window_days`` of the previous one.

    Parameters
    ----------
    purchase_days : DataFrame
        One row per customer and purchase day with ``gap_days``.
    window_days : int
        The churn window in days.

    Returns
    -------
    float
        The share (0 to 1); NaN without repeat purchases.
    """
    gaps = _gaps(purchase_days)
    return float((gaps <= window_days).mean()) if len(gaps) else float("nan")


def gap_quantiles(purchase_days: pd.DataFrame, shares=(0.5, 0.75, 0.8, 0.9, 0.95)) -> pd.DataFrame:
    """Gap in days below which each share of repeat purchases falls.

    Parameters
    ----------
    purchase_days : DataFrame
        One row per customer and purchase day with ``gap_days``.
    shares : sequence of float, optional
        The shares (quantiles) to read off (default 0.5, 0.75, 0.8, 0.9, 0.95).

    Returns
    -------
    DataFrame
        One row per share: ``share`` and ``gap_days``.
    """
    gaps = _gaps(purchase_days)
    return pd.DataFrame({"share": list(shares), "gap_days": [float(gaps.quantile(s)) for s in shares]})


def churn_status(summary: pd.DataFrame, window_days: int) -> pd.Series:
    """``True`` for customers with no purchase in the last ``window_days`` days of the summary.

    Parameters
    ----------
    summary : DataFrame
        :func:`crmlib.scans.summary.customer_summary` at the point in time of interest.
    window_days : int
        The churn window in days.

    Returns
    -------
    Series
        ``churned`` (bool) indexed like ``summary``.
    """
    if "days_since_last" not in summary:
        raise DataError("the summary lacks 'days_since_last'",
                        hint="Pass crmlib.scans.summary.customer_summary(transactions, date).")
    return (summary["days_since_last"] >= window_days).rename("churned")
