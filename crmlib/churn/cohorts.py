"""Cohort retention: the share of each first-purchase month's customers buying N months later.

Example
-------
>>> import pandas as pd
>>> days = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"],
...                      "day": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-20",
...                                             "2024-02-03", "2024-03-09"])})
>>> cohort_retention(days, "2024-03-31").round(2).values.tolist()
[[1.0, 0.5, 0.0], [1.0, 1.0, nan]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.errors import DataError
from crmlib.scans.activity import cohort_counts


def cohort_table(purchase_days: pd.DataFrame, analysis_date: str | pd.Timestamp) -> pd.DataFrame:
    """Long cohort table: customers of each first-purchase month buying N months later.

    Parameters
    ----------
    purchase_days : DataFrame
        ``customer_id`` and ``day`` (:func:`crmlib.scans.summary.purchase_days`).
    analysis_date : date-like
        Months after it are left out; its own month is included even when incomplete.

    Returns
    -------
    DataFrame
        ``cohort`` (first-purchase month, "YYYY-MM"), ``months_since`` (calendar months after it,
        0 = the first month), ``customers`` (buying that month), ``cohort_size`` and
        ``retention`` (= customers / cohort_size).
    """
    missing = [c for c in ("customer_id", "day") if c not in purchase_days]
    if missing:
        raise DataError(f"the purchase-days frame lacks {missing}",
                        hint="Build it with crmlib.scans.summary.purchase_days(transactions, analysis_date).")
    counts = cohort_counts(purchase_days, analysis_date)  # one engine scan
    sizes = counts.loc[counts["months_since"] == 0].set_index("cohort")["customers"]
    counts["cohort_size"] = counts["cohort"].map(sizes)
    counts["retention"] = counts["customers"] / counts["cohort_size"]
    return counts


def cohort_retention(purchase_days: pd.DataFrame, analysis_date: str | pd.Timestamp,
                     max_months: int | None = None) -> pd.DataFrame:
    """Retention matrix: rows cohorts, columns months since first purchase (0, 1, …).

    Parameters
    ----------
    purchase_days : DataFrame
        ``customer_id`` and ``day`` (:func:`crmlib.scans.summary.purchase_days`).
    analysis_date : date-like
        Cells after its month are not yet observable.
    max_months : int, optional
        Last ``months_since`` column kept; None keeps every observable one.

    Returns
    -------
    DataFrame
        Index ``cohort``, columns ``months_since``, values the retention share: NaN where not yet
        observable, 0 for observable months where nobody bought; empty without purchases.
    """
    table = cohort_table(purchase_days, analysis_date)
    if table.empty:
        return pd.DataFrame()
    matrix = table.pivot(index="cohort", columns="months_since", values="retention")
    last = pd.Timestamp(analysis_date).to_period("M")
    cohorts = pd.PeriodIndex(matrix.index, freq="M")
    months_seen = (last.year - cohorts.year) * 12 + (last.month - cohorts.month)  # observable offsets
    n_columns = int(months_seen.max()) + 1
    if max_months is not None:
        n_columns = min(n_columns, max_months + 1)
    matrix = matrix.reindex(columns=range(n_columns))
    observable = np.asarray(months_seen)[:, None] >= np.arange(n_columns)
    matrix = matrix.fillna(0.0).where(observable)
    matrix.index.name, matrix.columns.name = "cohort", "months_since"
    return matrix


def cohort_sizes(purchase_days: pd.DataFrame, analysis_date: str | pd.Timestamp) -> pd.Series:
    """New customers per first-purchase month.

    Parameters
    ----------
    purchase_days : DataFrame
        ``customer_id`` and ``day`` (:func:`crmlib.scans.summary.purchase_days`).
    analysis_date : date-like
        Months after it are left out.

    Returns
    -------
    Series
        ``customers`` indexed by ``cohort`` ("YYYY-MM").
    """
    table = cohort_table(purchase_days, analysis_date)
    return table.loc[table["months_since"] == 0].set_index("cohort")["customers"].rename("customers")
