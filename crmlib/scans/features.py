"""Scans behind the churn features and labels: what each customer did up to a cutoff, and after it.

- :func:`purchase_activity` — the per-customer summary at the cutoff plus purchase days and spend
  in the ``recent_days`` before it (one scan);
- :func:`returns_by_customer` — returns (negative amounts) up to the cutoff;
- :func:`feedback_by_customer` — feedback counts, mean rating / NPS and complaints up to the cutoff;
- :func:`bought_in_window` — whether each customer who bought by the cutoff bought again in the
  window after it (the purchase-based churn label).

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
...                    "order_date": pd.to_datetime(["2024-01-01", "2024-02-15", "2024-01-10"]),
...                    "amount": [10.0, 20.0, 5.0]})
>>> bought_in_window(tx, "2024-01-31", 30).to_dict()
{'a': True, 'b': False}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.engine import ROW_COLUMN
from crmlib.scans.source import (
    Rows,
    as_float,
    day_number,
    day_of,
    has_row_order,
    money,
    rows_of,
    run,
)
from crmlib.scans.summary import (
    _canonical,
    _empty_summary,
    _in_first_seen_order,
    _summary_frame,
    purchase_day_rows,
)
from crmlib.settings import DEFAULTS


def purchase_activity(transactions: Rows, cutoff, recent_days: int) -> pd.DataFrame:
    """:func:`crmlib.scans.summary.customer_summary` at ``cutoff`` plus ``recent_purchase_days`` and
    ``recent_spend`` (purchase days and spend in the ``recent_days`` days up to the cutoff).

    Parameters
    ----------
    transactions : frame or engine table
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    cutoff : str or Timestamp
        Last day whose purchases are read.
    recent_days : int
        Length of the recent window, in days up to the cutoff.

    Returns
    -------
    frame
        Index ``customer_id``; the summary columns (in days) plus the two recent columns.
    """
    end_day = day_of(cutoff)
    days = purchase_day_rows(_canonical(transactions), end_day)
    recent = days.day > end_day - recent_days
    metrics = {"first_day": days.day.min(), "last_day": days.day.max(), "n_orders": days.orders.sum(),
               "n_days": days.count(), "total_spend": as_float(days.spend.sum()),
               "repeat_spend": as_float(days.spend.sum() - days.spend.argmin(days.day)),
               "recent_purchase_days": recent.cast("int64").sum(),
               "recent_spend": as_float(days.spend.sum(where=recent))}
    if "first_row" in days.columns:
        metrics["first_row"] = days.first_row.min()
    raw = run(days.group_by("customer_id").aggregate(**metrics), "purchase activity", transactions)
    if raw.empty:
        return _empty_summary(["recent_purchase_days", "recent_spend"])
    raw = _in_first_seen_order(raw)
    out = _summary_frame(raw, end_day, 1.0)
    out["recent_purchase_days"] = raw["recent_purchase_days"].to_numpy(np.int64)
    out["recent_spend"] = raw["recent_spend"].fillna(0.0).to_numpy(np.float64)
    return out


def returns_by_customer(returns: Rows, cutoff) -> pd.DataFrame:
    """Per customer with a return up to ``cutoff``: ``n_returns`` and ``returned`` (sum of |amount|).

    Parameters
    ----------
    returns : frame or engine table
        Returns with ``customer_id``, ``order_date`` and ``amount`` (negative).
    cutoff : str or Timestamp
        Last day whose returns are read.

    Returns
    -------
    frame
        Index ``customer_id``; columns ``n_returns`` and ``returned`` (money).
    """
    table = rows_of(returns, ["customer_id", "order_date", "amount"], "returns")
    table = table.filter(day_number(table.order_date) <= day_of(cutoff))
    raw = run(table.group_by("customer_id").aggregate(n_returns=table.count(),
                                                     returned=as_float(money(table.amount.abs()).sum())),
              "returns by customer", returns, "returns")
    return raw.set_index("customer_id")


def feedback_by_customer(feedback: Rows, cutoff, complaint_rating: int = DEFAULTS.complaint_rating) -> pd.DataFrame:
    """Per customer with feedback dated up to ``cutoff``: ``n_feedback``, and with the columns
    present ``mean_rating``, ``n_complaints`` (ratings at or below ``complaint_rating``) and ``mean_nps``.

    Parameters
    ----------
    feedback : frame or engine table
        Feedback with ``customer_id``, ``date`` and optionally ``rating`` (1–5), ``nps`` (0–10).
    cutoff : str or Timestamp
        Last day whose feedback is read.
    complaint_rating : int, optional
        Ratings at or below this are complaints (default ``DEFAULTS.complaint_rating``, the
        notebooks' ``complaint_rating``).

    Returns
    -------
    frame
        Index ``customer_id``; the columns above.
    """
    table = rows_of(feedback, ["customer_id", "date"], "feedback", optional=("rating", "nps"))
    table = table.filter(day_number(table.date) <= day_of(cutoff))
    metrics = {"n_feedback": table.count()}
    if "rating" in table.columns:
        metrics["mean_rating"] = table.rating.mean()
        metrics["n_complaints"] = (table.rating <= complaint_rating).cast("int64").sum()
    if "nps" in table.columns:
        metrics["mean_nps"] = table.nps.mean()
    raw = run(table.group_by("customer_id").aggregate(**metrics), "feedback by customer", feedback, "feedback")
    return raw.set_index("customer_id")


def bought_in_window(transactions: Rows, cutoff, window_days: int) -> pd.Series:
    """For each customer with a purchase on or before ``cutoff`` (first-seen order): whether they
    bought on a day in the ``window_days`` days after it.

    Parameters
    ----------
    transactions : frame or engine table
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    cutoff : str or Timestamp
        Last day of the history.
    window_days : int
        Length of the window after the cutoff, in days.

    Returns
    -------
    Series
        ``bought`` (bool) indexed by ``customer_id``.
    """
    table = _canonical(transactions)
    end_day = day_of(cutoff)
    rows = table.mutate(day=day_number(table.order_date))
    rows = rows.filter(rows.day <= end_day + window_days)
    metrics = {"first_day": rows.day.min(), "later": (rows.day > end_day).cast("int64").sum()}
    if has_row_order(rows):  # first seen among the purchases up to the cutoff
        metrics["first_row"] = rows[ROW_COLUMN].min(where=rows.day <= end_day)
    grouped = rows.group_by("customer_id").aggregate(**metrics)
    raw = run(grouped.filter(grouped.first_day <= end_day), "purchases after the cutoff", transactions)
    raw = _in_first_seen_order(raw)
    return pd.Series(raw["later"].to_numpy() > 0, index=pd.Index(raw["customer_id"].to_numpy(dtype=object),
                                                                  name="customer_id"), name="bought")
