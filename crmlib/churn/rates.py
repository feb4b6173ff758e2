"""Monthly churn rate: churned during the month / customers active at its start.

With the rolling-window definition of :mod:`crmlib.churn.definition`, a customer is *at the
start* of month ``m`` when they were active on the last day before it (bought within
``window_days`` up to that day) and *churned during* ``m`` when, at the month's last day,
``window_days`` have passed since their last purchase. Only complete months are reported, and
only months starting at least one window after the first purchase in the data (before that nobody
can have churned yet, so their 0 % would be an artefact of where the data begin).

Example
-------
>>> import pandas as pd
>>> days = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "d"],
...                      "day": pd.to_datetime(["2024-01-10", "2024-02-15", "2024-03-03",
...                                             "2024-03-20", "2024-04-10"])})
>>> rates = churn_rate_by_month(days, window_days=30, analysis_date="2024-04-30")
>>> rates[["month", "customers_at_start", "churned"]].values.tolist()
[['2024-03', 1, 1], ['2024-04', 2, 1]]
"""

from __future__ import annotations

import pandas as pd

from crmlib.errors import DataError
from crmlib.lang import N_
from crmlib.readiness import NotEnoughData
from crmlib.scans.activity import monthly_churn_counts

RATE_COLUMNS = ["month", "group", "customers_at_start", "churned", "churn_rate"]


def churn_rate_by_month(
    purchase_days: pd.DataFrame,
    window_days: int,
    analysis_date: str | pd.Timestamp,
    groups: pd.Series | None = None,
) -> pd.DataFrame:
    """Churn rate per complete calendar month (and per group when ``groups`` is given).

    Parameters
    ----------
    purchase_days : DataFrame
        ``customer_id`` and ``day`` (:func:`crmlib.scans.summary.purchase_days`).
    window_days : int
        Days without a purchase after which a customer counts as churned.
    analysis_date : date-like
        Months ending after it are left out.
    groups : Series, optional
        customer_id -> group label (channel, segment); customers without a label go to
        ``"unknown"``.

    Returns
    -------
    DataFrame
        Long frame with ``month`` ("YYYY-MM"), ``group`` ("all" without groups),
        ``customers_at_start``, ``churned`` and ``churn_rate`` (NaN when nobody was active).

    Raises
    ------
    NotEnoughData
        When no complete month starts a window after the first purchase.
    """
    missing = [c for c in ("customer_id", "day") if c not in purchase_days]
    if missing:
        raise DataError(f"the purchase-days frame lacks {missing}",
                        hint="Build it with crmlib.scans.summary.purchase_days(transactions, analysis_date).")
    if window_days < 1:
        raise DataError(f"the churn window must be at least one day, not {window_days}",
                        hint="Choose churn_window_days from the purchase-gap distribution.")
    if isinstance(purchase_days, pd.DataFrame) and purchase_days.empty:
        return pd.DataFrame(columns=RATE_COLUMNS)
    out = monthly_churn_counts(purchase_days, window_days, analysis_date, groups)  # one engine scan
    if out.empty:  # no complete month starts a full window after the first purchase
        raise NotEnoughData(
            N_("No calendar month that starts {window:,} days or more after the first purchase is complete by the "
               "analysis date {date:%Y-%m-%d}, so there is no month whose churn rate can be measured."),
            N_("At least {window:,} days and one full calendar month of history, or a shorter `churn_window_days`, "
               "would enable this."), window=window_days, date=pd.Timestamp(analysis_date))
    out["churn_rate"] = out["churned"] / out["customers_at_start"].where(out["customers_at_start"] > 0)
    return out[RATE_COLUMNS]


def churn_rate_summary(rates: pd.DataFrame) -> pd.DataFrame:
    """Per group: months, mean monthly churn rate and the pooled rate (all churned / all at start).

    Parameters
    ----------
    rates : DataFrame
        Monthly rates per group (:func:`churn_rate_by_month`).

    Returns
    -------
    DataFrame
        Index ``group``: ``months``, ``mean_monthly_churn_rate``, ``pooled_churn_rate``; highest
        pooled rate first.
    """
    grouped = rates.groupby("group")
    out = pd.DataFrame({
        "months": grouped.size(),
        "mean_monthly_churn_rate": grouped["churn_rate"].mean(),
        "pooled_churn_rate": grouped["churned"].sum() / grouped["customers_at_start"].sum(),
    })
    return out.sort_values("pooled_churn_rate", ascending=False)
