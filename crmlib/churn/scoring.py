"""The churn model workflow in one call, shared by the churn notebook and the overview.

:func:`churn_study` runs the workflow — choose the
label (purchases or the customers table's label), train on the earlier cutoff, evaluate on the
later one, pick the model, refit on the later cutoff and score every customer as of the analysis
date. It is pure; the notebooks share one study through the Workbook's cache
(``wb.cached(churn_study, ds, window_days=...)``), so the churn notebook and the overview's
scorecard use one fit. :func:`score_churn` turns a study into one row per customer
(probability, top driver); pass ``clv`` (e.g. ``crmlib.clv.score_customers(...)["clv"]``) to get ``value_at_risk``.

Example
-------
>>> from crmlib.data.load import load_dataset                                  # doctest: +SKIP
>>> ds = load_dataset("data/sample")                                    # doctest: +SKIP
>>> scores = score_churn(churn_study(ds, window_days=90))               # doctest: +SKIP
>>> scores[["churn_probability", "top_driver"]].head()                  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crmlib.churn.drivers import top_drivers
from crmlib.churn.groups import label_mode
from crmlib.churn.models import ChurnClassifier
from crmlib.churn.priority import value_if_retained
from crmlib.churn.study import ChurnEvaluation, ChurnTables, evaluate_models, score_customers_now
from crmlib.settings import DEFAULTS

SCORE_COLUMNS = ["churn_probability", "top_driver", "driver_effect"]


@dataclass
class ChurnStudy:
    """The churn model workflow's result: evaluation on the later cutoff, the chosen model refitted
    on it, and every customer's features as of the analysis date."""

    evaluation: ChurnEvaluation
    chosen: str
    final_model: ChurnClassifier
    X_now: pd.DataFrame

    @property
    def probability(self) -> pd.Series:
        return self.final_model.churn_probability(self.X_now)


def churn_study(dataset, *, window_days: int = DEFAULTS.churn_window_days, mode: str = DEFAULTS.mode,
                model: str = DEFAULTS.model, recent_days: int = DEFAULTS.recent_days,
                train_cutoff=None, test_cutoff=None,
                complaint_rating: int = DEFAULTS.complaint_rating) -> ChurnStudy:
    """Train on the earlier cutoff, evaluate on the later one, refit the chosen model and prepare today's
    features.

    Parameters
    ----------
    dataset : Dataset
        A :class:`crmlib.data.load.Dataset`.
    window_days : int
        Churned = no purchase (or the customers table's churn date) within this many days after a cutoff.
    mode : str
        ``"auto"``, ``"purchases"`` or ``"labelled"`` (:func:`crmlib.churn.groups.label_mode`).
    model : str
        ``"auto"`` (the best on the test cutoff), ``"gradient_boosting"`` or ``"logistic"``.
    recent_days : int
        Length of the "recent" period of the activity features.
    train_cutoff, test_cutoff : date or None
        The cutoffs; None places them ``window_days`` apart before the analysis date.
    complaint_rating : int
        Feedback rated at or below this counts in the ``n_complaints`` feature (the notebooks'
        ``complaint_rating``; default ``DEFAULTS.complaint_rating``).

    Returns
    -------
    ChurnStudy
        The evaluation, the chosen model refitted on the later cutoff and today's features.
    """
    tables = ChurnTables.from_dataset(dataset, complaint_rating)
    evaluation = evaluate_models(tables, window_days=window_days, analysis_date=dataset.analysis_date,
                                 train_cutoff=train_cutoff, test_cutoff=test_cutoff,
                                 label_source=label_mode(mode, dataset.customers), recent_days=recent_days)
    chosen = evaluation.best_model() if model == "auto" else model
    final, X_now = score_customers_now(tables, evaluation, dataset.analysis_date, chosen, recent_days=recent_days)
    return ChurnStudy(evaluation, chosen, final, X_now)


def score_churn(study: ChurnStudy, *, clv: pd.Series | None = None, p_alive: pd.Series | None = None) -> pd.DataFrame:
    """Churn probability (in the study's window), top driver and its effect per customer.

    Parameters
    ----------
    study : ChurnStudy
        A fitted study from :func:`churn_study` (e.g. ``wb.cached(churn_study, ds, window_days=90)``).
    clv : Series, optional
        customer_id -> CLV; adds ``clv``, ``value_if_retained`` and ``value_at_risk``
        (churn probability × value if retained, :func:`crmlib.churn.priority.value_if_retained`).
    p_alive : Series, optional
        customer_id -> P(alive) of the same CLV model (CLV / P(alive) is the value if retained);
        without it the CLV is used as the value if retained.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` with ``SCORE_COLUMNS`` (plus ``clv``, ``value_if_retained``,
        ``value_at_risk``); ``attrs["churn_model"]`` holds the definition, cutoffs and test
        metrics as a plain dict.
    """
    features = [f for f in study.evaluation.importance["feature"].head(8) if f in study.X_now.columns]
    scores = top_drivers(study.final_model, study.X_now, features)
    scores.insert(0, "churn_probability", study.probability)
    scores = scores[SCORE_COLUMNS].copy()
    if clv is not None:
        scores["clv"] = clv.reindex(scores.index).astype(float)
        scores["value_if_retained"] = value_if_retained(scores["clv"], p_alive)
        scores["value_at_risk"] = scores["churn_probability"] * scores["value_if_retained"]
    scores.attrs["churn_model"] = {**study.evaluation.to_dict(), "model_for_scores": study.chosen}
    return scores
