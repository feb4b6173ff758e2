"""Leakage-free churn features: everything a customer did up to a cutoff, nothing after it.

Purchase features come from one engine scan (:func:`crmlib.scans.features.purchase_activity`:
the per-customer summary at the cutoff plus the recent-activity counts); returns and feedback are
scanned the same way (:mod:`crmlib.scans.features`). Feedback counts only rows dated on or before the cutoff (a feedback table without dates is left
out, because its timing cannot be checked). Customer attributes (channel, city, age, tenure
since signup) are static; label columns (``churned``, ``churn_date``) are never used.

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
...                    "order_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"]),
...                    "amount": [10.0, 20.0, 5.0]})
>>> X = churn_features(tx, "2024-03-31")
>>> X.loc["a", ["frequency", "days_since_last", "recent_purchases"]].tolist()
[1.0, 30.0, 1.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.errors import DataError
from crmlib.lang import NC_, pgettext
from crmlib.scans.features import feedback_by_customer, purchase_activity, returns_by_customer
from crmlib.settings import DEFAULTS

CATEGORICAL_ATTRIBUTES = ("acquisition_channel", "region", "city", "gender")
LABEL_COLUMNS = ("churned", "churn_date", "tenure_days")
MAX_CATEGORIES = 50  # a customer attribute with more distinct values is not used as a feature

FEATURE_LABELS = {  # plain words for each feature (English; translated in churn.po)
    "frequency": NC_("Churn feature", "repeat purchases so far"),
    "recency": NC_("Churn feature", "time between first and last purchase"),
    "T": NC_("Churn feature", "time since first purchase"),
    "days_since_last": NC_("Churn feature", "days since the last purchase"),
    "monetary_value": NC_("Churn feature", "average repeat-purchase spend"),
    "total_spend": NC_("Churn feature", "total spend"),
    "avg_order_value": NC_("Churn feature", "average order value"),
    "n_orders": NC_("Churn feature", "number of orders"),
    "purchase_rate": NC_("Churn feature", "purchases per 30 days"),
    "overdue_ratio": NC_("Churn feature", "days since last purchase / usual gap"),
    "recent_purchases": NC_("Churn feature", "purchases in the recent period"),
    "recent_spend": NC_("Churn feature", "spend in the recent period"),
    "n_returns": NC_("Churn feature", "number of returns"),
    "returned_share": NC_("Churn feature", "share of spend returned"),
    "n_feedback": NC_("Churn feature", "number of feedback messages"),
    "mean_rating": NC_("Churn feature", "average rating given"),
    "mean_nps": NC_("Churn feature", "average NPS answer"),
    "n_complaints": NC_("Churn feature", "complaints (rating 1–2)"),
    "recent_visits": NC_("Churn feature", "visits in the recent period"),
    "recent_service_contacts": NC_("Churn feature", "service contacts in the recent period"),
    "recent_contacts": NC_("Churn feature", "contacts in the recent period"),
    "days_since_last_contact": NC_("Churn feature", "days since the last contact"),
    "age": NC_("Churn feature", "age"),
    "days_since_signup": NC_("Churn feature", "days since signup"),
    "acquisition_channel": NC_("Churn feature", "acquisition channel"),
    "region": NC_("Churn feature", "region"),
    "city": NC_("Churn feature", "city"),
    "gender": NC_("Churn feature", "gender"),
}


def feature_label(name: str, lang: str = "en") -> str:
    """The plain-words name of a feature.

    Parameters
    ----------
    name : str
        The feature (column) name, e.g. ``"days_since_last"``.
    lang : str, optional
        Language of the name, ``"en"`` (default) or ``"zh"``.

    Returns
    -------
    str
        The translated label, or ``name`` with ``_`` as spaces for an unknown feature.
    """
    if name not in FEATURE_LABELS:
        return name.replace("_", " ")
    return pgettext(lang, "Churn feature", FEATURE_LABELS[name])


def _purchase_features(transactions, cutoff: pd.Timestamp, recent_days: int) -> pd.DataFrame:
    now = purchase_activity(transactions, cutoff, recent_days)  # one engine scan
    out = now[["frequency", "recency", "T", "days_since_last", "monetary_value", "total_spend",
               "avg_order_value", "n_orders"]].astype(float)
    out["purchase_rate"] = 30.0 * out["frequency"] / out["T"].where(out["T"] > 0)
    usual_gap = out["recency"] / out["frequency"].where(out["frequency"] > 0)
    out["overdue_ratio"] = out["days_since_last"] / usual_gap.where(usual_gap > 0)
    out["recent_purchases"] = now["recent_purchase_days"].astype(float)
    out["recent_spend"] = now["recent_spend"]
    return out


def _return_features(returns, cutoff: pd.Timestamp, index: pd.Index, spend: pd.Series) -> pd.DataFrame:
    if returns is None or (isinstance(returns, pd.DataFrame) and returns.empty):
        return pd.DataFrame(index=index)
    counts = returns_by_customer(returns, cutoff)
    n_returns = counts["n_returns"].reindex(index, fill_value=0).astype(float)
    returned = counts["returned"].reindex(index, fill_value=0.0).astype(float)
    return pd.DataFrame({"n_returns": n_returns, "returned_share": returned / spend.where(spend > 0)}, index=index)


def _feedback_features(feedback, cutoff: pd.Timestamp, index: pd.Index,
                       complaint_rating: int = DEFAULTS.complaint_rating) -> pd.DataFrame:
    if feedback is None or (isinstance(feedback, pd.DataFrame) and feedback.empty) or "date" not in feedback.columns:
        return pd.DataFrame(index=index)
    out = feedback_by_customer(feedback, cutoff, complaint_rating).reindex(index).astype(float)
    for column in ("n_feedback", "n_complaints"):
        if column in out:
            out[column] = out[column].fillna(0.0)
    return out


def _customer_features(customers: pd.DataFrame, cutoff: pd.Timestamp, index: pd.Index) -> pd.DataFrame:
    if customers is None or customers.empty:
        return pd.DataFrame(index=index)
    table = customers.drop_duplicates("customer_id").set_index("customer_id").reindex(index)
    out = pd.DataFrame(index=index)
    if "signup_date" in table:
        since = (cutoff - table["signup_date"]).dt.days.astype(float)
        out["days_since_signup"] = since.where(since >= 0)
    if "age" in table:
        out["age"] = pd.to_numeric(table["age"], errors="coerce").astype(float)
    elif "birth_year" in table:
        out["age"] = cutoff.year - pd.to_numeric(table["birth_year"], errors="coerce").astype(float)
    for column in CATEGORICAL_ATTRIBUTES:
        if column in table and column not in LABEL_COLUMNS:
            values = table[column].astype(object).where(table[column].notna(), "unknown").astype(str)
            if 1 < values.nunique() <= MAX_CATEGORIES:
                out[column] = values
    return out


def churn_features(
    transactions: pd.DataFrame,
    cutoff: str | pd.Timestamp,
    *,
    customers: pd.DataFrame | None = None,
    returns: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    recent_days: int = DEFAULTS.recent_days,
    complaint_rating: int = DEFAULTS.complaint_rating,
) -> pd.DataFrame:
    """Feature matrix for customers who bought on or before ``cutoff`` (index ``customer_id``).

    Nothing dated after ``cutoff`` is read.

    Parameters
    ----------
    transactions : DataFrame
        Purchases with ``customer_id``, ``order_date`` and ``amount``.
    cutoff : date-like
        The point in time of the features (normalised to midnight).
    customers : DataFrame, optional
        Customer attributes (signup date, age or birth year, channel, region, city, gender).
    returns : DataFrame, optional
        Returns, for ``n_returns`` and ``returned_share``.
    feedback : DataFrame, optional
        Dated feedback, for ``n_feedback``, ratings, NPS and complaints (left out without ``date``).
    recent_days : int, optional
        Length in days of the recent-activity period, at least 1 (default ``DEFAULTS.recent_days``).
    complaint_rating : int, optional
        Feedback rated at or below this counts in ``n_complaints`` (default
        ``DEFAULTS.complaint_rating``, the notebooks' ``complaint_rating``).

    Returns
    -------
    DataFrame
        Index ``customer_id``; numeric columns are floats (NaN where undefined, e.g.
        ``overdue_ratio`` without a repeat purchase), categorical customer attributes are strings.
    """
    cutoff = pd.Timestamp(cutoff).normalize()
    if recent_days < 1:
        raise DataError(f"recent_days must be at least 1, not {recent_days}", hint="Use e.g. 90.")
    purchases = _purchase_features(transactions, cutoff, recent_days)
    if purchases.empty:
        raise DataError(f"no customer bought on or before the cutoff {cutoff:%Y-%m-%d}",
                        hint="Choose a later cutoff (inside the data's date range).")
    parts = [purchases,
             _return_features(returns, cutoff, purchases.index, purchases["total_spend"]),
             _feedback_features(feedback, cutoff, purchases.index, complaint_rating),
             _customer_features(customers, cutoff, purchases.index)]
    out = pd.concat(parts, axis=1)
    out.index.name = "customer_id"
    numeric = out.select_dtypes("number").columns
    out[numeric] = out[numeric].replace([np.inf, -np.inf], np.nan)
    return out
