"""The churn model workflow in one cached call, shared by the churn notebook and the overview.

:func:`churn_study` runs the workflow — choose the
label (purchases or the customers table's label), train on the earlier cutoff, evaluate on the
later one, pick the model, refit on the later cutoff and score every customer as of the analysis
date. With ``fingerprint`` the result is cached (:mod:`crmlib.cache`), so the churn notebook and
the overview's scorecard use one fit. :func:`score_churn` turns it into one row per customer
(probability, top driver); pass ``clv`` (e.g. ``crmlib.clv.score_customers(...)["clv"]``) to get ``value_at_risk``.

Example
-------
>>> from crmlib.data.load import load_dataset                                  # doctest: +SKIP
>>> ds = load_dataset("data/sample")                                    # doctest: +SKIP
>>> scores = score_churn(ds, window_days=90, fingerprint=ds.fingerprint)  # doctest: +SKIP
>>> scores[["churn_probability", "top_driver"]].head()                  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pandas as pd

from crmlib.cache import cached
from crmlib.churn.drivers import top_drivers
from crmlib.churn.groups import label_mode
from crmlib.churn.models import ChurnClassifier
from crmlib.churn.priority import value_if_retained
from crmlib.churn.study import ChurnEvaluation, ChurnTables, evaluate_models, score_customers_now

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


def _compute(dataset, window_days: int, mode: str, model: str, recent_days: int, train_cutoff, test_cutoff) -> ChurnStudy:
    tables = ChurnTables.from_dataset(dataset)
    evaluation = evaluate_models(tables, window_days=window_days, analysis_date=dataset.analysis_date,
                                 train_cutoff=train_cutoff, test_cutoff=test_cutoff,
                                 label_source=label_mode(mode, dataset.customers), recent_days=recent_days)
    chosen = evaluation.best_model() if model == "auto" else model
    final, X_now = score_customers_now(tables, evaluation, dataset.analysis_date, chosen, recent_days=recent_days)
    return ChurnStudy(evaluation, chosen, final, X_now)


def churn_study(dataset, *, window_days: int = 90, mode: str = "auto", model: str = "auto", recent_days: int = 90,
                train_cutoff=None, test_cutoff=None, fingerprint: str | None = None) -> ChurnStudy:
    """Train on the earlier cutoff, evaluate on the later one, refit the chosen model and prepare today's
    features — once per dataset and settings when ``fingerprint`` is given (cached), so the churn
    notebook and the overview's scorecard share one fit."""
    params = {"window_days": window_days, "mode": mode, "model": model, "recent_days": recent_days,
              "train_cutoff": str(train_cutoff or ""), "test_cutoff": str(test_cutoff or ""),
              "analysis_date": f"{pd.Timestamp(dataset.analysis_date):%Y-%m-%d}"}
    compute = partial(_compute, dataset, window_days, mode, model, recent_days, train_cutoff, test_cutoff)
    return cached("churn_study", fingerprint, params, compute) if fingerprint else compute()


def score_churn(dataset, *, window_days: int = 90, mode: str = "auto", model: str = "auto",
                recent_days: int = 90, clv: pd.Series | None = None, p_alive: pd.Series | None = None,
                fingerprint: str | None = None) -> pd.DataFrame:
    """Churn probability (next ``window_days``), top driver and its effect per customer.

    Parameters
    ----------
    dataset : a :class:`crmlib.data.load.Dataset`.
    window_days, mode, model, recent_days : as the churn notebook's parameters.
    clv : optional Series customer_id -> CLV; adds ``clv``, ``value_if_retained`` and ``value_at_risk``
        (churn probability × value if retained, :func:`crmlib.churn.priority.value_if_retained`).
    p_alive : optional Series customer_id -> P(alive) of the same CLV model (CLV / P(alive) is the
        value if retained); without it the CLV is used as the value if retained.
    fingerprint : ``dataset.fingerprint`` to cache the fit and scores.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with ``SCORE_COLUMNS`` (plus ``clv``, ``value_if_retained``,
    ``value_at_risk``);
    ``attrs["churn_model"]`` holds the definition, cutoffs and test metrics as a plain dict.
    """
    study = churn_study(dataset, window_days=window_days, mode=mode, model=model, recent_days=recent_days,
                        fingerprint=fingerprint)
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
