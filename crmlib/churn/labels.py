"""Churn labels from the window after a cutoff (purchases) or from a labelled customers table.

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
...                    "order_date": pd.to_datetime(["2024-01-01", "2024-02-15", "2024-01-10"]),
...                    "amount": [10.0, 20.0, 5.0]})
>>> purchase_labels(tx, cutoff="2024-01-31", window_days=30, analysis_date="2024-03-31").to_dict()
{'a': False, 'b': True}
"""

from __future__ import annotations

import pandas as pd

from crmlib.errors import DataError
from crmlib.scans.features import bought_in_window


def check_window_observed(cutoff: pd.Timestamp, window_days: int, analysis_date: str | pd.Timestamp) -> None:
    """Raise DataError when the label window after ``cutoff`` runs past the analysis date.

    Parameters
    ----------
    cutoff : Timestamp
        Start of the label window.
    window_days : int
        Length of the churn window in days.
    analysis_date : date-like
        The last day with known data.
    """
    end = pd.Timestamp(analysis_date).normalize()
    if cutoff + pd.Timedelta(days=window_days) > end:
        raise DataError(
            f"the churn window after the cutoff {cutoff:%Y-%m-%d} ({window_days} days) ends after the "
            f"analysis date {end:%Y-%m-%d}, so its labels are not known yet",
            hint=f"Use a cutoff on or before {end - pd.Timedelta(days=window_days):%Y-%m-%d} or a shorter window.")


def purchase_labels(transactions: pd.DataFrame, cutoff: str | pd.Timestamp, window_days: int,
                    analysis_date: str | pd.Timestamp) -> pd.Series:
    """``True`` (churned) for customers who bought by ``cutoff`` and not in the next ``window_days``.

    One engine scan (:func:`crmlib.scans.features.bought_in_window`).

    Parameters
    ----------
    transactions : DataFrame
        Purchases with ``customer_id`` and ``order_date``.
    cutoff : date-like
        Start of the label window (normalised to midnight).
    window_days : int
        Length of the churn window in days.
    analysis_date : date-like
        The window must end on or before it (else DataError).

    Returns
    -------
    Series
        ``churned`` (bool); index: customers with a purchase on or before the cutoff, in
        first-seen order.
    """
    cutoff = pd.Timestamp(cutoff).normalize()
    check_window_observed(cutoff, window_days, analysis_date)
    return (~bought_in_window(transactions, cutoff, window_days)).rename("churned")


def contract_labels(customers: pd.DataFrame, cutoff: str | pd.Timestamp, window_days: int,
                    analysis_date: str | pd.Timestamp) -> pd.Series:
    """Labels from a customers table with ``churned`` and ``churn_date``.

    Customers who had already churned by the cutoff (or signed up after it, when ``signup_date``
    is given) are left out.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id``, ``churned``, ``churn_date`` and optionally ``signup_date``.
    cutoff : date-like
        Start of the label window (normalised to midnight).
    window_days : int
        Length of the churn window in days.
    analysis_date : date-like
        The window must end on or before it (else DataError).

    Returns
    -------
    Series
        ``churned`` (bool) indexed by ``customer_id``: True when the churn date falls within
        ``window_days`` after the cutoff.
    """
    missing = [c for c in ("customer_id", "churned", "churn_date") if c not in customers]
    if missing:
        raise DataError(f"the customers table lacks {missing}, needed for labelled churn prediction",
                        column=missing[0],
                        hint="Map the churn flag to 'churned' and its date to 'churn_date' in dataset.yaml.")
    cutoff = pd.Timestamp(cutoff).normalize()
    check_window_observed(cutoff, window_days, analysis_date)
    table = customers.drop_duplicates("customer_id").set_index("customer_id")
    churned = table["churned"].astype("boolean").fillna(False).astype(bool)
    churn_date = table["churn_date"].where(churned)
    if (churned & churn_date.isna()).any():
        n = int((churned & churn_date.isna()).sum())
        raise DataError(f"{n} churned customers have no churn_date, so their churn cannot be placed in time",
                        column="churn_date", hint="Fill churn_date for every churned customer.")
    at_risk = churn_date.isna() | (churn_date.dt.normalize() > cutoff)
    if "signup_date" in table:
        at_risk &= table["signup_date"].isna() | (table["signup_date"] <= cutoff)
    label = churn_date.dt.normalize() <= cutoff + pd.Timedelta(days=window_days)
    return label.fillna(False).astype(bool).loc[at_risk].rename("churned")
