"""The per-customer summary every analysis uses, and the purchase days it is built from.

Purchases are aggregated to calendar days first (several orders on one day are one
purchase occasion, as in lifetimes and Fader, Hardie & Lee 2005). Then, per customer:

- ``frequency``: repeat purchase days (purchase days − 1);
- ``recency``: time between first and last purchase day; ``T``: analysis date − first purchase;
- ``monetary_value``: mean spend of the repeat purchase days (0 when there is none), the
  Gamma-Gamma input;
- ``total_spend``, ``n_orders``, ``avg_order_value``, ``first_purchase``, ``last_purchase``,
  ``days_since_last``.

``time_unit`` ``"D"`` gives days, ``"W"`` weeks (days / 7). Each function is one engine scan
(:mod:`crmlib.scans.source`: DuckDB by default, any Ibis backend); customers come back in the
order they first appear in the transactions.

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
...                    "amount": [10.0, 5.0, 30.0, 8.0]})
>>> s = customer_summary(tx, "2024-01-21")
>>> [float(v) for v in s.loc["a", ["frequency", "recency", "T", "monetary_value", "total_spend"]]]
[1.0, 10.0, 20.0, 30.0, 45.0]
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from crmlib.engine import ROW_COLUMN
from crmlib.errors import DataError
from crmlib.scans.source import (
    Rows,
    as_float,
    day_number,
    day_of,
    has_row_order,
    money,
    rows_of,
    run,
    to_dates,
)

UNIT_DAYS = {"D": 1.0, "W": 7.0}
SUMMARY_COLUMNS = [
    "first_purchase", "last_purchase", "n_orders", "n_purchase_periods", "frequency", "recency",
    "T", "monetary_value", "total_spend", "avg_order_value", "days_since_last",
]
TRANSACTION_COLUMNS = ["customer_id", "order_date", "amount"]


def _unit_days(time_unit: str) -> float:
    try:
        return UNIT_DAYS[time_unit]
    except KeyError:
        raise DataError(f"unknown time unit {time_unit!r}", hint="Use 'D' (days) or 'W' (weeks).") from None


def _canonical(transactions: Rows, customer_col: str = "customer_id", date_col: str = "order_date",
               amount_col: str = "amount") -> ibis.Table:
    """The transactions as ``customer_id``, ``order_date``, ``amount`` (+ row order) in the engine."""
    table = rows_of(transactions, [customer_col, date_col, amount_col])
    columns = {"customer_id": table[customer_col], "order_date": table[date_col], "amount": table[amount_col]}
    if has_row_order(table):
        columns[ROW_COLUMN] = table[ROW_COLUMN]
    return table.select(**columns)


def purchase_day_rows(transactions: ibis.Table, end_day: int | None = None) -> ibis.Table:
    """One row per (customer, purchase day) up to ``end_day`` (epoch days), as an engine expression.

    Columns: ``customer_id``, ``day`` (epoch days), ``spend`` (the day's total, an exact decimal), ``orders`` and,
    when the input knows its row order, ``first_row`` (the day's first row in the input).

    Parameters
    ----------
    transactions : ibis Table
        Canonical transactions: ``customer_id``, ``order_date``, ``amount`` (and the row order).
    end_day : int, optional
        Last epoch day kept; None (default) keeps every day.

    Returns
    -------
    ibis Table
        One row per (customer, purchase day), with the columns above.
    """
    day = day_number(transactions.order_date)
    rows = transactions.mutate(day=day)
    if end_day is not None:
        rows = rows.filter(rows.day <= end_day)
    metrics = {"spend": money(rows.amount).sum(), "orders": rows.count()}
    if has_row_order(rows):
        metrics["first_row"] = rows[ROW_COLUMN].min()
    return rows.group_by(["customer_id", "day"]).aggregate(**metrics)


def summary_rows(days: ibis.Table, end_day: int | None = None) -> ibis.Table:
    """Per customer, from :func:`purchase_day_rows` (restricted to days <= ``end_day``): ``first_day``,
    ``last_day``, ``n_orders``, ``n_days``, ``total_spend`` and ``repeat_spend`` (all but the first
    day's, both exact sums as floats) (+ ``first_row``).

    Parameters
    ----------
    days : ibis Table
        The purchase days of :func:`purchase_day_rows`.
    end_day : int, optional
        Last epoch day kept; None (default) keeps every day.

    Returns
    -------
    ibis Table
        One row per customer, with the columns above.
    """
    if end_day is not None:
        days = days.filter(days.day <= end_day)
    metrics = {"first_day": days.day.min(), "last_day": days.day.max(), "n_orders": days.orders.sum(),
               "n_days": days.count(), "total_spend": as_float(days.spend.sum()),
               "repeat_spend": as_float(days.spend.sum() - days.spend.argmin(days.day))}
    if "first_row" in days.columns:
        metrics["first_row"] = days.first_row.min()
    return days.group_by("customer_id").aggregate(**metrics)


def _in_first_seen_order(frame: pd.DataFrame) -> pd.DataFrame:
    if "first_row" in frame:
        frame = frame.sort_values("first_row", kind="stable")
    return frame.reset_index(drop=True)


def _summary_frame(raw: pd.DataFrame, end_day: int, unit: float) -> pd.DataFrame:
    """The engine's per-customer rows as the summary frame (``SUMMARY_COLUMNS``, index customer_id)."""
    raw = _in_first_seen_order(raw)
    first = raw["first_day"].to_numpy(np.int64)
    last = raw["last_day"].to_numpy(np.int64)
    n_days = raw["n_days"].to_numpy(np.int64)
    n_orders = raw["n_orders"].to_numpy(np.int64)
    total = raw["total_spend"].to_numpy(np.float64)
    frequency = n_days - 1
    repeat_spend = raw["repeat_spend"].to_numpy(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_spend / np.maximum(frequency, 1), 0.0)
    return pd.DataFrame(
        {
            "first_purchase": to_dates(first),
            "last_purchase": to_dates(last),
            "n_orders": n_orders,
            "n_purchase_periods": n_days,
            "frequency": frequency.astype(np.float64),
            "recency": (last - first) / unit,
            "T": (end_day - first) / unit,
            "monetary_value": monetary,
            "total_spend": total,
            "avg_order_value": total / n_orders,
            "days_since_last": (end_day - last).astype(np.int64),
        },
        index=pd.Index(raw["customer_id"].to_numpy(dtype=object), name="customer_id"),
    )


def _empty_summary(extra: list[str] = ()) -> pd.DataFrame:
    return pd.DataFrame(columns=[*SUMMARY_COLUMNS, *extra], index=pd.Index([], name="customer_id"))


def customer_summary(
    transactions: Rows,
    analysis_date: str | pd.Timestamp,
    time_unit: str = "D",
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Per-customer purchase summary as of ``analysis_date`` (purchases after it are ignored).

    Parameters
    ----------
    transactions : frame or engine table
        Purchases with the customer, date and amount columns.
    analysis_date : str or Timestamp
        The analysis date: ``T`` and ``days_since_last`` are counted up to it.
    time_unit : {"D", "W"}, optional
        Unit of ``recency`` and ``T``: days (default) or weeks.
    customer_col : str, optional
        The customer id column; default ``"customer_id"``.
    date_col : str, optional
        The order date column; default ``"order_date"``.
    amount_col : str, optional
        The amount column; default ``"amount"``.

    Returns
    -------
    frame
        Index ``customer_id``; the columns of ``SUMMARY_COLUMNS`` (empty frame without purchases).
    """
    unit = _unit_days(time_unit)
    table = _canonical(transactions, customer_col, date_col, amount_col)
    end_day = day_of(analysis_date)
    raw = run(summary_rows(purchase_day_rows(table, end_day)), "customer_summary", transactions)
    if raw.empty:
        return _empty_summary()
    return _summary_frame(raw, end_day, unit)


def calibration_holdout_summary(
    transactions: Rows,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp,
    time_unit: str = "D",
) -> pd.DataFrame:
    """Summary of the calibration period plus what each customer did in the holdout.

    Customers whose first purchase is after ``calibration_end`` are left out (they are not
    in the calibration sample). Adds ``frequency_holdout`` (purchase days in the holdout),
    ``monetary_value_holdout`` (mean spend of those days) and ``duration_holdout`` (holdout
    length in ``time_unit``). One scan of the transactions.

    Parameters
    ----------
    transactions : frame or engine table
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    calibration_end : str or Timestamp
        Last day of the calibration period.
    observation_end : str or Timestamp
        Last day of the holdout; must be after ``calibration_end``.
    time_unit : {"D", "W"}, optional
        Unit of ``recency``, ``T`` and ``duration_holdout``: days (default) or weeks.

    Returns
    -------
    frame
        Index ``customer_id``; :func:`customer_summary`'s columns as of ``calibration_end`` plus the
        three holdout columns.
    """
    calibration_end = pd.Timestamp(calibration_end).normalize()
    observation_end = pd.Timestamp(observation_end).normalize()
    if observation_end <= calibration_end:
        raise DataError(
            f"the holdout is empty: calibration end {calibration_end:%Y-%m-%d} is not before "
            f"the observation end {observation_end:%Y-%m-%d}",
            hint="Choose a calibration end date inside the data's date range.",
        )
    unit = _unit_days(time_unit)
    cal_day, obs_day = day_of(calibration_end), day_of(observation_end)
    days = purchase_day_rows(_canonical(transactions), obs_day)
    calibration = days.filter(days.day <= cal_day)
    holdout = days.filter(days.day > cal_day)
    holdout = holdout.group_by("customer_id").aggregate(frequency_holdout=holdout.count(),
                                                        holdout_spend=as_float(holdout.spend.sum()))
    joined = summary_rows(calibration).left_join(holdout, "customer_id")
    raw = run(joined.drop("customer_id_right"), "calibration_holdout_summary", transactions)
    extra = ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]
    if raw.empty:
        return _empty_summary(extra)
    raw = _in_first_seen_order(raw)
    result = _summary_frame(raw, cal_day, unit)
    result["frequency_holdout"] = raw["frequency_holdout"].fillna(0).to_numpy(np.float64)
    spend = raw["holdout_spend"].fillna(0.0).to_numpy(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        result["monetary_value_holdout"] = np.where(result["frequency_holdout"] > 0,
                                                    spend / result["frequency_holdout"].to_numpy(), 0.0)
    result["duration_holdout"] = (observation_end - calibration_end).days / unit
    return result


def purchase_days(
    transactions: Rows,
    analysis_date: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per (customer, purchase day) up to ``analysis_date`` (all days when None).

    Columns: ``customer_id``, ``day`` (datetime64, midnight), ``spend`` (that day's total),
    ``gap_days`` (days since the customer's previous purchase day; NaN on the first). Sorted by
    customer, then day. The tidy input for purchase-gap distributions, activity-based churn
    rates and cohort retention (``crmlib.churn``, whose scans run in the engine again).

    Parameters
    ----------
    transactions : frame or engine table
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    analysis_date : str or Timestamp, optional
        Last day kept; None (default) keeps every day.

    Returns
    -------
    frame
        One row per (customer, purchase day), with the columns above.

    Example
    -------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
    ...                    "amount": [10.0, 5.0, 30.0, 8.0]})
    >>> purchase_days(tx)["gap_days"].tolist()
    [nan, 10.0, nan]
    """
    end_day = None if analysis_date is None else day_of(analysis_date)
    days = purchase_day_rows(_canonical(transactions), end_day)
    previous = days.day.lag().over(ibis.window(group_by=days.customer_id, order_by=days.day))
    expr = days.select("customer_id", "day", spend=as_float(days.spend), gap=days.day - previous).order_by(["customer_id", "day"])
    raw = run(expr, "purchase_days", transactions)
    return pd.DataFrame({
        "customer_id": raw["customer_id"].to_numpy(dtype=object),
        "day": to_dates(raw["day"].to_numpy(np.int64), "ns"),
        "spend": raw["spend"].to_numpy(np.float64),
        "gap_days": raw["gap"].to_numpy(np.float64, na_value=np.nan),
    })


def calibration_purchases_per_day(
    transactions: Rows,
    first_purchase_by: str | pd.Timestamp,
    end: str | pd.Timestamp,
) -> pd.DataFrame:
    """First and repeat purchase days per calendar day of the customers who first bought by a date, counted in the engine.

    Only customers whose first purchase day is on or before ``first_purchase_by`` count (the
    calibration customers of :func:`calibration_holdout_summary`), and only days up to ``end``:
    ``first_purchases`` counts their first purchase days, ``repeat_purchases`` the later ones (the
    days of :func:`purchase_days` with a ``gap_days``), without bringing the rows back.

    Parameters
    ----------
    transactions : frame or engine table
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    first_purchase_by : str or Timestamp
        Last first-purchase day of the customers counted (e.g. the calibration end).
    end : str or Timestamp
        Last day counted.

    Returns
    -------
    frame
        ``day`` (datetime64, midnight), ``first_purchases`` and ``repeat_purchases`` (customers), one
        row per day with at least one of them, sorted by day.

    Example
    -------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c", "c"],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05",
    ...                                                  "2024-01-11", "2024-01-09", "2024-01-12"]),
    ...                    "amount": [10.0, 5.0, 30.0, 8.0, 4.0, 2.0, 3.0]})
    >>> counts = calibration_purchases_per_day(tx, "2024-01-06", "2024-01-31")  # c first bought after 01-06
    >>> [(f"{d:%m-%d}", f, r) for d, f, r in counts[["day", "first_purchases", "repeat_purchases"]].to_numpy()]
    [('01-01', 1, 0), ('01-05', 1, 0), ('01-11', 0, 2)]
    """
    table = _canonical(transactions)
    first_by, end_day = day_of(first_purchase_by), day_of(end)
    rows = table.select("customer_id", day=day_number(table.order_date))
    rows = rows.filter(rows.day <= end_day).distinct()
    rows = rows.mutate(first_day=rows.day.min().over(ibis.window(group_by=rows.customer_id)))
    rows = rows.filter(rows.first_day <= first_by)
    first = rows.day == rows.first_day
    expr = rows.group_by("day").aggregate(first_purchases=first.cast("int64").sum(),
                                          repeat_purchases=(~first).cast("int64").sum()).order_by("day")
    raw = run(expr, "calibration_purchases_per_day", transactions)
    return pd.DataFrame({
        "day": to_dates(raw["day"].to_numpy(np.int64), "ns"),
        "first_purchases": raw["first_purchases"].to_numpy(np.int64),
        "repeat_purchases": raw["repeat_purchases"].to_numpy(np.int64),
    })
