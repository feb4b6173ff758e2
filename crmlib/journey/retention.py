"""Journeys of churned and retained customers, and engagement as a churn predictor.

A churned customer (no purchase in the ``churn_window_days`` up to the analysis date, the
churn notebook's rule) is looked at in the ``days`` before they became churned (last purchase +
window); a retained customer in the ``days`` before the analysis date. Counted there: all
contacts, visits, service contacts and — from the feedback table — complaints without a
resolution.

Example
-------
>>> import pandas as pd
>>> summary = pd.DataFrame({"last_purchase": pd.to_datetime(["2024-01-01", "2024-06-20"]),
...                         "days_since_last": [182, 10]}, index=pd.Index(["a", "b"], name="customer_id"))
>>> reference_times(summary, "2024-06-30", 90)["reference_at"].dt.strftime("%Y-%m-%d").tolist()
['2024-03-31', '2024-07-01']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.churn.metrics import score_metrics
from crmlib.churn.models import ChurnClassifier
from crmlib.engine import Engine, default_engine
from crmlib.scans.journeys import SERVICE_PATTERN, VISIT_PATTERN, contacts_before
from crmlib.settings import DEFAULTS

ENGAGEMENT_COLUMNS = ("recent_visits", "recent_service_contacts", "recent_contacts", "days_since_last_contact")
CHURNED, RETAINED = "churned", "retained"


def reference_times(summary: pd.DataFrame, analysis_date, churn_window_days: int) -> pd.DataFrame:
    """Per buyer: whether they have churned and the time their journey is looked at before.

    Parameters
    ----------
    summary : DataFrame
        Index customer_id; ``last_purchase`` and ``days_since_last`` at the analysis date.
    analysis_date : date-like
        The analysis date.
    churn_window_days : int
        A buyer with no purchase for this many days has churned.

    Returns
    -------
    DataFrame
        ``customer_id``, ``status`` (``"churned"`` / ``"retained"``) and ``reference_at`` (when they
        became churned: last purchase day + window, or the end of the analysis date).
    """
    churned = summary["days_since_last"] >= churn_window_days
    end = pd.Timestamp(analysis_date).normalize() + pd.Timedelta(days=1)
    became = summary["last_purchase"].dt.normalize() + pd.Timedelta(days=churn_window_days)
    return pd.DataFrame({"customer_id": summary.index.astype(str),
                         "status": np.where(churned, CHURNED, RETAINED),
                         "reference_at": became.where(churned, end).to_numpy()})


def contacts_before_churn(touchpoints: pd.DataFrame, summary: pd.DataFrame, analysis_date, *,
                          churn_window_days: int = DEFAULTS.churn_window_days,
                          days: int = DEFAULTS.recent_days, feedback: pd.DataFrame | None = None,
                          complaint_rating: int = DEFAULTS.complaint_rating, engine: Engine | None = None) -> pd.DataFrame:
    """One row per buyer: their contacts and unresolved complaints before their reference time.

    Parameters
    ----------
    touchpoints : DataFrame
        Contacts: ``customer_id``, ``channel``, ``timestamp`` (optionally ``touchpoint_type``).
    summary : DataFrame
        Per buyer ``last_purchase`` and ``days_since_last`` (see :func:`reference_times`).
    analysis_date : date-like
        The analysis date.
    churn_window_days : int, optional
        A buyer with no purchase for this many days has churned (default
        ``DEFAULTS.churn_window_days``).
    days : int, optional
        Contacts are counted in this many days before the reference time (default
        ``DEFAULTS.recent_days``).
    feedback : DataFrame, optional
        Feedback with ``customer_id``, ``rating``, ``date`` and ``resolved_at``, for the complaints.
    complaint_rating : int, optional
        Ratings at or below this are complaints (default ``DEFAULTS.complaint_rating``).
    engine : Engine, optional
        The engine that scans the contacts; None uses :func:`crmlib.engine.default_engine`.

    Returns
    -------
    DataFrame
        Index customer_id: ``status``, ``reference_at``, ``contacts``, ``visits``,
        ``service_contacts`` (in the ``days`` before the reference), ``days_since_last_contact``
        and ``unresolved_complaints`` (complaints without ``resolved_at``, dated before the
        reference; NaN without those feedback columns).
    """
    refs = reference_times(summary, analysis_date, churn_window_days)
    counts = contacts_before(engine or default_engine(), touchpoints, refs[["customer_id", "reference_at"]],
                             days=days, visit_pattern=VISIT_PATTERN, service_pattern=SERVICE_PATTERN)
    out = refs.merge(counts, on="customer_id", how="left")
    for column in ("contacts", "visits", "service_contacts"):
        out[column] = out[column].fillna(0).astype(int)
    out["unresolved_complaints"] = np.nan
    if feedback is not None and {"rating", "date", "resolved_at"} <= set(feedback.columns):
        open_ = feedback.loc[(feedback["rating"] <= complaint_rating) & feedback["resolved_at"].isna(),
                             ["customer_id", "date"]].merge(refs, on="customer_id")
        open_ = open_.loc[open_["date"] < open_["reference_at"]]
        out["unresolved_complaints"] = out["customer_id"].map(open_.groupby("customer_id").size()).fillna(0)
    return out.set_index("customer_id")


def compare_churned_retained(contacts: pd.DataFrame) -> pd.DataFrame:
    """Contacts of churned vs retained customers.

    Parameters
    ----------
    contacts : DataFrame
        One row per buyer, as :func:`contacts_before_churn` gives.

    Returns
    -------
    DataFrame
        One row per ``churn_status`` (churned, then retained): ``customers``, ``mean_contacts``,
        ``mean_visits``, ``mean_service_contacts``, ``share_without_contact`` and, when known,
        ``share_with_unresolved_complaint``.
    """
    grouped = contacts.groupby("status")
    table = pd.DataFrame({
        "customers": grouped.size(),
        "mean_contacts": grouped["contacts"].mean(),
        "mean_visits": grouped["visits"].mean(),
        "mean_service_contacts": grouped["service_contacts"].mean(),
        "share_without_contact": (contacts["contacts"] == 0).groupby(contacts["status"]).mean(),
    })
    if contacts["unresolved_complaints"].notna().any():
        table["share_with_unresolved_complaint"] = (contacts["unresolved_complaints"] > 0).groupby(
            contacts["status"]).mean()
    table = table.reindex([s for s in (CHURNED, RETAINED) if s in table.index])
    return table.rename_axis("churn_status").reset_index()


def engagement_gain(tables, *, window_days: int, analysis_date, model: str = "gradient_boosting",
                    recent_days: int = DEFAULTS.recent_days, train_cutoff=None, test_cutoff=None, random_state: int = 0) -> dict:
    """Whether engagement features help the churn model on the later (test) cutoff.

    Fits ``model`` on the train cutoff with and without the engagement columns and scores both on
    the test cutoff, with purchase labels.

    Parameters
    ----------
    tables : ChurnTables
        A :class:`crmlib.churn.study.ChurnTables` with touchpoints.
    window_days : int
        Length of the churn window in days.
    analysis_date : date-like
        The analysis date.
    model : str, optional
        The :class:`~crmlib.churn.models.ChurnClassifier` model (default ``"gradient_boosting"``).
    recent_days : int, optional
        Length in days of the recent-activity period (default ``DEFAULTS.recent_days``).
    train_cutoff, test_cutoff : date-like, optional
        The cutoffs; None takes those of :func:`crmlib.churn.study.default_cutoffs` (computed only
        when one is missing, so given cutoffs work on a history too short for the defaults).
    random_state : int, optional
        Seed of the models (default 0).

    Returns
    -------
    dict
        ``train_cutoff``, ``test_cutoff`` (as "YYYY-MM-DD"), ``features`` (the engagement columns),
        ``roc_auc_with``, ``pr_auc_with``, ``roc_auc_without``, ``pr_auc_without`` and ``gain``
        (ROC-AUC with minus without).
    """
    from crmlib.churn.study import default_cutoffs

    if train_cutoff is None or test_cutoff is None:  # defaults only for what the caller left out
        default_train, default_test = default_cutoffs(analysis_date, window_days, tables.transactions["order_date"].min())
        train_cutoff = default_train if train_cutoff is None else train_cutoff
        test_cutoff = default_test if test_cutoff is None else test_cutoff
    train = pd.Timestamp(train_cutoff).normalize()
    test = pd.Timestamp(test_cutoff).normalize()
    X_train, y_train = tables.training_set(train, window_days, analysis_date, "purchases", recent_days)
    X_test, y_test = tables.training_set(test, window_days, analysis_date, "purchases", recent_days)
    engagement = [c for c in ENGAGEMENT_COLUMNS if c in X_train]
    result = {"train_cutoff": f"{train:%Y-%m-%d}", "test_cutoff": f"{test:%Y-%m-%d}", "features": engagement}
    for label, drop in (("with", []), ("without", engagement)):
        fitted = ChurnClassifier(model, random_state=random_state).fit(X_train.drop(columns=drop), y_train)
        metrics = score_metrics(y_test, fitted.churn_probability(X_test.drop(columns=drop)), True)
        result[f"roc_auc_{label}"], result[f"pr_auc_{label}"] = metrics["roc_auc"], metrics["pr_auc"]
    result["gain"] = result["roc_auc_with"] - result["roc_auc_without"]
    return result
