"""Scans of purchases by calendar month: churn counts, cohort counts, monthly activity, first purchases.

Each function is one engine scan (:mod:`crmlib.scans.source`) over raw transactions
(``order_date``) or purchase days (``day``, from :func:`crmlib.scans.summary.purchase_days`);
results are one row per month (× group, × cohort) or per customer. Months are numbered
``year * 12 + month - 1`` inside the engine and come back as ``"YYYY-MM"``.

Example
-------
>>> import pandas as pd
>>> days = pd.DataFrame({"customer_id": ["a", "a", "b"],
...                      "day": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-20"])})
>>> cohort_counts(days, "2024-03-31").values.tolist()
[['2024-01', 0, 2], ['2024-01', 1, 1]]
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from crmlib.scans.source import Rows, as_float, day_number, day_of, money, rows_of, run

UNKNOWN_GROUP = "unknown"


def month_number(date: ibis.Value) -> ibis.Value:
    """``year * 12 + month - 1`` of a date or timestamp (consecutive months differ by 1).

    Parameters
    ----------
    date : ibis Value
        A date or timestamp column or expression.

    Returns
    -------
    ibis Value
        The month number (int64).
    """
    # months since 1970-01 by DATE_DIFF, not EXTRACT(year/month): DuckDB 2.0 returns wrong GROUP BY
    # keys for EXTRACT-based expressions (its perfect-hash aggregate; month numbers off by 327,680)
    day = date.date() if date.type().is_timestamp() else date
    return day.delta(ibis.date(1970, 1, 1), unit="month").cast("int64") + 1970 * 12


def month_label(numbers) -> list[str]:
    """Month numbers as ``"YYYY-MM"``.

    Parameters
    ----------
    numbers : array-like of int
        Month numbers (``year * 12 + month - 1``).

    Returns
    -------
    list of str
        One ``"YYYY-MM"`` label per number.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    return [f"{y:04d}-{m:02d}" for y, m in zip(numbers // 12, numbers % 12 + 1, strict=True)]


def _month_of(date) -> int:
    date = pd.Timestamp(date)
    return date.year * 12 + date.month - 1


def _distinct_days(rows: Rows, date_col: str) -> ibis.Table:
    """(customer_id, date, day = epoch days), one row per customer and purchase day."""
    table = rows_of(rows, ["customer_id", date_col], "purchase days")
    value = table[date_col]
    date = value.date() if value.type().is_timestamp() else value
    return table.select(customer_id=table.customer_id, date=date, day=day_number(value)).distinct()


def monthly_churn_counts(rows: Rows, window_days: int, analysis_date, groups: pd.Series | None = None,
                         date_col: str = "day") -> pd.DataFrame:
    """Customers active at the start of each complete month and how many of them churned during it.

    Active at the start of month ``m`` = bought in the ``window_days`` days up to the day before
    it; churned during ``m`` = at the month's last day, ``window_days`` or more have passed since
    the last purchase. Only months starting at least one window after the first purchase day.

    Parameters
    ----------
    rows : frame or engine table
        Purchases (or purchase days) with ``customer_id`` and ``date_col``.
    window_days : int
        The churn window: days without a purchase after which a customer has churned.
    analysis_date : str or Timestamp
        The analysis date; months after the last complete one are left out.
    groups : Series, optional
        customer_id -> label splitting the counts (missing: ``"unknown"``); default None.
    date_col : str, optional
        The purchase date column; default ``"day"``.

    Returns
    -------
    frame
        Columns ``month`` ("YYYY-MM"), ``group`` (``"all"`` without groups), ``customers_at_start``,
        ``churned``, one row per (month, group) with someone active at its start.
    """
    days = _distinct_days(rows, date_col)
    first_day = run(days.aggregate(first=days.day.min()), "first purchase day", rows)["first"].iloc[0]
    columns = ["month", "group", "customers_at_start", "churned"]
    if pd.isna(first_day):
        return pd.DataFrame(columns=columns)
    earliest = pd.Timestamp("1970-01-01") + pd.Timedelta(days=int(first_day) + window_days)
    first_month = earliest.to_period("M") + (0 if earliest.day == 1 else 1)
    last_month = (pd.Timestamp(analysis_date).normalize() + pd.Timedelta(days=1)).to_period("M") - 1
    if first_month > last_month:
        return pd.DataFrame(columns=columns)
    periods = pd.period_range(first_month, last_month, freq="M")
    months = ibis.memtable(pd.DataFrame({
        "month": [p.year * 12 + p.month - 1 for p in periods],
        "before": [day_of(p.start_time) - 1 for p in periods],
        "month_end": [day_of(p.end_time) for p in periods],
    }))
    following = days.day.lead().over(ibis.window(group_by=days.customer_id, order_by=days.day))
    spans = days.mutate(next_day=following)
    # the purchase day that is the customer's latest on the day before month m, if within the window
    at_start = spans.join(months, [spans.day <= months.before,
                                   spans.next_day.isnull() | (spans.next_day > months.before),
                                   months.before - spans.day < window_days])
    at_start = at_start.select("customer_id", "month", "month_end", last=at_start.day)
    in_month = days.mutate(month=month_number(days.date))
    in_month = in_month.group_by(["customer_id", "month"]).aggregate(last_in_month=in_month.day.max())
    joined = at_start.left_join(in_month, ["customer_id", "month"])
    latest = ibis.coalesce(joined.last_in_month, joined["last"])
    status = joined.select("customer_id", "month", churned=(joined.month_end - latest >= window_days).cast("int64"))
    if groups is None:
        counted = status.group_by("month").aggregate(customers_at_start=status.count(), churned=status.churned.sum())
        raw = run(counted, "monthly churn counts", rows).assign(group="all")
    else:
        codes, labels = pd.factorize(groups.astype(object))  # missing labels get code -1
        group_frame = pd.DataFrame({"customer_id": groups.index.astype(str), "code": codes})
        table = rows_of(group_frame, ["customer_id", "code"], "groups")  # lives while group_frame does
        labelled = status.left_join(table.select("customer_id", "code"), "customer_id")
        code = labelled.code.fill_null(-1).name("code")
        counted = labelled.group_by(["month", code]).aggregate(customers_at_start=labelled.count(),
                                                               churned=labelled.churned.sum())
        raw = run(counted, "monthly churn counts by group", rows)
        names = np.asarray([*labels, UNKNOWN_GROUP], dtype=object)
        raw["group"] = names[np.where(raw["code"] < 0, len(labels), raw["code"])]
    raw["month"] = month_label(raw["month"])
    out = raw.groupby(["month", "group"], sort=True)[["customers_at_start", "churned"]].sum().reset_index()
    return out.astype({"customers_at_start": np.int64, "churned": np.int64})[columns]


def cohort_counts(rows: Rows, analysis_date, date_col: str = "day") -> pd.DataFrame:
    """Customers of each first-purchase month (``cohort``) buying ``months_since`` months later.

    Purchases after ``analysis_date`` are left out. Columns ``cohort`` ("YYYY-MM"),
    ``months_since`` (0 = the first month), ``customers``; sorted by cohort, then months_since.

    Parameters
    ----------
    rows : frame or engine table
        Purchases (or purchase days) with ``customer_id`` and ``date_col``.
    analysis_date : str or Timestamp
        Last day whose purchases count.
    date_col : str, optional
        The purchase date column; default ``"day"``.

    Returns
    -------
    frame
        One row per (cohort, months_since) with buyers, with the columns above.
    """
    days = _distinct_days(rows, date_col)
    days = days.filter(days.day <= day_of(analysis_date))
    active = days.select("customer_id", month=month_number(days.date)).distinct()
    cohort = active.month.min().over(ibis.window(group_by=active.customer_id))
    active = active.mutate(cohort=cohort)
    counted = active.group_by(["cohort", (active.month - active.cohort).name("months_since")]).aggregate(
        customers=active.count())
    raw = run(counted, "cohort counts", rows).sort_values(["cohort", "months_since"], ignore_index=True)
    return pd.DataFrame({"cohort": month_label(raw["cohort"]),
                         "months_since": raw["months_since"].to_numpy(np.int64),
                         "customers": raw["customers"].to_numpy(np.int64)})


def monthly_activity_counts(transactions: Rows, analysis_date) -> pd.DataFrame:
    """Per calendar month up to the last complete one: ``new_customers`` (first purchase that month),
    ``active_customers``, ``orders``, ``revenue`` and ``returning_customers`` (bought before the month).

    Index ``month`` as a pandas monthly Period; months without purchases are absent.

    Parameters
    ----------
    transactions : frame or engine table
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    analysis_date : str or Timestamp
        The analysis date; months after the last complete one are left out.

    Returns
    -------
    frame
        Index ``month`` (Period), the five columns above; counts of a month without any are NaN.
    """
    table = rows_of(transactions, ["customer_id", "order_date", "amount"])
    end = (pd.Timestamp(analysis_date).normalize() + pd.Timedelta(days=1)).to_period("M") - 1
    rows = table.select("customer_id", "amount", month=month_number(table.order_date))
    rows = rows.filter(rows.month <= end.year * 12 + end.month - 1)
    first = rows.month.min().over(ibis.window(group_by=rows.customer_id))
    rows = rows.mutate(returning=rows.month > first)
    totals = rows.group_by("month").aggregate(orders=rows.count(), revenue=as_float(money(rows.amount).sum()))
    active = rows.select("customer_id", "month", "returning").distinct()
    people = active.group_by("month").aggregate(
        active_customers=active.count(),
        returning_customers=active.returning.cast("int64").sum(),
    )
    raw = run(totals.join(people, "month"), "monthly activity", transactions).sort_values("month")
    months = pd.PeriodIndex(month_label(raw["month"]), freq="M")
    active = raw["active_customers"].to_numpy(np.int64)
    returning = raw["returning_customers"].to_numpy(np.int64)
    return pd.DataFrame({
        "new_customers": _absent_when_zero(active - returning),
        "active_customers": active,
        "orders": raw["orders"].to_numpy(np.int64),
        "revenue": raw["revenue"].to_numpy(np.float64),
        "returning_customers": _absent_when_zero(returning),
    }, index=months)


def _absent_when_zero(counts: np.ndarray) -> np.ndarray:
    """Counts as a group-by of the rows would give them: NaN (not 0) for a month without any."""
    return np.where(counts > 0, counts, np.nan) if (counts == 0).any() else counts


def first_purchases(transactions: Rows) -> pd.DataFrame:
    """Per customer: ``first_order`` (timestamp of the first purchase), index ``customer_id`` (sorted).

    Parameters
    ----------
    transactions : frame or engine table
        Purchases with ``customer_id`` and ``order_date``.

    Returns
    -------
    frame
        Index ``customer_id`` (sorted), column ``first_order`` (timestamp).
    """
    table = rows_of(transactions, ["customer_id", "order_date"])
    raw = run(table.group_by("customer_id").aggregate(first_order=table.order_date.min()), "first purchases",
              transactions)
    raw = raw.sort_values("customer_id", ignore_index=True)
    return pd.DataFrame({"first_order": pd.to_datetime(raw["first_order"]).to_numpy()},
                        index=pd.Index(raw["customer_id"].to_numpy(dtype=object), name="customer_id"))
